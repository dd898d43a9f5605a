//! The `AWS/ApplicationELB` and `AWS/NetworkELB` metrics
//! (<https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-cloudwatch-metrics.html>),
//! published through the [`MetricSink`] once per emulated minute, stamped with the minute they
//! count: the data plane's counts ([`Meters`]) and the health checker's view of each target group.
//!
//! As on AWS, request metrics have no datapoint in a minute without requests; HealthyHostCount
//! and UnHealthyHostCount are published every minute for each target group a load balancer
//! routes to. Published: RequestCount, HTTPCode_Target_{2,3,4,5}XX_Count, TargetResponseTime
//! (per request) by LoadBalancer, AvailabilityZone+LoadBalancer, TargetGroup+LoadBalancer and
//! TargetGroup+AvailabilityZone+LoadBalancer; RequestCountPerTarget by TargetGroup and
//! TargetGroup+LoadBalancer; HealthyHostCount and UnHealthyHostCount by TargetGroup+LoadBalancer
//! and TargetGroup+AvailabilityZone+LoadBalancer (every zone of the load balancer, zeros
//! included); HTTPCode_ELB_4XX/5XX_Count, HTTP_Fixed_Response_Count and HTTP_Redirect_Count by
//! LoadBalancer; for NLBs NewFlowCount, ActiveFlowCount and ProcessedBytes. One node serves
//! every zone here, so a request's zone is that of the target that took it (ECS's tasks know
//! theirs; an API-registered target has one when registered with `AvailabilityZone`); the load
//! balancer's own answers have none. Missing: connection and LCU metrics.

use super::dataplane::meter::{GroupCounts, LbCounts, Meters};
use super::state::model::Zone;
use super::state::Store;
use crate::core::balancing::TargetState;
use crate::core::clock::Clock;
use crate::core::fleet::View;
use crate::core::metrics::MetricSink;
use crate::core::shutdown::Loops;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;

/// Healthy, unhealthy and all targets of a target group behind a load balancer, and the
/// healthy and unhealthy ones in each of the load balancer's zones (and any other zone a
/// target is in).
#[derive(Debug, Clone, Default, PartialEq)]
struct Hosts {
    healthy: u64,
    unhealthy: u64,
    total: u64,
    zones: BTreeMap<String, (u64, u64)>,
}

type HostsByPair = HashMap<(String, String), Hosts>;

pub struct Publisher {
    pub store: Arc<Store>,
    pub meters: Arc<Meters>,
    pub sink: View<dyn MetricSink>,
    pub clock: Clock,
}

/// Publishes at every minute boundary of the house clock until shutdown.
pub fn spawn(publisher: Publisher, loops: &Loops) {
    let mut stopping = loops.stopping();
    loops.spawn(async move {
        loop {
            let now = publisher.clock.now();
            let boundary = ((now / 60.0).floor() + 1.0) * 60.0;
            let wait = Duration::from_secs_f64((boundary - now).max(0.0));
            tokio::select! {
                _ = stopping.wait() => return,
                _ = publisher.clock.sleep(wait) => publisher.publish(boundary - 60.0),
            }
        }
    });
}

/// The `LoadBalancer` dimension: `app/<name>/<id>` (or `net/…`) from the ARN.
fn lb_dimension(arn: &str) -> &str {
    arn.split_once(":loadbalancer/").map_or(arn, |(_, d)| d)
}

/// The `TargetGroup` dimension: `targetgroup/<name>/<id>` from the ARN.
fn tg_dimension(arn: &str) -> &str {
    arn.rsplit(':').next().unwrap_or(arn)
}

/// Account and region from an ELBv2 ARN.
fn scope(arn: &str) -> Option<(&str, &str)> {
    let mut parts = arn.split(':').skip(3);
    Some((parts.next()?, parts.next()?)).map(|(region, account)| (account, region))
}

/// One metric put, its namespace, account and region fixed.
struct Out<'a> {
    sink: &'a dyn MetricSink,
    account: &'a str,
    region: &'a str,
    namespace: &'a str,
    stamp: f64,
}

impl Out<'_> {
    fn put(&self, name: &str, dims: &[(String, String)], value: f64, unit: &str) {
        self.sink.put(
            self.account,
            self.region,
            self.namespace,
            name,
            dims,
            self.stamp,
            value,
            unit,
        );
    }

    /// A count, only when nonzero (AWS publishes no datapoint for a minute without any).
    fn count(&self, name: &str, dims: &[(String, String)], n: u64) {
        if n > 0 {
            self.put(name, dims, n as f64, "Count");
        }
    }

    fn requests(&self, dims: &[(String, String)], c: &GroupCounts) {
        self.count("RequestCount", dims, c.requests);
        for (class, n) in c.codes.iter().enumerate() {
            self.count(&format!("HTTPCode_Target_{}XX_Count", class + 2), dims, *n);
        }
        if !c.times.is_empty() {
            let (ns, name) = (self.namespace, "TargetResponseTime");
            self.sink.put_values(
                self.account,
                self.region,
                ns,
                name,
                dims,
                self.stamp,
                &c.times,
                "Seconds",
            );
        }
    }
}

