//! Django's semantics through the typed API, where the differential suite (djorm-cli's
//! `django_diff`) cannot reach: instances saved, rows read back with their field's scale.

use djorm::prelude::*;

/// A model whose only column is its key, with a default (Django's `UUIDField(primary_key=True,
/// default=uuid.uuid4)`).
#[derive(Model, Debug, Clone)]
#[djorm(app = "parity")]
struct Token {
    #[djorm(primary_key, default = Uuid::new_v4())]
    id: Uuid,
}

/// A decimal field read back on every backend.
#[derive(Model, Debug, Clone)]
#[djorm(app = "parity", ordering = ["id"])]
struct Price {
    id: AutoId,
    #[djorm(max_digits = 6, decimal_places = 2)]
    amount: Decimal,
    #[djorm(max_digits = 4, decimal_places = 1)]
    rate: Option<Decimal>,
}

/// Django's IntegerChoices: every variant numbered, stored as an integer.
#[derive(Choices, Debug, Clone, Copy, PartialEq, Eq, Default)]
enum Suit {
    #[default]
    Diamond = 1,
    #[djorm(label = "Hearts")]
    Heart = 2,
    Spade = -1,
}

#[derive(Model, Debug, Clone)]
#[djorm(app = "parity", ordering = ["id"])]
struct Card {
    id: AutoId,
    suit: Suit,
}

/// Django's SmallAutoField and AutoField keys, and keys pointing at them.
#[derive(Model, Debug, Clone)]
#[djorm(app = "parity")]
struct Shelf {
    #[djorm(auto_field = "SmallAutoField")]
    id: AutoId,
    #[djorm(max_length = 10)]
    name: String,
}

#[derive(Model, Debug, Clone)]
#[djorm(app = "parity")]
struct Slot {
    #[djorm(auto_field = "AutoField")]
    id: AutoId,
    #[djorm(on_delete = Cascade)]
    shelf: ForeignKey<Shelf>,
}

