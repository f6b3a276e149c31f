//! Every on_delete rule, with Django's semantics and counts, on both backends.

use djorm::prelude::*;
use djorm::Error;

/// `name` quoted as `db`'s dialect quotes identifiers (`"name"`, or `` `name` `` on MariaDB).
fn quoted(db: &Db, name: &str) -> String {
    let mut out = String::new();
    db.dialect().write_ident(&mut out, name);
    out
}

#[derive(Model, Debug, Clone)]
#[djorm(app = "del")]
struct Owner {
    id: AutoId,
    #[djorm(max_length = 50)]
    name: String,
}

/// CASCADE from Owner; PROTECT, RESTRICT, SET_NULL, SET_DEFAULT and DO_NOTHING hang off it.
#[derive(Model, Debug, Clone)]
#[djorm(app = "del")]
struct Shop {
    id: AutoId,
    #[djorm(on_delete = Cascade, related_name = "shops")]
    owner: ForeignKey<Owner>,
}

#[derive(Model, Debug, Clone)]
#[djorm(app = "del")]
struct Item {
    id: AutoId,
    #[djorm(on_delete = Cascade, related_name = "items")]
    shop: ForeignKey<Shop>,
    #[djorm(on_delete = SetNull, related_name = "picked_items")]
    picker: Option<ForeignKey<Owner>>,
}

#[derive(Model, Debug, Clone)]
#[djorm(app = "del")]
struct Invoice {
    id: AutoId,
    #[djorm(on_delete = Protect, related_name = "invoices")]
    owner: ForeignKey<Owner>,
}

/// RESTRICT to Owner and CASCADE to Shop: deleting the owner cascades to the shop, which
/// allows the restricted audit (Django's RESTRICT semantics).
#[derive(Model, Debug, Clone)]
#[djorm(app = "del")]
struct Audit {
    id: AutoId,
    #[djorm(on_delete = Restrict, related_name = "audits")]
    owner: ForeignKey<Owner>,
    #[djorm(on_delete = Cascade, related_name = "audits")]
    shop: Option<ForeignKey<Shop>>,
}

#[derive(Model, Debug, Clone)]
#[djorm(app = "del")]
struct Review {
    id: AutoId,
    #[djorm(on_delete = SetDefault, default = None)]
    owner: Option<ForeignKey<Owner>>,
}

#[derive(Model, Debug, Clone)]
#[djorm(app = "del")]
struct Log {
    id: AutoId,
    #[djorm(on_delete = DoNothing)]
    owner: ForeignKey<Owner>,
}

async fn owner(db: &Db, name: &str) -> djorm::Result<Owner> {
    Owner::objects().create(db, Owner { name: name.into(), ..Default::default() }).await
}

