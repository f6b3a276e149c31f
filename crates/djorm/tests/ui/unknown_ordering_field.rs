use djorm::prelude::*;

#[derive(Model)]
#[djorm(ordering = ["-created"])]
struct Author {
    id: AutoId,
    created_at: DateTime<Utc>,
}

fn main() {}
