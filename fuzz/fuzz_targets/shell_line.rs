//! The shell's parser: any line is statements or an error message, without a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|line: &str| {
    let _ = djorm_cli::shell::parse_line(line);
});
