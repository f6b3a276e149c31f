use djorm::prelude::*;

#[derive(Model)]
struct Author {
    id: AutoId,
    #[djorm(null)]
    state: InstanceState,
}

#[derive(Model)]
struct Editor {
    id: AutoId,
    state: InstanceState,
    again: InstanceState,
}

fn main() {}
