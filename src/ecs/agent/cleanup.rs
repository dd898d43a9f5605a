//! Finding and removing what this server created, in parallel: the engine takes tens of milliseconds per
//! removal, so one at a time would make a reset or shutdown with many tasks take seconds.

use super::volumes::TASK_LABEL;
use super::Inner;
use crate::runtime::{RuntimeError, OWNER_LABEL};
use futures_util::StreamExt;

/// Engine calls in flight at once: enough to hide latency, few enough not to swamp the engine.
const PARALLEL: usize = 16;

/// Removes (forcefully: killing what runs) every container carrying our owner label; returns how many went.
pub(super) async fn remove_containers(inner: &Inner) -> usize {
    let rt = &inner.runtime;
    let ids = match rt.list(OWNER_LABEL, &inner.owner).await {
        Ok(ids) => ids,
        Err(e) => {
            tracing::warn!(error = %e, "could not list owned containers");
            return 0;
        }
    };
    futures_util::stream::iter(ids)
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
        .await
}

/// Removes every volume carrying our owner label (after the containers using them).
pub(super) async fn remove_volumes(inner: &Inner) -> usize {
    remove_volumes_labelled(inner, OWNER_LABEL, &inner.owner).await
}

/// Removes a purged task's task-scoped volumes.
pub(super) async fn remove_task_volumes(inner: &Inner, task_arn: &str) {
    remove_volumes_labelled(inner, TASK_LABEL, task_arn).await;
}

async fn remove_volumes_labelled(inner: &Inner, label: &str, value: &str) -> usize {
    let rt = &inner.runtime;
    let names = match rt.list_volumes(label, value).await {
        Ok(names) => names,
        Err(e) => {
            tracing::warn!(error = %e, "could not list owned volumes");
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

/// The addresses of every container carrying our owner label (inspected in parallel).
pub(super) async fn owned_addresses(inner: &Inner) -> Result<Vec<std::net::IpAddr>, RuntimeError> {
    let rt = &inner.runtime;
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
