//! Django's current time zone (`USE_TZ = True`): instants are stored and compared in UTC, and
//! date lookups (`__date`, `__year`, `__hour`, ...), `Extract` and `Trunc` read them as the
//! wall-clock time of the current zone. The current zone is the one [`scope`] sets for a task
//! (Django's `timezone.override`), else the process default (Django's `TIME_ZONE` setting: set
//! by [`set_default`], or from the `TIME_ZONE` variable by `djorm::connect_from_env`), else UTC.
//!
//! The zone is read when a query is compiled, as Django reads it: a queryset built in one zone
//! and run in another uses the second.

use std::future::Future;
use std::sync::RwLock;

use chrono::{NaiveDateTime, TimeZone};

pub use chrono_tz::Tz;

use crate::{Error, Result};

static DEFAULT: RwLock<Tz> = RwLock::new(Tz::UTC);

tokio::task_local! {
    static CURRENT: Tz;
}

/// Parses an IANA zone name (`"Europe/Paris"`, `"UTC"`), or says it is unknown.
pub fn parse(name: &str) -> Result<Tz> {
    name.parse::<Tz>().map_err(|_| Error::InvalidValue(format!("No time zone found with key {name}")))
}

/// Sets the process's default zone (Django's `TIME_ZONE`).
pub fn set_default(zone: Tz) {
    *DEFAULT.write().unwrap_or_else(|poisoned| poisoned.into_inner()) = zone;
}

/// The process's default zone.
pub fn default_zone() -> Tz {
    *DEFAULT.read().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Sets the default zone from the `TIME_ZONE` variable when it is set (Django's setting of that
/// name); an unknown name is a configuration error.
pub fn set_default_from_env() -> Result<()> {
    if let Some(name) = crate::env::var("TIME_ZONE") {
        let zone = parse(&name).map_err(|e| Error::Config(format!("TIME_ZONE: {e}")))?;
        set_default(zone);
    }
    Ok(())
}

/// The zone queries compiled now read instants in: [`scope`]'s, else the default.
pub fn current() -> Tz {
    CURRENT.try_with(|zone| *zone).unwrap_or_else(|_| default_zone())
}

/// Runs `future` with `zone` as its current zone (Django's `timezone.override`): what a
/// request handler does with the user's zone. Other tasks keep theirs.
pub async fn scope<F: Future>(zone: Tz, future: F) -> F::Output {
    CURRENT.scope(zone, future).await
}

/// The instant wall-clock time `local` names in `zone`: the earlier one where a clock change
/// repeats an hour, and read with the offset before the change where it skips one (Python's
/// `fold=0`, which Django's `make_aware` uses).
pub fn instant(local: NaiveDateTime, zone: Tz) -> chrono::DateTime<chrono::Utc> {
    use chrono::LocalResult;
    match zone.from_local_datetime(&local) {
        LocalResult::Single(at) | LocalResult::Ambiguous(at, _) => at.to_utc(),
        LocalResult::None => {
            // In a gap: step back to the last wall-clock time before it and add the step again.
            let mut step = chrono::TimeDelta::minutes(30);
            loop {
                if let LocalResult::Single(at) | LocalResult::Ambiguous(at, _) =
                    zone.from_local_datetime(&(local - step))
                {
                    return at.to_utc() + step;
                }
                step += chrono::TimeDelta::minutes(30);
                if step > chrono::TimeDelta::days(2) {
                    return local.and_utc();
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").expect("a wall-clock time")
    }

    #[tokio::test]
    async fn scope_sets_the_zone_for_its_task_only() {
        let paris = parse("Europe/Paris").expect("a zone");
        assert_eq!(scope(paris, async { current() }).await, paris);
        assert_eq!(current(), default_zone());
    }

    #[test]
    fn an_unknown_zone_is_refused_with_its_name() {
        let err = parse("Mars/Olympus").expect_err("unknown");
        assert_eq!(err.to_string(), "No time zone found with key Mars/Olympus");
    }

    #[test]
    fn wall_clock_times_name_instants_as_python_fold_0_does() {
        let new_york: Tz = "America/New_York".parse().expect("a zone");
        // Standard time, then the repeated hour of November (the first, summer-time, one).
        assert_eq!(instant(at("2024-01-01 00:00"), new_york).to_rfc3339(), "2024-01-01T05:00:00+00:00");
        assert_eq!(instant(at("2024-11-03 01:30"), new_york).to_rfc3339(), "2024-11-03T05:30:00+00:00");
        // 02:30 on 10 March does not exist: read with the offset before the change (EST).
        assert_eq!(instant(at("2024-03-10 02:30"), new_york).to_rfc3339(), "2024-03-10T07:30:00+00:00");
    }
}
