use djorm::prelude::*;

#[derive(Model)]
struct Author {
    id: AutoId,
    #[djorm(max_length = 100)]
    name: String,
}

fn main() {
    let _ = q!(Author, id__gt = "seven");
}
