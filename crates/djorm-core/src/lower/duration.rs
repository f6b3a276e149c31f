//! Django's `parse_duration`: the text forms a DurationField accepts — Django's own
//! (`"3 days, 10:15:30.5"`, `"-1 day, 23:59:59"`, `"15:30"`, `"30"`), and ISO 8601's
//! (`"P3DT10H15M30S"`, `"-PT5M"`).

use std::sync::OnceLock;

use chrono::TimeDelta;
use regex::Regex;

fn standard() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(
            r"^(?:(?P<days>-?\d+) (?:days?, )?)?(?P<sign>-?)(?:(?P<hours>\d+):(?P<minutes>\d+):|(?P<only_minutes>\d+):)?(?P<seconds>\d+)(?:[.,](?P<micros>\d{1,6})\d{0,6})?$",
        )
        .expect("a valid pattern")
    })
}

fn iso8601() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(
            r"^(?P<sign>[-+]?)P(?:(?P<days>\d+(?:[.,]\d+)?)D)?(?:T(?:(?P<hours>\d+(?:[.,]\d+)?)H)?(?:(?P<minutes>\d+(?:[.,]\d+)?)M)?(?:(?P<seconds>\d+(?:[.,]\d+)?)S)?)?$",
        )
        .expect("a valid pattern")
    })
}

/// The duration `text` spells, or `None` when it is not one of Django's forms.
pub fn parse_duration(text: &str) -> Option<TimeDelta> {
    let text = text.trim();
    let number = |c: &regex::Captures<'_>, name: &str| -> Option<f64> {
        c.name(name).map_or(Some(0.0), |m| m.as_str().replace(',', ".").parse().ok())
    };
    if let Some(c) = standard().captures(text) {
        // Django's pattern looks ahead for "H:M:S"; here two colons pick hours and minutes,
        // one picks minutes.
        let micros = c.name("micros").map_or(Some(0), |m| format!("{:0<6}", m.as_str()).parse::<i64>().ok())?;
        let sign = if c.name("sign").is_some_and(|m| m.as_str() == "-") { -1.0 } else { 1.0 };
        let seconds = number(&c, "hours")? * 3600.0
            + (number(&c, "minutes")? + number(&c, "only_minutes")?) * 60.0
            + number(&c, "seconds")?
            + micros as f64 / 1e6;
        let total = number(&c, "days")? * 86_400.0 + sign * seconds;
        return Some(TimeDelta::microseconds((total * 1e6).round() as i64));
    }
    let c = iso8601().captures(text)?;
    if c.name("days").is_none()
        && c.name("hours").is_none()
        && c.name("minutes").is_none()
        && c.name("seconds").is_none()
    {
        return None;
    }
    let sign = if c.name("sign").is_some_and(|m| m.as_str() == "-") { -1.0 } else { 1.0 };
    let total = number(&c, "days")? * 86_400.0
        + number(&c, "hours")? * 3600.0
        + number(&c, "minutes")? * 60.0
        + number(&c, "seconds")?;
    Some(TimeDelta::microseconds((sign * total * 1e6).round() as i64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn django_and_iso_forms_parse() {
        let s = |secs: i64| TimeDelta::try_seconds(secs);
        assert_eq!(parse_duration("30"), s(30));
        assert_eq!(parse_duration("15:30"), s(15 * 60 + 30));
        assert_eq!(parse_duration("10:15:30"), s(10 * 3600 + 15 * 60 + 30));
        assert_eq!(parse_duration("3 days, 10:15:30"), s(3 * 86400 + 36930));
        assert_eq!(parse_duration("-1 day, 23:59:59"), s(-1));
        assert_eq!(parse_duration("0:00:00.5"), TimeDelta::try_milliseconds(500));
        assert_eq!(parse_duration("P3DT10H"), s(3 * 86400 + 36000));
        assert_eq!(parse_duration("-PT5M"), s(-300));
        assert_eq!(parse_duration("soon"), None);
        assert_eq!(parse_duration("P"), None);
    }
}
