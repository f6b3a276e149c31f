//! The committed budget: for each workload, the most djorm may cost per operation over the raw
//! driver, in instructions. A measured ratio more than [`TOLERANCE`] over its budget fails.

/// How far over its budget a ratio may go before the gate fails (5%).
pub const TOLERANCE: f64 = 1.05;

/// One line of the budget: a workload and its ratio.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// The workload's name.
    pub workload: String,
    /// djorm's instructions per operation over the raw driver's.
    pub ratio: f64,
}

/// Reads a budget: `workload ratio` per line; `#` starts a comment.
pub fn parse(text: &str) -> Result<Vec<Entry>, String> {
    let mut entries = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let mut parts = line.split_whitespace();
        let (Some(workload), Some(ratio), None) = (parts.next(), parts.next(), parts.next()) else {
            return Err(format!("line {}: expected `workload ratio`, got {line:?}", n + 1));
        };
        let ratio = ratio.parse().map_err(|_| format!("line {}: {ratio:?} is not a number", n + 1))?;
        entries.push(Entry { workload: workload.to_owned(), ratio });
    }
    Ok(entries)
}

/// Whether `measured` keeps within `budget`.
pub fn within(measured: f64, budget: f64) -> bool {
    measured <= budget * TOLERANCE
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_lines_and_comments_and_refuses_the_rest() {
        let entries = parse("# ratios\nget 2.10  # by key\n\ninsert 1.5\n").expect("budget");
        assert_eq!(
            entries,
            vec![Entry { workload: "get".into(), ratio: 2.1 }, Entry { workload: "insert".into(), ratio: 1.5 }]
        );
        assert!(parse("get").is_err() && parse("get two").is_err() && parse("get 1 2").is_err());
    }

    #[test]
    fn five_percent_over_the_budget_fails() {
        assert!(within(2.0, 2.0) && within(2.09, 2.0));
        assert!(!within(2.11, 2.0));
    }
}