djorm::backend_tests! {
    models = [Owner, Shop, Item, Invoice, Audit, Review, Log];

    async fn cascade_several_levels_with_counts(db) {
        let ann = owner(&db, "ann").await?;
        let bob = owner(&db, "bob").await?;
        for _ in 0..2 {
            let shop = Shop::objects().create(&db, Shop { owner: (&ann).into(), ..Default::default() }).await?;
            for _ in 0..3 {
                Item::objects().create(&db, Item { shop: (&shop).into(), ..Default::default() }).await?;
            }
        }
        let bobs_shop = Shop::objects().create(&db, Shop { owner: (&bob).into(), ..Default::default() }).await?;
        // an item in bob's shop picked by ann: SET_NULL when ann goes
        let picked = Item::objects().create(&db, Item { shop: (&bobs_shop).into(), picker: Some((&ann).into()), ..Default::default() }).await?;
        let deleted = ann.delete(&db).await?;
        assert_eq!(deleted.total, 1 + 2 + 6);
        assert_eq!(deleted.per_model.get("del.Owner"), Some(&1));
        assert_eq!(deleted.per_model.get("del.Shop"), Some(&2));
        assert_eq!(deleted.per_model.get("del.Item"), Some(&6));
        assert_eq!(Item::objects().count(&db).await?, 1);
        let picked = Item::objects().get(&db, q!(Item, pk = picked.id)).await?;
        assert!(picked.picker.is_none(), "SET_NULL cleared the key");
        assert_eq!(Owner::objects().count(&db).await?, 1);
        Ok(())
    }

    async fn protect_deletes_nothing_and_lists_objects(db) {
        let ann = owner(&db, "ann").await?;
        let shop = Shop::objects().create(&db, Shop { owner: (&ann).into(), ..Default::default() }).await?;
        let invoice = Invoice::objects().create(&db, Invoice { owner: (&ann).into(), ..Default::default() }).await?;
        let err = Owner::objects().filter(q!(Owner, name = "ann")).delete(&db).await.expect_err("protected");
        let Error::Protected { message, objects } = &err else { panic!("{err:?}") };
        assert_eq!(
            message,
            "Cannot delete some instances of model 'Owner' because they are referenced through protected foreign keys: 'Invoice.owner'."
        );
        assert_eq!(objects, &vec![("del.Invoice".to_owned(), invoice.id.into())]);
        // nothing was deleted, not even the cascaded shop
        assert_eq!(Owner::objects().count(&db).await?, 1);
        assert_eq!(Shop::objects().filter(q!(Shop, pk = shop.id)).count(&db).await?, 1);
        Ok(())
    }

    async fn restrict_unless_reached_through_cascade(db) {
        let ann = owner(&db, "ann").await?;
        let shop = Shop::objects().create(&db, Shop { owner: (&ann).into(), ..Default::default() }).await?;
        // An audit pointing at ann directly only: RESTRICT refuses.
        let lone = Audit::objects().create(&db, Audit { owner: (&ann).into(), shop: None, ..Default::default() }).await?;
        let err = ann.delete(&db).await.expect_err("restricted");
        assert!(matches!(&err, Error::Restricted { objects, .. } if objects == &vec![("del.Audit".to_owned(), lone.id.into())]), "{err:?}");
        assert_eq!(Owner::objects().count(&db).await?, 1);
        // Once the audit is also reached through a CASCADE (via the shop), the delete goes ahead.
        Audit::objects().filter(q!(Audit, pk = lone.id)).update(&db, [("shop", shop.id)]).await?;
        let deleted = ann.delete(&db).await?;
        assert_eq!(deleted.per_model.get("del.Audit"), Some(&1));
        assert_eq!(Audit::objects().count(&db).await?, 0);
        Ok(())
    }

    async fn set_default_and_do_nothing(db) {
        let ann = owner(&db, "ann").await?;
        let review = Review::objects().create(&db, Review { owner: Some((&ann).into()), ..Default::default() }).await?;
        ann.delete(&db).await?;
        assert!(Review::objects().get(&db, q!(Review, pk = review.id)).await?.owner.is_none(), "SET_DEFAULT used the default");
        // DO_NOTHING: the ORM leaves the row; the database's foreign key refuses the delete,
        // and the failed transaction leaves everything as it was.
        let bob = owner(&db, "bob").await?;
        Log::objects().create(&db, Log { owner: (&bob).into(), ..Default::default() }).await?;
        let err = bob.delete(&db).await.expect_err("fk violation");
        assert!(matches!(err, Error::Integrity { kind: djorm::IntegrityKind::ForeignKey, .. }), "{err:?}");
        assert_eq!(Owner::objects().filter(q!(Owner, name = "bob")).count(&db).await?, 1);
        Ok(())
    }

    /// Django's query counts: a model nothing needs first goes by one DELETE; a cascade's
    /// children that nothing needs are deleted by their key without being read; a DO_NOTHING
    /// relation's table is never touched.
    async fn deletes_take_djangos_queries(db) {
        let ann = owner(&db, "ann").await?;
        let shop = Shop::objects().create(&db, Shop { owner: (&ann).into(), ..Default::default() }).await?;
        for _ in 0..3 {
            Item::objects().create(&db, Item { shop: (&shop).into(), ..Default::default() }).await?;
        }
        // Items: nothing points at them — one DELETE.
        let capture = db.capture_queries();
        let deleted = Item::objects().filter(q!(Item, shop = shop.id)).delete(&db).await?;
        let sql: Vec<String> = capture.take().into_iter().map(|q| q.sql).collect();
        assert_eq!(deleted.total, 3);
        assert_eq!(sql.len(), 1, "{sql:#?}");
        let item_table = quoted(&db, "del_item");
        assert!(sql[0].starts_with(&format!("DELETE FROM {item_table}")), "{sql:#?}");
        // A shop: its keys read once, its items deleted by shop key without being read.
        Item::objects().create(&db, Item { shop: (&shop).into(), ..Default::default() }).await?;
        let capture = db.capture_queries();
        let deleted = shop.delete(&db).await?;
        let sql: Vec<String> = capture.take().into_iter().map(|q| q.sql).collect();
        assert_eq!((deleted.per_model.get("del.Item"), deleted.per_model.get("del.Shop")), (Some(&1), Some(&1)));
        let reads = sql.iter().filter(|s| s.starts_with("SELECT")).count();
        assert_eq!(reads, 2, "the shop's keys and the audits (RESTRICT) that may point at it: {sql:#?}");
        assert!(!sql.iter().any(|s| s.starts_with("SELECT") && s.contains(&item_table)), "{sql:#?}");
        // An owner with a DO_NOTHING log: the log table is never read.
        let bob = owner(&db, "bob").await?;
        let capture = db.capture_queries();
        bob.delete(&db).await?;
        let sql: Vec<String> = capture.take().into_iter().map(|q| q.sql).collect();
        assert!(!sql.iter().any(|s| s.contains("\"del_log\"")), "{sql:#?}");
        Ok(())
    }

    async fn delete_through_a_relation_filter(db) {
        let ann = owner(&db, "ann").await?;
        let bob = owner(&db, "bob").await?;
        for o in [&ann, &bob] {
            Shop::objects().create(&db, Shop { owner: o.into(), ..Default::default() }).await?;
        }
        let deleted = Shop::objects().filter(q!(Shop, owner__name = "bob")).delete(&db).await?;
        assert_eq!(deleted.total, 1);
        assert_eq!(Shop::objects().filter(q!(Shop, owner = ann.id)).count(&db).await?, 1);
        // update() through a relation filter, too
        let n = Shop::objects().filter(q!(Shop, owner__name = "ann")).update(&db, [("owner", bob.id)]).await?;
        assert_eq!(n, 1);
        assert_eq!(Shop::objects().filter(q!(Shop, owner = bob.id)).count(&db).await?, 1);
        assert_eq!(Owner::objects().filter(Q::new("shops__isnull", true)).count(&db).await?, 1, "ann has none left");
        Ok(())
    }
}
