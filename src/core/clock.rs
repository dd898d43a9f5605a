//! The one clock of the emulator. Every timestamp in an answer and every emulated wait
//! (health-check grace periods, the deployment settle time, task and cluster retention, the
//! scheduler's tick, alarm periods…) goes through it, so that `--time-scale N` makes emulated
//! time pass N times faster than the wall clock while answers stay consistent with each other.
//!
//! It reads elapsed time from Tokio's clock, so a test that pauses Tokio's time
//! (`tokio::time::pause`) and advances it drives every timer and timestamp of the emulator.
//! What is not emulated is not scaled: a container's real run time, Docker's stop timeout and
//! Docker health checks run at the engine's pace.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::time::Instant;

/// Emulated time: `origin + elapsed × scale`, in seconds since the Unix epoch. Clones share
/// one clock.
#[derive(Debug, Clone)]
pub struct Clock {
    /// Wall-clock seconds since the epoch when the clock was made (an `f64`'s bits), moved on
    /// once by [`Clock::resume_from`].
    origin: Arc<AtomicU64>,
    /// Tokio's instant at the same moment.
    start: Instant,
    scale: f64,
}

impl Default for Clock {
    fn default() -> Self {
        Clock::new(1.0)
    }
}

impl Clock {
    /// A clock running `scale` times faster than the wall clock (a scale that is not a positive
    /// finite number counts as 1).
    pub fn new(scale: f64) -> Self {
        let origin = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs_f64())
            .unwrap_or(0.0);
        Clock {
            origin: Arc::new(AtomicU64::new(origin.to_bits())),
            start: Instant::now(),
            scale: if scale.is_finite() && scale > 0.0 {
                scale
            } else {
                1.0
            },
        }
    }

    pub fn scale(&self) -> f64 {
        self.scale
    }

    /// Now, in emulated seconds since the Unix epoch, to the millisecond (as AWS JSON timestamps
    /// travel).
    pub fn now(&self) -> f64 {
        let origin = f64::from_bits(self.origin.load(Ordering::Relaxed));
        let secs = origin + self.start.elapsed().as_secs_f64() * self.scale;
        (secs * 1000.0).floor() / 1000.0
    }

    /// Goes on from `saved` (emulated seconds) if that is later than now: after a restart with
    /// a state dir, emulated time that ran ahead of the wall clock (`--time-scale`) does not go
    /// back, so stored deadlines and timestamps keep their meaning.
    pub fn resume_from(&self, saved: f64) {
        let behind = saved - self.now();
        if behind.is_finite() && behind > 0.0 {
            let origin = f64::from_bits(self.origin.load(Ordering::Relaxed)) + behind;
            self.origin.store(origin.to_bits(), Ordering::Relaxed);
        }
    }

    /// How long the wall clock takes for `emulated` to pass.
    pub fn real(&self, emulated: Duration) -> Duration {
        emulated.div_f64(self.scale)
    }

    /// Waits until `emulated` has passed on this clock.
    pub async fn sleep(&self, emulated: Duration) {
        tokio::time::sleep(self.real(emulated)).await;
    }

    /// A Tokio interval ticking every `emulated` period of this clock (at least every
    /// millisecond of wall time), delaying missed ticks rather than bursting them.
    pub fn interval(&self, emulated: Duration) -> tokio::time::Interval {
        let period = self.real(emulated).max(Duration::from_millis(1));
        let mut interval = tokio::time::interval(period);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        interval
    }
}

/// `secs` since the epoch as ISO 8601 in UTC with milliseconds (`2024-01-31T12:00:00.250Z`),
/// as the Query services (EC2, Auto Scaling) write timestamps.
pub fn iso8601(secs: f64) -> String {
    let millis = (secs * 1000.0).floor() as i64;
    let (days, ms_of_day) = (millis.div_euclid(86_400_000), millis.rem_euclid(86_400_000));
    let (y, m, d) = civil_from_days(days);
    let s = ms_of_day / 1000;
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
        s / 3600,
        s / 60 % 60,
        s % 60,
        ms_of_day % 1000
    )
}

