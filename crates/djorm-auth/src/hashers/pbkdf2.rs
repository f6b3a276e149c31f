//! PBKDF2 with HMAC-SHA256 (Django's default, `pbkdf2_sha256$<iterations>$<salt>$<hash>`) and
//! with HMAC-SHA1 (`pbkdf2_sha1$…`).

use super::{b64, check_salt, constant_time_eq, must_update_salt, HashError, PasswordHasher, SALT_ENTROPY};

/// The iterations Django 5.2 uses for new hashes.
pub const DJANGO_ITERATIONS: u32 = 1_000_000;

/// The parts of `algorithm$iterations$salt$hash`.
struct Decoded<'a> {
    iterations: u32,
    salt: &'a str,
}

fn decode<'a>(algorithm: &str, encoded: &'a str) -> Option<Decoded<'a>> {
    let mut parts = encoded.splitn(4, '$');
    if parts.next()? != algorithm {
        return None;
    }
    let iterations = parts.next()?.parse().ok()?;
    let salt = parts.next()?;
    parts.next()?;
    Some(Decoded { iterations, salt })
}

macro_rules! pbkdf2_hasher {
    ($(#[$doc:meta])* $name:ident, $algorithm:literal, $digest:ty, $len:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone)]
        pub struct $name {
            /// Rounds for new hashes; a hash with another count is remade on login.
            pub iterations: u32,
        }

        impl Default for $name {
            fn default() -> Self {
                $name { iterations: DJANGO_ITERATIONS }
            }
        }

        impl $name {
            fn hash(password: &str, salt: &str, iterations: u32) -> String {
                let mut out = [0u8; $len];
                pbkdf2::pbkdf2_hmac::<$digest>(password.as_bytes(), salt.as_bytes(), iterations, &mut out);
                b64(&out)
            }
        }

        impl PasswordHasher for $name {
            fn algorithm(&self) -> &'static str {
                $algorithm
            }

            fn encode(&self, password: &str, salt: &str) -> Result<String, HashError> {
                check_salt(salt)?;
                Ok(format!("{}${}${}${}", $algorithm, self.iterations, salt, Self::hash(password, salt, self.iterations)))
            }

            fn verify(&self, password: &str, encoded: &str) -> bool {
                let Some(d) = decode($algorithm, encoded) else { return false };
                if d.iterations == 0 {
                    return false;
                }
                let again = format!("{}${}${}${}", $algorithm, d.iterations, d.salt, Self::hash(password, d.salt, d.iterations));
                constant_time_eq(&again, encoded)
            }

            fn must_update(&self, encoded: &str) -> bool {
                match decode($algorithm, encoded) {
                    Some(d) => d.iterations != self.iterations || must_update_salt(d.salt, SALT_ENTROPY),
                    None => true,
                }
            }

            fn harden_runtime(&self, password: &str, encoded: &str) {
                if let Some(d) = decode($algorithm, encoded) {
                    if self.iterations > d.iterations {
                        let _ = Self::hash(password, d.salt, self.iterations - d.iterations);
                    }
                }
            }
        }
    };
}

pbkdf2_hasher!(
    /// Django's `PBKDF2PasswordHasher`: PBKDF2-HMAC-SHA256, 1,000,000 rounds, 32-byte hash.
    Pbkdf2PasswordHasher,
    "pbkdf2_sha256",
    sha2::Sha256,
    32
);

pbkdf2_hasher!(
    /// Django's `PBKDF2SHA1PasswordHasher`: PBKDF2-HMAC-SHA1, 1,000,000 rounds, 20-byte hash.
    Pbkdf2Sha1PasswordHasher,
    "pbkdf2_sha1",
    sha1::Sha1,
    20
);
