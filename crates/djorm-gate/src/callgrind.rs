//! Counting instructions with valgrind's callgrind, which counts the same program the same way
//! on every run, whatever else the machine is doing.

use std::path::Path;
use std::process::Command;

/// The instructions this program executes for `run <workload> <side> <times> <database>`.
pub fn instructions(program: &Path, args: &[String], scratch: &Path) -> Result<u64, String> {
    let out_file = scratch.join(format!("callgrind.out.{}", args.join("-").replace('/', "_")));
    let output = Command::new("valgrind")
        .arg("--tool=callgrind")
        .arg(format!("--callgrind-out-file={}", out_file.display()))
        .arg(program)
        .args(args)
        // Under valgrind the clock runs about 50 times slower: a long inline budget keeps the
        // reads that run inline on real hardware inline here too, so counts repeat.
        .env("DJORM_SQLITE_INLINE_BUDGET", "1s")
        .output()
        .map_err(|e| format!("could not run valgrind ({e}): install Debian's valgrind package"))?;
    if !output.status.success() {
        return Err(format!(
            "valgrind --tool=callgrind {} {} failed:\n{}",
            program.display(),
            args.join(" "),
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let text = std::fs::read_to_string(&out_file).map_err(|e| format!("{}: {e}", out_file.display()))?;
    let _ = std::fs::remove_file(&out_file);
    total(&text).ok_or_else(|| format!("no instruction total in {}", out_file.display()))
}

/// The `summary:` (or `totals:`) line of a callgrind output file.
fn total(text: &str) -> Option<u64> {
    let line =
        text.lines().find(|l| l.starts_with("summary:")).or_else(|| text.lines().find(|l| l.starts_with("totals:")))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[cfg(test)]
mod tests {
    #[test]
    fn reads_the_total_of_a_callgrind_file() {
        let text = "version: 1\nevents: Ir\nfl=(1) a.rs\nfn=(1) main\n0 12\ntotals: 4242\nsummary: 4242\n";
        assert_eq!(super::total(text), Some(4242));
        assert_eq!(super::total("events: Ir\n"), None);
    }
}
