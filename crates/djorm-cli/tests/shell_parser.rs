//! The shell's parser never panics, whatever it is fed.

use djorm_cli::shell::parse_line;
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn arbitrary_text_never_panics(line in any::<String>()) {
        let _ = parse_line(&line);
    }

    #[test]
    fn shell_like_token_soup_never_panics(
        parts in proptest::collection::vec(
            prop_oneof![
                Just("Post"), Just(".objects"), Just(".filter("), Just(")"), Just("("), Just("["), Just("]"),
                Just(":"), Just(","), Just("="), Just("|"), Just("&"), Just("~"), Just("-"), Just("+"),
                Just("\"a\""), Just("'"), Just("1"), Just("1.5"), Just("99999999999999999999"), Just("x__in"),
                Just(";"), Just(" "), Just("."), Just("Q("), Just("None"), Just("\\"), Just("é"),
            ],
            0..40,
        )
    ) {
        let _ = parse_line(&parts.concat());
    }
}
