//! A ForeignKey to another unique field than the primary key (`to_field`), holding that field's
//! type: Django's `ForeignKey(Account, to_field="username")`. Every relation feature reads and
//! writes the username, never the id, on both backends.

use djorm::prelude::*;
use djorm::testing::assert_num_queries;

#[derive(Model, Debug, Clone)]
#[djorm(app = "tofield", db_table = "tofield_account")]
struct Account {
    id: AutoId,
    #[djorm(max_length = 30, unique)]
    username: String,
    entries: Reverse<Entry>,
}

#[derive(Model, Debug, Clone)]
#[djorm(app = "tofield", db_table = "tofield_entry", ordering = ["title"])]
struct Entry {
    id: AutoId,
    #[djorm(on_delete = Cascade, to_field = "username", related_name = "entries")]
    account: ForeignKey<Account, String>,
    #[djorm(max_length = 50)]
    title: String,
}

async fn account(db: &Db, username: &str) -> djorm::Result<Account> {
    Account::objects().create(db, Account { username: username.into(), ..Default::default() }).await
}

djorm::backend_tests! {
    models = [Account, Entry];

    async fn the_key_holds_the_referenced_field(db) {
        // Ids that differ from nothing else: a key holding the id would point at the wrong row.
        let _filler = account(&db, "filler").await?;
        let ann = account(&db, "ann").await?;
        let entry = Entry::objects()
            .create(&db, Entry { account: ForeignKey::new(ann.username.clone()), title: "first".into(), ..Default::default() })
            .await?;
        let stored = Entry::objects().values_list(&db, &["account"]).await?;
        assert_eq!(stored, vec![vec![Value::String("ann".into())]], "the column holds the username");

        let joined = assert_num_queries(&db, 1, Entry::objects().select_related(["account"]).all(&db)).await?;
        assert_eq!(joined[0].account.cached().map(|a| a.id), Some(ann.id));
        let plain = Entry::objects().get(&db, q!(Entry, id = entry.id)).await?;
        assert_eq!(assert_num_queries(&db, 1, plain.account.get(&db)).await?.id, ann.id);
        let across = Entry::objects().filter(Q::new("account__id", ann.id)).all(&db).await?;
        assert_eq!(across.len(), 1);
        let by_key = Entry::objects().filter(Q::new("account", "ann")).count(&db).await?;
        assert_eq!(by_key, 1);
        Ok(())
    }

    async fn the_reverse_side_follows_the_referenced_field(db) {
        let _filler = account(&db, "filler").await?;
        let ann = account(&db, "ann").await?;
        let made = ann.entries.create(&db, Entry { title: "via manager".into(), ..Default::default() }).await?;
        assert_eq!(made.account.id, "ann", "create() through the manager sets the username");
        let loose = Entry::objects()
            .create(&db, Entry { account: ForeignKey::new("filler".to_owned()), title: "moved".into(), ..Default::default() })
            .await?;
        ann.entries.add(&db, [&loose]).await?;
        let titles: Vec<String> = ann.entries.all(&db).await?.into_iter().map(|e| e.title).collect();
        assert_eq!(titles, ["moved", "via manager"]);
        assert_eq!(ann.entries.count(&db).await?, 2);

        let accounts = assert_num_queries(
            &db,
            2,
            Account::objects().order_by(["username"]).prefetch_related(["entries"]).all(&db),
        )
        .await?;
        let counts: Vec<(String, usize)> = accounts
            .iter()
            .map(|a| (a.username.clone(), a.entries.cached().map_or(0, <[Entry]>::len)))
            .collect();
        assert_eq!(counts, [("ann".to_owned(), 2), ("filler".to_owned(), 0)]);
        Ok(())
    }

    async fn cascade_follows_the_referenced_field(db) {
        let filler = account(&db, "filler").await?;
        let ann = account(&db, "ann").await?;
        ann.entries.create(&db, Entry { title: "gone".into(), ..Default::default() }).await?;
        filler.entries.create(&db, Entry { title: "kept".into(), ..Default::default() }).await?;
        let deleted = Account::objects().filter(q!(Account, username = "ann")).delete(&db).await?;
        assert_eq!(deleted.total, 2, "the account and its entry: {deleted:?}");
        let left: Vec<String> = Entry::objects().all(&db).await?.into_iter().map(|e| e.title).collect();
        assert_eq!(left, ["kept"]);
        Ok(())
    }
}
