//! bcrypt (`bcrypt$$2b$12$…`) and bcrypt of the password's SHA-256 (`bcrypt_sha256$$2b$12$…`,
//! which lifts bcrypt's 72-byte limit).

use super::{constant_time_eq, HashError, PasswordHasher};

/// bcrypt's own salt (`$2b$12$` and 22 characters of its base64), from `bcrypt::hash_with_salt`.
fn gensalt(rounds: u32) -> String {
    let mut raw = [0u8; 16];
    getrandom::fill(&mut raw).expect("the operating system's random source");
    match bcrypt::hash_with_salt("", rounds, raw) {
        // `$2b$12$` + 22 salt characters + 31 hash characters: keep the prefix and the salt.
        Ok(parts) => parts.format_for_version(bcrypt::Version::TwoB)[..29].to_owned(),
        Err(_) => String::new(),
    }
}

/// The password bcrypt sees: as given, or the hex of its SHA-256.
fn prepared(password: &str, sha256: bool) -> String {
    if sha256 {
        use sha2::Digest;
        sha2::Sha256::digest(password.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
    } else {
        password.to_owned()
    }
}

/// bcrypt of `password` with `salt` (`$2b$12$` + 22 characters), as Python's `bcrypt.hashpw`.
fn hashpw(password: &str, salt: &str) -> Result<String, HashError> {
    let bad = || HashError("Invalid salt".into());
    let mut parts = salt.splitn(4, '$');
    let (Some(""), Some(version), Some(cost), Some(rest)) = (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(bad());
    };
    let version = match version {
        "2a" => bcrypt::Version::TwoA,
        "2b" => bcrypt::Version::TwoB,
        "2y" => bcrypt::Version::TwoY,
        "2x" => bcrypt::Version::TwoX,
        _ => return Err(bad()),
    };
    let cost: u32 = cost.parse().map_err(|_| bad())?;
    let salt_text = rest.get(..22).ok_or_else(bad)?;
    let raw = decode_bcrypt_base64(salt_text).ok_or_else(bad)?;
    let parts =
        bcrypt::hash_with_salt(password.as_bytes(), cost, raw).map_err(|e| HashError(format!("bcrypt: {e}")))?;
    Ok(parts.format_for_version(version))
}

/// bcrypt's base64 alphabet (`./A-Za-z0-9`), 22 characters to the 16 salt bytes.
fn decode_bcrypt_base64(text: &str) -> Option<[u8; 16]> {
    const ALPHABET: &[u8] = b"./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut bits: u32 = 0;
    let mut nbits = 0;
    let mut out = Vec::with_capacity(16);
    for c in text.bytes() {
        let v = ALPHABET.iter().position(|a| *a == c)? as u32;
        bits = (bits << 6) | v;
        nbits += 6;
        if nbits >= 8 {
            nbits -= 8;
            out.push((bits >> nbits) as u8);
            bits &= (1 << nbits) - 1;
        }
    }
    out.truncate(16);
    out.try_into().ok()
}

/// The cost of an encoded bcrypt hash (`…$2b$12$…` → 12).
fn work_factor(encoded: &str) -> Option<u32> {
    encoded.split('$').nth(3)?.parse().ok()
}

macro_rules! bcrypt_hasher {
    ($(#[$doc:meta])* $name:ident, $algorithm:literal, $sha256:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone)]
        pub struct $name {
            /// The cost (log2 of the rounds) of new hashes.
            pub rounds: u32,
        }

        impl Default for $name {
            fn default() -> Self {
                $name { rounds: 12 }
            }
        }

        impl PasswordHasher for $name {
            fn algorithm(&self) -> &'static str {
                $algorithm
            }

            fn salt(&self) -> String {
                gensalt(self.rounds)
            }

            fn encode(&self, password: &str, salt: &str) -> Result<String, HashError> {
                Ok(format!("{}${}", $algorithm, hashpw(&prepared(password, $sha256), salt)?))
            }

            fn verify(&self, password: &str, encoded: &str) -> bool {
                let Some((algorithm, data)) = encoded.split_once('$') else { return false };
                if algorithm != $algorithm {
                    return false;
                }
                match hashpw(&prepared(password, $sha256), data) {
                    Ok(again) => constant_time_eq(&format!("{}${again}", $algorithm), encoded),
                    Err(_) => false,
                }
            }

            fn must_update(&self, encoded: &str) -> bool {
                work_factor(encoded) != Some(self.rounds)
            }

            fn harden_runtime(&self, password: &str, encoded: &str) {
                // Django hashes again with the old salt 2^(rounds - old) - 1 times: the work a
                // hash of the current cost would have taken.
                let Some(old) = work_factor(encoded) else { return };
                let Some(salt) = encoded.split_once('$').and_then(|(_, data)| data.get(..29)) else { return };
                if old >= self.rounds || self.rounds - old > 16 {
                    return;
                }
                for _ in 0..(1u32 << (self.rounds - old)) - 1 {
                    let _ = hashpw(&prepared(password, $sha256), salt);
                }
            }
        }
    };
}

bcrypt_hasher!(
    /// Django's `BCryptSHA256PasswordHasher`: bcrypt (cost 12) of the hex SHA-256 of the password.
    BCryptSha256PasswordHasher,
    "bcrypt_sha256",
    true
);

bcrypt_hasher!(
    /// Django's `BCryptPasswordHasher`: bcrypt (cost 12) of the password itself, which bcrypt
    /// cuts at 72 bytes.
    BCryptPasswordHasher,
    "bcrypt",
    false
);
