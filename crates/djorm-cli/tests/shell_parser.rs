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

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// The migration-file loader takes any text: a migration, or an error, never a panic.
    #[test]
    fn migration_files_load_or_fail_cleanly(text in any::<String>()) {
        let _ = djorm_migrations::loader::parse("app", "0001_x", &text);
    }

    /// TOML-shaped soup: keys and values of migration files, mixed up.
    #[test]
    fn toml_shaped_migration_soup_never_panics(
        parts in proptest::collection::vec(
            prop_oneof![
                Just("dependencies = [[\"app\", \"0001\"]]\n"), Just("dependencies = []\n"), Just("atomic = false\n"),
                Just("[[operations]]\n"), Just("type = \"CreateModel\"\n"), Just("type = \"RunSQL\"\n"),
                Just("type = \"AddField\"\n"), Just("name = \"x\"\n"), Just("sql = [\"SELECT 1\"]\n"),
                Just("model = \"post\"\n"), Just("fields = []\n"), Just("[operations.field]\n"),
                Just("kind = \"CharField\"\n"), Just("max_length = -1\n"), Just("max_length = 99999999999\n"),
                Just("replaces = [[\"app\"]]\n"), Just("lint_allow = [1, 2]\n"), Just("= \n"), Just("[\n"),
                Just("\"\n"), Just("\u{0}"), Just("é"),
            ],
            0..24,
        )
    ) {
        let _ = djorm_migrations::loader::parse("app", "0001_x", &parts.concat());
    }
}
