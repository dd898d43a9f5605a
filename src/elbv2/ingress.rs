//! [`Ingresses`] for ECS's express gateway services: the load balancer, listener, target group
//! and host-header rule an express service gets, made through ELBv2's own operations (the same
//! validation and listener reconcile as API calls), so they are ordinary, describable resources.
//!
//! As ECS shares express load balancers, one `ecs-express-gateway-alb` per account and region
//! takes every express service, each behind its own host-header rule. Its listener is HTTP on a
//! free port of the listener address (AWS's is HTTPS on 443; local-ecs terminates no TLS), and
//! each service's host is `<service>-<id>.ecs.<region>.localhost`, a name curl and browsers
//! resolve to loopback.

use super::serving::Serving;
use super::state::{RegionState, Store};
use crate::core::balancing::{Ingress, IngressSpec, Ingresses};
use crate::core::context::RequestContext;
use crate::core::fleet::{Networks, View};
use serde_json::{json, Map, Value};
use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;

/// The shared load balancer's name.
const SHARED: &str = "ecs-express-gateway-alb";

pub struct IngressView {
    pub store: Arc<Store>,
    pub serving: Arc<Serving>,
    pub networks: View<dyn Networks>,
}

fn map(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

impl IngressView {
    fn call(&self, ctx: &RequestContext, op: &str, input: Value) -> Result<(), String> {
        super::run(
            &self.store,
            &self.serving,
            &self.networks,
            ctx,
            op,
            map(input),
        )
        .map(|_| ())
        .map_err(|e| e.message().to_string())
    }

    fn read<R: Default>(&self, ctx: &RequestContext, f: impl FnOnce(&RegionState) -> R) -> R {
        self.store
            .with_existing(&ctx.account, &ctx.region, |st| f(st))
            .unwrap_or_default()
    }

    fn subnets(&self, spec: &IngressSpec) -> Vec<String> {
        if !spec.subnets.is_empty() {
            return spec.subnets.clone();
        }
        self.networks
            .get()
            .map(|n| n.default_subnets(&spec.account, &spec.region))
            .unwrap_or_default()
            .into_iter()
            .map(|s| s.subnet_id)
            .collect()
    }

    /// The shared load balancer and its listener, made on first use: (lb, listener, port).
    fn shared(
        &self,
        ctx: &RequestContext,
        spec: &IngressSpec,
        subnets: &[String],
    ) -> Result<(String, String, u16), String> {
        let existing = |st: &RegionState| {
            let lb = st.lb_by_name(SHARED)?;
            let l = st
                .listeners
                .values()
                .find(|l| l.load_balancer_arn == lb.arn)?;
            Some((lb.arn.clone(), l.arn.clone(), l.port))
        };
        if let Some(found) = self.read(ctx, existing) {
            return Ok(found);
        }
        let mut lb = json!({"Name": SHARED, "Subnets": subnets, "Scheme": "internet-facing",
                            "Type": "application"});
        if !spec.security_groups.is_empty() {
            lb["SecurityGroups"] = json!(spec.security_groups);
        }
        self.call(ctx, "CreateLoadBalancer", lb)?;
        let lb_arn = self
            .read(ctx, |st| st.lb_by_name(SHARED).map(|l| l.arn.clone()))
            .ok_or("the shared load balancer was not created")?;
        let port = self.free_port()?;
        let listener = json!({"LoadBalancerArn": lb_arn, "Protocol": "HTTP", "Port": port.to_string(),
            "DefaultActions": [{"Type": "fixed-response", "FixedResponseConfig": {
                "StatusCode": "404", "ContentType": "text/plain",
                "MessageBody": "No express service answers this host"}}]});
        if let Err(e) = self.call(ctx, "CreateListener", listener) {
            let _ = self.call(
                ctx,
                "DeleteLoadBalancer",
                json!({"LoadBalancerArn": lb_arn}),
            );
            return Err(e);
        }
        self.read(ctx, existing)
            .ok_or_else(|| "the shared listener was not created".to_string())
    }

    /// A port nothing listens on now (it is bound again at once by the listener).
    fn free_port(&self) -> Result<u16, String> {
        let probe = TcpListener::bind(SocketAddr::new(self.serving.host(), 0))
            .map_err(|e| format!("no free listener port: {e}"))?;
        probe
            .local_addr()
            .map(|a| a.port())
            .map_err(|e| e.to_string())
    }

    fn group_and_rule(
        &self,
        ctx: &RequestContext,
        spec: &IngressSpec,
        vpc: &str,
        listener: &str,
        host: &str,
    ) -> Result<(String, String), String> {
        let short: String = spec.service_name.chars().take(20).collect();
        let name = format!(
            "ecs-{}-{}",
            short.trim_end_matches('-'),
            &crate::core::ids::hex(3)
        );
        let name = name.replace('_', "-");
        self.call(
            ctx,
            "CreateTargetGroup",
            json!({"Name": name, "Protocol": "HTTP",
            "Port": spec.container_port.to_string(), "VpcId": vpc, "TargetType": "ip",
            "HealthCheckPath": spec.health_check_path}),
        )?;
        let tg = self
            .read(ctx, |st| st.tg_by_name(&name).map(|t| t.arn.clone()))
            .ok_or("the target group was not created")?;
        let priority = self.read(ctx, |st| {
            st.rules_of(listener)
                .iter()
                .filter_map(|r| r.priority)
                .max()
                .unwrap_or(0)
                + 1
        });
        let rule = json!({"ListenerArn": listener, "Priority": priority.to_string(),
            "Conditions": [{"Field": "host-header", "HostHeaderConfig": {"Values": [host]}}],
            "Actions": [{"Type": "forward", "TargetGroupArn": tg}]});
        if let Err(e) = self.call(ctx, "CreateRule", rule) {
            let _ = self.call(ctx, "DeleteTargetGroup", json!({"TargetGroupArn": tg}));
            return Err(e);
        }
        let rule_arn = self
            .read(ctx, |st| {
                st.rules_of(listener)
                    .iter()
                    .find(|r| r.priority == Some(priority))
                    .map(|r| r.arn.clone())
            })
            .unwrap_or_default();
        Ok((tg, rule_arn))
    }
}

impl Ingresses for IngressView {
    fn create_ingress(&self, spec: &IngressSpec) -> Result<Ingress, String> {
        let ctx = RequestContext::new(&spec.account, &spec.region);
        let subnets = self.subnets(spec);
        let vpc = self
            .networks
            .get()
            .and_then(|n| n.subnet(&spec.account, &spec.region, subnets.first()?))
            .map(|s| s.vpc_id)
            .ok_or("no subnets to place the load balancer in (no default VPC?)")?;
        let (lb, listener, port) = self.shared(&ctx, spec, &subnets)?;
        let host = format!(
            "{}-{}.ecs.{}.localhost",
            spec.service_name.to_lowercase().replace('_', "-"),
            crate::core::ids::hex(4),
            spec.region
        );
        let (tg, rule) = self.group_and_rule(&ctx, spec, &vpc, &listener, &host)?;
        Ok(Ingress {
            load_balancer_arn: lb,
            listener_arn: listener,
            target_group_arn: tg,
            rule_arn: rule,
            endpoint: format!("http://{host}:{port}"),
            host,
            subnets,
        })
    }

    fn set_health_check_path(&self, account: &str, region: &str, tg_arn: &str, path: &str) {
        let ctx = RequestContext::new(account, region);
        let input = json!({"TargetGroupArn": tg_arn, "HealthCheckPath": path});
        if let Err(e) = self.call(&ctx, "ModifyTargetGroup", input) {
            tracing::warn!(target_group = tg_arn, error = %e, "express health check path not set");
        }
    }

    fn delete_ingress(&self, account: &str, region: &str, ingress: &Ingress) {
        let ctx = RequestContext::new(account, region);
        let _ = self.call(&ctx, "DeleteRule", json!({"RuleArn": ingress.rule_arn}));
        let _ = self.call(
            &ctx,
            "DeleteTargetGroup",
            json!({"TargetGroupArn": ingress.target_group_arn}),
        );
        let idle = self.read(&ctx, |st| st.rules_of(&ingress.listener_arn).is_empty());
        if idle {
            let lb = json!({"LoadBalancerArn": ingress.load_balancer_arn});
            let _ = self.call(&ctx, "DeleteLoadBalancer", lb);
        }
    }
}
