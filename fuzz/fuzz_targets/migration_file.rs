//! The migration-file loader: any file text is a migration or an error, without a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let _ = djorm_migrations::loader::parse("app", "0001_x", text);
});
