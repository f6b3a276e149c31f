//! The committed budget: for each workload, the most djorm may cost per operation over the raw
//! driver, in instructions. A measured ratio more than [`TOLERANCE`] over its budget fails.

/// How far over its budget a ratio may go before the gate fails (5%).
pub const TOLERANCE: f64 = 1.05;

/// One line of the budget: a backend, a workload and its ratio.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// The backend's name (`sqlite`, `postgresql`).
    pub backend: String,
    /// The workload's name.
    pub workload: String,
    /// djorm's instructions per operation over the raw driver's.
    pub ratio: f64,
}

/// Reads a budget: `backend workload ratio` per line; `#` starts a comment.
pub fn parse(text: &str) -> Result<Vec<Entry>, String> {
    let mut entries = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let mut parts = line.split_whitespace();
        let (Some(backend), Some(workload), Some(ratio), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(format!("line {}: expected `backend workload ratio`, got {line:?}", n + 1));
        };
        let ratio = ratio.parse().map_err(|_| format!("line {}: {ratio:?} is not a number", n + 1))?;
        entries.push(Entry { backend: backend.to_owned(), workload: workload.to_owned(), ratio });
    }
    Ok(entries)
}

/// Whether `measured` keeps within `budget`.
pub fn within(measured: f64, budget: f64) -> bool {
    measured <= budget * TOLERANCE
}

/// Whether an allocation count per operation keeps within its budget. Counts nearly repeat, but
/// not exactly: a channel reuses its blocks only when the other side is not racing it, so a run
/// can see a tenth of an allocation per operation more than the last (CI saw SQLite's insert at
/// 36.1 against 36.0), and a stream of a thousand rows a few more (the driver's read buffers grow
/// with how the bytes arrive: runs differ by up to ten). Half an allocation per operation, or a
/// percent of a large budget, absorbs that and still fails on one more allocation in every
/// operation (or row).
pub fn allocations_within(measured: f64, budget: f64) -> bool {
    measured <= budget + ALLOCATION_SLACK.max(budget * ALLOCATION_SLACK_SHARE)
}

/// Allocations per operation a run may exceed its budget by (see `allocations_within`).
const ALLOCATION_SLACK: f64 = 0.5;

/// The share of a budget a run may exceed it by, where that is more than [`ALLOCATION_SLACK`].
const ALLOCATION_SLACK_SHARE: f64 = 0.01;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_lines_and_comments_and_refuses_the_rest() {
        let entries = parse("# ratios\nsqlite get 2.10  # by key\n\npostgresql insert 1.5\n").expect("budget");
        assert_eq!(
            entries,
            vec![
                Entry { backend: "sqlite".into(), workload: "get".into(), ratio: 2.1 },
                Entry { backend: "postgresql".into(), workload: "insert".into(), ratio: 1.5 }
            ]
        );
        assert!(parse("sqlite get").is_err() && parse("sqlite get two").is_err() && parse("sqlite get 1 2").is_err());
    }

    #[test]
    fn one_allocation_over_the_budget_fails() {
        assert!(allocations_within(23.0, 23.0) && allocations_within(22.0, 23.0));
        assert!(allocations_within(23.1, 23.0) && allocations_within(23.4, 23.0));
        assert!(!allocations_within(24.0, 23.0) && !allocations_within(23.6, 23.0));
        // A thousand-row stream: a few allocations of noise pass, one more per row does not.
        assert!(allocations_within(3175.0, 3148.6) && !allocations_within(4148.6, 3148.6));
        assert!(!allocations_within(3190.0, 3148.6));
    }

    #[test]
    fn five_percent_over_the_budget_fails() {
        assert!(within(2.0, 2.0) && within(2.09, 2.0));
        assert!(!within(2.11, 2.0));
    }
}