fn dims(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

impl Publisher {
    /// Publishes the minute starting at `stamp` (epoch seconds).
    pub fn publish(&self, stamp: f64) {
        let Some(sink) = self.sink.get() else {
            return;
        };
        let hosts = self.hosts();
        for (arn, counts) in self.meters.take() {
            let Some((account, region)) = scope(&arn) else {
                continue;
            };
            let out = Out {
                sink,
                account,
                region,
                namespace: namespace(&arn),
                stamp,
            };
            publish_load_balancer(&out, &arn, &counts, &hosts);
        }
        for ((lb, tg), h) in &hosts {
            let Some((account, region)) = scope(lb) else {
                continue;
            };
            let out = Out {
                sink,
                account,
                region,
                namespace: namespace(lb),
                stamp,
            };
            let d = dims(&[
                ("TargetGroup", tg_dimension(tg)),
                ("LoadBalancer", lb_dimension(lb)),
            ]);
            out.put("HealthyHostCount", &d, h.healthy as f64, "Count");
            out.put("UnHealthyHostCount", &d, h.unhealthy as f64, "Count");
            for (zone, (healthy, unhealthy)) in &h.zones {
                let d = dims(&[
                    ("TargetGroup", tg_dimension(tg)),
                    ("AvailabilityZone", zone),
                    ("LoadBalancer", lb_dimension(lb)),
                ]);
                out.put("HealthyHostCount", &d, *healthy as f64, "Count");
                out.put("UnHealthyHostCount", &d, *unhealthy as f64, "Count");
            }
        }
    }

    /// The health checker's view of every target group a load balancer routes to.
    fn hosts(&self) -> HostsByPair {
        let mut out = HostsByPair::new();
        for (account, region) in self.store.keys() {
            self.store.read(&account, &region, |st| {
                for tg in st.target_groups.values() {
                    for lb in st.load_balancers_of(&tg.arn) {
                        let zones = st.load_balancers.get(&lb).map(|l| l.zones.as_slice());
                        let targets = tg
                            .targets
                            .values()
                            .map(|t| (t.state, t.availability_zone.as_deref()));
                        let h = hosts_of(targets, zones.unwrap_or_default());
                        out.insert((lb, tg.arn.clone()), h);
                    }
                }
            });
        }
        out
    }
}

/// A target group's hosts (each target's state and zone) as a load balancer in `zones` sees
/// them.
fn hosts_of<'a>(
    targets: impl IntoIterator<Item = (TargetState, Option<&'a str>)>,
    zones: &[Zone],
) -> Hosts {
    let mut h = Hosts::default();
    for z in zones {
        h.zones.insert(z.zone_name.clone(), (0, 0));
    }
    for (state, zone) in targets {
        let healthy = u64::from(state == TargetState::Healthy);
        let unhealthy = u64::from(state == TargetState::Unhealthy);
        h.total += 1;
        h.healthy += healthy;
        h.unhealthy += unhealthy;
        if let Some(zone) = zone {
            let counts = h.zones.entry(zone.to_string()).or_default();
            counts.0 += healthy;
            counts.1 += unhealthy;
        }
    }
    h
}

fn namespace(lb_arn: &str) -> &'static str {
    if lb_dimension(lb_arn).starts_with("net/") {
        "AWS/NetworkELB"
    } else {
        "AWS/ApplicationELB"
    }
}

fn publish_load_balancer(out: &Out, arn: &str, c: &LbCounts, hosts: &HostsByPair) {
    let lb = dims(&[("LoadBalancer", lb_dimension(arn))]);
    if out.namespace == "AWS/NetworkELB" {
        out.count("NewFlowCount", &lb, c.new_flows);
        out.count("ActiveFlowCount", &lb, c.active_flows);
        out.count("ProcessedBytes", &lb, c.bytes);
        return;
    }
    let mut total = GroupCounts::default();
    let mut by_zone: BTreeMap<&str, GroupCounts> = BTreeMap::new();
    for (tg, g) in &c.groups {
        if g.requests == 0 {
            continue;
        }
        let pair = dims(&[
            ("TargetGroup", tg_dimension(tg)),
            ("LoadBalancer", lb_dimension(arn)),
        ]);
        out.requests(&pair, g);
        for (zone, z) in &g.zones {
            let triple = dims(&[
                ("TargetGroup", tg_dimension(tg)),
                ("AvailabilityZone", zone),
                ("LoadBalancer", lb_dimension(arn)),
            ]);
            out.requests(&triple, z);
            add(by_zone.entry(zone).or_default(), z);
        }
        // Per healthy target; with none healthy the load balancer fails open to all of them.
        let (healthy, all) = hosts
            .get(&(arn.to_string(), tg.clone()))
            .map_or((0, 0), |h| (h.healthy, h.total));
        let per = g.requests as f64 / (if healthy > 0 { healthy } else { all }).max(1) as f64;
        out.put("RequestCountPerTarget", &pair, per, "Count");
        out.put("RequestCountPerTarget", &pair[..1], per, "Count");
        add(&mut total, g);
    }
    out.requests(&lb, &total);
    for (zone, z) in &by_zone {
        let d = dims(&[
            ("AvailabilityZone", zone),
            ("LoadBalancer", lb_dimension(arn)),
        ]);
        out.requests(&d, z);
    }
    out.count("HTTPCode_ELB_4XX_Count", &lb, c.elb_4xx);
    out.count("HTTPCode_ELB_5XX_Count", &lb, c.elb_5xx);
    out.count("HTTP_Fixed_Response_Count", &lb, c.fixed);
    out.count("HTTP_Redirect_Count", &lb, c.redirects);
}

