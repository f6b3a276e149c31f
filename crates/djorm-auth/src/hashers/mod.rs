//! Password hashing in Django's encoded format (`algorithm$…`), interchangeable with Django:
//! a hash either side makes, the other verifies.
//!
//! [`PasswordHashers`] is Django's `PASSWORD_HASHERS`: the first hasher hashes new passwords,
//! the others only verify, and a password checked against an older algorithm or work factor is
//! reported for rehashing (Django's `must_update`), which `User::check_password` does.

mod argon2;
mod bcrypt;
mod md5;
mod pbkdf2;
mod scrypt;

use std::sync::{Arc, OnceLock, RwLock};

pub use self::argon2::Argon2PasswordHasher;
pub use self::bcrypt::{BCryptPasswordHasher, BCryptSha256PasswordHasher};
pub use self::md5::Md5PasswordHasher;
pub use self::pbkdf2::{Pbkdf2PasswordHasher, Pbkdf2Sha1PasswordHasher};
pub use self::scrypt::ScryptPasswordHasher;

/// Django's `RANDOM_STRING_CHARS`: the alphabet of salts and unusable passwords.
pub const RANDOM_STRING_CHARS: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

/// What marks a password no one can log in with (Django's `UNUSABLE_PASSWORD_PREFIX`).
pub const UNUSABLE_PASSWORD_PREFIX: &str = "!";

/// The random characters after the prefix of an unusable password.
pub const UNUSABLE_PASSWORD_SUFFIX_LENGTH: usize = 40;

/// The bits of randomness a salt carries (Django's `salt_entropy`).
pub const SALT_ENTROPY: f64 = 128.0;

/// One way of hashing passwords (Django's `BasePasswordHasher`).
pub trait PasswordHasher: Send + Sync + 'static {
    /// The name the encoded form starts with (`pbkdf2_sha256`).
    fn algorithm(&self) -> &'static str;

    /// A new random salt for this hasher.
    fn salt(&self) -> String {
        random_string(salt_length())
    }

    /// `password` hashed with `salt`, in the encoded form; an error for a salt with `$` or
    /// one the algorithm cannot take.
    fn encode(&self, password: &str, salt: &str) -> Result<String, HashError>;

    /// Whether `password` matches `encoded` (in constant time).
    fn verify(&self, password: &str, encoded: &str) -> bool;

    /// Whether `encoded` was made with other parameters than this hasher's (fewer rounds, a
    /// shorter salt): a correct password is then hashed again.
    fn must_update(&self, encoded: &str) -> bool {
        let _ = encoded;
        false
    }

    /// After a wrong password against a hash with a smaller work factor, spends the
    /// difference, so the time does not tell old hashes from new ones.
    fn harden_runtime(&self, password: &str, encoded: &str) {
        let _ = (password, encoded);
    }
}

/// Why a password could not be hashed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HashError(pub String);

impl std::fmt::Display for HashError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for HashError {}

/// The length of a salt with [`SALT_ENTROPY`] bits from [`RANDOM_STRING_CHARS`] (22).
pub fn salt_length() -> usize {
    (SALT_ENTROPY / (RANDOM_STRING_CHARS.len() as f64).log2()).ceil() as usize
}

/// Django's `must_update_salt`: a salt too short for the entropy expected.
pub fn must_update_salt(salt: &str, expected_entropy: f64) -> bool {
    (salt.chars().count() as f64) * (RANDOM_STRING_CHARS.len() as f64).log2() < expected_entropy
}

/// `length` characters drawn uniformly from [`RANDOM_STRING_CHARS`] with the operating
/// system's random source (Django's `get_random_string`).
pub fn random_string(length: usize) -> String {
    let n = RANDOM_STRING_CHARS.len();
    // Bytes at or above the largest multiple of 62 are dropped, so every character is as
    // likely as the others.
    let limit = 256 - 256 % n;
    let mut out = String::with_capacity(length);
    let mut buf = [0u8; 64];
    while out.len() < length {
        getrandom::fill(&mut buf).expect("the operating system's random source");
        for b in buf {
            if (b as usize) < limit && out.len() < length {
                out.push(RANDOM_STRING_CHARS[b as usize % n] as char);
            }
        }
    }
    out
}

