//! What the data plane counts for CloudWatch: relaxed atomics bumped per request (or per TCP
//! flow), taken and zeroed once per emulated minute by the publisher (`elbv2::metrics`). A
//! listener's plan holds its load balancer's [`LbMeter`], each forwarded group its
//! [`GroupMeter`], so counting never touches the service's state; the only lock is a group's
//! map of zones, read per request and written once per zone.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

/// Sub-buckets per power of two of the response-time histogram: a value lands in a bucket at
/// most 1/16 (6 %) wide, so percentiles stay close while the memory is fixed.
const SUB: u32 = 16;
/// Buckets enough for microsecond values up to 2^40 (12 days).
const BUCKETS: usize = (SUB as usize) * 38;

/// Response times as a log-linear histogram; each bucket keeps its count and the exact sum of
/// its values, so Sum and Average come out exact and percentiles within a bucket's width.
struct Timing {
    buckets: Box<[(AtomicU64, AtomicU64)]>,
}

impl Default for Timing {
    fn default() -> Self {
        Timing {
            buckets: (0..BUCKETS)
                .map(|_| (AtomicU64::new(0), AtomicU64::new(0)))
                .collect(),
        }
    }
}

fn bucket(micros: u64) -> usize {
    if micros < u64::from(SUB) {
        return micros as usize;
    }
    let exp = 63 - micros.leading_zeros(); // >= 4
    let sub = (micros >> (exp - 4)) & u64::from(SUB - 1);
    (SUB as usize + (exp as usize - 4) * SUB as usize + sub as usize).min(BUCKETS - 1)
}

impl Timing {
    fn record(&self, elapsed: Duration) {
        let micros = elapsed.as_micros() as u64;
        let (count, sum) = &self.buckets[bucket(micros)];
        count.fetch_add(1, Ordering::Relaxed);
        sum.fetch_add(micros, Ordering::Relaxed);
    }

    /// `(seconds, count)` pairs of the nonzero buckets, zeroing them.
    fn take(&self) -> Vec<(f64, f64)> {
        let mut out = Vec::new();
        for (count, sum) in self.buckets.iter() {
            let n = count.swap(0, Ordering::Relaxed);
            if n > 0 {
                let micros = sum.swap(0, Ordering::Relaxed);
                out.push((micros as f64 / n as f64 / 1e6, n as f64));
            }
        }
        out
    }
}

/// Requests, target answers by class and response times: of a target group behind a load
/// balancer, and of each Availability Zone within it.
#[derive(Default)]
struct Counts {
    requests: AtomicU64,
    /// Target answers by class: 2XX, 3XX, 4XX, 5XX.
    codes: [AtomicU64; 4],
    times: Timing,
}

impl Counts {
    fn answered(&self, status: u16, elapsed: Duration) {
        self.requests.fetch_add(1, Ordering::Relaxed);
        if (200..600).contains(&status) {
            self.codes[usize::from(status / 100 - 2)].fetch_add(1, Ordering::Relaxed);
        }
        self.times.record(elapsed);
    }

    fn take(&self) -> GroupCounts {
        GroupCounts {
            requests: self.requests.swap(0, Ordering::Relaxed),
            codes: std::array::from_fn(|i| self.codes[i].swap(0, Ordering::Relaxed)),
            times: self.times.take(),
            zones: Vec::new(),
        }
    }
}

/// Counts of one target group behind one load balancer, in all and by the Availability Zone of
/// the target that took each request (the AvailabilityZone dimension: here one node serves
/// every zone, so a request counts in its target's).
#[derive(Default)]
pub struct GroupMeter {
    all: Counts,
    /// Written once per zone seen; every request after that only reads.
    zones: RwLock<HashMap<Arc<str>, Counts>>,
}

impl GroupMeter {
    /// A request a target in `zone` (if known) answered with `status` after `elapsed`.
    pub fn answered(&self, zone: Option<&Arc<str>>, status: u16, elapsed: Duration) {
        self.all.answered(status, elapsed);
        self.in_zone(zone, |c| c.answered(status, elapsed));
    }

