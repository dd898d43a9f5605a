//! Capacity provider rules: which providers a cluster may use, and what makes a valid
//! capacity provider strategy. <https://docs.aws.amazon.com/AmazonECS/latest/developerguide/cluster-capacity-providers.html>

use crate::ecs::state::status::{CapacityProviderStatus, ClusterStatus};
use crate::ecs::state::types::CapacityProviderStrategyItem;
use crate::ecs::state::RegionState;
use crate::ecs::{EcsError, EcsResult};

/// The providers AWS builds into every account and region.
pub const BUILT_IN: [&str; 2] = ["FARGATE", "FARGATE_SPOT"];

/// Checks that `name` may be associated with the cluster `cluster_arn`.
pub fn check_attachable(st: &RegionState, name: &str, cluster_arn: &str) -> EcsResult<()> {
    if BUILT_IN.contains(&name) {
        return Ok(());
    }
    let cp = st.capacity_providers.get(name).filter(|cp| cp.status == CapacityProviderStatus::Active).ok_or_else(|| {
        EcsError::invalid(format!("The specified capacity provider {name} does not exist. Specify a valid capacity provider and try again."))
    })?;
    if cp.cluster.as_deref().is_some_and(|c| c != cluster_arn) {
        return Err(EcsError::invalid(format!(
            "The capacity provider {name} belongs to another cluster."
        )));
    }
    let other = st.clusters.values().find(|c| {
        c.status == ClusterStatus::Active
            && c.cluster_arn != cluster_arn
            && c.capacity_providers.iter().any(|p| p == name)
    });
    if let Some(other) = other {
        return Err(EcsError::invalid(format!(
            "The capacity provider {name} is already associated with cluster {}. An Auto Scaling group capacity provider can be associated with one cluster only.",
            other.cluster_name
        )));
    }
    Ok(())
}

/// AWS's strategy rules: weights 0–1000, bases 0–100000, one base at most, some weight > 0.
pub fn validate_strategy(strategy: &[CapacityProviderStrategyItem]) -> EcsResult<()> {
    for item in strategy {
        if !(0..=1000).contains(&item.weight.unwrap_or(0)) {
            return Err(EcsError::invalid(
                "The capacity provider strategy weight must be between 0 and 1000.",
            ));
        }
        if !(0..=100_000).contains(&item.base.unwrap_or(0)) {
            return Err(EcsError::invalid(
                "The capacity provider strategy base must be between 0 and 100000.",
            ));
        }
    }
    if strategy.iter().filter(|i| i.base.unwrap_or(0) > 0).count() > 1 {
        return Err(EcsError::invalid(
            "Only one capacity provider in a strategy can have a base defined.",
        ));
    }
    if !strategy.is_empty() && strategy.iter().all(|i| i.weight.unwrap_or(0) == 0) {
        return Err(EcsError::invalid(
            "At least one capacity provider in a strategy must have a weight greater than 0.",
        ));
    }
    let mut names: Vec<&str> = strategy
        .iter()
        .map(|i| i.capacity_provider.as_str())
        .collect();
    names.sort_unstable();
    if names.windows(2).any(|w| w[0] == w[1]) {
        return Err(EcsError::invalid(
            "A capacity provider strategy cannot list the same capacity provider twice.",
        ));
    }
    Ok(())
}
