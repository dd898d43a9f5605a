//! A scheduled action's `Timezone`: IANA's names (`America/New_York`, `Etc/GMT+9`), UTC when
//! none is given. `at` and `cron` expressions are read on the zone's wall clock, so an action at
//! 09:00 in New York fires at 13:00 UTC in summer and 14:00 in winter.
//!
//! The zone rules come from the `jiff` crate's bundled copy of the IANA database: the sidecar
//! image is FROM scratch, with no `/usr/share/zoneinfo` to read.

use jiff::tz::TimeZone;
use jiff::Timestamp;

#[derive(Debug, Clone)]
pub struct Zone(Option<TimeZone>);

impl Zone {
    pub fn utc() -> Zone {
        Zone(None)
    }

    /// The zone `name` names, or UTC without one.
    pub fn named(name: Option<&str>) -> Result<Zone, String> {
        match name {
            None => Ok(Zone::utc()),
            Some(n) => TimeZone::get(n).map(|tz| Zone(Some(tz))).map_err(|_| {
                format!("{n} is not a valid time zone (an IANA name such as America/New_York)")
            }),
        }
    }

    /// The zone's wall-clock reading at epoch seconds `t`, as seconds since
    /// 1970-01-01T00:00:00 of its calendar.
    pub fn local(&self, t: f64) -> f64 {
        let Some(tz) = &self.0 else { return t };
        match Timestamp::from_second(t.floor() as i64) {
            Ok(ts) => t + f64::from(tz.to_offset(ts).seconds()),
            Err(_) => t,
        }
    }

    /// The epoch seconds at which the zone's wall clock reads `local`. A reading the clocks skip
    /// (spring forward) is read with the offset before the change (02:30 becomes 03:30), one
    /// they repeat (fall back) as its first occurrence: the "compatible" rule of RFC 5545 and
    /// JavaScript's Temporal.
    pub fn instant(&self, local: f64) -> f64 {
        let Some(tz) = &self.0 else { return local };
        let whole = local.floor();
        let Ok(ts) = Timestamp::from_second(whole as i64) else {
            return local;
        };
        let wall = TimeZone::UTC.to_datetime(ts);
        match tz.to_ambiguous_timestamp(wall).compatible() {
            Ok(t) => t.as_second() as f64 + (local - whole),
            Err(_) => local,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::{parse, parse_datetime};
    use super::*;

    fn at(text: &str) -> f64 {
        parse_datetime(text).unwrap()
    }

    #[test]
    fn a_named_zone_moves_with_its_daylight_saving_time() {
        let ny = Zone::named(Some("America/New_York")).unwrap();
        let nine = parse("cron(0 9 * * ? *)").unwrap();
        // 2024-03-10: New York springs forward at 02:00 (EST, -5, to EDT, -4).
        let winter = nine.next_after(at("2024-03-09T00:00:00"), 0.0, &ny);
        assert_eq!(winter, Some(at("2024-03-09T14:00:00")));
        let summer = nine.next_after(at("2024-03-10T00:00:00"), 0.0, &ny);
        assert_eq!(summer, Some(at("2024-03-10T13:00:00")));
        // 02:30 does not exist that night: it fires at 03:30 EDT (the instant 02:30 EST would be).
        let half_past_two = parse("cron(30 2 10 MAR ? 2024)").unwrap();
        let t = half_past_two.next_after(at("2024-03-01T00:00:00"), 0.0, &ny);
        assert_eq!(t, Some(at("2024-03-10T07:30:00")));
        let once = parse("at(2024-07-04T09:00:00)").unwrap();
        assert_eq!(
            once.next_after(0.0, 0.0, &ny),
            Some(at("2024-07-04T13:00:00"))
        );
        let fixed = Zone::named(Some("Etc/GMT+9")).unwrap();
        assert_eq!(
            fixed.instant(at("2024-01-01T00:00:00")),
            at("2024-01-01T09:00:00")
        );
        assert_eq!(
            fixed.local(at("2024-01-01T09:00:00")),
            at("2024-01-01T00:00:00")
        );
    }

    #[test]
    fn unknown_names_are_refused_and_none_is_utc() {
        assert!(Zone::named(Some("Mars/Olympus_Mons")).is_err());
        let utc = Zone::named(None).unwrap();
        assert_eq!(utc.instant(123.5), 123.5);
        assert_eq!(utc.local(123.5), 123.5);
    }
}