    /// A request routed to a target in `zone` (if any was picked) that the load balancer
    /// answered itself (no target reachable): counted as a request of the group, not as a
    /// target's answer.
    pub fn unanswered(&self, zone: Option<&Arc<str>>) {
        self.all.requests.fetch_add(1, Ordering::Relaxed);
        self.in_zone(zone, |c| {
            c.requests.fetch_add(1, Ordering::Relaxed);
        });
    }

    fn in_zone(&self, zone: Option<&Arc<str>>, count: impl Fn(&Counts)) {
        let Some(zone) = zone else { return };
        if let Some(c) = self
            .zones
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(zone)
        {
            return count(c);
        }
        let mut zones = self.zones.write().unwrap_or_else(|e| e.into_inner());
        count(zones.entry(zone.clone()).or_default());
    }

    fn take(&self) -> GroupCounts {
        let zones = self.zones.read().unwrap_or_else(|e| e.into_inner());
        let mut by_zone: Vec<(String, GroupCounts)> = zones
            .iter()
            .map(|(z, c)| (z.to_string(), c.take()))
            .filter(|(_, c)| c.requests > 0)
            .collect();
        by_zone.sort_by(|a, b| a.0.cmp(&b.0));
        GroupCounts {
            zones: by_zone,
            ..self.all.take()
        }
    }
}

/// One minute of a target group's counts.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GroupCounts {
    pub requests: u64,
    pub codes: [u64; 4],
    /// `(seconds, count)` pairs.
    pub times: Vec<(f64, f64)>,
    /// The same by Availability Zone, for zones with requests (empty within a zone's counts).
    pub zones: Vec<(String, GroupCounts)>,
}

/// The load balancer's own answers and, for a network load balancer, its flows.
#[derive(Default)]
pub struct LbMeter {
    elb_4xx: AtomicU64,
    elb_5xx: AtomicU64,
    fixed: AtomicU64,
    redirects: AtomicU64,
    new_flows: AtomicU64,
    /// A gauge: never zeroed.
    active_flows: AtomicU64,
    bytes: AtomicU64,
    groups: Mutex<HashMap<String, Arc<GroupMeter>>>,
}

/// One minute of a load balancer's counts, its groups' with them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LbCounts {
    pub elb_4xx: u64,
    pub elb_5xx: u64,
    pub fixed: u64,
    pub redirects: u64,
    pub new_flows: u64,
    pub active_flows: u64,
    pub bytes: u64,
    pub groups: Vec<(String, GroupCounts)>,
}

impl LbMeter {
    /// An answer the load balancer generated (its error pages, not fixed responses).
    pub fn generated(&self, status: u16) {
        match status {
            400..=499 => self.elb_4xx.fetch_add(1, Ordering::Relaxed),
            500..=599 => self.elb_5xx.fetch_add(1, Ordering::Relaxed),
            _ => 0,
        };
    }

    pub fn fixed_response(&self) {
        self.fixed.fetch_add(1, Ordering::Relaxed);
    }

    pub fn redirect(&self) {
        self.redirects.fetch_add(1, Ordering::Relaxed);
    }

    /// A TCP flow opened; [`LbMeter::flow_ended`] must follow.
    pub fn flow_started(&self) {
        self.new_flows.fetch_add(1, Ordering::Relaxed);
        self.active_flows.fetch_add(1, Ordering::Relaxed);
    }

    pub fn flow_ended(&self) {
        self.active_flows.fetch_sub(1, Ordering::Relaxed);
    }

    pub fn bytes(&self, n: u64) {
        self.bytes.fetch_add(n, Ordering::Relaxed);
    }

    /// The meter of target group `arn` behind this load balancer (made on first use).
    pub fn group(&self, arn: &str) -> Arc<GroupMeter> {
        let mut groups = self.groups.lock().unwrap_or_else(|e| e.into_inner());
        groups.entry(arn.to_string()).or_default().clone()
    }

