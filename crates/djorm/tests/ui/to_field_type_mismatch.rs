use djorm::prelude::*;

#[derive(Model, Debug, Clone)]
#[djorm(app = "shop")]
struct Customer {
    id: AutoId,
    #[djorm(max_length = 254, unique)]
    email: String,
}

#[derive(Model, Debug, Clone)]
#[djorm(app = "shop")]
struct Order {
    id: AutoId,
    // The key holds the email, so its type must be `ForeignKey<Customer, String>`.
    #[djorm(on_delete = Cascade, to_field = "email")]
    customer: ForeignKey<Customer>,
}

fn main() {}
