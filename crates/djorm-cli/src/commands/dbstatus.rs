//! `dbstatus`: where the database is (never the password), that it answers, and its connection
//! pool's gauges and counters (`djorm::PoolStatus`), for an operator's first look.

use std::io::Write;
use std::process::ExitCode;

use super::{connect, io};
use crate::args::Cli;
use crate::error::Result;

pub(crate) async fn run(cli: &Cli, out: &mut dyn Write) -> Result<ExitCode> {
    let db = connect(cli).await?;
    let took = db.ping().await?;
    writeln!(out, "database: {} ({})", db.backend().describe(), db.vendor()).map_err(io)?;
    writeln!(out, "answered: {} in {:.1} ms", db.dialect().ping_statement(), took.as_secs_f64() * 1000.0)
        .map_err(io)?;
    match db.pool_status() {
        Some(p) => writeln!(
            out,
            "pool: {} of {} open, {} idle, {} in use, {} waiting; {} opened, {} acquire timeouts",
            p.size, p.max_size, p.idle, p.in_use, p.waiting, p.opened, p.timeouts
        )
        .map_err(io)?,
        None => writeln!(out, "pool: none (each connection opens the database file)").map_err(io)?,
    }
    Ok(ExitCode::SUCCESS)
}
