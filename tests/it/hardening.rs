//! What a hostile neighbour can do to the server: a web page in the user's browser (CORS), and a
//! client holding connections, dribbling headers and bodies, or sending huge ones. Raw sockets,
//! because that is what a browser or a slow client is to the server.

use crate::common::{self, start, start_with};
use local_ecs::Config;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

/// Sends `request` on a fresh connection and reads until the server closes it or `wait` passes.
fn exchange(addr: SocketAddr, request: &[u8], wait: Duration) -> String {
    let mut s = TcpStream::connect(addr).unwrap();
    s.write_all(request).unwrap();
    read_for(&mut s, wait)
}

/// What arrives on `s` within `wait` (or until the server closes it).
fn read_for(s: &mut TcpStream, wait: Duration) -> String {
    s.set_read_timeout(Some(wait)).unwrap();
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match s.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                out.extend_from_slice(&buf[..n]);
                if complete(&out) {
                    break;
                }
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Whether `raw` holds a whole response (headers and `content-length` bytes of body).
fn complete(raw: &[u8]) -> bool {
    let text = String::from_utf8_lossy(raw);
    let Some((head, body)) = text.split_once("\r\n\r\n") else {
        return false;
    };
    let len = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-length:")
                .map(|v| v.trim().parse::<usize>().unwrap_or(0))
        })
        .unwrap_or(0);
    body.len() >= len
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    tokio::task::spawn_blocking(f).await.unwrap()
}

/// A `text/plain` POST, as any page may send cross-origin without a preflight, carrying a Query
/// action and credential scope in its URL.
fn simple_post(path: &str, origin: Option<&str>) -> Vec<u8> {
    let origin = origin
        .map(|o| format!("Origin: {o}\r\n"))
        .unwrap_or_default();
    format!("POST {path} HTTP/1.1\r\nHost: localhost\r\n{origin}Content-Type: text/plain\r\nContent-Length: 0\r\nConnection: close\r\n\r\n").into_bytes()
}

const CREATE_CLUSTER: &str = "/?Action=CreateCluster&clusterName=pwned&X-Amz-Credential=AKID%2F20240101%2Fus-east-1%2Fecs%2Faws4_request";

#[tokio::test(flavor = "multi_thread")]
async fn a_foreign_web_page_cannot_drive_the_api_or_reset() {
    let server = start().await;
    common::create_cluster(&server.client, "keep").await;
    let addr = server.addr;
    let evil = Some("https://evil.example");
    let create = blocking(move || {
        exchange(
            addr,
            &simple_post(CREATE_CLUSTER, evil),
            Duration::from_secs(5),
        )
    })
    .await;
    assert!(create.starts_with("HTTP/1.1 403"), "{create}");
    let reset = blocking(move || {
        exchange(
            addr,
            &simple_post("/_local-ecs/reset", evil),
            Duration::from_secs(5),
        )
    })
    .await;
    assert!(reset.starts_with("HTTP/1.1 403"), "{reset}");
    let preflight = "OPTIONS / HTTP/1.1\r\nHost: localhost\r\nOrigin: https://evil.example\r\nAccess-Control-Request-Method: POST\r\nAccess-Control-Request-Headers: x-amz-target\r\nConnection: close\r\n\r\n";
    let preflight =
        blocking(move || exchange(addr, preflight.as_bytes(), Duration::from_secs(5))).await;
    assert!(preflight.starts_with("HTTP/1.1 403"), "{preflight}");
    assert!(!preflight
        .to_ascii_lowercase()
        .contains("access-control-allow-origin"));
    let clusters = server.client.list_clusters().send().await.unwrap();
    assert_eq!(clusters.cluster_arns(), [common::arn("cluster/keep")]);
}

