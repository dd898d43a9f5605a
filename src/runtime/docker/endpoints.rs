//! The network that lets task containers reach the ECS agent's endpoints at 169.254.170.2, as
//! the SDKs require for container credentials. A bridge network over 169.254.170.0/24 whose
//! gateway is 169.254.170.2: the engine gives the host that address on the bridge, so a server
//! bound there on the host answers every container attached to the network, without touching the
//! host's routes or firewall. One per engine (Docker refuses overlapping subnets), labelled as
//! local-ecs', created by whichever server needs it first and shared.

use super::map_err;
use crate::runtime::RuntimeError;
use bollard::models::{
    EndpointSettings, Ipam, IpamConfig, NetworkConnectRequest, NetworkCreateRequest,
};
use bollard::Docker;
use std::collections::HashMap;

pub const NETWORK: &str = "local-ecs-task-endpoints";
pub const SUBNET: &str = "169.254.170.0/24";
pub const ADDRESS: &str = "169.254.170.2";
/// Set on the network so that only local-ecs ever touches it.
pub const LABEL: &str = "local-ecs.task-endpoints";

/// Creates the network unless it exists (as local-ecs' own; another network by that name is
/// refused rather than used).
pub async fn ensure(docker: &Docker) -> Result<(), RuntimeError> {
    if let Ok(existing) = docker.inspect_network(NETWORK, None).await {
        let ours = existing
            .labels
            .as_ref()
            .is_some_and(|l| l.contains_key(LABEL));
        return if ours {
            Ok(())
        } else {
            Err(RuntimeError::Rejected(format!(
                "a network named {NETWORK} exists that local-ecs did not create"
            )))
        };
    }
    let request = NetworkCreateRequest {
        name: NETWORK.into(),
        driver: Some("bridge".into()),
        ipam: Some(Ipam {
            config: Some(vec![IpamConfig {
                subnet: Some(SUBNET.into()),
                gateway: Some(ADDRESS.into()),
                ..Default::default()
            }]),
            ..Default::default()
        }),
        labels: Some(HashMap::from([(LABEL.to_string(), "true".to_string())])),
        ..Default::default()
    };
    match docker.create_network(request).await {
        Ok(_) => Ok(()),
        // Another server created it in the meantime.
        Err(_) if docker.inspect_network(NETWORK, None).await.is_ok() => Ok(()),
        Err(e) => Err(map_err(e)),
    }
}

/// Attaches a container (before it starts) to the endpoints network.
pub async fn connect(docker: &Docker, id: &str) -> Result<(), RuntimeError> {
    let request = NetworkConnectRequest {
        container: id.to_string(),
        endpoint_config: Some(EndpointSettings::default()),
    };
    docker
        .connect_network(NETWORK, request)
        .await
        .map_err(map_err)
}

/// Removes the network when it is local-ecs' and no container is attached any more (the server
/// that served the endpoints, on shutdown: nothing of local-ecs is left on the engine). Attached
/// containers still there after 3 s — another server's tasks — keep it; Docker would refuse
/// anyway.
pub async fn remove_if_unused(docker: &Docker) -> Result<(), RuntimeError> {
    // Containers removed just before may still show as attached for a moment: the engine
    // detaches them after the removal returns. Up to 3 s is given for that.
    for _ in 0..30 {
        let Ok(existing) = docker.inspect_network(NETWORK, None).await else {
            return Ok(());
        };
        let ours = existing
            .labels
            .as_ref()
            .is_some_and(|l| l.contains_key(LABEL));
        if !ours {
            return Ok(());
        }
        let attached = existing.containers.as_ref().is_some_and(|c| !c.is_empty());
        if !attached {
            return docker.remove_network(NETWORK).await.map_err(map_err);
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    Ok(())
}
