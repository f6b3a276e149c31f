use djorm::prelude::*;

#[derive(Model, Debug, Clone)]
#[djorm(app = "ui")]
struct Counter {
    id: AutoId,
    // Only an AutoId key chooses its auto field class.
    #[djorm(auto_field = "SmallAutoField")]
    hits: i32,
}

fn main() {}
