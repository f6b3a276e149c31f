use djorm::prelude::*;

#[derive(Model)]
struct Author {
    id: AutoId,
    #[djorm(null, max_length = 100)]
    name: String,
}

fn main() {}