/// Epoch milliseconds of an RFC 3339 UTC timestamp as Docker writes them
/// (`2026-12-06T03:22:00.123456789Z`, fraction optional); `None` for anything else.
pub fn parse_rfc3339_ms(text: &str) -> Option<i64> {
    parse_rfc3339_us(text).map(|us| us.div_euclid(1000))
}

/// The same timestamp in epoch microseconds (lines a container writes within one millisecond
/// keep their order by it).
pub fn parse_rfc3339_us(text: &str) -> Option<i64> {
    let text = text.strip_suffix('Z')?;
    let (date, time) = text.split_once('T')?;
    let mut d = date.splitn(3, '-').map(|p| p.parse::<i64>().ok());
    let (y, m, day) = (d.next()??, d.next()??, d.next()??);
    let (hms, frac) = time.split_once('.').unwrap_or((time, ""));
    let mut t = hms.splitn(3, ':').map(|p| p.parse::<i64>().ok());
    let (h, min, sec) = (t.next()??, t.next()??, t.next()??);
    if !(1..=12).contains(&m) || !(1..=31).contains(&day) || h > 23 || min > 59 || sec > 60 {
        return None;
    }
    let digits: String = frac.chars().take(6).collect();
    if !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let us = if digits.is_empty() {
        0
    } else {
        format!("{digits:0<6}").parse::<i64>().ok()?
    };
    let days = days_from_civil(y, m, day);
    Some((((days * 24 + h) * 60 + min) * 60 + sec) * 1_000_000 + us)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm), the
/// inverse of [`civil_from_days`].
pub fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The proleptic Gregorian date (year, month, day) of a day count since 1970-01-01 (Howard
/// Hinnant's algorithm).
pub fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
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

    #[test]
    fn rfc3339_round_trips_with_iso8601() {
        for ms in [0i64, 1_733_455_320_123, 951_782_400_000, 4_102_444_799_999] {
            let text = iso8601(ms as f64 / 1000.0);
            assert_eq!(parse_rfc3339_ms(&text), Some(ms), "{text}");
        }
        assert_eq!(
            parse_rfc3339_ms("2026-12-06T03:22:00.123456789Z"),
            parse_rfc3339_ms("2026-12-06T03:22:00.123Z")
        );
        assert_eq!(
            parse_rfc3339_ms("2026-12-06T03:22:00Z").map(|m| m % 1000),
            Some(0)
        );
        for bad in [
            "",
            "2026-12-06",
            "2026-13-01T00:00:00Z",
            "2026-12-06T03:22:00",
            "x-y-zTa:b:cZ",
        ] {
            assert_eq!(parse_rfc3339_ms(bad), None, "{bad}");
        }
    }

    #[tokio::test(start_paused = true)]
    async fn scaled_time_passes_faster() {
        let clock = Clock::new(10.0);
        let t0 = clock.now();
        tokio::time::advance(Duration::from_secs(3)).await;
        let passed = clock.now() - t0;
        assert!((passed - 30.0).abs() < 0.01, "{passed}");
    }

    #[tokio::test(start_paused = true)]
    async fn sleep_takes_the_real_share_of_an_emulated_wait() {
        let clock = Clock::new(4.0);
        let before = Instant::now();
        clock.sleep(Duration::from_secs(8)).await;
        assert_eq!(before.elapsed(), Duration::from_secs(2));
    }

    #[test]
    fn a_bad_scale_counts_as_one() {
        for bad in [0.0, -2.0, f64::NAN, f64::INFINITY] {
            assert_eq!(Clock::new(bad).scale(), 1.0);
        }
        assert_eq!(
            Clock::new(2.0).real(Duration::from_secs(10)),
            Duration::from_secs(5)
        );
    }

    #[test]
    fn now_is_close_to_the_wall_clock_at_scale_one() {
        let wall = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs_f64();
        assert!((Clock::default().now() - wall).abs() < 1.0);
    }
}
