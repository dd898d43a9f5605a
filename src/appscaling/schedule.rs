//! Scheduled actions' schedules: `at(yyyy-mm-ddThh:mm:ss)`, `rate(n unit)` and
//! `cron(minutes hours day-of-month month day-of-week year)`, and when each fires next
//! (<https://docs.aws.amazon.com/autoscaling/application/userguide/scheduled-scaling-using-cron-expressions.html>).
//!
//! Written here rather than pulled from the `cron` and `chrono-tz` crates: AWS's six-field
//! dialect (a year field, `?`, day-of-week 1-7 from Sunday) is not the `cron` crate's, and the
//! arithmetic needed is small. Times are evaluated in UTC: a Timezone is stored and echoed but
//! not applied (the README says so). `L`, `W` and `#` are not supported.

/// A parsed schedule.
#[derive(Debug, Clone, PartialEq)]
pub enum Schedule {
    /// Once, at these epoch seconds.
    At(f64),
    /// Every this many seconds from the action's start.
    Rate(f64),
    Cron(Box<Cron>),
}

/// Each field as the set of values it allows.
#[derive(Debug, Clone, PartialEq)]
pub struct Cron {
    minutes: Vec<bool>,
    hours: Vec<bool>,
    days: Vec<bool>,
    months: Vec<bool>,
    /// 0 = Sunday.
    weekdays: Vec<bool>,
    /// Any year when `None`.
    years: Option<Vec<i64>>,
    /// Day-of-month was `?` (or `*` with a day-of-week given): only the weekday decides.
    by_weekday: bool,
    any_weekday: bool,
}

const MONTHS: [&str; 12] = [
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];
const WEEKDAYS: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

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
        return parse_cron(cron)
            .map(|c| Schedule::Cron(Box::new(c)))
            .ok_or_else(bad);
    }
    Err(bad())
}

/// `yyyy-mm-ddThh:mm:ss` (UTC) as epoch seconds.
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

fn parse_cron(text: &str) -> Option<Cron> {
    let f: Vec<&str> = text.split_whitespace().collect();
    let [min, hour, dom, month, dow, year] = f.as_slice() else {
        return None;
    };
    let by_weekday = *dom == "?";
    let any_weekday = matches!(*dow, "?" | "*");
    if by_weekday == (*dow == "?") {
        return None; // AWS requires `?` in exactly one of the day fields.
    }
    let years = match *year {
        "*" => None,
        y => Some(
            field(y, 1970, 2199, &[])?
                .iter()
                .enumerate()
                .filter(|(_, on)| **on)
                .map(|(i, _)| i as i64)
                .collect(),
        ),
    };
    Some(Cron {
        minutes: field(min, 0, 59, &[])?,
        hours: field(hour, 0, 23, &[])?,
        days: if by_weekday {
            vec![true; 32]
        } else {
            field(dom, 1, 31, &[])?
        },
        months: field(month, 1, 12, &MONTHS)?,
        // Day-of-week is 1-7 from Sunday; stored from 0.
        weekdays: if any_weekday {
            vec![true; 8]
        } else {
            field(dow, 1, 7, &WEEKDAYS)?
        },
        years,
        by_weekday,
        any_weekday,
    })
}

/// One field: `*`, `?`, values, `a-b` ranges, `/n` steps, lists and names (the first name is
/// `lo`). Returns a table indexed by value.
fn field(text: &str, lo: i64, hi: i64, names: &[&str]) -> Option<Vec<bool>> {
    let mut on = vec![false; hi as usize + 1];
    let value = |v: &str| -> Option<i64> {
        let upper = v.to_ascii_uppercase();
        match names.iter().position(|n| *n == upper) {
            Some(i) => Some(lo + i as i64),
            None => v.parse().ok().filter(|n| (lo..=hi).contains(n)),
        }
    };
    for part in text.split(',') {
        let (range, step) = match part.split_once('/') {
            Some((r, s)) => (r, s.parse::<i64>().ok().filter(|s| *s > 0)?),
            None => (part, 1),
        };
        let (a, b) = match range {
            "*" | "?" => (lo, hi),
            r => match r.split_once('-') {
                Some((a, b)) => (value(a)?, value(b)?),
                None if step > 1 => (value(r)?, hi),
                None => (value(r)?, value(r)?),
            },
        };
        let mut v = a;
        while v <= b {
            on[v as usize] = true;
            v += step;
        }
    }
    Some(on)
}