/// Compares two strings in time that depends on their lengths only.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// Django's `is_password_usable`: false for the `!`-prefixed form of an unusable password.
pub fn is_password_usable(encoded: &str) -> bool {
    !encoded.starts_with(UNUSABLE_PASSWORD_PREFIX)
}

/// A password no one can log in with (Django's `make_password(None)`).
pub fn make_unusable_password() -> String {
    format!("{UNUSABLE_PASSWORD_PREFIX}{}", random_string(UNUSABLE_PASSWORD_SUFFIX_LENGTH))
}

/// The outcome of checking a password: whether it is correct, and whether its hash should be
/// made again with the preferred hasher (Django's `verify_password`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verified {
    /// The password matches.
    pub correct: bool,
    /// The hash is of another algorithm or work factor than the preferred one.
    pub must_update: bool,
}

/// Django's `PASSWORD_HASHERS`: the first hashes new passwords, every one verifies.
#[derive(Clone)]
pub struct PasswordHashers {
    hashers: Vec<Arc<dyn PasswordHasher>>,
}

impl std::fmt::Debug for PasswordHashers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.hashers.iter().map(|h| h.algorithm())).finish()
    }
}

impl Default for PasswordHashers {
    /// Django's default list: PBKDF2-SHA256, PBKDF2-SHA1, Argon2, BCrypt-SHA256, scrypt.
    fn default() -> Self {
        PasswordHashers::new(vec![
            Arc::new(Pbkdf2PasswordHasher::default()) as Arc<dyn PasswordHasher>,
            Arc::new(Pbkdf2Sha1PasswordHasher::default()),
            Arc::new(Argon2PasswordHasher::default()),
            Arc::new(BCryptSha256PasswordHasher::default()),
            Arc::new(ScryptPasswordHasher::default()),
        ])
        .expect("a list of hashers")
    }
}

impl PasswordHashers {
    /// The hashers in order of preference; an error for an empty list.
    pub fn new(hashers: Vec<Arc<dyn PasswordHasher>>) -> Result<Self, HashError> {
        if hashers.is_empty() {
            return Err(HashError("You must specify at least one password hasher in PASSWORD_HASHERS.".into()));
        }
        Ok(PasswordHashers { hashers })
    }

    /// Every hasher djorm has, Django's names, for [`PasswordHashers::from_names`].
    pub fn available() -> Vec<Arc<dyn PasswordHasher>> {
        vec![
            Arc::new(Pbkdf2PasswordHasher::default()),
            Arc::new(Pbkdf2Sha1PasswordHasher::default()),
            Arc::new(Argon2PasswordHasher::default()),
            Arc::new(BCryptSha256PasswordHasher::default()),
            Arc::new(BCryptPasswordHasher::default()),
            Arc::new(ScryptPasswordHasher::default()),
            Arc::new(Md5PasswordHasher),
        ]
    }