#[tokio::test(flavor = "multi_thread")]
async fn allowed_origins_get_preflights_and_answers() {
    let config = Config {
        cors_allowed_origins: vec!["http://localhost:3000".into()],
        ..Config::default()
    };
    let server = start_with(config).await;
    let addr = server.addr;
    let preflight = "OPTIONS / HTTP/1.1\r\nHost: localhost\r\nOrigin: http://localhost:3000\r\nAccess-Control-Request-Method: POST\r\nAccess-Control-Request-Headers: x-amz-target,content-type\r\nConnection: close\r\n\r\n";
    let answer =
        blocking(move || exchange(addr, preflight.as_bytes(), Duration::from_secs(5))).await;
    let lower = answer.to_ascii_lowercase();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(
        lower.contains("access-control-allow-origin: http://localhost:3000"),
        "{answer}"
    );
    assert!(
        lower.contains("access-control-allow-headers: x-amz-target,content-type"),
        "{answer}"
    );
    let allowed = Some("http://localhost:3000");
    let create = blocking(move || {
        exchange(
            addr,
            &simple_post(CREATE_CLUSTER, allowed),
            Duration::from_secs(5),
        )
    })
    .await;
    assert!(create.starts_with("HTTP/1.1 200"), "{create}");
    assert!(create
        .to_ascii_lowercase()
        .contains("access-control-allow-origin: http://localhost:3000"));
    // The server's own origin (a page it served, or a tool on the same port) is always allowed.
    let own = format!("http://127.0.0.1:{}", addr.port());
    let health = format!("GET /_local-ecs/health HTTP/1.1\r\nHost: localhost\r\nOrigin: {own}\r\nConnection: close\r\n\r\n");
    let health = blocking(move || exchange(addr, health.as_bytes(), Duration::from_secs(5))).await;
    assert!(health.starts_with("HTTP/1.1 200"), "{health}");
    // Other origins stay refused.
    let other = Some("http://localhost:3001");
    let refused = blocking(move || {
        exchange(
            addr,
            &simple_post(CREATE_CLUSTER, other),
            Duration::from_secs(5),
        )
    })
    .await;
    assert!(refused.starts_with("HTTP/1.1 403"), "{refused}");
}

fn short_limits() -> Config {
    let mut config = Config::default();
    config.limits.header_read_timeout = Duration::from_millis(400);
    config.limits.idle_timeout = Duration::from_millis(1500);
    config.limits.body_read_timeout = Duration::from_millis(400);
    config.limits.max_connections = 3;
    config
}

const LIST: &str = "POST / HTTP/1.1\r\nHost: localhost\r\nX-Amz-Target: AmazonEC2ContainerServiceV20141113.ListClusters\r\nContent-Type: application/x-amz-json-1.1\r\nContent-Length: 2\r\n\r\n{}";

