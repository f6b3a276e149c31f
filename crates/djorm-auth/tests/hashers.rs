//! The hashers against known answers: Django's own test vectors (the same password and salt
//! give the same encoded string), round trips, `must_update`, and unusable passwords.

use std::sync::Arc;

use djorm_auth::hashers::{
    is_password_usable, make_unusable_password, random_string, Argon2PasswordHasher, BCryptPasswordHasher,
    BCryptSha256PasswordHasher, Md5PasswordHasher, PasswordHasher, PasswordHashers, Pbkdf2PasswordHasher,
    Pbkdf2Sha1PasswordHasher, ScryptPasswordHasher, RANDOM_STRING_CHARS,
};

/// Django's test password (with a non-ASCII letter) and salt.
const PASSWORD: &str = "lètmein";
const SALT: &str = "seasalt";

#[test]
fn salted_hashers_reproduce_djangos_vectors() {
    let cases: [(&dyn PasswordHasher, &str); 4] = [
        (&Pbkdf2PasswordHasher::default(), "pbkdf2_sha256$1000000$seasalt$r1uLUxoxpP2Ued/qxvmje7UH9PUJBkRrvf9gGPL7Cps="),
        (&Pbkdf2Sha1PasswordHasher::default(), "pbkdf2_sha1$1000000$seasalt$A053mdnAt0THnbEBJ7jpfP3yz1o="),
        (
            &ScryptPasswordHasher::default(),
            "scrypt$16384$seasalt$8$5$ECMIUp+LMxMSK8xB/IVyba+KYGTI7FTnet025q/1f/vBAVnnP3hdYqJuRi+mJn6ji6ze3Fbb7JEFPKGpuEf5vw==",
        ),
        (&Md5PasswordHasher, "md5$seasalt$3f86d0d3d465b7b458c231bf3555c0e3"),
    ];
    for (hasher, expected) in cases {
        assert_eq!(hasher.encode(PASSWORD, SALT).expect("encode"), expected, "{}", hasher.algorithm());
        assert!(hasher.verify(PASSWORD, expected), "{}", hasher.algorithm());
        assert!(!hasher.verify("lètmeinz", expected), "{}: a wrong password", hasher.algorithm());
    }
}

#[test]
fn argon2_and_bcrypt_round_trip_and_refuse_a_wrong_password() {
    let argon2 = Argon2PasswordHasher::default();
    let encoded = argon2.encode(PASSWORD, "seasaltseasalt").expect("encode");
    assert!(encoded.starts_with("argon2$argon2id$v=19$m=102400,t=2,p=8$c2Vhc2FsdHNlYXNhbHQ$"), "{encoded}");
    assert!(argon2.verify(PASSWORD, &encoded) && !argon2.verify("lètmeinz", &encoded));
    for hasher in
        [&BCryptSha256PasswordHasher { rounds: 5 } as &dyn PasswordHasher, &BCryptPasswordHasher { rounds: 5 }]
    {
        let encoded = hasher.encode(PASSWORD, &hasher.salt()).expect("encode");
        assert!(encoded.starts_with(&format!("{}$$2b$05$", hasher.algorithm())), "{encoded}");
        assert!(hasher.verify(PASSWORD, &encoded) && !hasher.verify("lètmeinz", &encoded));
    }
}

#[test]
fn salts_are_django_length_from_djangos_alphabet() {
    let salt = Pbkdf2PasswordHasher::default().salt();
    assert_eq!(salt.len(), 22);
    assert!(salt.bytes().all(|b| RANDOM_STRING_CHARS.contains(&b)));
    assert_ne!(random_string(22), random_string(22));
    assert!(Pbkdf2PasswordHasher::default().encode(PASSWORD, "bad$salt").is_err());
    assert!(Pbkdf2PasswordHasher::default().encode(PASSWORD, "").is_err());
}

#[test]
fn an_older_work_factor_or_algorithm_must_be_updated() {
    let hashers = PasswordHashers::new(vec![
        Arc::new(Pbkdf2PasswordHasher { iterations: 1000 }) as Arc<dyn PasswordHasher>,
        Arc::new(Md5PasswordHasher),
    ])
    .expect("hashers");
    let current = hashers.make_password(PASSWORD);
    assert!(current.starts_with("pbkdf2_sha256$1000$"));
    let verified = hashers.verify(PASSWORD, &current);
    assert!(verified.correct && !verified.must_update);

    let fewer_rounds = Pbkdf2PasswordHasher { iterations: 500 }.encode(PASSWORD, &random_string(22)).expect("encode");
    let verified = hashers.verify(PASSWORD, &fewer_rounds);
    assert!(verified.correct && verified.must_update, "another iteration count");
    let short_salt = Pbkdf2PasswordHasher { iterations: 1000 }.encode(PASSWORD, SALT).expect("encode");
    assert!(hashers.verify(PASSWORD, &short_salt).must_update, "a salt under 128 bits");
    let legacy = Md5PasswordHasher.encode(PASSWORD, &random_string(22)).expect("encode");
    let verified = hashers.verify(PASSWORD, &legacy);
    assert!(verified.correct && verified.must_update, "another algorithm");
    assert!(!hashers.verify("wrong", &legacy).correct);
    // An algorithm not in the list never matches.
    let argon = Argon2PasswordHasher { time_cost: 1, memory_cost: 64, parallelism: 1 };
    assert!(!hashers.check_password(PASSWORD, &argon.encode(PASSWORD, "seasaltseasalt").expect("encode")));
}

