//! Stored forms of the load-balancing types ELBv2 shares with ECS (`core::balancing`), which
//! carry no serde of their own: serde's remote derives mirror them field for field, so a change
//! there fails to compile here rather than misreading a record.

use super::model::Target;
use crate::core::balancing::{Reach, TargetKey, TargetState, TargetType};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::BTreeMap;
use std::net::SocketAddr;

#[derive(Serialize, Deserialize)]
#[serde(remote = "TargetKey")]
pub struct TargetKeyDef {
    pub id: String,
    pub port: u16,
}

#[derive(Serialize, Deserialize)]
#[serde(remote = "Reach")]
pub enum ReachDef {
    Address(SocketAddr),
    Simulated,
    Resolve,
}

#[derive(Serialize, Deserialize)]
#[serde(remote = "TargetState")]
pub enum TargetStateDef {
    Initial,
    Healthy,
    Unhealthy,
    Unused,
    Draining,
    Unavailable,
}

#[derive(Serialize, Deserialize)]
#[serde(remote = "TargetType")]
pub enum TargetTypeDef {
    Instance,
    Ip,
    Lambda,
    Alb,
}

/// A target group's targets as a list: JSON map keys are strings, and each target carries its
/// key anyway.
pub mod targets {
    use super::*;

    pub fn serialize<S: Serializer>(
        map: &BTreeMap<TargetKey, Target>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        s.collect_seq(map.values())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<BTreeMap<TargetKey, Target>, D::Error> {
        let list = Vec::<Target>::deserialize(d)?;
        Ok(list.into_iter().map(|t| (t.key.clone(), t)).collect())
    }
}
