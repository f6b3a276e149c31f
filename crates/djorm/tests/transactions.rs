//! Transactions and select_for_update: commit, rollback, rollback on drop, row locks.

mod common;
use common::*;
use djorm::prelude::*;

djorm::backend_tests! {
    models = [Author];

    async fn commit_keeps_and_rollback_or_drop_discards(db) {
        let tx = db.begin().await?;
        Author::objects().create(&tx, Author::new("Kept", "kept@example.com")).await?;
        assert_eq!(Author::objects().count(&tx).await?, 1, "visible inside the transaction");
        tx.commit().await?;
        assert_eq!(Author::objects().count(&db).await?, 1);

        let tx = db.begin().await?;
        Author::objects().create(&tx, Author::new("Undone", "undone@example.com")).await?;
        tx.rollback().await?;
        let tx = db.begin().await?;
        Author::objects().filter(q!(Author, name = "Kept")).delete(&tx).await?;
        drop(tx); // never committed
        let names: Vec<String> = Author::objects().values_list_flat(&db, "name").await?;
        assert_eq!(names, ["Kept"], "rollback and drop both leave the data as it was");

        // A failed statement inside a transaction leaves the earlier ones to commit or not.
        let tx = db.begin().await?;
        Author::objects().create(&tx, Author::new("Second", "second@example.com")).await?;
        let err = Author::objects().bulk_create(&tx, [Author::new("Dup", "kept@example.com")]).await.expect_err("unique");
        assert!(err.is_unique_violation(), "{err:?}");
        tx.rollback().await?;
        assert_eq!(Author::objects().count(&db).await?, 1);
        Ok(())
    }

    async fn select_for_update_needs_a_transaction(db) {
        Author::objects().create(&db, Author::new("A", "a@example.com")).await?;
        let err = Author::objects().select_for_update(false, false, &[]).all(&db).await.expect_err("outside");
        assert_eq!(err.to_string(), "select_for_update cannot be used outside of a transaction.");
        let tx = db.begin().await?;
        let locked = Author::objects().select_for_update(false, false, &[]).all(&tx).await?;
        assert_eq!(locked.len(), 1);
        tx.commit().await?;
        Ok(())
    }
}

#[tokio::test]
async fn skip_locked_and_nowait_with_two_transactions_on_postgres() {
    let test_db = djorm::testing::TestDatabase::postgres(&[Author::meta()]).await.unwrap_or_else(|e| panic!("{e}"));
    let db = test_db.db().clone();
    for i in 0..3 {
        Author::objects().create(&db, Author::new(&format!("a{i}"), &format!("a{i}@example.com"))).await.expect("seed");
    }
    let first = db.begin().await.expect("tx1");
    let held = Author::objects()
        .filter(q!(Author, name = "a0"))
        .select_for_update(false, false, &["self"])
        .all(&first)
        .await
        .expect("lock a0");
    assert_eq!(held.len(), 1);
    let second = db.begin().await.expect("tx2");
    let free = Author::objects().select_for_update(false, true, &[]).all(&second).await.expect("skip locked");
    let names: Vec<&str> = free.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["a1", "a2"], "the second transaction skips the row the first holds");
    let err = Author::objects()
        .filter(q!(Author, name = "a0"))
        .select_for_update(true, false, &[])
        .all(&second)
        .await
        .expect_err("nowait");
    assert!(err.is_lock_not_available(), "{err:?}");
    second.rollback().await.expect("rollback");
    first.commit().await.expect("commit");
    let sql = Author::objects()
        .select_for_update(false, true, &["self"])
        .sql(&db)
        .expect("sql")
        .map(|c| c.sql)
        .unwrap_or_default();
    assert!(sql.ends_with(r#" FOR UPDATE OF "blog_author" SKIP LOCKED"#), "{sql}");
}