#[test]
fn unusable_passwords_never_match() {
    let unusable = make_unusable_password();
    assert!(unusable.starts_with('!') && unusable.len() == 41, "{unusable}");
    assert!(!is_password_usable(&unusable));
    let hashers = PasswordHashers::default();
    assert!(!hashers.check_password("", &unusable) && !hashers.check_password(&unusable, &unusable));
    assert!(!hashers.check_password(PASSWORD, "") && !hashers.check_password(PASSWORD, "gibberish"));
    assert!(PasswordHashers::from_names("pbkdf2_sha256, nope").is_err());
    assert_eq!(format!("{:?}", PasswordHashers::from_names("argon2,md5").expect("names")), r#"["argon2", "md5"]"#);
}

/// The known answers of Django's own suite (`tests/auth_tests/test_hashers.py`, written when
/// Django's PBKDF2 ran 390,000 rounds and scrypt one lane): each vector reproduces with the
/// parameters it names, and the hashes Django keeps for old argon2 variants still verify.
#[test]
fn djangos_test_suite_vectors_reproduce() {
    let pbkdf2 = Pbkdf2PasswordHasher { iterations: 390_000 };
    let pbkdf2_sha1 = Pbkdf2Sha1PasswordHasher { iterations: 390_000 };
    let scrypt = ScryptPasswordHasher { work_factor: 16384, block_size: 8, parallelism: 1 };
    let cases: [(&dyn PasswordHasher, &str, &str); 5] = [
        (&pbkdf2, "seasalt", "pbkdf2_sha256$390000$seasalt$8xBlGd3jVgvJ+92hWPxi5ww0uuAuAnKgC45eudxro7c="),
        (&pbkdf2, "seasalt2", "pbkdf2_sha256$390000$seasalt2$geC/uZ92nRXDSjSxeoiBqYyRcrLzMm8xK3ro1QS1uo8="),
        (&pbkdf2_sha1, "seasalt2", "pbkdf2_sha1$390000$seasalt2$aDapRanzW8aHTz97v2TcfHzWD+I="),
        (&Md5PasswordHasher, "seasalt", "md5$seasalt$3f86d0d3d465b7b458c231bf3555c0e3"),
        (
            &scrypt,
            "seasalt",
            "scrypt$16384$seasalt$8$1$Qj3+9PPyRjSJIebHnG81TMjsqtaIGxNQG/aEB/NYafTJ7tibgfYz71m0ldQESkXFRkdVCBhhY8mx7rQwite/Pw==",
        ),
    ];
    for (hasher, salt, expected) in cases {
        assert_eq!(hasher.encode(PASSWORD, salt).expect("encode"), expected, "{}", hasher.algorithm());
        assert!(hasher.verify(PASSWORD, expected), "{}", hasher.algorithm());
        assert!(!hasher.verify("lètmeinz", expected), "{}", hasher.algorithm());
        // Blank passwords hash and verify, and a space is not blank.
        let blank = hasher.encode("", salt).expect("encode a blank password");
        assert!(hasher.verify("", &blank) && !hasher.verify(" ", &blank), "{}", hasher.algorithm());
        // Django's salt entropy check: "iodizedsalt" is too short, a fresh salt is not.
        let weak = hasher.encode(PASSWORD, "iodizedsalt").expect("encode");
        let strong = hasher.encode(PASSWORD, &hasher.salt()).expect("encode");
        assert!(hasher.must_update(&weak) && !hasher.must_update(&strong), "{}", hasher.algorithm());
        // test_encode_invalid_salt.
        for bad in ["", "sea$salt"] {
            let said = hasher.encode("password", bad).expect_err("a bad salt");
            assert_eq!(said.0, "salt must be provided and cannot contain $.", "{}", hasher.algorithm());
        }
    }

    // Argon2: old argon2i hashes, without and with the version, still verify.
    let argon2 = Argon2PasswordHasher::default();
    let unversioned = "argon2$argon2i$m=8,t=1,p=1$c29tZXNhbHQ$gwQOXSNhxiOxPOA0+PY10P9QFO4NAYysnqRt1GSQLE55m+2GYDt9FEjPMHhP2Cuf0nOEXXMocVrsJAtNSsKyfg";
    assert!(argon2.verify("secret", unversioned) && !argon2.verify("wrong", unversioned));
    let versioned = "argon2$argon2i$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$YC9+jJCrQhs5R6db7LlN8Q";
    assert!(argon2.verify("secret", versioned) && !argon2.verify("wrong", versioned));
    // test_argon2_version_upgrade: a hash with other parameters than the hasher's is updated.
    let small = Argon2PasswordHasher { time_cost: 1, memory_cost: 8, parallelism: 1 };
    let current = "argon2$argon2id$v=19$m=102400,t=2,p=8$Y041dExhNkljRUUy$TMa6A8fPJhCAUXRhJXCXdw";
    assert!(small.verify("secret", current) && small.must_update(current));
    let weak = small.encode(PASSWORD, "iodizedsalt").expect("encode");
    assert!(small.must_update(&weak) && !small.must_update(&small.encode(PASSWORD, &small.salt()).expect("encode")));

    // bcrypt_sha256: a password longer than bcrypt's 72 bytes is not truncated.
    let long = "VSK0UYV6FFQVZ0KG88DYN9WADAADZO1CTSIVDJUNZSUML6IBX7LN7ZS3R5JGB3RGZ7VI7G7DJQ9NI8BQFSRPTG6UWTTVESA5ZPUN";
    let bcrypt = BCryptSha256PasswordHasher { rounds: 5 };
    let encoded = bcrypt.encode(long, &bcrypt.salt()).expect("encode");
    assert!(bcrypt.verify(long, &encoded) && !bcrypt.verify(&long[..72], &encoded));
}
