//! What an express gateway service needs from other rooms, around its handlers
//! (`api::express`, which change ECS's state only): before a create, ELBv2 makes its ingress
//! (load balancer, listener, target group, host rule) through [`Ingresses`]; after a create or an
//! update, Application Auto Scaling registers the service and its target-tracking policy through
//! [`ScalingPolicies`]; after a delete both are torn down. A create that fails in ECS deletes the
//! ingress it was given. Without Application Auto Scaling wired the service is answered without
//! scaling, and the record says so.

use crate::core::balancing::{Ingress, IngressSpec};
use crate::core::context::RequestContext;
use crate::ecs::api::express::INGRESS;
use crate::ecs::state::Store;
use crate::ecs::{EcsError, EcsResult};
use crate::wire::Reply;
use serde_json::{json, Map, Value};

/// What happens after the handler, decided before it.
pub enum Step {
    None,
    Created(Ingress),
    Updated {
        arn: String,
        input: Map<String, Value>,
    },
    Deleted {
        arn: String,
    },
}

fn ingress_json(i: &Ingress) -> Value {
    json!({"loadBalancerArn": i.load_balancer_arn, "listenerArn": i.listener_arn,
           "targetGroupArn": i.target_group_arn, "ruleArn": i.rule_arn, "host": i.host,
           "endpoint": i.endpoint, "subnets": i.subnets})
}

fn ingress_of(v: &Value) -> Ingress {
    let s = |k: &str| v[k].as_str().unwrap_or_default().to_string();
    Ingress {
        load_balancer_arn: s("loadBalancerArn"),
        listener_arn: s("listenerArn"),
        target_group_arn: s("targetGroupArn"),
        rule_arn: s("ruleArn"),
        host: s("host"),
        endpoint: s("endpoint"),
        subnets: Vec::new(),
    }
}

