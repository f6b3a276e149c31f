//! Salted MD5 (`md5$<salt>$<hex>`): only to read hashes made long ago; never list it first.

use super::{check_salt, constant_time_eq, must_update_salt, HashError, PasswordHasher, SALT_ENTROPY};

/// Django's `MD5PasswordHasher`: MD5 of the salt then the password. Weak: keep it in the list
/// only to verify legacy hashes, which are remade with the preferred hasher on login.
#[derive(Debug, Clone, Copy, Default)]
pub struct Md5PasswordHasher;

fn hex_md5(salt: &str, password: &str) -> String {
    use md5::Digest;
    let mut hasher = md5::Md5::new();
    hasher.update(salt.as_bytes());
    hasher.update(password.as_bytes());
    hasher.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

impl PasswordHasher for Md5PasswordHasher {
    fn algorithm(&self) -> &'static str {
        "md5"
    }

    fn encode(&self, password: &str, salt: &str) -> Result<String, HashError> {
        check_salt(salt)?;
        Ok(format!("md5${salt}${}", hex_md5(salt, password)))
    }

    fn verify(&self, password: &str, encoded: &str) -> bool {
        let mut parts = encoded.splitn(3, '$');
        let (Some("md5"), Some(salt), Some(_)) = (parts.next(), parts.next(), parts.next()) else { return false };
        constant_time_eq(&format!("md5${salt}${}", hex_md5(salt, password)), encoded)
    }

    fn must_update(&self, encoded: &str) -> bool {
        encoded.split('$').nth(1).is_none_or(|salt| must_update_salt(salt, SALT_ENTROPY))
    }
}