#[tokio::test(flavor = "multi_thread")]
async fn slow_headers_are_cut_off_but_idle_keep_alive_lasts_longer() {
    let server = start_with(short_limits()).await;
    let addr = server.addr;
    blocking(move || {
        // Headers that never finish: closed after the header-read timeout.
        let started = Instant::now();
        let cut = exchange(
            addr,
            b"POST / HTTP/1.1\r\nHost: x\r\n",
            Duration::from_secs(5),
        );
        let took = started.elapsed();
        assert!(!cut.contains("200 OK"), "{cut}");
        assert!(
            took >= Duration::from_millis(300) && took < Duration::from_secs(3),
            "{took:?}"
        );
        // A keep-alive connection idle for longer than the header timeout still serves...
        let mut s = TcpStream::connect(addr).unwrap();
        s.write_all(LIST.as_bytes()).unwrap();
        assert!(read_for(&mut s, Duration::from_secs(5)).starts_with("HTTP/1.1 200"));
        std::thread::sleep(Duration::from_millis(800));
        s.write_all(LIST.as_bytes()).unwrap();
        assert!(read_for(&mut s, Duration::from_secs(5)).starts_with("HTTP/1.1 200"));
        // ...and is closed once idle past the idle timeout.
        let started = Instant::now();
        let rest = read_for(&mut s, Duration::from_secs(5));
        assert!(rest.is_empty(), "{rest}");
        let took = started.elapsed();
        assert!(
            took >= Duration::from_millis(1200) && took < Duration::from_secs(4),
            "{took:?}"
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn slow_bodies_time_out_and_large_ones_are_refused_unread() {
    let server = start_with(short_limits()).await;
    let addr = server.addr;
    blocking(move || {
        let head = "POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: AmazonEC2ContainerServiceV20141113.ListClusters\r\nContent-Type: application/x-amz-json-1.1\r\nContent-Length: 100\r\n\r\n{";
        let slow = exchange(addr, head.as_bytes(), Duration::from_secs(5));
        assert!(slow.starts_with("HTTP/1.1 408"), "{slow}");
        assert!(slow.contains("RequestTimeoutException"), "{slow}");
        let huge = format!("POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: AmazonEC2ContainerServiceV20141113.ListClusters\r\nContent-Type: application/x-amz-json-1.1\r\nContent-Length: {}\r\n\r\n", 16 * 1024 * 1024);
        let refused = exchange(addr, huge.as_bytes(), Duration::from_secs(5));
        assert!(refused.starts_with("HTTP/1.1 413"), "{refused}");
        assert!(refused.contains("RequestEntityTooLargeException"), "{refused}");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn connections_beyond_the_cap_get_a_clear_503() {
    let server = start_with(short_limits()).await;
    let addr = server.addr;
    blocking(move || {
        let mut held: Vec<TcpStream> = (0..3).map(|_| TcpStream::connect(addr).unwrap()).collect();
        std::thread::sleep(Duration::from_millis(100));
        let busy = exchange(addr, LIST.as_bytes(), Duration::from_secs(5));
        assert!(busy.starts_with("HTTP/1.1 503"), "{busy}");
        assert!(busy.contains("--max-connections"), "{busy}");
        held.truncate(2);
        std::thread::sleep(Duration::from_millis(100));
        let ok = exchange(addr, LIST.as_bytes(), Duration::from_secs(5));
        assert!(ok.starts_with("HTTP/1.1 200"), "{ok}");
    })
    .await;
}

/// Fargate has no host to mount: `host.sourcePath` and `dockerVolumeConfiguration` are refused
/// in AWS's words; EC2 definitions keep both (and are then not Fargate-compatible).
#[tokio::test]
async fn fargate_cannot_mount_the_host() {
    use aws_sdk_ecs::types::{
        Compatibility, DockerVolumeConfiguration, HostVolumeProperties, MountPoint, NetworkMode,
        Volume,
    };
    let server = start().await;
    let host_root = Volume::builder()
        .name("root")
        .host(HostVolumeProperties::builder().source_path("/").build())
        .build();
    let docker = Volume::builder()
        .name("root")
        .docker_volume_configuration(DockerVolumeConfiguration::builder().driver("local").build())
        .build();
    let scratch = Volume::builder().name("root").build();
    let register = |compat: Compatibility, volume: Volume| {
        let mut req = server
            .client
            .register_task_definition()
            .family("mount-root")
            .requires_compatibilities(compat.clone())
            .volumes(volume)
            .container_definitions(
                aws_sdk_ecs::types::ContainerDefinition::builder()
                    .name("web")
                    .image("busybox")
                    .memory(128)
                    .mount_points(
                        MountPoint::builder()
                            .source_volume("root")
                            .container_path("/host")
                            .build(),
                    )
                    .build(),
            );
        if compat == Compatibility::Fargate {
            req = req
                .network_mode(NetworkMode::Awsvpc)
                .cpu("256")
                .memory("512");
        }
        req.send()
    };
    let (code, message) = common::err(register(Compatibility::Fargate, host_root.clone()).await);
    assert_eq!(code, "ClientException");
    assert_eq!(
        message,
        "Fargate compatible task definitions do not support sourcePath"
    );
    let (code, message) = common::err(register(Compatibility::Fargate, docker.clone()).await);
    assert_eq!(code, "ClientException");
    assert_eq!(
        message,
        "Fargate compatible task definitions do not support dockerVolumeConfiguration"
    );
    register(Compatibility::Fargate, scratch).await.unwrap();
    for volume in [host_root, docker] {
        let td = register(Compatibility::Ec2, volume).await.unwrap();
        let td = td.task_definition().unwrap();
        assert!(
            !td.compatibilities().contains(&Compatibility::Fargate),
            "{td:?}"
        );
    }
}

/// AWS's own size limits: a task definition of more than 65,536 bytes, and RunTask overrides of
/// more than 8,192 characters, are refused with AWS's messages.
#[tokio::test]
async fn aws_request_size_limits() {
    use aws_sdk_ecs::types::{ContainerOverride, KeyValuePair, TaskOverride};
    let server = start().await;
    let env: Vec<KeyValuePair> = (0..2000)
        .map(|i| {
            KeyValuePair::builder()
                .name(format!("VARIABLE_{i}"))
                .value("a value of some length")
                .build()
        })
        .collect();
    let container = aws_sdk_ecs::types::ContainerDefinition::builder()
        .name("web")
        .image("busybox")
        .memory(128)
        .set_environment(Some(env))
        .build();
    let registered = server
        .client
        .register_task_definition()
        .family("huge")
        .container_definitions(container)
        .send()
        .await;
    let (code, message) = common::err(registered);
    assert_eq!(code, "ClientException");
    assert!(
        message.starts_with("Actual length: '")
            && message.ends_with("Max allowed length is '65536' bytes."),
        "{message}"
    );
    common::create_cluster(&server.client, "default").await;
    common::register_simple(&server.client, "small").await;
    let overrides = TaskOverride::builder()
        .container_overrides(
            ContainerOverride::builder()
                .name("web")
                .command("x".repeat(9000))
                .build(),
        )
        .build();
    let ran = server
        .client
        .run_task()
        .task_definition("small")
        .overrides(overrides)
        .send()
        .await;
    let (code, message) = common::err(ran);
    assert_eq!(code, "InvalidParameterException");
    assert_eq!(message, "Container Overrides length must be at most 8192");
}