    fn take(&self) -> LbCounts {
        let mut groups = self.groups.lock().unwrap_or_else(|e| e.into_inner());
        let taken = groups
            .iter()
            .map(|(arn, g)| (arn.clone(), g.take()))
            .collect();
        // A group no plan forwards to any more is forgotten once its last counts are taken.
        groups.retain(|_, g| Arc::strong_count(g) > 1);
        LbCounts {
            elb_4xx: self.elb_4xx.swap(0, Ordering::Relaxed),
            elb_5xx: self.elb_5xx.swap(0, Ordering::Relaxed),
            fixed: self.fixed.swap(0, Ordering::Relaxed),
            redirects: self.redirects.swap(0, Ordering::Relaxed),
            new_flows: self.new_flows.swap(0, Ordering::Relaxed),
            active_flows: self.active_flows.load(Ordering::Relaxed),
            bytes: self.bytes.swap(0, Ordering::Relaxed),
            groups: taken,
        }
    }
}

impl std::fmt::Debug for GroupMeter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("GroupMeter")
    }
}

impl std::fmt::Debug for LbMeter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LbMeter")
    }
}

/// Every load balancer's meter, by ARN.
#[derive(Default)]
pub struct Meters(Mutex<HashMap<String, Arc<LbMeter>>>);

impl Meters {
    /// The meter of load balancer `arn` (made on first use).
    pub fn load_balancer(&self, arn: &str) -> Arc<LbMeter> {
        let mut lbs = self.0.lock().unwrap_or_else(|e| e.into_inner());
        lbs.entry(arn.to_string()).or_default().clone()
    }

    /// Every load balancer's counts since the last take, zeroing them; meters no listener holds
    /// any more are forgotten after this last take.
    pub fn take(&self) -> Vec<(String, LbCounts)> {
        let mut lbs = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let taken = lbs.iter().map(|(arn, m)| (arn.clone(), m.take())).collect();
        lbs.retain(|_, m| Arc::strong_count(m) > 1);
        taken
    }

    pub fn clear(&self) {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_grow_with_the_value_and_stay_in_range() {
        assert_eq!(bucket(0), 0);
        assert_eq!(bucket(15), 15);
        assert_eq!(bucket(16), 16);
        assert!(bucket(1_000) < bucket(1_100));
        assert_eq!(bucket(u64::MAX), BUCKETS - 1);
    }

    #[test]
    fn a_take_returns_the_minute_and_zeroes_it() {
        let meters = Meters::default();
        let lb = meters.load_balancer("lb");
        let g = lb.group("tg");
        let (a, b): (Arc<str>, Arc<str>) = ("us-east-1a".into(), "us-east-1b".into());
        g.answered(Some(&a), 200, Duration::from_millis(10));
        g.answered(Some(&b), 503, Duration::from_millis(30));
        g.answered(None, 200, Duration::from_millis(20));
        g.unanswered(Some(&a));
        lb.generated(502);
        let taken = meters.take();
        let counts = &taken[0].1;
        assert_eq!(counts.elb_5xx, 1);
        let group = &counts.groups[0].1;
        assert_eq!(group.requests, 4);
        assert_eq!(group.codes, [2, 0, 0, 1]);
        let sum: f64 = group.times.iter().map(|(v, n)| v * n).sum();
        assert!((sum - 0.06).abs() < 1e-9, "{sum}");
        // By zone: a target of unknown zone counts in the group only.
        let zones: Vec<(&str, u64, [u64; 4])> = group
            .zones
            .iter()
            .map(|(z, c)| (z.as_str(), c.requests, c.codes))
            .collect();
        assert_eq!(
            zones,
            [
                ("us-east-1a", 2, [1, 0, 0, 0]),
                ("us-east-1b", 1, [0, 0, 0, 1])
            ]
        );
        assert_eq!(meters.take()[0].1.groups[0].1, GroupCounts::default());
    }

    #[test]
    fn meters_nobody_holds_are_forgotten_after_their_last_take() {
        let meters = Meters::default();
        meters.load_balancer("lb").group("tg").unanswered(None);
        assert_eq!(meters.take()[0].1.groups[0].1.requests, 1);
        assert!(meters.take().is_empty());
    }
}