    /// The hashers named by algorithm (`"argon2,pbkdf2_sha256"`, as `DJORM_PASSWORD_HASHERS`
    /// lists them), in that order.
    pub fn from_names(names: &str) -> Result<Self, HashError> {
        let available = PasswordHashers::available();
        let mut chosen = Vec::new();
        for name in names.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            let hasher = available.iter().find(|h| h.algorithm() == name).ok_or_else(|| {
                let known: Vec<&str> = available.iter().map(|h| h.algorithm()).collect();
                HashError(format!("Unknown password hashing algorithm '{name}'. Choices are: {}", known.join(", ")))
            })?;
            chosen.push(hasher.clone());
        }
        PasswordHashers::new(chosen)
    }

    /// The hasher new passwords use.
    pub fn preferred(&self) -> &dyn PasswordHasher {
        &*self.hashers[0]
    }

    /// The hasher of `algorithm`, if listed.
    pub fn get(&self, algorithm: &str) -> Option<&dyn PasswordHasher> {
        self.hashers.iter().find(|h| h.algorithm() == algorithm).map(|h| &**h)
    }

    /// The hasher that made `encoded` (Django's `identify_hasher`), if it is listed.
    pub fn identify(&self, encoded: &str) -> Option<&dyn PasswordHasher> {
        let algorithm = encoded.split_once('$').map(|(a, _)| a)?;
        self.get(algorithm)
    }

    /// `password` hashed by the preferred hasher with a new salt (Django's `make_password`).
    pub fn make_password(&self, password: &str) -> String {
        let hasher = self.preferred();
        // A salt from the hasher itself never holds `$`: encoding cannot fail.
        hasher.encode(password, &hasher.salt()).unwrap_or_else(|_| make_unusable_password())
    }

    /// `password` hashed by the hasher of `algorithm` with `salt` (Django's
    /// `make_password(password, salt, hasher)`).
    pub fn make_password_with(&self, password: &str, salt: &str, algorithm: &str) -> Result<String, HashError> {
        let hasher = self.get(algorithm).ok_or_else(|| {
            HashError(format!(
                "Unknown password hashing algorithm '{algorithm}'. Did you specify it in the PASSWORD_HASHERS setting?"
            ))
        })?;
        hasher.encode(password, salt)
    }

    /// Whether `password` matches `encoded`, and whether the hash should be remade (Django's
    /// `verify_password`). Unusable passwords and unknown algorithms never match.
    pub fn verify(&self, password: &str, encoded: &str) -> Verified {
        let wrong = Verified { correct: false, must_update: false };
        if !is_password_usable(encoded) {
            return wrong;
        }
        let Some(hasher) = self.identify(encoded) else { return wrong };
        let preferred = self.preferred();
        let changed = hasher.algorithm() != preferred.algorithm();
        let must_update = changed || preferred.must_update(encoded);
        let correct = hasher.verify(password, encoded);
        // Wrong against a cheaper hash of the same algorithm: spend the difference (Django does
        // not guard a change of algorithm).
        if !correct && !changed && must_update {
            hasher.harden_runtime(password, encoded);
        }
        Verified { correct, must_update }
    }

    /// Whether `password` matches `encoded` (Django's `check_password`).
    pub fn check_password(&self, password: &str, encoded: &str) -> bool {
        self.verify(password, encoded).correct
    }
}

fn configured() -> &'static RwLock<Option<PasswordHashers>> {
    static CONFIGURED: OnceLock<RwLock<Option<PasswordHashers>>> = OnceLock::new();
    CONFIGURED.get_or_init(|| RwLock::new(None))
}

/// The process's hashers: those [`configure`] set, else those `DJORM_PASSWORD_HASHERS` names
/// (comma-separated algorithms; an unknown name is reported and Django's default used), else
/// Django's default list.
pub fn hashers() -> PasswordHashers {
    if let Some(set) = configured().read().unwrap_or_else(std::sync::PoisonError::into_inner).as_ref() {
        return set.clone();
    }
    static FROM_ENV: OnceLock<PasswordHashers> = OnceLock::new();
    FROM_ENV
        .get_or_init(|| match std::env::var("DJORM_PASSWORD_HASHERS") {
            Ok(names) if !names.trim().is_empty() => PasswordHashers::from_names(&names).unwrap_or_else(|e| {
                eprintln!("DJORM_PASSWORD_HASHERS: {e}; using Django's default hashers");
                PasswordHashers::default()
            }),
            _ => PasswordHashers::default(),
        })
        .clone()
}

/// Sets the process's hashers (Django's `PASSWORD_HASHERS` setting).
pub fn configure(hashers: PasswordHashers) {
    *configured().write().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(hashers);
}

/// `password` hashed by the process's preferred hasher (Django's `make_password`).
pub fn make_password(password: &str) -> String {
    hashers().make_password(password)
}

/// Whether `password` matches `encoded`, with the process's hashers (Django's
/// `check_password`).
pub fn check_password(password: &str, encoded: &str) -> bool {
    hashers().check_password(password, encoded)
}

/// Base64 with padding, as Python's `base64.b64encode`.
pub(crate) fn b64(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// The salt of an encoded hash must not hold the separator.
pub(crate) fn check_salt(salt: &str) -> Result<(), HashError> {
    if salt.is_empty() || salt.contains('$') {
        return Err(HashError("salt must be provided and cannot contain $.".into()));
    }
    Ok(())
}
