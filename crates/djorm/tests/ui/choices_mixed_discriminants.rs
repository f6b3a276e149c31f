use djorm::Choices;

// Some variants numbered, some not: neither IntegerChoices nor TextChoices.
#[derive(Choices, Clone, Copy)]
enum Suit {
    Diamond = 1,
    Heart,
}

fn main() {}
