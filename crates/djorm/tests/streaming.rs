//! The streaming iterator reads 100,000 rows with flat memory, on both backends.
#![allow(unsafe_code)] // a counting global allocator, to measure memory

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use djorm::prelude::*;
use futures_util::StreamExt;

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards to the system allocator and only counts bytes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let live = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
        PEAK.fetch_max(live, Ordering::Relaxed);
        // SAFETY: same layout, passed through.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: the pointer came from `alloc` with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

#[derive(Model, Debug, Clone)]
#[djorm(app = "stream")]
struct Reading {
    id: AutoId,
    #[djorm(max_length = 200)]
    label: String,
    value: f64,
}

const ROWS: usize = 100_000;

async fn stream_with_flat_memory(db: Db) -> djorm::Result<()> {
    let batch: Vec<Reading> = (0..10_000)
        .map(|i| Reading {
            label: format!("reading number {i:06} {}", "x".repeat(100)),
            value: i as f64,
            ..Default::default()
        })
        .collect();
    for _ in 0..ROWS / 10_000 {
        Reading::objects().bulk_create(&db, batch.clone()).await?;
    }
    drop(batch);
    assert_eq!(Reading::objects().count(&db).await?, ROWS as u64);

    let baseline = LIVE.load(Ordering::Relaxed);
    PEAK.store(baseline, Ordering::Relaxed);
    let mut stream = std::pin::pin!(Reading::objects().order_by(["id"]).iterator(&db).await?);
    let (mut n, mut sum) = (0usize, 0.0);
    while let Some(reading) = stream.next().await {
        let reading = reading?;
        n += 1;
        sum += reading.value;
    }
    let growth = PEAK.load(Ordering::Relaxed).saturating_sub(baseline);
    assert_eq!(n, ROWS);
    assert_eq!(sum, (0..ROWS).map(|i| (i % 10_000) as f64).sum::<f64>());
    // Materialised, 100,000 rows of ~150 bytes of text alone take ~15 MB; streaming must
    // stay far below that.
    eprintln!("streamed {n} rows; peak heap growth {growth} bytes");
    assert!(growth < 4 * 1024 * 1024, "streaming grew memory by {growth} bytes");
    Ok(())
}

// One test per backend, run one after the other, so the allocator measures one stream.
#[tokio::test]
async fn iterator_streams_100k_rows_with_flat_memory() {
    for backend in ["postgresql", "sqlite"] {
        let test_db =
            djorm::testing::TestDatabase::new(backend, &[Reading::meta()]).await.unwrap_or_else(|e| panic!("{e}"));
        if let Err(e) = stream_with_flat_memory(test_db.db().clone()).await {
            panic!("{backend:?}: {e}");
        }
    }
}
