//! AWS's six-field cron dialect: `minutes hours day-of-month month day-of-week year`, with `*`,
//! `?` (in exactly one of the day fields), lists, ranges, `/` steps, month and weekday names,
//! day-of-week 1-7 from Sunday, and the day wildcards `L` (last day of the month; in
//! day-of-week, Saturday), `LW` (the month's last weekday), `nW` (the weekday nearest day n,
//! within the month), `nL` (the month's last weekday n) and `n#k` (its k-th weekday n).

use super::zone::Zone;
use super::{civil_from_days, days_from_civil};

/// Which days of the month match.
#[derive(Debug, Clone, PartialEq)]
enum Days {
    /// Indexed by day (1-31).
    Table(Vec<bool>),
    /// `L`.
    Last,
    /// `LW`.
    LastWeekday,
    /// `nW`.
    NearestWeekday(i64),
}

/// Which weekdays match (0 = Sunday).
#[derive(Debug, Clone, PartialEq)]
enum Weekdays {
    /// Indexed by weekday 1-7 from Sunday.
    Table(Vec<bool>),
    /// `nL`: the last of the month.
    Last(i64),
    /// `n#k`: the k-th of the month.
    Nth(i64, i64),
}

/// Each field as the values it allows.
#[derive(Debug, Clone, PartialEq)]
pub struct Cron {
    minutes: Vec<bool>,
    hours: Vec<bool>,
    /// `None` when day-of-month is `?`: only the weekday decides.
    days: Option<Days>,
    months: Vec<bool>,
    /// `None` when day-of-week is `?` or `*`.
    weekdays: Option<Weekdays>,
    /// Any year when `None`.
    years: Option<Vec<i64>>,
}

const MONTHS: [&str; 12] = [
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];
const WEEKDAYS: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

pub fn parse(text: &str) -> Option<Cron> {
    let f: Vec<&str> = text.split_whitespace().collect();
    let [min, hour, dom, month, dow, year] = f.as_slice() else {
        return None;
    };
    if (*dom == "?") == (*dow == "?") {
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
        days: if *dom == "?" { None } else { Some(days(dom)?) },
        months: field(month, 1, 12, &MONTHS)?,
        weekdays: if matches!(*dow, "?" | "*") {
            None
        } else {
            Some(weekdays(dow)?)
        },
        years,
    })
}

fn days(text: &str) -> Option<Days> {
    let upper = text.to_ascii_uppercase();
    Some(match upper.as_str() {
        "L" => Days::Last,
        "LW" => Days::LastWeekday,
        w if w.ends_with('W') => {
            let day: i64 = w.strip_suffix('W')?.parse().ok()?;
            Days::NearestWeekday(Some(day).filter(|d| (1..=31).contains(d))?)
        }
        _ => Days::Table(field(text, 1, 31, &[])?),
    })
}

fn weekdays(text: &str) -> Option<Weekdays> {
    let upper = text.to_ascii_uppercase();
    let weekday = |v: &str| Some(weekday_value(v)? - 1);
    if upper == "L" {
        return Some(Weekdays::Table(field("7", 1, 7, &WEEKDAYS)?));
    }
    if let Some(day) = upper.strip_suffix('L') {
        return Some(Weekdays::Last(weekday(day)?));
    }
    if let Some((day, nth)) = upper.split_once('#') {
        let nth: i64 = nth.parse().ok().filter(|n| (1..=5).contains(n))?;
        return Some(Weekdays::Nth(weekday(day)?, nth));
    }
    Some(Weekdays::Table(field(text, 1, 7, &WEEKDAYS)?))
}

