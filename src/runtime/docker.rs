//! The Docker backend (bollard). STUB: being written.
use super::*;
pub struct DockerRuntime;
impl DockerRuntime {
    pub async fn connect() -> Result<DockerRuntime, RuntimeError> {
        Err(RuntimeError::Unavailable("not built yet".into()))
    }
}
impl Runtime for DockerRuntime {
    fn kind(&self) -> &'static str {
        "docker"
    }
    fn ping(&self) -> BoxFuture<'_, Result<String, RuntimeError>> {
        Box::pin(async { Err(RuntimeError::Unavailable("stub".into())) })
    }
    fn ensure_image<'a>(&'a self, _: &'a str) -> BoxFuture<'a, Result<ImageInfo, RuntimeError>> {
        Box::pin(async { Err(RuntimeError::Unavailable("stub".into())) })
    }
    fn create_sandbox<'a>(
        &'a self,
        _: &'a str,
        _: &'a BTreeMap<String, String>,
    ) -> BoxFuture<'a, Result<String, RuntimeError>> {
        Box::pin(async { Err(RuntimeError::Unavailable("stub".into())) })
    }
    fn create<'a>(&'a self, _: &'a ContainerSpec) -> BoxFuture<'a, Result<String, RuntimeError>> {
        Box::pin(async { Err(RuntimeError::Unavailable("stub".into())) })
    }
    fn start<'a>(&'a self, _: &'a str) -> BoxFuture<'a, Result<(), RuntimeError>> {
        Box::pin(async { Err(RuntimeError::Unavailable("stub".into())) })
    }
    fn stop<'a>(&'a self, _: &'a str, _: u32) -> BoxFuture<'a, Result<(), RuntimeError>> {
        Box::pin(async { Err(RuntimeError::Unavailable("stub".into())) })
    }
    fn remove<'a>(&'a self, _: &'a str) -> BoxFuture<'a, Result<(), RuntimeError>> {
        Box::pin(async { Err(RuntimeError::Unavailable("stub".into())) })
    }
    fn inspect<'a>(&'a self, _: &'a str) -> BoxFuture<'a, Result<ContainerInfo, RuntimeError>> {
        Box::pin(async { Err(RuntimeError::Unavailable("stub".into())) })
    }
    fn list<'a>(
        &'a self,
        _: &'a str,
        _: &'a str,
    ) -> BoxFuture<'a, Result<Vec<String>, RuntimeError>> {
        Box::pin(async { Err(RuntimeError::Unavailable("stub".into())) })
    }
    fn subscribe(&self, _: &str, _: &str) -> mpsc::UnboundedReceiver<RuntimeEvent> {
        mpsc::unbounded_channel().1
    }
}
