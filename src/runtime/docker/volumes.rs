//! Named volumes: created with the task's owner labels before its containers (an engine creating
//! them implicitly for a mount would leave them unlabelled, so never cleaned up), listed by label
//! and removed. See the [volume endpoints](https://docs.docker.com/engine/api/v1.41/#tag/Volume).

use super::map_err;
use crate::runtime::RuntimeError;
use bollard::models::VolumeCreateRequest;
use bollard::query_parameters::{ListVolumesOptionsBuilder, RemoveVolumeOptionsBuilder};
use bollard::Docker;
use std::collections::{BTreeMap, HashMap};

/// Creates `name` with `labels`. An existing volume of that name is left as it is (the engine
/// answers with it unchanged), so a user's own volume never gets our labels and is never ours
/// to remove.
pub(super) async fn create(
    docker: &Docker,
    name: &str,
    labels: &BTreeMap<String, String>,
) -> Result<(), RuntimeError> {
    let request = VolumeCreateRequest {
        name: Some(name.to_string()),
        labels: Some(labels.iter().map(|(k, v)| (k.clone(), v.clone())).collect()),
        ..Default::default()
    };
    docker.create_volume(request).await.map_err(map_err)?;
    Ok(())
}

/// Removes `name`; a volume already gone is fine.
pub(super) async fn remove(docker: &Docker, name: &str) -> Result<(), RuntimeError> {
    let options = RemoveVolumeOptionsBuilder::default().force(false).build();
    match docker
        .remove_volume(name, Some(options))
        .await
        .map_err(map_err)
    {
        Err(RuntimeError::NotFound(_)) => Ok(()),
        other => other,
    }
}

/// Names of the volumes carrying `label=value`.
pub(super) async fn list(
    docker: &Docker,
    label: &str,
    value: &str,
) -> Result<Vec<String>, RuntimeError> {
    let filters = HashMap::from([("label", vec![format!("{label}={value}")])]);
    let options = ListVolumesOptionsBuilder::default()
        .filters(&filters)
        .build();
    let found = docker.list_volumes(Some(options)).await.map_err(map_err)?;
    Ok(found
        .volumes
        .unwrap_or_default()
        .into_iter()
        .map(|v| v.name)
        .collect())
}