fn strings(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// Before the handler: a create's ingress, handed to the handler in its input.
pub fn before(
    store: &Store,
    ctx: &RequestContext,
    operation: &str,
    input: &mut Map<String, Value>,
) -> EcsResult<Step> {
    let arn = || {
        input
            .get("serviceArn")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    match operation {
        "CreateExpressGatewayService" => create_ingress(store, ctx, input).map(Step::Created),
        "UpdateExpressGatewayService" => Ok(Step::Updated {
            arn: arn(),
            input: input.clone(),
        }),
        "DeleteExpressGatewayService" => Ok(Step::Deleted { arn: arn() }),
        _ => Ok(Step::None),
    }
}

fn create_ingress(
    store: &Store,
    ctx: &RequestContext,
    input: &mut Map<String, Value>,
) -> EcsResult<Ingress> {
    let ingresses = store.fleet().ingresses.get().ok_or_else(|| {
        EcsError::UnsupportedFeature(
            "Express gateway services need ELBv2, which is not part of this server.".into(),
        )
    })?;
    if !input.contains_key("serviceName") {
        let name = format!("express-{}", crate::core::ids::hex(4));
        input.insert("serviceName".into(), json!(name));
    }
    let container = input.get("primaryContainer");
    let network = input.get("networkConfiguration");
    let spec = IngressSpec {
        account: ctx.account.clone(),
        region: ctx.region.clone(),
        service_name: input["serviceName"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
        subnets: strings(network.and_then(|n| n.get("subnets"))),
        security_groups: strings(network.and_then(|n| n.get("securityGroups"))),
        container_port: container
            .and_then(|c| c.get("containerPort"))
            .and_then(Value::as_u64)
            .unwrap_or(80) as u16,
        health_check_path: input
            .get("healthCheckPath")
            .and_then(Value::as_str)
            .unwrap_or("/ping")
            .to_string(),
    };
    let ingress = ingresses
        .create_ingress(&spec)
        .map_err(EcsError::InvalidParameter)?;
    input.insert(INGRESS.into(), ingress_json(&ingress));
    Ok(ingress)
}

/// After the handler: scaling on success, the ingress rolled back or torn down.
pub fn after(store: &Store, ctx: &RequestContext, step: Step, result: &EcsResult<Reply>) {
    let fleet = store.fleet();
    let ingresses = fleet.ingresses.get();
    match (step, result.is_ok()) {
        (Step::Created(ingress), false) => {
            if let Some(i) = ingresses {
                i.delete_ingress(&ctx.account, &ctx.region, &ingress);
            }
        }
        (Step::Created(ingress), true) => {
            let arn = store.with_region(ctx, |st| {
                st.express
                    .iter()
                    .find(|(_, r)| r.ingress["targetGroupArn"] == ingress.target_group_arn.as_str())
                    .map(|(arn, _)| arn.clone())
            });
            if let Some(arn) = arn {
                scale(store, ctx, &arn);
            }
        }
        (Step::Updated { arn, input }, true) => {
            let record = store.with_region(ctx, |st| st.express.get(&arn).cloned());
            let (Some(record), Some(i)) = (record, ingresses) else {
                return;
            };
            if let Some(path) = input.get("healthCheckPath").and_then(Value::as_str) {
                let tg = record.ingress["targetGroupArn"]
                    .as_str()
                    .unwrap_or_default();
                i.set_health_check_path(&ctx.account, &ctx.region, tg, path);
            }
            if input.contains_key("scalingTarget") {
                scale(store, ctx, &arn);
            }
        }
        (Step::Deleted { arn }, true) => teardown(store, ctx, &arn),
        _ => {}
    }
}

fn teardown(store: &Store, ctx: &RequestContext, arn: &str) {
    let fleet = store.fleet();
    let Some(record) = store.with_region(ctx, |st| st.express.get(arn).cloned()) else {
        return;
    };
    if let Some(i) = fleet.ingresses.get() {
        i.delete_ingress(&ctx.account, &ctx.region, &ingress_of(&record.ingress));
    }
    if let Some(s) = fleet.scaling.get() {
        s.deregister_service(
            &ctx.account,
            &ctx.region,
            &resource_id(&record.cluster, &record.service_name),
        );
    }
}

/// `service/<cluster name>/<service name>`.
fn resource_id(cluster_arn: &str, service: &str) -> String {
    let cluster = cluster_arn.rsplit('/').next().unwrap_or(cluster_arn);
    format!("service/{cluster}/{service}")
}

/// The predefined metric of an express scaling metric.
fn predefined(metric: &str) -> &'static str {
    match metric {
        "AVERAGE_MEMORY" => "ECSServiceAverageMemoryUtilization",
        "REQUEST_COUNT_PER_TARGET" => "ALBRequestCountPerTarget",
        _ => "ECSServiceAverageCPUUtilization",
    }
}

/// `app/<lb>/<id>/targetgroup/<tg>/<id>`, ALBRequestCountPerTarget's resource label.
fn resource_label(ingress: &Value) -> String {
    let lb = ingress["loadBalancerArn"].as_str().unwrap_or_default();
    let tg = ingress["targetGroupArn"].as_str().unwrap_or_default();
    let lb = lb.split_once(":loadbalancer/").map_or(lb, |(_, d)| d);
    let tg = tg.rsplit(':').next().unwrap_or(tg);
    format!("{lb}/{tg}")
}

/// Registers the service with Application Auto Scaling and puts its target-tracking policy;
/// records the policy's ARN, or why there is none.
fn scale(store: &Store, ctx: &RequestContext, arn: &str) {
    let Some(record) = store.with_region(ctx, |st| st.express.get(arn).cloned()) else {
        return;
    };
    let fleet = store.fleet();
    let note = match fleet.scaling.get() {
        None => "not applied: Application Auto Scaling is not part of this server".to_string(),
        Some(s) => {
            let target = &record.config["scalingTarget"];
            let n = |k: &str| target[k].as_u64().unwrap_or(1) as u32;
            let id = resource_id(&record.cluster, &record.service_name);
            let metric = predefined(target["autoScalingMetric"].as_str().unwrap_or_default());
            let label =
                (metric == "ALBRequestCountPerTarget").then(|| resource_label(&record.ingress));
            let value = target["autoScalingTargetValue"].as_f64().unwrap_or(60.0);
            let policy = format!("{}-target-tracking", record.service_name);
            s.register_service(
                &ctx.account,
                &ctx.region,
                &id,
                n("minTaskCount"),
                n("maxTaskCount"),
            )
            .and_then(|_| {
                s.put_target_tracking(
                    &ctx.account,
                    &ctx.region,
                    &id,
                    &policy,
                    metric,
                    label.as_deref(),
                    value,
                )
            })
            .unwrap_or_else(|e| format!("failed: {e}"))
        }
    };
    tracing::info!(service = arn, scaling = %note, "express gateway service scaling");
    store.with_region(ctx, |st| {
        if let Some(r) = st.express.get_mut(arn) {
            r.scaling = Some(note);
        }
    });
}
