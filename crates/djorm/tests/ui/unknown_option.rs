use djorm::prelude::*;

#[derive(Model)]
struct Author {
    id: AutoId,
    #[djorm(maxlength = 100)]
    name: String,
}

fn main() {}
