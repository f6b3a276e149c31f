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