/// Adds one group's (or zone's) counts to a sum.
fn add(sum: &mut GroupCounts, c: &GroupCounts) {
    sum.requests += c.requests;
    for i in 0..4 {
        sum.codes[i] += c.codes[i];
    }
    sum.times.extend_from_slice(&c.times);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dimensions_come_from_the_arns() {
        let lb = "arn:aws:elasticloadbalancing:us-east-1:000000000000:loadbalancer/app/web/50dc6c495c0c9188";
        let tg =
            "arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/tg/73e2d6bc24d8a067";
        assert_eq!(lb_dimension(lb), "app/web/50dc6c495c0c9188");
        assert_eq!(tg_dimension(tg), "targetgroup/tg/73e2d6bc24d8a067");
        assert_eq!(scope(lb), Some(("000000000000", "us-east-1")));
        assert_eq!(namespace(lb), "AWS/ApplicationELB");
    }

    /// What a publish put: (metric name, dimension values in the order sent, value).
    #[derive(Default)]
    struct Seen(std::sync::Mutex<Vec<(String, Vec<String>, f64)>>);

    impl MetricSink for Seen {
        fn put(
            &self,
            _: &str,
            _: &str,
            _: &str,
            name: &str,
            dims: &[(String, String)],
            _: f64,
            value: f64,
            _: &str,
        ) {
            let dims = dims.iter().map(|(_, v)| v.clone()).collect();
            self.0.lock().unwrap().push((name.into(), dims, value));
        }
    }

    impl Seen {
        fn sum(&self, name: &str, dims: &[&str]) -> f64 {
            let seen = self.0.lock().unwrap();
            let hits = seen.iter().filter(|(n, d, _)| n == name && d == dims);
            hits.map(|(_, _, v)| v).sum()
        }
    }

    #[test]
    fn requests_and_hosts_count_by_the_zone_of_their_target() {
        let lb_arn = "arn:aws:elasticloadbalancing:us-east-1:000000000000:loadbalancer/app/w/1";
        let tg_arn = "arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/t/2";
        let sink = Seen::default();
        let out = Out {
            sink: &sink,
            account: "000000000000",
            region: "us-east-1",
            namespace: "AWS/ApplicationELB",
            stamp: 0.0,
        };
        let zone = |requests, codes| GroupCounts {
            requests,
            codes,
            ..GroupCounts::default()
        };
        let counts = LbCounts {
            groups: vec![(
                tg_arn.to_string(),
                GroupCounts {
                    requests: 6,
                    codes: [4, 0, 0, 1],
                    zones: vec![
                        ("us-east-1a".into(), zone(3, [3, 0, 0, 0])),
                        ("us-east-1b".into(), zone(2, [1, 0, 0, 1])),
                    ],
                    ..GroupCounts::default()
                },
            )],
            ..LbCounts::default()
        };
        publish_load_balancer(&out, lb_arn, &counts, &HostsByPair::new());
        let (lb, tg) = ("app/w/1", "targetgroup/t/2");
        assert_eq!(sink.sum("RequestCount", &[lb]), 6.0);
        assert_eq!(sink.sum("RequestCount", &["us-east-1a", lb]), 3.0);
        assert_eq!(sink.sum("RequestCount", &[tg, "us-east-1b", lb]), 2.0);
        assert_eq!(
            sink.sum("HTTPCode_Target_5XX_Count", &[tg, "us-east-1b", lb]),
            1.0
        );
        assert_eq!(
            sink.sum("HTTPCode_Target_5XX_Count", &["us-east-1a", lb]),
            0.0
        );

        let zones = ["us-east-1a", "us-east-1b"].map(|z| Zone {
            zone_name: z.into(),
            subnet_id: "subnet-1".into(),
        });
        let hosts = hosts_of(
            [
                (TargetState::Healthy, Some("us-east-1a")),
                (TargetState::Unhealthy, Some("us-east-1a")),
                (TargetState::Healthy, Some("us-east-1c")),
                (TargetState::Healthy, None),
            ],
            &zones,
        );
        assert_eq!((hosts.healthy, hosts.unhealthy, hosts.total), (3, 1, 4));
        let by_zone: Vec<(&str, (u64, u64))> =
            hosts.zones.iter().map(|(z, c)| (z.as_str(), *c)).collect();
        assert_eq!(
            by_zone,
            [
                ("us-east-1a", (1, 1)),
                ("us-east-1b", (0, 0)),
                ("us-east-1c", (1, 0))
            ]
        );
    }
}
