//! What a seed may hold, in the order it is applied (each kind may refer to the ones above it):
//! the top-level key, the operation that creates an entry (its input is the entry, in the
//! operation's own member names), the member that names it, and the outputs references can use.

use super::call::{self, Answer, Api};
use serde_json::{json, Value};

pub struct Kind {
    /// The seed's top-level key.
    pub key: &'static str,
    pub api: Api,
    pub operation: &'static str,
    /// The member that names an entry (for references and errors); `Name` for kinds whose
    /// operation has no name member (it is taken out of the input).
    pub name: &'static str,
    /// Whether `name` is the seed's own (not sent to the operation).
    pub local_name: bool,
    /// The answer member references to the entry resolve to.
    pub output: &'static str,
}

pub const KINDS: &[Kind] = &[
    kind("roles", call::IAM, "CreateRole", "RoleName", "Arn"),
    kind(
        "logGroups",
        call::LOGS,
        "CreateLogGroup",
        "logGroupName",
        "",
    ),
    kind(
        "clusters",
        call::ECS,
        "CreateCluster",
        "clusterName",
        "clusterArn",
    ),
    kind(
        "taskDefinitions",
        call::ECS,
        "RegisterTaskDefinition",
        "family",
        "taskDefinitionArn",
    ),
    Kind {
        local_name: true,
        ..kind("instances", call::EC2, "RunInstances", "Name", "instanceId")
    },
    kind(
        "loadBalancers",
        call::ELBV2,
        "CreateLoadBalancer",
        "Name",
        "LoadBalancerArn",
    ),
    kind(
        "targetGroups",
        call::ELBV2,
        "CreateTargetGroup",
        "Name",
        "TargetGroupArn",
    ),
    Kind {
        local_name: true,
        ..kind(
            "listeners",
            call::ELBV2,
            "CreateListener",
            "Name",
            "ListenerArn",
        )
    },
    Kind {
        local_name: true,
        ..kind("rules", call::ELBV2, "CreateRule", "Name", "RuleArn")
    },
    kind(
        "services",
        call::ECS,
        "CreateService",
        "serviceName",
        "serviceArn",
    ),
    kind(
        "scalableTargets",
        call::SCALING,
        "RegisterScalableTarget",
        "ResourceId",
        "ScalableTargetARN",
    ),
    kind(
        "scalingPolicies",
        call::SCALING,
        "PutScalingPolicy",
        "PolicyName",
        "PolicyARN",
    ),
    kind(
        "scheduledActions",
        call::SCALING,
        "PutScheduledAction",
        "ScheduledActionName",
        "",
    ),
];

const fn kind(
    key: &'static str,
    api: Api,
    operation: &'static str,
    name: &'static str,
    output: &'static str,
) -> Kind {
    Kind {
        key,
        api,
        operation,
        name,
        local_name: false,
        output,
    }
}

/// What a seed entry means beyond the operation's input: defaults a user would otherwise copy
/// from the emulator (the default VPC's subnets), and the ECS agent's cluster for an instance.
pub fn complete(kind: &Kind, entry: &mut serde_json::Map<String, Value>) {
    let default = |entry: &mut serde_json::Map<String, Value>, k: &str, v: Value| {
        entry.entry(k.to_string()).or_insert(v);
    };
    match kind.key {
        "loadBalancers" => default(entry, "Subnets", json!("${default.subnets}")),
        "targetGroups" if entry.get("TargetType").and_then(Value::as_str) != Some("lambda") => {
            default(entry, "VpcId", json!("${default.vpc}"))
        }
        "roles" => {
            // The policy document is JSON text on the wire; a seed may write it as a structure.
            if let Some(doc) = entry
                .get("AssumeRolePolicyDocument")
                .filter(|d| d.is_object())
            {
                let text = doc.to_string();
                entry.insert("AssumeRolePolicyDocument".into(), json!(text));
            }
        }
        "instances" => {
            default(entry, "ImageId", json!("ami-0123456789abcdef0"));
            default(entry, "InstanceType", json!("t3.medium"));
            default(entry, "MinCount", json!(1));
            default(entry, "MaxCount", json!(1));
            if let Some(cluster) = entry
                .remove("cluster")
                .and_then(|c| c.as_str().map(String::from))
            {
                let script =
                    format!("#!/bin/bash\necho ECS_CLUSTER={cluster} >> /etc/ecs/ecs.config\n");
                entry.insert(
                    "UserData".into(),
                    json!(crate::wire::base64::encode(script.as_bytes())),
                );
            }
        }
        _ => {}
    }
}

/// The references an applied entry offers beyond its ARN.
pub fn outputs(kind: &Kind, name: &str, answer: &Answer) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    let at = |field: &str| format!("{}.{name}.{field}", kind.key);
    match kind.key {
        "loadBalancers" => {
            if let Some(arn) = answer.find("LoadBalancerArn") {
                let full = arn.split_once(":loadbalancer/").map(|(_, f)| f.to_string());
                out.push((at("fullName"), json!(full)));
            }
            if let Some(dns) = answer.find("DNSName") {
                out.push((at("dnsName"), json!(dns)));
            }
        }
        "targetGroups" => {
            if let Some(arn) = answer.find("TargetGroupArn") {
                let full = arn.rsplit_once(':').map(|(_, f)| f.to_string());
                out.push((at("fullName"), json!(full)));
            }
        }
        _ => {}
    }
    out
}