djorm::backend_tests! {
    models = [Token, Price, Card, Shelf, Slot];

    /// SmallAutoField and AutoField keys are 16- and 32-bit columns (a key to them takes the
    /// same width), numbered by the database, read back and followed like any key.
    async fn small_and_32_bit_auto_keys(db) {
        assert_eq!(<Shelf as Model>::meta().pk().kind, djorm::FieldKind::SmallAutoField);
        assert_eq!(<Slot as Model>::meta().pk().kind, djorm::FieldKind::AutoField);
        let shelf = Shelf::objects().create(&db, Shelf { name: "top".into(), ..Default::default() }).await?;
        let slot = Slot::objects().create(&db, Slot { shelf: (&shelf).into(), ..Default::default() }).await?;
        assert!(shelf.id.is_set() && slot.id.is_set());
        let found = Slot::objects().select_related(["shelf"]).get(&db, q!(Slot, shelf__name = "top")).await?;
        assert_eq!((found.id, found.shelf.cached().map(|s| s.name.as_str())), (slot.id, Some("top")));
        let tables = db.introspect().await?;
        let column = |table: &str, name: &str| {
            let t = tables.iter().find(|t| t.name == table).expect("table");
            t.columns.iter().find(|c| c.name == name).map(|c| c.data_type.to_lowercase()).expect("column")
        };
        if db.vendor() == "postgresql" {
            assert_eq!(column("parity_shelf", "id"), "smallint");
            assert_eq!(column("parity_slot", "id"), "integer");
            assert_eq!(column("parity_slot", "shelf_id"), "smallint");
        }
        Ok(())
    }

    /// Django's output_field: a function given one accepts mixed argument types, and
    /// ExpressionWrapper reads a result as another field class (no cast in SQL).
    async fn output_field_types_results(db) {
        use djorm::{Arg, ExpressionWrapper, FieldKind};
        Price::objects().create(&db, Price { amount: Decimal::new(150, 2), rate: None, ..Default::default() }).await?;
        let mixed = || Coalesce([Arg::from("rate"), Arg::from(Expression::value(0))]);
        let err = Price::objects().annotate("x", mixed()).values_list(&db, &["x"]).await.expect_err("mixed types");
        assert_eq!(err.class(), "FieldError", "{err}");
        let rows = Price::objects().annotate("x", mixed().output_field(FieldKind::FloatField)).values_list(&db, &["x"]).await?;
        assert_eq!(rows, [[Value::F64(0.0)]]);
        let doubled = ExpressionWrapper(F("amount") * 2, FieldKind::FloatField);
        let rows = Price::objects().annotate("x", doubled).values_list(&db, &["x"]).await?;
        assert_eq!(rows, [[Value::F64(3.0)]]);
        Ok(())
    }

    /// IntegerChoices are an IntegerField with choices: stored and compared as integers, read
    /// back as the variant, labelled as declared.
    async fn integer_choices_store_integers(db) {
        use djorm::Choices;
        assert_eq!(<Card as Model>::meta().fields[1].kind, djorm::FieldKind::IntegerField);
        assert_eq!(Suit::CHOICES, &[("1", "Diamond"), ("2", "Hearts"), ("-1", "Spade")]);
        for suit in [Suit::Heart, Suit::Spade, Suit::Heart] {
            Card::objects().create(&db, Card { suit, ..Default::default() }).await?;
        }
        assert_eq!(Card::objects().filter(q!(Card, suit = Suit::Heart)).count(&db).await?, 2);
        assert_eq!(Card::objects().filter(Q::new("suit__lt", 0)).count(&db).await?, 1);
        let read: Vec<Suit> = Card::objects().all(&db).await?.into_iter().map(|c| c.suit).collect();
        assert_eq!(read, [Suit::Heart, Suit::Spade, Suit::Heart]);
        assert_eq!(Suit::Heart.label(), "Hearts");
        Ok(())
    }

    /// Saving a new instance of a key-only model is one INSERT (an UPDATE with nothing to set
    /// was sent before, and failed); saving it again changes nothing.
    async fn a_key_only_model_saves_once(db) {
        let mut token = Token::default();
        token.save(&db).await?;
        assert_eq!(Token::objects().count(&db).await?, 1);
        token.save(&db).await?;
        assert_eq!(Token::objects().count(&db).await?, 1);
        let got = Token::objects().get(&db, q!(Token, id = token.id)).await?;
        assert_eq!(got.id, token.id);
        Ok(())
    }

    /// A decimal reads back with its field's places, as Django quantizes it (SQLite keeps
    /// decimals as floating point: 1.5 came back as "1.5", 3 as "3").
    async fn decimals_read_back_with_their_places(db) {
        for (amount, rate) in [(Decimal::new(15, 1), Some(Decimal::new(2, 0))), (Decimal::new(3, 0), None)] {
            Price::objects().create(&db, Price { amount, rate, ..Default::default() }).await?;
        }
        let prices = Price::objects().all(&db).await?;
        let shown: Vec<(String, Option<String>)> =
            prices.iter().map(|p| (p.amount.to_string(), p.rate.map(|r| r.to_string()))).collect();
        assert_eq!(shown, [("1.50".to_owned(), Some("2.0".to_owned())), ("3.00".to_owned(), None)]);
        // A decimal parameter compares as a number.
        let over = Price::objects().filter(q!(Price, amount__gte = Decimal::new(2, 0))).count(&db).await?;
        assert_eq!(over, 1);
        Ok(())
    }

    /// Django's `save(update_fields=[...])`: only those columns are written; its errors for a
    /// field that cannot be updated, an unsaved object and a row that is gone.
    async fn save_fields_writes_only_the_named_fields(db) {
        let mut price = Price::objects().create(&db, Price { amount: Decimal::new(100, 2), ..Default::default() }).await?;
        price.amount = Decimal::new(250, 2);
        price.rate = Some(Decimal::new(5, 1));
        price.save_fields(&db, &["rate"]).await?;
        let stored = Price::objects().get(&db, q!(Price, id = price.id)).await?;
        assert_eq!((stored.amount.to_string(), stored.rate.map(|r| r.to_string())), ("1.00".into(), Some("0.5".into())));
        // Nothing named: nothing saved.
        price.save_fields(&db, &[]).await?;
        assert_eq!(Price::objects().get(&db, q!(Price, id = price.id)).await?.amount.to_string(), "1.00");

        let err = price.save_fields(&db, &["nope", "id"]).await.expect_err("not updatable");
        assert_eq!(err.class(), "ValueError");
        assert_eq!(
            err.to_string(),
            "The following fields do not exist in this model, are m2m fields, primary keys, or are non-concrete \
             fields: nope, id"
        );
        let err = Price::default().save_fields(&db, &["amount"]).await.expect_err("no key");
        assert_eq!(err.to_string(), "Cannot force an update in save() with no primary key.");
        Price::objects().filter(q!(Price, id = price.id)).delete(&db).await?;
        let err = price.save_fields(&db, &["amount"]).await.expect_err("row gone");
        assert_eq!((err.class(), err.to_string()), ("DatabaseError", "database error: Save with update_fields did not affect any rows.".to_owned()));
        assert_eq!(Price::objects().count(&db).await?, 0, "nothing inserted");
        Ok(())
    }

    /// Django's `save(force_insert=True)`: an INSERT even with a key; a taken key is an
    /// IntegrityError and the row keeps its values.
    async fn force_insert_inserts_or_fails_without_changing_anything(db) {
        let mut token = Token::default();
        token.force_insert(&db).await?;
        assert_eq!(Token::objects().count(&db).await?, 1);
        let mut price = Price::objects().create(&db, Price { amount: Decimal::new(100, 2), ..Default::default() }).await?;
        price.amount = Decimal::new(999, 2);
        let err = price.force_insert(&db).await.expect_err("the key is taken");
        assert_eq!(err.class(), "IntegrityError");
        assert_eq!(Price::objects().get(&db, q!(Price, id = price.id)).await?.amount.to_string(), "1.00");
        assert_eq!(Price::objects().count(&db).await?, 1);
        Ok(())
    }
}
