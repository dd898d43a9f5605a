//! The `AWS/ApplicationELB` and `AWS/NetworkELB` metrics
//! (<https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-cloudwatch-metrics.html>),
//! published through the [`MetricSink`] once per emulated minute, stamped with the minute they
//! count: the data plane's counts ([`Meters`]) and the health checker's view of each target group.
//!
//! As on AWS, request metrics have no datapoint in a minute without requests; HealthyHostCount
//! and UnHealthyHostCount are published every minute for each target group a load balancer
//! routes to. Published: RequestCount, HTTPCode_Target_{2,3,4,5}XX_Count, TargetResponseTime
//! (per request) by LoadBalancer and by TargetGroup+LoadBalancer; RequestCountPerTarget by
//! TargetGroup and TargetGroup+LoadBalancer; HTTPCode_ELB_4XX/5XX_Count, HTTP_Fixed_Response_Count
//! and HTTP_Redirect_Count by LoadBalancer; for NLBs NewFlowCount, ActiveFlowCount and
//! ProcessedBytes. Missing: the AvailabilityZone dimension (one node serves every zone here),
//! connection and LCU metrics.

use super::dataplane::meter::{GroupCounts, LbCounts, Meters};
use super::state::Store;
use crate::core::balancing::TargetState;
use crate::core::clock::Clock;
use crate::core::fleet::View;
use crate::core::metrics::MetricSink;
use crate::core::shutdown::Loops;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

/// Healthy, unhealthy and all targets of a target group behind a load balancer.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct Hosts {
    healthy: u64,
    unhealthy: u64,
    total: u64,
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
        }
    }

    /// The health checker's view of every target group a load balancer routes to.
    fn hosts(&self) -> HostsByPair {
        let mut out = HostsByPair::new();
        for (account, region) in self.store.keys() {
            self.store.with_existing(&account, &region, |st| {
                for tg in st.target_groups.values() {
                    let mut h = Hosts::default();
                    for t in tg.targets.values() {
                        h.total += 1;
                        h.healthy += u64::from(t.state == TargetState::Healthy);
                        h.unhealthy += u64::from(t.state == TargetState::Unhealthy);
                    }
                    for lb in st.load_balancers_of(&tg.arn) {
                        out.insert((lb, tg.arn.clone()), h);
                    }
                }
            });
        }
        out
    }
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
    for (tg, g) in &c.groups {
        if g.requests == 0 {
            continue;
        }
        let pair = dims(&[
            ("TargetGroup", tg_dimension(tg)),
            ("LoadBalancer", lb_dimension(arn)),
        ]);
        out.requests(&pair, g);
        // Per healthy target; with none healthy the load balancer fails open to all of them.
        let h = hosts
            .get(&(arn.to_string(), tg.clone()))
            .copied()
            .unwrap_or_default();
        let per =
            g.requests as f64 / (if h.healthy > 0 { h.healthy } else { h.total }).max(1) as f64;
        out.put("RequestCountPerTarget", &pair, per, "Count");
        out.put("RequestCountPerTarget", &pair[..1], per, "Count");
        total.requests += g.requests;
        for i in 0..4 {
            total.codes[i] += g.codes[i];
        }
        total.times.extend_from_slice(&g.times);
    }
    out.requests(&lb, &total);
    out.count("HTTPCode_ELB_4XX_Count", &lb, c.elb_4xx);
    out.count("HTTPCode_ELB_5XX_Count", &lb, c.elb_5xx);
    out.count("HTTP_Fixed_Response_Count", &lb, c.fixed);
    out.count("HTTP_Redirect_Count", &lb, c.redirects);
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
}
