//! Transactions and select_for_update: commit, rollback, rollback on drop, row locks; a
//! failed transaction never reports success; nested levels as savepoints; atomic blocks;
//! on_commit; isolation levels; retrying serialization failures; atomic bulk writes.

mod common;
use common::*;
use djorm::prelude::*;
use djorm::{IsolationLevel, ValueKind};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

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

    async fn swallowed_error_then_commit_is_an_error_and_keeps_nothing(db) {
        let tx = db.begin().await?;
        Author::objects().create(&tx, Author::new("A", "a@example.com")).await?;
        let dup = Author::objects().create(&tx, Author::new("A again", "a@example.com")).await;
        assert!(dup.expect_err("duplicate email").is_unique_violation());
        // The caller ignored the error: the next statement is refused with Django's words...
        let next = Author::objects().count(&tx).await.expect_err("broken transaction");
        assert!(next.is_transaction_management(), "{next:?}");
        assert_eq!(
            next.to_string(),
            "TransactionManagementError: An error occurred in the current transaction. You can't execute queries until the end of the 'atomic' block."
        );
        // ...and commit() rolls back and says so instead of reporting success.
        let commit = tx.commit().await.expect_err("commit after an error");
        assert!(commit.is_transaction_management(), "{commit:?}");
        assert!(commit.to_string().contains("rolled back instead of committed"), "{commit}");
        assert_eq!(Author::objects().count(&db).await?, 0, "neither row exists");
        Ok(())
    }

    async fn nested_levels_are_savepoints(db) {
        let outer = db.begin().await?;
        Author::objects().create(&outer, Author::new("outer", "outer@example.com")).await?;

        let inner = outer.begin().await?;
        Author::objects().create(&inner, Author::new("rolled back", "rb@example.com")).await?;
        inner.rollback().await?;

        let inner = outer.begin().await?;
        Author::objects().create(&inner, Author::new("released", "rel@example.com")).await?;
        let deeper = inner.begin().await?;
        Author::objects().create(&deeper, Author::new("deeper", "deeper@example.com")).await?;
        deeper.commit().await?;
        inner.commit().await?;

        let dropped = outer.begin().await?;
        Author::objects().create(&dropped, Author::new("dropped", "dropped@example.com")).await?;
        drop(dropped);

        // An error inside a savepoint breaks only that level: rolling it back recovers.
        let failing = outer.begin().await?;
        let dup = Author::objects().create(&failing, Author::new("dup", "outer@example.com")).await;
        assert!(dup.expect_err("duplicate").is_unique_violation());
        let refused = failing.commit().await.expect_err("the savepoint saw an error");
        assert!(refused.is_transaction_management(), "{refused:?}");
        Author::objects().create(&outer, Author::new("after", "after@example.com")).await?;
        outer.commit().await?;

        let names: Vec<String> = Author::objects().values_list_flat(&db, "name").await?;
        assert_eq!(names, ["after", "deeper", "outer", "released"]);
        Ok(())
    }

    async fn atomic_commits_on_ok_and_rolls_back_on_err_or_panic(db) {
        let created = db
            .atomic(|tx| async move {
                Author::objects().create(&tx, Author::new("kept", "kept@example.com")).await?;
                let inner: djorm::Result<()> = tx
                    .atomic(|sp| async move {
                        Author::objects().create(&sp, Author::new("undone", "undone@example.com")).await?;
                        Err(djorm::Error::InvalidQuery("the block gives up".into()))
                    })
                    .await;
                assert!(inner.is_err());
                Author::objects().count(&tx).await
            })
            .await?;
        assert_eq!(created, 1);

        let failed: djorm::Result<()> = db
            .atomic(|tx| async move {
                Author::objects().create(&tx, Author::new("lost", "lost@example.com")).await?;
                Author::objects().create(&tx, Author::new("dup", "kept@example.com")).await?;
                Ok(())
            })
            .await;
        assert!(failed.expect_err("duplicate").is_unique_violation());

        let panicking = db.clone();
        let joined = tokio::spawn(async move {
            panicking
                .atomic(|tx| async move {
                    Author::objects().create(&tx, Author::new("panicked", "panic@example.com")).await?;
                    panic!("the block panics");
                    #[allow(unreachable_code)]
                    Ok(())
                })
                .await
        })
        .await;
        assert!(joined.expect_err("the panic goes on").is_panic());

        let names: Vec<String> = Author::objects().values_list_flat(&db, "name").await?;
        assert_eq!(names, ["kept"]);
        Ok(())
    }

    async fn on_commit_runs_after_the_outermost_commit_only(db) {
        let log = Arc::new(Mutex::new(Vec::<&'static str>::new()));
        let push = |name: &'static str| {
            let log = log.clone();
            move || log.lock().expect("log").push(name)
        };
        db.on_commit(push("outside: at once"))?;

        let tx = db.begin().await?;
        tx.on_commit(push("outer"))?;
        let kept = tx.begin().await?;
        kept.on_commit(push("released savepoint"))?;
        kept.commit().await?;
        let undone = tx.begin().await?;
        undone.on_commit(push("rolled-back savepoint"))?;
        undone.rollback().await?;
        assert_eq!(*log.lock().expect("log"), ["outside: at once"], "nothing runs before the commit");
        tx.commit().await?;
        assert_eq!(*log.lock().expect("log"), ["outside: at once", "outer", "released savepoint"]);

        let tx = db.begin().await?;
        tx.on_commit(push("never"))?;
        tx.rollback().await?;
        let tx = db.begin().await?;
        tx.on_commit(push("never either"))?;
        Author::objects().create(&tx, Author::new("x", "x@example.com")).await?;
        let _ = Author::objects().create(&tx, Author::new("y", "x@example.com")).await;
        assert!(tx.commit().await.is_err());
        assert_eq!(log.lock().expect("log").len(), 3, "no callback after a rollback");
        Ok(())
    }

    async fn bulk_create_with_a_late_duplicate_inserts_nothing(db) {
        Author::objects().create(&db, Author::new("first", "taken@example.com")).await?;
        let mut authors: Vec<Author> =
            (0..100_000).map(|i| Author::new(&format!("a{i}"), &format!("a{i}@example.com"))).collect();
        authors[99_990].email = "taken@example.com".into();
        let err = Author::objects().bulk_create(&db, authors.clone()).await.expect_err("duplicate near the end");
        assert!(err.is_unique_violation(), "{err:?}");
        assert_eq!(Author::objects().count(&db).await?, 1, "no batch of the failed call stays");

        // Inside a transaction the call is a savepoint: the transaction stays usable.
        let tx = db.begin().await?;
        let err = Author::objects().bulk_create(&tx, authors).await.expect_err("duplicate");
        assert!(err.is_unique_violation());
        Author::objects().create(&tx, Author::new("second", "second@example.com")).await?;
        tx.commit().await?;
        assert_eq!(Author::objects().count(&db).await?, 2);
        Ok(())
    }

    async fn bulk_update_is_all_or_nothing_across_batches(db) {
        Author::objects().create(&db, Author::new("keep", "keep@example.com")).await?;
        // 2,500 objects take three UPDATE statements; the duplicate is in the last, after the
        // others have run.
        let created = Author::objects()
            .bulk_create(&db, (0..2_500).map(|i| Author::new(&format!("b{i}"), &format!("b{i}@example.com"))))
            .await?;
        let mut changed = created.clone();
        for (i, a) in changed.iter_mut().enumerate() {
            a.email = if i == 2_499 { "keep@example.com".into() } else { format!("new{i}@example.com") };
        }
        let err = Author::objects().bulk_update(&db, &changed, &["email"]).await.expect_err("duplicate");
        assert!(err.is_unique_violation(), "{err:?}");
        let renamed = Author::objects().filter(q!(Author, email__startswith = "new")).count(&db).await?;
        assert_eq!(renamed, 0, "no row of the failed bulk_update changed");

        let tx = db.begin().await?;
        let err = Author::objects().bulk_update(&tx, &changed, &["email"]).await.expect_err("duplicate");
        assert!(err.is_unique_violation(), "{err:?}");
        tx.commit().await?; // the savepoint took the failure: the transaction commits
        assert_eq!(Author::objects().filter(q!(Author, email__startswith = "new")).count(&db).await?, 0);
        Ok(())
    }

    async fn read_only_transactions_refuse_writes(db) {
        let tx = db.transaction().read_only().begin().await?;
        assert_eq!(Author::objects().count(&tx).await?, 0);
        let err = Author::objects().create(&tx, Author::new("w", "w@example.com")).await.expect_err("read only");
        assert!(err.breaks_transaction(), "{err:?}");
        drop(tx);
        assert_eq!(Author::objects().count(&db).await?, 0);
        Ok(())
    }

    async fn a_dropped_savepoint_is_rolled_back_before_the_commit(db) {
        let tx = db.begin().await?;
        Author::objects().create(&tx, Author::new("kept", "kept@example.com")).await?;
        {
            let sp = tx.begin().await?;
            Author::objects().create(&sp, Author::new("undone", "undone@example.com")).await?;
            // Dropped without commit: its rollback must run before the outer COMMIT.
        }
        {
            let sp = tx.begin().await?;
            let dup = Author::objects().create(&sp, Author::new("dup", "kept@example.com")).await;
            assert!(dup.is_err());
            sp.on_commit(|| panic!("a rolled-back savepoint's callback ran"))?;
        }
        tx.commit().await?;
        let names: Vec<String> = Author::objects().values_list_flat(&db, "name").await?;
        assert_eq!(names, ["kept"]);

        // sp1 -> sp2 (dropped) -> sp1 released: sp2's work is gone and nothing stale remains.
        let tx = db.begin().await?;
        let sp1 = tx.begin().await?;
        Author::objects().create(&sp1, Author::new("one", "one@example.com")).await?;
        let sp2 = sp1.begin().await?;
        Author::objects().create(&sp2, Author::new("two", "two@example.com")).await?;
        drop(sp2);
        sp1.commit().await?;
        Author::objects().create(&tx, Author::new("three", "three@example.com")).await?;
        tx.commit().await?;
        let names: Vec<String> = Author::objects().values_list_flat(&db, "name").await?;
        assert_eq!(names, ["kept", "one", "three"]);
        Ok(())
    }

    async fn a_failed_savepoint_s_callbacks_never_run(db) {
        let ran = Arc::new(AtomicU32::new(0));
        let counter = ran.clone();
        let tx = db.begin().await?;
        let inner: djorm::Result<()> = tx
            .atomic(|sp| async move {
                Author::objects().create(&sp, Author::new("a", "a@example.com")).await?;
                sp.on_commit(move || {
                    counter.fetch_add(1, Ordering::SeqCst);
                })?;
                // The error is swallowed inside the block: the block says Ok, the savepoint
                // saw an error and rolls back.
                let _ = Author::objects().create(&sp, Author::new("b", "a@example.com")).await;
                Ok(())
            })
            .await;
        assert!(inner.expect_err("rolled back").is_transaction_management());
        tx.commit().await?;
        assert_eq!(ran.load(Ordering::SeqCst), 0, "the callback of work that was undone never runs");
        assert_eq!(Author::objects().count(&db).await?, 0);
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
    let test_db =
        djorm::testing::TestDatabase::new("postgresql", &[Author::meta()]).await.unwrap_or_else(|e| panic!("{e}"));
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

fn show(compiled: &str) -> djorm::sql::Compiled {
    djorm::sql::Compiled { sql: compiled.into(), params: Vec::new() }
}

#[tokio::test]
async fn isolation_levels_reach_postgres() {
    let test_db =
        djorm::testing::TestDatabase::new("postgresql", &[Author::meta()]).await.unwrap_or_else(|e| panic!("{e}"));
    let db = test_db.db().clone();
    for (level, shown) in [
        (IsolationLevel::Serializable, "serializable"),
        (IsolationLevel::RepeatableRead, "repeatable read"),
        (IsolationLevel::ReadCommitted, "read committed"),
    ] {
        let tx = db.transaction().isolation(level).begin().await.expect("begin");
        let rows = tx.fetch(&show("SHOW transaction_isolation"), &[ValueKind::String]).await.expect("show");
        assert_eq!(rows.values, [Value::String(shown.into())]);
        tx.rollback().await.expect("rollback");
    }
}

/// Two serializable transactions that each read what the other writes: PostgreSQL aborts one
/// with a serialization failure, and `run_retrying` runs it again until it commits.
#[tokio::test]
async fn run_retrying_succeeds_under_conflicting_serializable_transactions() {
    let test_db =
        djorm::testing::TestDatabase::new("postgresql", &[Author::meta()]).await.unwrap_or_else(|e| panic!("{e}"));
    let db = test_db.db().clone();
    let attempts = Arc::new(AtomicU32::new(0));
    let barrier = Arc::new(tokio::sync::Barrier::new(2));
    let task = |name: &'static str| {
        let (db, attempts, barrier) = (db.clone(), attempts.clone(), barrier.clone());
        tokio::spawn(async move {
            db.transaction()
                .isolation(IsolationLevel::Serializable)
                .run_retrying(10, |tx| {
                    let (attempts, barrier) = (attempts.clone(), barrier.clone());
                    async move {
                        let attempt = attempts.fetch_add(1, Ordering::SeqCst);
                        let seen = Author::objects().count(&tx).await?;
                        if attempt < 2 {
                            // Both first attempts read before either writes.
                            barrier.wait().await;
                        }
                        Author::objects()
                            .create(
                                &tx,
                                Author::new(&format!("{name} saw {seen}"), &format!("{name}{attempt}@example.com")),
                            )
                            .await
                            .map(drop)
                    }
                })
                .await
        })
    };
    let (a, b) = (task("a"), task("b"));
    a.await.expect("task a").expect("a commits in the end");
    b.await.expect("task b").expect("b commits in the end");
    let names: Vec<String> = Author::objects().values_list_flat(&db, "name").await.expect("names");
    assert_eq!(names.len(), 2);
    assert!(names.iter().any(|n| n.ends_with("saw 1")), "the retried one saw the other's row: {names:?}");
    assert!(attempts.load(Ordering::SeqCst) >= 3, "one transaction ran again");
}

/// PostgreSQL refuses SQL holding two statements at Parse time, which aborts the transaction
/// without an error the transaction layer sees as a database error; COMMIT of an aborted
/// transaction answers ROLLBACK without an error. The commit must still fail.
#[tokio::test]
async fn a_commit_after_a_server_side_abort_the_layer_did_not_see_fails_on_postgres() {
    let test_db =
        djorm::testing::TestDatabase::new("postgresql", &[Author::meta()]).await.unwrap_or_else(|e| panic!("{e}"));
    let db = test_db.db().clone();
    let tx = db.begin().await.expect("begin");
    Author::objects().create(&tx, Author::new("lost", "lost@example.com")).await.expect("create");
    let refused = Author::objects().raw(&tx, "SELECT * FROM blog_author; DELETE FROM blog_author", []).await;
    assert!(refused.is_err());
    let commit = tx.commit().await.expect_err("the transaction was aborted on the server");
    assert!(commit.is_transaction_management(), "{commit:?}");
    assert_eq!(Author::objects().count(&db).await.expect("count"), 0);
}
