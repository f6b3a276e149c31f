//! Wide and deep inputs give results or clear errors, never a stack overflow (which aborts
//! the process and cannot be caught): run on tokio worker threads, in debug builds.

mod common;
use common::*;
use djorm::prelude::*;

/// Runs `body` on a tokio worker thread (2 MiB of stack, as in a server).
async fn on_a_worker<T: Send + 'static>(body: impl std::future::Future<Output = T> + Send + 'static) -> T {
    tokio::spawn(body).await.expect("the task neither panicked nor overflowed")
}

djorm::backend_tests! {
    models = [Author, Article];

    async fn a_flat_or_of_100k_lookups(db) {
        Author::objects().create(&db, Author::new("n7", "n7@example.com")).await?;
        let db2 = db.clone();
        let outcome = on_a_worker(async move {
            let q = (0..100_000).fold(Q::Or(Vec::new()), |q, i| q | Q::new("name", format!("n{i}")));
            Author::objects().filter(q).count(&db2).await
        })
        .await;
        match outcome {
            Ok(n) => assert_eq!(n, 1),
            Err(e) => assert!(e.to_string().contains("the statement has 100000 parameters"), "a clear error: {e}"),
        }
        Ok(())
    }

    async fn an_f_chain_10k_deep(db) {
        Article::objects().create(&db, article("chained")).await?;
        let db2 = db.clone();
        let outcome = on_a_worker(async move {
            let mut e: Expression = F("views");
            for _ in 0..10_000 {
                e = e + 1;
            }
            let result = Article::objects().update(&db2, [("views", e)]).await;
            result
        })
        .await;
        match outcome {
            Ok(n) => assert_eq!(n, 1),
            Err(e) => assert!(e.to_string().contains("more than 1000 levels deep"), "a clear error: {e}"),
        }
        Ok(())
    }

    async fn an_f_chain_500_deep_gives_the_result(db) {
        Article::objects().create(&db, article("chained")).await?;
        let mut e: Expression = F("views");
        for _ in 0..500 {
            e = e + 1;
        }
        assert_eq!(Article::objects().update(&db, [("views", e)]).await?, 1);
        let views: Vec<u32> = Article::objects().values_list_flat(&db, "views").await?;
        assert_eq!(views, [500]);
        Ok(())
    }

    async fn q_nested_10k_deep(db) {
        let db2 = db.clone();
        let outcome = on_a_worker(async move {
            let mut q = Q::new("name", "leaf");
            for i in 0..10_000 {
                let other = Q::new("name", format!("n{i}"));
                q = if i % 2 == 0 { other & q } else { other | q };
            }
            let result = Author::objects().filter(q).count(&db2).await;
            result
        })
        .await;
        let err = outcome.expect_err("too deep");
        assert!(err.to_string().contains("more than 1000 levels deep"), "{err}");
        Ok(())
    }
}
