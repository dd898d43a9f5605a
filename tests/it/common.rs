//! Shared harness: a fresh in-process local-ecs server per test, SDK clients for it, and small
//! builders for test data.

use aws_sdk_ecs::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_ecs::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_ecs::types::{Cluster, ContainerDefinition, PortMapping, Tag, TaskDefinition};
use aws_sdk_ecs::Client;
use std::fmt::Debug;
use std::net::SocketAddr;
use std::sync::Arc;

pub const ACCOUNT: &str = "000000000000";
pub const REGION: &str = "us-east-1";

/// A running server and a client for the default account in `us-east-1`.
pub struct Server {
    pub addr: SocketAddr,
    #[allow(dead_code)]
    pub app: Arc<local_ecs::App>,
    pub client: Client,
}

impl Server {
    /// A client for another region or account (the account is the access key when it is 12 digits).
    pub fn client_as(&self, region: &str, access_key: &str) -> Client {
        client_for(self.addr, region, access_key)
    }
}

/// Starts a fresh server on an ephemeral port; it lives as long as the test's runtime.
pub async fn start() -> Server {
    start_with(local_ecs::Config::default()).await
}

/// Like [`start`], with the given settings (the runtime is always simulated).
pub async fn start_with(config: local_ecs::Config) -> Server {
    let app = local_ecs::App::new(config);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(local_ecs::serve(
        listener,
        app.clone(),
        std::future::pending::<()>(),
    ));
    let client = client_for(addr, REGION, "test");
    Server { addr, app, client }
}

pub fn client_for(addr: SocketAddr, region: &str, access_key: &str) -> Client {
    let config = aws_sdk_ecs::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(region.to_string()))
        .endpoint_url(format!("http://{addr}"))
        .credentials_provider(Credentials::new(access_key, "test", None, None, "test"))
        .build();
    Client::from_conf(config)
}

/// `arn:aws:ecs:us-east-1:000000000000:<resource>`.
pub fn arn(resource: &str) -> String {
    format!("arn:aws:ecs:{REGION}:{ACCOUNT}:{resource}")
}

/// The AWS error code (and message) of a call that must fail; panics with the output if it succeeded.
pub fn err<T: Debug, E: ProvideErrorMetadata + Debug, R: Debug>(
    result: Result<T, SdkError<E, R>>,
) -> (String, String) {
    match result {
        Ok(out) => panic!("expected an error, the call succeeded: {out:?}"),
        Err(e) => match e.code() {
            Some(code) => (
                code.to_string(),
                e.message().unwrap_or_default().to_string(),
            ),
            None => panic!("error without an AWS error code: {e:?}"),
        },
    }
}

/// The AWS error code of a call that must fail.
pub fn err_code<T: Debug, E: ProvideErrorMetadata + Debug, R: Debug>(
    result: Result<T, SdkError<E, R>>,
) -> String {
    err(result).0
}

pub fn tag(key: &str, value: &str) -> Tag {
    Tag::builder().key(key).value(value).build()
}

/// Tags as sorted (key, value) pairs, for order-independent comparison.
pub fn tag_pairs(tags: &[Tag]) -> Vec<(String, String)> {
    let mut pairs: Vec<_> = tags
        .iter()
        .map(|t| {
            (
                t.key().unwrap_or_default().to_string(),
                t.value().unwrap_or_default().to_string(),
            )
        })
        .collect();
    pairs.sort();
    pairs
}

pub fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut v: Vec<_> = items
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    v.sort();
    v
}

/// An EC2-style container: `name`, `image`, 128 MiB hard memory limit.
pub fn container(name: &str, image: &str) -> ContainerDefinition {
    ContainerDefinition::builder()
        .name(name)
        .image(image)
        .memory(128)
        .build()
}

/// A container without any memory setting (valid only when the task sets memory).
pub fn bare_container(name: &str, image: &str) -> ContainerDefinition {
    ContainerDefinition::builder()
        .name(name)
        .image(image)
        .build()
}

pub fn port(container_port: i32) -> PortMapping {
    PortMapping::builder()
        .container_port(container_port)
        .build()
}

/// Registers `family` with one `("web", "busybox")` container and returns the new revision.
pub async fn register_simple(client: &Client, family: &str) -> TaskDefinition {
    client
        .register_task_definition()
        .family(family)
        .container_definitions(container("web", "busybox"))
        .send()
        .await
        .unwrap()
        .task_definition
        .unwrap()
}

pub async fn create_cluster(client: &Client, name: &str) -> Cluster {
    client
        .create_cluster()
        .cluster_name(name)
        .send()
        .await
        .unwrap()
        .cluster
        .unwrap()
}

/// The default VPC's us-east-1a subnet of the default account, as `aws ec2 describe-subnets`
/// lists it (EC2 derives default ids from the account, region and zone).
pub const SUBNET: &str = "subnet-e7faff23f01c7756a";
/// That VPC's `default` security group.
pub const SECURITY_GROUP: &str = "sg-ac8f70ec7918111c3";

/// An awsvpc network configuration with one subnet and one security group.
pub fn awsvpc() -> aws_sdk_ecs::types::NetworkConfiguration {
    use aws_sdk_ecs::types::{AssignPublicIp, AwsVpcConfiguration, NetworkConfiguration};
    NetworkConfiguration::builder()
        .awsvpc_configuration(
            AwsVpcConfiguration::builder()
                .subnets(SUBNET)
                .security_groups(SECURITY_GROUP)
                .assign_public_ip(AssignPublicIp::Disabled)
                .build()
                .unwrap(),
        )
        .build()
}

/// An environment variable.
pub fn env(name: &str, value: &str) -> aws_sdk_ecs::types::KeyValuePair {
    aws_sdk_ecs::types::KeyValuePair::builder()
        .name(name)
        .value(value)
        .build()
}

/// Registers `family`: a Fargate awsvpc definition (256 CPU, 512 MiB) of one `app` container;
/// returns its ARN.
pub async fn register_fargate_app(c: &Client, family: &str) -> String {
    c.register_task_definition()
        .family(family)
        .requires_compatibilities(aws_sdk_ecs::types::Compatibility::Fargate)
        .network_mode(aws_sdk_ecs::types::NetworkMode::Awsvpc)
        .cpu("256")
        .memory("512")
        .container_definitions(bare_container("app", "busybox"))
        .send()
        .await
        .unwrap()
        .task_definition
        .and_then(|td| td.task_definition_arn)
        .unwrap()
}

/// boto3's EC2 client (`tests/py/ec2_client.py`): one call against this server, its JSON answer
/// (`{"Error": …}` when EC2 refused it).
pub async fn ec2(s: &Server, operation: &str, params: serde_json::Value) -> serde_json::Value {
    boto3(s, "ec2", operation, params).await
}

/// boto3's client of `service` (`ec2` or `autoscaling`): one call, its JSON answer.
pub async fn boto3(
    s: &Server,
    service: &str,
    operation: &str,
    params: serde_json::Value,
) -> serde_json::Value {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/py/ec2_client.py");
    let args = [
        script.to_string(),
        format!("http://{}", s.addr),
        REGION.to_string(),
        operation.to_string(),
        params.to_string(),
        service.to_string(),
    ];
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new("python3").args(&args).output()
    })
    .await
    .unwrap()
    .expect("python3 runs");
    assert!(
        out.status.success(),
        "ec2_client.py {operation}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}
