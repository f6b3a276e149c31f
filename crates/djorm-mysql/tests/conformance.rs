//! djorm's shared conformance suites on MariaDB: the same files the facade's tests run on
//! SQLite and PostgreSQL, linked here with this backend registered. This binary runs them on
//! MariaDB only (the facade's binaries cover the other two), unless `DJORM_TEST_BACKENDS`
//! names others.
// The constructor below runs before main, while the process has one thread.
#![allow(unsafe_code)]
// Each suite brings the shared models in as its own module, as in its own binary.
#![allow(clippy::duplicate_mod)]

use djorm_mysql as _;

#[ctor::ctor]
fn on_mariadb_only() {
    if std::env::var_os("DJORM_TEST_BACKENDS").is_none() {
        // SAFETY: before main, no other thread reads the environment.
        unsafe { std::env::set_var("DJORM_TEST_BACKENDS", "mysql") };
    }
}

#[path = "../../djorm/tests/aggregation.rs"]
mod aggregation;

#[path = "../../djorm/tests/compiled_once.rs"]
mod compiled_once;

#[path = "../../djorm/tests/concurrency.rs"]
mod concurrency;

#[path = "../../djorm/tests/crud.rs"]
mod crud;

#[path = "../../djorm/tests/deep_input.rs"]
mod deep_input;

#[path = "../../djorm/tests/django_parity.rs"]
mod django_parity;

#[path = "../../djorm/tests/durations.rs"]
mod durations;

#[path = "../../djorm/tests/errors.rs"]
mod errors;

#[path = "../../djorm/tests/expressions.rs"]
mod expressions;

#[path = "../../djorm/tests/faults.rs"]
mod faults;

#[path = "../../djorm/tests/functions.rs"]
mod functions;

#[path = "../../djorm/tests/lookups.rs"]
mod lookups;

#[path = "../../djorm/tests/m2m_changed.rs"]
mod m2m_changed;

#[path = "../../djorm/tests/managers.rs"]
mod managers;

#[path = "../../djorm/tests/math_text_functions.rs"]
mod math_text_functions;

#[path = "../../djorm/tests/on_delete.rs"]
mod on_delete;

#[path = "../../djorm/tests/queryset.rs"]
mod queryset;

#[path = "../../djorm/tests/querysets_more.rs"]
mod querysets_more;

#[path = "../../djorm/tests/relations.rs"]
mod relations;

#[path = "../../djorm/tests/smoke.rs"]
mod smoke;

#[path = "../../djorm/tests/subqueries.rs"]
mod subqueries;

#[path = "../../djorm/tests/time_zones.rs"]
mod time_zones;

#[path = "../../djorm/tests/to_field.rs"]
mod to_field;

#[path = "../../djorm/tests/transactions.rs"]
mod transactions;

#[path = "../../djorm/tests/windows.rs"]
mod windows;
