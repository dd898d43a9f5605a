//! An express gateway service as ECS keeps it: its configuration (the request's members with
//! AWS's defaults), the ECS service it runs as, and what ELBv2 and Application Auto Scaling made
//! for it. Described as `ECSExpressGatewayService`.

use serde_json::{json, Map, Value};

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct ExpressRecord {
    pub service_arn: String,
    /// The cluster's ARN.
    pub cluster: String,
    pub service_name: String,
    pub infrastructure_role_arn: Value,
    /// `ACTIVE`, `DRAINING` or `INACTIVE`.
    pub status: String,
    /// The active configuration (`ExpressGatewayServiceConfiguration` without ingress paths).
    pub config: Value,
    pub task_definition_arn: String,
    /// The `core::balancing::Ingress` ELBv2 made, as JSON (camelCase members).
    pub ingress: Value,
    pub tags: Value,
    pub created_at: f64,
    pub updated_at: f64,
    /// What became of the scaling: the policy's ARN, or why there is none.
    pub scaling: Option<String>,
}

impl ExpressRecord {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        input: &Map<String, Value>,
        service_arn: String,
        cluster: String,
        service_name: String,
        config: Value,
        ingress: Value,
        task_definition_arn: String,
        now: f64,
    ) -> Self {
        ExpressRecord {
            service_arn,
            cluster,
            service_name,
            infrastructure_role_arn: input
                .get("infrastructureRoleArn")
                .cloned()
                .unwrap_or(Value::Null),
            status: "ACTIVE".into(),
            config,
            task_definition_arn,
            ingress,
            tags: input.get("tags").cloned().unwrap_or(json!([])),
            created_at: now,
            updated_at: now,
            scaling: None,
        }
    }

    /// A new configuration is active (UpdateExpressGatewayService).
    pub fn configure(&mut self, config: Value, task_definition_arn: String, now: f64) {
        self.config = config;
        self.task_definition_arn = task_definition_arn;
        self.updated_at = now;
    }

    /// The active configuration with its ingress path (the listener's real address).
    fn active_configuration(&self) -> Value {
        let mut c = self.config.clone();
        c["ingressPaths"] = json!([{"accessType": "PUBLIC", "endpoint": self.ingress["endpoint"]}]);
        c
    }

    fn status_value(&self) -> Value {
        json!({"statusCode": self.status})
    }

    /// `ECSExpressGatewayService`; tags only when asked for.
    pub fn view(&self, tags: bool) -> Value {
        let mut v = json!({
            "cluster": self.cluster, "serviceName": self.service_name,
            "serviceArn": self.service_arn, "infrastructureRoleArn": self.infrastructure_role_arn,
            "status": self.status_value(),
            "activeConfigurations": if self.status == "INACTIVE" { json!([]) } else { json!([self.active_configuration()]) },
            "createdAt": self.created_at, "updatedAt": self.updated_at,
        });
        if tags {
            v["tags"] = self.tags.clone();
        }
        v
    }

    /// `UpdatedExpressGatewayService`.
    pub fn updated(&self) -> Value {
        json!({
            "serviceArn": self.service_arn, "cluster": self.cluster,
            "serviceName": self.service_name, "status": self.status_value(),
            "targetConfiguration": self.active_configuration(),
            "createdAt": self.created_at, "updatedAt": self.updated_at,
        })
    }
}
