//! Image resolution: a local image is used as it is
//! ([`GET /images/{name}/json`](https://docs.docker.com/engine/api/v1.41/#tag/Image/operation/ImageInspect)),
//! anything else is pulled
//! ([`POST /images/create`](https://docs.docker.com/engine/api/v1.41/#tag/Image/operation/ImageCreate)).

use super::{error_chain, is_connection_error, map_err};
use crate::runtime::{ImageInfo, RuntimeError};
use bollard::errors::Error as BollardError;
use bollard::models::ImageInspect;
use bollard::query_parameters::CreateImageOptionsBuilder;
use bollard::Docker;
use futures_util::StreamExt;

pub(super) async fn ensure(docker: &Docker, image: &str) -> Result<ImageInfo, RuntimeError> {
    let reference = with_default_tag(image);
    match docker.inspect_image(&reference).await.map_err(map_err) {
        Ok(found) => return Ok(image_info(found)),
        Err(RuntimeError::NotFound(_)) => {}
        Err(e) => return Err(e),
    }
    pull(docker, &reference).await?;
    docker
        .inspect_image(&reference)
        .await
        .map(image_info)
        .map_err(map_err)
}

/// Follows the pull's progress stream to its end; the first error item is the failure.
async fn pull(docker: &Docker, reference: &str) -> Result<(), RuntimeError> {
    let options = CreateImageOptionsBuilder::default()
        .from_image(reference)
        .build();
    let mut progress = docker.create_image(Some(options), None, None);
    while let Some(item) = progress.next().await {
        if let Err(e) = item {
            return Err(pull_error(e));
        }
    }
    Ok(())
}

/// The engine's own words ("pull access denied…", "…no such host"), unless the engine itself
/// is what is missing.
fn pull_error(e: BollardError) -> RuntimeError {
    match e {
        BollardError::DockerResponseServerError { message, .. } => RuntimeError::ImagePull(message),
        BollardError::DockerStreamError { error } => RuntimeError::ImagePull(error),
        e if is_connection_error(&e) => RuntimeError::Unavailable(error_chain(&e)),
        e => RuntimeError::ImagePull(error_chain(&e)),
    }
}

fn image_info(found: ImageInspect) -> ImageInfo {
    let digest = found
        .repo_digests
        .unwrap_or_default()
        .iter()
        .find_map(|d| d.split_once('@').map(|(_, digest)| digest.to_owned()));
    ImageInfo {
        id: found.id.unwrap_or_default(),
        digest,
    }
}

/// `busybox` → `busybox:latest`; a tag or a digest is kept. A registry port
/// (`host:5000/app`) is not a tag: only the last path component is looked at.
pub(super) fn with_default_tag(image: &str) -> String {
    let last = image.rsplit('/').next().unwrap_or(image);
    if image.contains('@') || last.contains(':') {
        image.to_owned()
    } else {
        format!("{image}:latest")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_tag() {
        assert_eq!(with_default_tag("busybox"), "busybox:latest");
        assert_eq!(with_default_tag("busybox:1.36"), "busybox:1.36");
        assert_eq!(
            with_default_tag("localhost:5000/app"),
            "localhost:5000/app:latest"
        );
        assert_eq!(
            with_default_tag("localhost:5000/app:v1"),
            "localhost:5000/app:v1"
        );
        assert_eq!(with_default_tag("app@sha256:abcd"), "app@sha256:abcd");
    }

    #[test]
    fn digest_from_repo_digests() {
        let found = ImageInspect {
            id: Some("sha256:1".into()),
            repo_digests: Some(vec!["busybox@sha256:beef".into()]),
            ..Default::default()
        };
        assert_eq!(image_info(found).digest.as_deref(), Some("sha256:beef"));
    }
}
