//! scrypt (`scrypt$<work factor>$<salt>$<block size>$<parallelism>$<hash>`).

use super::{b64, check_salt, constant_time_eq, must_update_salt, HashError, PasswordHasher, SALT_ENTROPY};

/// Django's `ScryptPasswordHasher`: N = 2^14, r = 8, p = 5, a 64-byte hash.
#[derive(Debug, Clone)]
pub struct ScryptPasswordHasher {
    /// N, a power of two.
    pub work_factor: u64,
    /// r.
    pub block_size: u32,
    /// p.
    pub parallelism: u32,
}

impl Default for ScryptPasswordHasher {
    fn default() -> Self {
        ScryptPasswordHasher { work_factor: 1 << 14, block_size: 8, parallelism: 5 }
    }
}

/// The parts of an encoded scrypt hash.
struct Decoded<'a> {
    work_factor: u64,
    salt: &'a str,
    block_size: u32,
    parallelism: u32,
}

fn decode(encoded: &str) -> Option<Decoded<'_>> {
    let mut parts = encoded.splitn(6, '$');
    if parts.next()? != "scrypt" {
        return None;
    }
    let work_factor = parts.next()?.parse().ok()?;
    let salt = parts.next()?;
    let block_size = parts.next()?.parse().ok()?;
    let parallelism = parts.next()?.parse().ok()?;
    parts.next()?;
    Some(Decoded { work_factor, salt, block_size, parallelism })
}

fn hash(password: &str, salt: &str, n: u64, r: u32, p: u32) -> Result<String, HashError> {
    if n < 2 || !n.is_power_of_two() {
        return Err(HashError("n must be a power of 2 greater than 1".into()));
    }
    let log_n = n.trailing_zeros() as u8;
    let params = scrypt::Params::new(log_n, r, p).map_err(|e| HashError(format!("scrypt parameters: {e}")))?;
    let mut out = [0u8; 64];
    scrypt::scrypt(password.as_bytes(), salt.as_bytes(), &params, &mut out)
        .map_err(|e| HashError(format!("scrypt: {e}")))?;
    Ok(b64(&out))
}

impl PasswordHasher for ScryptPasswordHasher {
    fn algorithm(&self) -> &'static str {
        "scrypt"
    }

    fn encode(&self, password: &str, salt: &str) -> Result<String, HashError> {
        check_salt(salt)?;
        let (n, r, p) = (self.work_factor, self.block_size, self.parallelism);
        Ok(format!("scrypt${n}${salt}${r}${p}${}", hash(password, salt, n, r, p)?))
    }

    fn verify(&self, password: &str, encoded: &str) -> bool {
        let Some(d) = decode(encoded) else { return false };
        match hash(password, d.salt, d.work_factor, d.block_size, d.parallelism) {
            Ok(h) => constant_time_eq(
                &format!("scrypt${}${}${}${}${h}", d.work_factor, d.salt, d.block_size, d.parallelism),
                encoded,
            ),
            Err(_) => false,
        }
    }

    fn must_update(&self, encoded: &str) -> bool {
        match decode(encoded) {
            Some(d) => {
                d.work_factor != self.work_factor
                    || d.block_size != self.block_size
                    || d.parallelism != self.parallelism
                    || must_update_salt(d.salt, SALT_ENTROPY)
            }
            None => true,
        }
    }
}
