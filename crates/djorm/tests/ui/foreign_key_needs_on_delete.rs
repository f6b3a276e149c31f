use djorm::prelude::*;

#[derive(Model, Clone)]
struct Author {
    id: AutoId,
}

#[derive(Model)]
struct Post {
    id: AutoId,
    author: ForeignKey<Author>,
}

fn main() {}
