//! Argon2 (`argon2$argon2id$v=19$m=102400,t=2,p=8$<salt>$<hash>`, the PHC string after the
//! algorithm name, as argon2-cffi writes it for Django).

use base64::Engine;

use super::{constant_time_eq, must_update_salt, HashError, PasswordHasher, SALT_ENTROPY};

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD_NO_PAD;

/// Django's `Argon2PasswordHasher`: argon2id, version 19, t = 2, m = 102,400 KiB, p = 8, a
/// 32-byte hash.
#[derive(Debug, Clone)]
pub struct Argon2PasswordHasher {
    /// Passes over memory (t).
    pub time_cost: u32,
    /// Memory in KiB (m).
    pub memory_cost: u32,
    /// Lanes (p).
    pub parallelism: u32,
}

impl Default for Argon2PasswordHasher {
    fn default() -> Self {
        Argon2PasswordHasher { time_cost: 2, memory_cost: 102_400, parallelism: 8 }
    }
}

/// The parameters and parts of an encoded argon2 hash.
#[derive(Debug, PartialEq)]
struct Decoded {
    variety: argon2::Algorithm,
    version: argon2::Version,
    memory_cost: u32,
    time_cost: u32,
    parallelism: u32,
    salt: Vec<u8>,
    hash_len: usize,
}

fn decode(encoded: &str) -> Option<Decoded> {
    let rest = encoded.strip_prefix("argon2$")?;
    let parts: Vec<&str> = rest.split('$').collect();
    // `argon2id$v=19$m=…,t=…,p=…$salt$hash`, or without the version (v=16) for old hashes.
    let (variety, version, params, salt, hash) = match parts.as_slice() {
        [variety, version, params, salt, hash] => {
            (*variety, version.strip_prefix("v=")?.parse::<u32>().ok()?, *params, *salt, *hash)
        }
        [variety, params, salt, hash] => (*variety, 16, *params, *salt, *hash),
        _ => return None,
    };
    let variety = match variety {
        "argon2id" => argon2::Algorithm::Argon2id,
        "argon2i" => argon2::Algorithm::Argon2i,
        "argon2d" => argon2::Algorithm::Argon2d,
        _ => return None,
    };
    let version = match version {
        19 => argon2::Version::V0x13,
        16 => argon2::Version::V0x10,
        _ => return None,
    };
    let (mut m, mut t, mut p) = (None, None, None);
    for pair in params.split(',') {
        let (key, value) = pair.split_once('=')?;
        let value: u32 = value.parse().ok()?;
        match key {
            "m" => m = Some(value),
            "t" => t = Some(value),
            "p" => p = Some(value),
            _ => return None,
        }
    }
    Some(Decoded {
        variety,
        version,
        memory_cost: m?,
        time_cost: t?,
        parallelism: p?,
        salt: B64.decode(salt.trim_end_matches('=')).ok()?,
        hash_len: B64.decode(hash.trim_end_matches('=')).ok()?.len(),
    })
}

fn name(variety: argon2::Algorithm) -> &'static str {
    match variety {
        argon2::Algorithm::Argon2d => "argon2d",
        argon2::Algorithm::Argon2i => "argon2i",
        argon2::Algorithm::Argon2id => "argon2id",
    }
}

/// The encoded hash of `password` with the parameters of `d`.
fn encode_with(password: &str, d: &Decoded) -> Result<String, HashError> {
    let params = argon2::Params::new(d.memory_cost, d.time_cost, d.parallelism, Some(d.hash_len))
        .map_err(|e| HashError(format!("argon2 parameters: {e}")))?;
    let mut out = vec![0u8; d.hash_len];
    argon2::Argon2::new(d.variety, d.version, params)
        .hash_password_into(password.as_bytes(), &d.salt, &mut out)
        .map_err(|e| HashError(format!("argon2: {e}")))?;
    let version = match d.version {
        argon2::Version::V0x13 => "v=19$",
        argon2::Version::V0x10 => "",
    };
    Ok(format!(
        "argon2${}${version}m={},t={},p={}${}${}",
        name(d.variety),
        d.memory_cost,
        d.time_cost,
        d.parallelism,
        B64.encode(&d.salt),
        B64.encode(&out)
    ))
}

impl Argon2PasswordHasher {
    fn params_for(&self, salt: Vec<u8>) -> Decoded {
        Decoded {
            variety: argon2::Algorithm::Argon2id,
            version: argon2::Version::V0x13,
            memory_cost: self.memory_cost,
            time_cost: self.time_cost,
            parallelism: self.parallelism,
            salt,
            hash_len: 32,
        }
    }
}

impl PasswordHasher for Argon2PasswordHasher {
    fn algorithm(&self) -> &'static str {
        "argon2"
    }

    fn encode(&self, password: &str, salt: &str) -> Result<String, HashError> {
        super::check_salt(salt)?;
        encode_with(password, &self.params_for(salt.as_bytes().to_vec()))
    }

    fn verify(&self, password: &str, encoded: &str) -> bool {
        let Some(d) = decode(encoded) else { return false };
        match encode_with(password, &d) {
            // A hash written with `=` padding or another spelling still verifies: compare the
            // raw hashes, not only the text.
            Ok(again) => constant_time_eq(&again, encoded) || same_hash(&again, encoded),
            Err(_) => false,
        }
    }

    fn must_update(&self, encoded: &str) -> bool {
        let Some(d) = decode(encoded) else { return true };
        let salt = String::from_utf8_lossy(&d.salt).into_owned();
        let wanted = self.params_for(d.salt.clone());
        d != wanted || must_update_salt(&salt, SALT_ENTROPY)
    }
}

/// Whether two encoded hashes hold the same hash bytes.
fn same_hash(a: &str, b: &str) -> bool {
    let last = |s: &str| s.rsplit('$').next().and_then(|h| B64.decode(h.trim_end_matches('=')).ok());
    match (last(a), last(b)) {
        (Some(x), Some(y)) => {
            use subtle::ConstantTimeEq;
            x.len() == y.len() && bool::from(x.ct_eq(&y))
        }
        _ => false,
    }
}
