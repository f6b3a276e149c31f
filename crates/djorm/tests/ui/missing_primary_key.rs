use djorm::prelude::*;

#[derive(Model)]
struct Author {
    #[djorm(max_length = 100)]
    name: String,
}

fn main() {}
