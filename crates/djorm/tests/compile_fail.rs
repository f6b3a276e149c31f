//! The derive macro's and `q!`'s error messages, pinned with trybuild.

#[test]
fn derive_and_q_errors_read_like_django() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/*.rs");
}
