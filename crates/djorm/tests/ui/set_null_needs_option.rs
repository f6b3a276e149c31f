use djorm::prelude::*;

#[derive(Model, Clone)]
struct Author {
    id: AutoId,
}

#[derive(Model)]
struct Post {
    id: AutoId,
    #[djorm(on_delete = SetNull)]
    author: ForeignKey<Author>,
}

fn main() {}
