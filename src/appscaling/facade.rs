//! [`ScalingPolicies`] for ECS's express gateway services: the same operations a caller would
//! make (RegisterScalableTarget, PutScalingPolicy, DeregisterScalableTarget), run on the
//! region's state with their errors' messages.

use super::api::{policies, targets, Env, ECS_DIMENSION};
use super::state::Store;
use crate::core::bus::Bus;
use crate::core::scaling::ScalingPolicies;
use serde_json::{json, Map, Value};
use std::sync::Arc;

pub struct Policies {
    store: Arc<Store>,
    env: Env,
    bus: Bus,
}

impl Policies {
    pub fn new(store: Arc<Store>, env: Env, bus: Bus) -> Self {
        Policies { store, env, bus }
    }

    fn run(
        &self,
        account: &str,
        region: &str,
        handler: super::api::Handler,
        input: Value,
    ) -> Result<Value, String> {
        let input: Map<String, Value> = input.as_object().cloned().unwrap_or_default();
        let (result, out) = self.store.with(account, region, |st| {
            let r = handler(st, &self.env, input);
            (r, std::mem::take(&mut st.outbox))
        });
        super::controller::publish(&self.bus, out);
        let reply = result.map_err(|e| e.message().to_string())?;
        serde_json::from_slice(reply.json()).map_err(|e| e.to_string())
    }
}

impl ScalingPolicies for Policies {
    fn register_service(
        &self,
        account: &str,
        region: &str,
        resource_id: &str,
        min: u32,
        max: u32,
    ) -> Result<(), String> {
        let input = json!({
            "ServiceNamespace": "ecs", "ResourceId": resource_id,
            "ScalableDimension": ECS_DIMENSION, "MinCapacity": min, "MaxCapacity": max,
        });
        self.run(account, region, targets::register_scalable_target, input)
            .map(|_| ())
    }

    fn put_target_tracking(
        &self,
        account: &str,
        region: &str,
        resource_id: &str,
        policy_name: &str,
        predefined_metric: &str,
        resource_label: Option<&str>,
        target: f64,
    ) -> Result<String, String> {
        let mut spec = json!({ "PredefinedMetricType": predefined_metric });
        if let Some(label) = resource_label {
            spec["ResourceLabel"] = json!(label);
        }
        let input = json!({
            "PolicyName": policy_name, "ServiceNamespace": "ecs", "ResourceId": resource_id,
            "ScalableDimension": ECS_DIMENSION, "PolicyType": "TargetTrackingScaling",
            "TargetTrackingScalingPolicyConfiguration": {
                "TargetValue": target, "PredefinedMetricSpecification": spec,
            },
        });
        let out = self.run(account, region, policies::put_scaling_policy, input)?;
        Ok(out["PolicyARN"].as_str().unwrap_or_default().to_string())
    }

    fn deregister_service(&self, account: &str, region: &str, resource_id: &str) {
        let input = json!({
            "ServiceNamespace": "ecs", "ResourceId": resource_id,
            "ScalableDimension": ECS_DIMENSION,
        });
        let _ = self.run(account, region, targets::deregister_scalable_target, input);
    }
}
