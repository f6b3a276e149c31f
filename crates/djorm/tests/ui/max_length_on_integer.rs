use djorm::prelude::*;

#[derive(Model)]
struct Post {
    id: AutoId,
    #[djorm(max_length = 10)]
    views: i32,
}

fn main() {}
