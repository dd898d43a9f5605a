//! Image references for the simulated engine: normalisation, the "cannot be pulled" rule and
//! deterministic fake ids.

use crate::runtime::{ImageInfo, RuntimeError};

/// A parsed image reference, normalised the way the engine does it, so `nginx`,
/// `nginx:latest` and `docker.io/library/nginx:latest` are one image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct ImageRef {
    pub host: String,
    pub repository: String,
    /// `:tag` or `@sha256:...`.
    pub suffix: String,
    /// The name as the engine shows it in messages (tag and digest stripped).
    pub familiar: String,
}

impl ImageRef {
    pub fn parse(image: &str) -> Result<ImageRef, RuntimeError> {
        let invalid = || RuntimeError::ImagePull("invalid reference format".to_string());
        if image.is_empty() || image.chars().any(char::is_whitespace) {
            return Err(invalid());
        }
        let (name, suffix) = split_suffix(image);
        if name.is_empty() || name.starts_with('/') || name.ends_with('/') {
            return Err(invalid());
        }
        let (host, repository) = match name.split_once('/') {
            // The engine's rule: the first component is a registry only if it looks like a host.
            Some((first, rest)) if first.contains(['.', ':']) || first == "localhost" => {
                (first.to_string(), rest.to_string())
            }
            Some(_) => ("docker.io".to_string(), name.to_string()),
            None => ("docker.io".to_string(), format!("library/{name}")),
        };
        if repository.chars().any(|c| c.is_ascii_uppercase()) {
            return Err(RuntimeError::ImagePull(
                "invalid reference format: repository name must be lowercase".to_string(),
            ));
        }
        Ok(ImageRef {
            host,
            repository,
            suffix,
            familiar: name.to_string(),
        })
    }

    pub fn canonical(&self) -> String {
        format!("{}/{}{}", self.host, self.repository, self.suffix)
    }

    /// The documented rule for images that "cannot exist".
    pub fn pull_error(&self) -> Option<RuntimeError> {
        let host = self.host.split(':').next().unwrap_or_default();
        if host.ends_with(".invalid") {
            // What the engine says when the registry's name does not resolve.
            return Some(RuntimeError::ImagePull(format!(
                "Get \"https://{}/v2/\": dial tcp: lookup {host}: no such host",
                self.host
            )));
        }
        if self.repository.contains("does-not-exist") {
            return Some(RuntimeError::ImagePull(format!(
                "pull access denied for {}, repository does not exist or may require \
                 'docker login': denied: requested access to the resource is denied",
                self.familiar
            )));
        }
        None
    }

    /// A stable fake id, and the digest pinned in the reference or a stable fake one.
    pub fn info(&self) -> ImageInfo {
        let canonical = self.canonical();
        let digest = match self.suffix.strip_prefix('@') {
            Some(pinned) => pinned.to_string(),
            None => format!("sha256:{}", hex64(&format!("digest:{canonical}"))),
        };
        ImageInfo {
            id: format!("sha256:{}", hex64(&format!("id:{canonical}"))),
            digest: Some(digest),
        }
    }
}

/// Splits `name:tag` / `name@digest` (a `:` before the last `/` is a registry port), defaulting
/// the tag to `latest`.
fn split_suffix(image: &str) -> (&str, String) {
    if let Some(at) = image.find('@') {
        return (&image[..at], image[at..].to_string());
    }
    let last_slash = image.rfind('/').map_or(0, |i| i + 1);
    match image[last_slash..].rfind(':') {
        Some(colon) => {
            let colon = last_slash + colon;
            (&image[..colon], image[colon..].to_string())
        }
        None => (image, ":latest".to_string()),
    }
}

/// 64 hex chars derived from `text` with FNV-1a, which (unlike `DefaultHasher`) is stable across
/// Rust releases, so fake ids and digests are the same on every run.
pub(super) fn hex64(text: &str) -> String {
    (0u64..4)
        .map(|lane| {
            let mut hash = 0xcbf2_9ce4_8422_2325u64 ^ lane.wrapping_mul(0x9e37_79b9_7f4a_7c15);
            for byte in text.bytes() {
                hash ^= u64::from(byte);
                hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
            }
            format!("{hash:016x}")
        })
        .collect()
}

/// A fresh random container id (64 hex chars, like the engine's).
pub(super) fn random_id() -> String {
    (0..4)
        .map(|_| format!("{:016x}", rand::random::<u64>()))
        .collect()
}