/// A day-of-week value, 1-7 from Sunday, by number or name.
fn weekday_value(v: &str) -> Option<i64> {
    match WEEKDAYS.iter().position(|n| *n == v) {
        Some(i) => Some(i as i64 + 1),
        None => v.parse().ok().filter(|n| (1..=7).contains(n)),
    }
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

/// 0 = Sunday.
fn weekday_of(y: i64, m: i64, d: i64) -> i64 {
    (days_from_civil(y, m, d) + 4).rem_euclid(7)
}

fn days_in_month(y: i64, m: i64) -> i64 {
    let (ny, nm) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
    days_from_civil(ny, nm, 1) - days_from_civil(y, m, 1)
}

impl Days {
    fn matches(&self, y: i64, m: i64, d: i64) -> bool {
        let last = days_in_month(y, m);
        match self {
            Days::Table(on) => on[d as usize],
            Days::Last => d == last,
            Days::LastWeekday => {
                let back = match weekday_of(y, m, last) {
                    6 => 1,
                    0 => 2,
                    _ => 0,
                };
                d == last - back
            }
            Days::NearestWeekday(n) if *n > last => false,
            Days::NearestWeekday(n) => {
                let nearest = match weekday_of(y, m, *n) {
                    6 if *n == 1 => 3,
                    6 => n - 1,
                    0 if *n == last => n - 2,
                    0 => n + 1,
                    _ => *n,
                };
                d == nearest
            }
        }
    }
}

impl Weekdays {
    fn matches(&self, y: i64, m: i64, d: i64, weekday: i64) -> bool {
        match self {
            Weekdays::Table(on) => on[(weekday + 1) as usize],
            Weekdays::Last(w) => weekday == *w && d + 7 > days_in_month(y, m),
            Weekdays::Nth(w, k) => weekday == *w && (d - 1) / 7 + 1 == *k,
        }
    }
}

impl Cron {
    fn matches_day(&self, y: i64, m: i64, d: i64, weekday: i64) -> bool {
        self.years.as_ref().is_none_or(|ys| ys.contains(&y))
            && self.months[m as usize]
            && self.days.as_ref().is_none_or(|r| r.matches(y, m, d))
            && self
                .weekdays
                .as_ref()
                .is_none_or(|r| r.matches(y, m, d, weekday))
    }

    /// The first matching minute of `zone`'s local time strictly after `after` (within five
    /// years), as epoch seconds; local times the clocks skip or repeat as [`Zone::instant`]
    /// reads them.
    pub fn next_after(&self, after: f64, zone: &Zone) -> Option<f64> {
        let local = zone.local(after);
        let start_minute = (local / 60.0).floor() as i64 + 1;
        let first_day = start_minute.div_euclid(1440);
        let mut minute_of_day = start_minute.rem_euclid(1440);
        for day in first_day..first_day + 5 * 366 {
            let (y, m, d) = civil_from_days(day);
            if self.matches_day(y, m, d, (day + 4).rem_euclid(7)) {
                for mod_ in minute_of_day..1440 {
                    if !(self.hours[(mod_ / 60) as usize] && self.minutes[(mod_ % 60) as usize]) {
                        continue;
                    }
                    let t = zone.instant(((day * 1440 + mod_) * 60) as f64);
                    if t > after {
                        return Some(t);
                    }
                }
            }
            minute_of_day = 0;
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::super::parse_datetime;
    use super::*;

    fn at(text: &str) -> f64 {
        parse_datetime(text).unwrap()
    }

    fn next(expr: &str, after: &str) -> String {
        let cron = parse(expr).unwrap_or_else(|| panic!("{expr} parses"));
        let t = cron.next_after(at(after), &Zone::utc()).unwrap();
        crate::core::clock::iso8601(t)
    }

    #[test]
    fn fields_ranges_steps_and_names() {
        let t = "2024-03-01T12:30:00";
        assert_eq!(next("0 12 * * ? *", t), "2024-03-02T12:00:00.000Z");
        assert_eq!(next("0/15 * * * ? *", t), "2024-03-01T12:45:00.000Z");
        // 2024-03-01 is a Friday: the next Monday 08:00 is the 4th.
        assert_eq!(next("0 8 ? * MON *", t), "2024-03-04T08:00:00.000Z");
        assert_eq!(next("30 9 ? * 2-6 2024", t), "2024-03-04T09:30:00.000Z");
        assert_eq!(next("0 0 1 JUN ? *", t), "2024-06-01T00:00:00.000Z");
        assert!(parse("0 0 * * * *").is_none(), "needs one `?`");
    }

    #[test]
    fn last_day_and_weekday_wildcards() {
        let t = "2024-03-01T12:30:00";
        assert_eq!(next("0 0 L * ? *", t), "2024-03-31T00:00:00.000Z");
        assert_eq!(next("0 0 L FEB ? *", t), "2025-02-28T00:00:00.000Z");
        // 2024-03-31 is a Sunday: the last weekday is Friday the 29th.
        assert_eq!(next("0 0 LW * ? *", t), "2024-03-29T00:00:00.000Z");
        // The 16th is a Saturday: Friday the 15th; the 1st of June is a Saturday: Monday the 3rd.
        assert_eq!(next("0 0 16W * ? *", t), "2024-03-15T00:00:00.000Z");
        assert_eq!(next("0 0 1W JUN ? *", t), "2024-06-03T00:00:00.000Z");
        assert_eq!(
            next("0 0 31W * ? *", "2024-04-01T00:00:00"),
            "2024-05-31T00:00:00.000Z"
        );
        assert_eq!(
            next("0 0 ? * L *", t),
            "2024-03-02T00:00:00.000Z",
            "Saturday"
        );
        assert_eq!(
            next("0 0 ? * 6L *", t),
            "2024-03-29T00:00:00.000Z",
            "last Friday"
        );
        assert_eq!(
            next("0 0 ? * 3#2 *", t),
            "2024-03-12T00:00:00.000Z",
            "2nd Tuesday"
        );
        assert_eq!(
            next("0 0 ? * MON#5 *", t),
            "2024-04-29T00:00:00.000Z",
            "a 5th Monday"
        );
        for bad in [
            "0 0 32W * ? *",
            "0 0 ? * 3#6 *",
            "0 0 ? * 8L *",
            "0 0 XW * ? *",
        ] {
            assert!(parse(bad).is_none(), "{bad}");
        }
    }
}