impl Cron {
    fn matches_day(&self, y: i64, m: i64, d: i64, weekday: i64) -> bool {
        let year_ok = self.years.as_ref().is_none_or(|ys| ys.contains(&y));
        let weekday_ok = self.any_weekday || self.weekdays[(weekday + 1) as usize];
        let day_ok = self.by_weekday || self.days[d as usize];
        year_ok && self.months[m as usize] && day_ok && weekday_ok
    }

    /// The first matching minute strictly after `after` (within five years), as epoch seconds.
    fn next_after(&self, after: f64) -> Option<f64> {
        let start_minute = (after / 60.0).floor() as i64 + 1;
        let first_day = start_minute.div_euclid(1440);
        let mut minute_of_day = start_minute.rem_euclid(1440);
        for day in first_day..first_day + 5 * 366 {
            let (y, m, d) = civil_from_days(day);
            if self.matches_day(y, m, d, (day + 4).rem_euclid(7)) {
                for mod_ in minute_of_day..1440 {
                    if self.hours[(mod_ / 60) as usize] && self.minutes[(mod_ % 60) as usize] {
                        return Some(((day * 1440 + mod_) * 60) as f64);
                    }
                }
            }
            minute_of_day = 0;
        }
        None
    }
}

impl Schedule {
    /// When it fires first or next strictly after `after`; `origin` anchors a rate (the
    /// action's start time or its creation).
    pub fn next_after(&self, after: f64, origin: f64) -> Option<f64> {
        match self {
            Schedule::At(t) => (*t > after).then_some(*t),
            Schedule::Rate(every) => {
                let n = ((after - origin) / every).floor().max(-1.0) + 1.0;
                Some(origin + n * every)
            }
            Schedule::Cron(c) => c.next_after(after),
        }
    }
}

/// Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm).
pub fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date of a day since 1970-01-01.
pub fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> f64 {
        parse_datetime(text).unwrap()
    }

    #[test]
    fn at_and_rate_parse_and_fire() {
        assert_eq!(at("1970-01-02T00:00:01"), 86_401.0);
        assert_eq!(at("2024-03-01T12:30:00"), 1_709_296_200.0);
        let s = parse("at(2024-03-01T12:30:00)").unwrap();
        assert_eq!(s.next_after(0.0, 0.0), Some(1_709_296_200.0));
        assert_eq!(s.next_after(1_709_296_200.0, 0.0), None);
        let r = parse("rate(5 minutes)").unwrap();
        assert_eq!(r, Schedule::Rate(300.0));
        assert_eq!(r.next_after(1000.0, 1000.0), Some(1300.0));
        assert_eq!(r.next_after(999.0, 1000.0), Some(1000.0));
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
    fn cron_fires_on_the_next_matching_minute() {
        let noon = parse("cron(0 12 * * ? *)").unwrap();
        let t = at("2024-03-01T12:30:00");
        assert_eq!(noon.next_after(t, 0.0), Some(at("2024-03-02T12:00:00")));
        let every15 = parse("cron(0/15 * * * ? *)").unwrap();
        assert_eq!(every15.next_after(t, 0.0), Some(at("2024-03-01T12:45:00")));
        // 2024-03-01 is a Friday: the next Monday 08:00 is the 4th.
        let monday = parse("cron(0 8 ? * MON *)").unwrap();
        assert_eq!(monday.next_after(t, 0.0), Some(at("2024-03-04T08:00:00")));
        let weekdays = parse("cron(30 9 ? * 2-6 2024)").unwrap();
        assert_eq!(weekdays.next_after(t, 0.0), Some(at("2024-03-04T09:30:00")));
        let june = parse("cron(0 0 1 JUN ? *)").unwrap();
        assert_eq!(june.next_after(t, 0.0), Some(at("2024-06-01T00:00:00")));
        assert!(parse("cron(0 0 * * * *)").is_err(), "needs one `?`");
    }

    #[test]
    fn civil_dates_round_trip() {
        for day in [-1, 0, 59, 10_957, 19_783, 20_000] {
            let (y, m, d) = civil_from_days(day);
            assert_eq!(days_from_civil(y, m, d), day);
        }
    }
}
