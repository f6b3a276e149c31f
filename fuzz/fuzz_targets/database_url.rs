//! The URL parser: any text is a configuration or an error, without a panic, and a
//! PostgreSQL configuration never shows its password.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|rest: &str| {
    let url = format!("postgres://u:pa55word@{rest}");
    if let Ok(config) = djorm::DatabaseConfig::from_url(&url) {
        assert!(!format!("{config} {config:?}").contains("pa55word"), "{url:?}");
    }
    let _ = djorm::DatabaseConfig::from_url(rest);
});
