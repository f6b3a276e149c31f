use djorm::prelude::*;

#[derive(Model)]
#[djorm(str = "title")]
struct Author {
    id: AutoId,
    name: String,
}

fn main() {}
