//! Finding and removing what this server created, in parallel: the engine takes tens of milliseconds per
//! removal, so one at a time would make a reset or shutdown with many tasks take seconds. Reset
//! and shutdown reach every engine in use (the default and each remote engine connected so far),
//! one engine after the other.

use super::volumes::TASK_LABEL;
use super::Inner;
use crate::runtime::{RuntimeError, SharedRuntime, OWNER_LABEL};
use futures_util::StreamExt;
use std::collections::HashSet;

/// Engine calls in flight at once: enough to hide latency, few enough not to swamp the engine.
const PARALLEL: usize = 16;
/// Bound on listing what we own on one engine.
const LIST_PATIENCE: std::time::Duration = std::time::Duration::from_secs(10);

/// Removes (forcefully: killing what runs) every container carrying our owner label on every
/// engine in use; returns how many went. A container seen through two addresses of one engine
/// is removed (and counted) once.
pub(super) async fn remove_containers(inner: &Inner) -> usize {
    let mut seen = HashSet::new();
    let mut removed = 0;
    for engine in inner.engines.connected() {
        let rt = &engine.runtime;
        let mut ids = owned_containers(rt, &inner.owner).await;
        ids.retain(|id| seen.insert(id.clone()));
        removed += futures_util::stream::iter(ids)
            .map(|id| async move {
                match rt.remove(&id).await {
                    Ok(()) => true,
                    Err(e) => {
                        tracing::warn!(container = %id, error = %e, "could not remove an owned container");
                        false
                    }
                }
            })
            .buffer_unordered(PARALLEL)
            .filter(|removed| std::future::ready(*removed))
            .count()
            .await;
    }
    removed
}

/// Our containers on one engine, bounded so an engine that does not answer holds up a reset or
/// shutdown by [`LIST_PATIENCE`] at most.
async fn owned_containers(rt: &SharedRuntime, owner: &str) -> Vec<String> {
    match tokio::time::timeout(LIST_PATIENCE, rt.list(OWNER_LABEL, owner)).await {
        Ok(Ok(ids)) => ids,
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "could not list owned containers");
            Vec::new()
        }
        Err(_) => {
            tracing::warn!("could not list owned containers: the engine did not answer");
            Vec::new()
        }
    }
}

/// Removes every volume carrying our owner label on every engine in use (after the containers
/// using them).
pub(super) async fn remove_volumes(inner: &Inner) -> usize {
    let mut removed = 0;
    for engine in inner.engines.connected() {
        removed += remove_volumes_labelled(&engine.runtime, OWNER_LABEL, &inner.owner).await;
    }
    removed
}

/// Removes a purged task's task-scoped volumes from the engine it ran on.
pub(super) async fn remove_task_volumes(rt: &SharedRuntime, task_arn: &str) {
    remove_volumes_labelled(rt, TASK_LABEL, task_arn).await;
}

async fn remove_volumes_labelled(rt: &SharedRuntime, label: &str, value: &str) -> usize {
    let names = match tokio::time::timeout(LIST_PATIENCE, rt.list_volumes(label, value)).await {
        Ok(Ok(names)) => names,
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "could not list owned volumes");
            return 0;
        }
        Err(_) => {
            tracing::warn!("could not list owned volumes: the engine did not answer");
            return 0;
        }
    };
    futures_util::stream::iter(names)
        .map(|name| async move {
            match rt.remove_volume(&name).await {
                Ok(()) => true,
                Err(e) => {
                    tracing::warn!(volume = %name, error = %e, "could not remove an owned volume");
                    false
                }
            }
        })
        .buffer_unordered(PARALLEL)
        .filter(|removed| std::future::ready(*removed))
        .count()
        .await
}

/// The addresses of every container carrying our owner label on the default engine (inspected
/// in parallel). Remote engines are left out: a container there reaches this server from its
/// host's address, not its own, so its address would tell nothing.
pub(super) async fn owned_addresses(inner: &Inner) -> Result<Vec<std::net::IpAddr>, RuntimeError> {
    let rt = inner.engines.default_runtime();
    let ids = rt.list(OWNER_LABEL, &inner.owner).await?;
    let addresses = futures_util::stream::iter(ids)
        .map(|id| async move {
            rt.inspect(&id)
                .await
                .ok()?
                .ip_address?
                .parse::<std::net::IpAddr>()
                .ok()
        })
        .buffer_unordered(PARALLEL)
        .filter_map(std::future::ready)
        .collect()
        .await;
    Ok(addresses)
}
