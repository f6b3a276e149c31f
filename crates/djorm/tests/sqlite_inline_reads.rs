//! SQLite reads run on the caller's thread when they are short (no hop to the blocking pool),
//! and never hold the async runtime: a long read is interrupted after the inline budget and
//! finishes on the blocking pool. The test runs on a single-threaded runtime with a ticking
//! task beside the query: a read that blocked the runtime would stop the ticks. (A read that
//! meets another connection's lock is refused inline and waits on the pool: `djorm-sqlite`'s
//! `inline` unit tests show it on two real connections.)

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use djorm::prelude::*;
use djorm::sql::Compiled;
use djorm::testing::TestDatabase;
use djorm::ValueKind;

#[derive(Model, Debug, Clone)]
#[djorm(app = "inline")]
struct Note {
    id: AutoId,
    #[djorm(max_length = 50)]
    body: String,
}

/// A task that ticks every millisecond and keeps the longest gap between two ticks.
fn ticker() -> (Arc<AtomicU64>, tokio::task::JoinHandle<()>) {
    let longest = Arc::new(AtomicU64::new(0));
    let kept = longest.clone();
    let task = tokio::spawn(async move {
        let mut last = Instant::now();
        loop {
            tokio::time::sleep(Duration::from_millis(1)).await;
            let gap = last.elapsed().as_micros() as u64;
            kept.fetch_max(gap, Ordering::Relaxed);
            last = Instant::now();
        }
    });
    (longest, task)
}

/// Counts to `n` in SQL: a read whose length the test chooses.
fn counting_to(n: u64) -> Compiled {
    Compiled {
        sql: format!(
            "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < {n}) SELECT count(*) FROM c"
        ),
        params: Vec::new(),
    }
}

#[tokio::test(flavor = "current_thread")]
async fn a_long_read_moves_off_the_runtime_and_a_short_one_stays() {
    let test_db = TestDatabase::new("sqlite", &[Note::meta()]).await.expect("sqlite");
    let db = test_db.db();
    Note::objects().create(db, Note { body: "kept".into(), ..Default::default() }).await.expect("create");
    let (longest, task) = ticker();
    tokio::time::sleep(Duration::from_millis(5)).await;
    for _ in 0..2 {
        // Hundreds of milliseconds of work: inline it would stop the ticker for all of it.
        let started = Instant::now();
        let rows = db.fetch(&counting_to(2_000_000), &[ValueKind::I64]).await.expect("count");
        let took = started.elapsed();
        assert_eq!(rows.into_rows(), vec![vec![Value::I64(2_000_000)]]);
        assert!(took > Duration::from_millis(50), "the read is long enough to tell: {took:?}");
    }
    // Short reads answer the same, inline.
    for _ in 0..100 {
        let note = Note::objects().get(db, q!(Note, body = "kept")).await.expect("get");
        assert_eq!(note.body, "kept");
    }
    task.abort();
    let longest = Duration::from_micros(longest.load(Ordering::Relaxed));
    assert!(longest < Duration::from_millis(40), "the runtime stalled for {longest:?}");
}

/// A short read does not need the blocking pool: with the pool's only thread busy for two
/// seconds, a get by key still answers at once (a read handed to the pool would wait).
#[test]
fn a_short_read_answers_while_the_blocking_pool_is_busy() {
    let runtime =
        tokio::runtime::Builder::new_current_thread().max_blocking_threads(1).enable_all().build().expect("runtime");
    runtime.block_on(async {
        let test_db = TestDatabase::new("sqlite", &[Note::meta()]).await.expect("sqlite");
        let db = test_db.db();
        Note::objects().create(db, Note { body: "kept".into(), ..Default::default() }).await.expect("create");
        let busy = tokio::task::spawn_blocking(|| std::thread::sleep(Duration::from_secs(2)));
        tokio::time::sleep(Duration::from_millis(20)).await;
        let started = Instant::now();
        let note = Note::objects().get(db, q!(Note, body = "kept")).await.expect("get");
        let took = started.elapsed();
        assert_eq!(note.body, "kept");
        assert!(took < Duration::from_millis(500), "the read waited for the blocking pool: {took:?}");
        busy.await.expect("the busy job");
    });
}
