//! Scheduled actions' schedules: `at(yyyy-mm-ddThh:mm:ss)`, `rate(n unit)` and
//! `cron(minutes hours day-of-month month day-of-week year)` ([`cron`]), and when each fires
//! next in the action's time zone ([`zone`])
//! (<https://docs.aws.amazon.com/autoscaling/application/userguide/scheduled-scaling-using-cron-expressions.html>).
//!
//! The cron dialect is written here rather than taken from the `cron` crate: AWS's six fields
//! (a year field, `?`, day-of-week 1-7 from Sunday, `L`, `W`, `#`) are not that crate's, and
//! the arithmetic is small. Time zones are IANA's, from the `jiff` crate's bundled database.

mod cron;
mod zone;

use crate::core::clock::{civil_from_days, days_from_civil};
pub use zone::Zone;

/// A parsed schedule.
#[derive(Debug, Clone, PartialEq)]
pub enum Schedule {
    /// Once, at this local date and time (seconds since 1970-01-01T00:00:00 of the zone's
    /// calendar).
    At(f64),
    /// Every this many seconds from the action's start.
    Rate(f64),
    Cron(Box<cron::Cron>),
}

pub fn parse(text: &str) -> Result<Schedule, String> {
    let bad = || format!("Invalid schedule expression: {text}");
    let inner = |prefix: &str| {
        text.strip_prefix(prefix)
            .and_then(|r| r.strip_suffix(')'))
            .map(str::trim)
    };
    if let Some(at) = inner("at(") {
        return parse_datetime(at).map(Schedule::At).ok_or_else(bad);
    }
    if let Some(rate) = inner("rate(") {
        return parse_rate(rate).map(Schedule::Rate).ok_or_else(bad);
    }
    if let Some(cron) = inner("cron(") {
        return cron::parse(cron)
            .map(|c| Schedule::Cron(Box::new(c)))
            .ok_or_else(bad);
    }
    Err(bad())
}

/// `yyyy-mm-ddThh:mm:ss` as seconds since 1970-01-01T00:00:00 of the same calendar (epoch
/// seconds when the zone is UTC).
pub fn parse_datetime(text: &str) -> Option<f64> {
    let (date, time) = text.split_once('T')?;
    let d: Vec<i64> = date
        .split('-')
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    let t: Vec<i64> = time
        .split(':')
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    let ([y, m, day], [h, min, s]) = (d.as_slice(), t.as_slice()) else {
        return None;
    };
    let valid = (1..=12).contains(m) && (1..=31).contains(day) && *h < 24 && *min < 60 && *s < 60;
    valid.then(|| (days_from_civil(*y, *m, *day) * 86_400 + h * 3600 + min * 60 + s) as f64)
}

fn parse_rate(text: &str) -> Option<f64> {
    let (n, unit) = text.split_once(' ')?;
    let n: u64 = n.trim().parse().ok().filter(|n| *n > 0)?;
    let secs = match (unit.trim(), n) {
        ("minute", 1) | ("minutes", 2..) => 60,
        ("hour", 1) | ("hours", 2..) => 3600,
        ("day", 1) | ("days", 2..) => 86_400,
        _ => return None,
    };
    Some((n * secs) as f64)
}

impl Schedule {
    /// When it fires first or next strictly after `after` (epoch seconds); `origin` anchors a
    /// rate (the action's start time or its creation); `at` and `cron` read `zone`'s clocks.
    pub fn next_after(&self, after: f64, origin: f64, zone: &Zone) -> Option<f64> {
        match self {
            Schedule::At(local) => Some(zone.instant(*local)).filter(|t| *t > after),
            Schedule::Rate(every) => {
                let n = ((after - origin) / every).floor().max(-1.0) + 1.0;
                Some(origin + n * every)
            }
            Schedule::Cron(c) => c.next_after(after, zone),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> f64 {
        parse_datetime(text).unwrap()
    }

    #[test]
    fn at_and_rate_parse_and_fire() {
        let utc = Zone::utc();
        assert_eq!(at("1970-01-02T00:00:01"), 86_401.0);
        assert_eq!(at("2024-03-01T12:30:00"), 1_709_296_200.0);
        let s = parse("at(2024-03-01T12:30:00)").unwrap();
        assert_eq!(s.next_after(0.0, 0.0, &utc), Some(1_709_296_200.0));
        assert_eq!(s.next_after(1_709_296_200.0, 0.0, &utc), None);
        let r = parse("rate(5 minutes)").unwrap();
        assert_eq!(r, Schedule::Rate(300.0));
        assert_eq!(r.next_after(1000.0, 1000.0, &utc), Some(1300.0));
        assert_eq!(r.next_after(999.0, 1000.0, &utc), Some(1000.0));
        for bad in [
            "rate(1 minutes)",
            "rate(2 minute)",
            "rate(0 hours)",
            "at(2024-13-01T00:00:00)",
            "every day",
            "cron(* * * * *)",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn civil_dates_round_trip() {
        for day in [-1, 0, 59, 10_957, 19_783, 20_000] {
            let (y, m, d) = civil_from_days(day);
            assert_eq!(days_from_civil(y, m, d), day);
        }
    }
}
