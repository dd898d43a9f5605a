//! The Docker backend against the real engine (`DOCKER_HOST` or the default socket), with the
//! local test image `local-ecs-test:latest` (`scripts/build-test-image.sh`). Every test labels
//! its containers `local-ecs.owner=test-<random>` and a guard removes them, even on failure.
//! See the [Docker Engine API](https://docs.docker.com/engine/api/v1.41/).

use local_ecs::runtime::docker::DockerRuntime;
use local_ecs::runtime::{
    ContainerInfo, ContainerSpec, Health, HealthSpec, Mount, MountSource, Network, PortSpec,
    Protocol, Runtime, RuntimeError, RuntimeEvent, OWNER_LABEL,
};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};
use tokio::sync::mpsc::UnboundedReceiver;

const IMAGE: &str = "local-ecs-test:latest";
const PATIENCE: Duration = Duration::from_secs(20);

/// One test's containers: a unique owner label, and removal of all of them when dropped.
struct Owned {
    owner: String,
    rt: DockerRuntime,
}

impl Owned {
    async fn new() -> Owned {
        let rt = DockerRuntime::connect()
            .await
            .expect("a reachable Docker engine");
        let owner = format!("test-{:016x}", rand::random::<u64>());
        Owned { owner, rt }
    }

    fn labels(&self) -> BTreeMap<String, String> {
        BTreeMap::from([(OWNER_LABEL.to_owned(), self.owner.clone())])
    }

    /// A spec on the test image with this test's label and a unique name.
    fn spec(&self, suffix: &str, command: &[&str]) -> ContainerSpec {
        ContainerSpec {
            name: format!("{}-{suffix}", self.owner),
            image: IMAGE.into(),
            command: Some(command.iter().map(|s| s.to_string()).collect()),
            labels: self.labels(),
            ..Default::default()
        }
    }

    async fn run(&self, spec: &ContainerSpec) -> String {
        let id = self.rt.create(spec).await.expect("create");
        self.rt.start(&id).await.expect("start");
        id
    }

    /// Polls inspect until `done` holds, up to [`PATIENCE`].
    async fn wait(&self, id: &str, done: impl Fn(&ContainerInfo) -> bool) -> ContainerInfo {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let info = self.rt.inspect(id).await.expect("inspect");
            if done(&info) {
                return info;
            }
            assert!(
                Instant::now() < deadline,
                "gave up waiting; last state {info:?}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

impl Drop for Owned {
    fn drop(&mut self) {
        // Async work in Drop: a fresh runtime on its own thread, joined before going on.
        let owner = self.owner.clone();
        let cleanup = std::thread::spawn(move || {
            let Ok(tokio) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            tokio.block_on(async {
                let Ok(rt) = DockerRuntime::connect().await else {
                    return;
                };
                for id in rt.list(OWNER_LABEL, &owner).await.unwrap_or_default() {
                    let _ = rt.remove(&id).await;
                }
            });
        });
        let _ = cleanup.join();
    }
}

/// The next event matching `wanted`, up to [`PATIENCE`].
async fn next_event(
    rx: &mut UnboundedReceiver<RuntimeEvent>,
    wanted: impl Fn(&RuntimeEvent) -> bool,
) -> RuntimeEvent {
    let found = tokio::time::timeout(PATIENCE, async {
        while let Some(event) = rx.recv().await {
            if wanted(&event) {
                return Some(event);
            }
        }
        None
    });
    found
        .await
        .expect("timed out waiting for an event")
        .expect("event stream ended")
}

/// `GET path` on 127.0.0.1:port over plain HTTP/1.0, retried until it answers.
async fn http_get(port: u16, path: &str) -> String {
    let request = format!("GET {path} HTTP/1.0\r\nHost: localhost\r\n\r\n");
    let deadline = Instant::now() + PATIENCE;
    loop {
        let req = request.clone();
        let answer = tokio::task::spawn_blocking(move || -> std::io::Result<String> {
            use std::io::{Read, Write};
            let mut conn = std::net::TcpStream::connect(("127.0.0.1", port))?;
            conn.set_read_timeout(Some(Duration::from_secs(5)))?;
            conn.write_all(req.as_bytes())?;
            let mut body = String::new();
            conn.read_to_string(&mut body)?;
            Ok(body)
        });
        match answer.await.expect("join") {
            Ok(body) if body.starts_with("HTTP/1") => return body,
            other => assert!(
                Instant::now() < deadline,
                "no HTTP answer on {port}: {other:?}"
            ),
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn ping_and_local_image() {
    let t = Owned::new().await;
    let version = t.rt.ping().await.expect("ping");
    assert!(!version.is_empty());
    let tagged = t.rt.ensure_image(IMAGE).await.expect("local image");
    assert!(tagged.id.starts_with("sha256:"), "{tagged:?}");
    let untagged =
        t.rt.ensure_image("local-ecs-test")
            .await
            .expect("`:latest` implied");
    assert_eq!(untagged.id, tagged.id);
}

#[tokio::test]
async fn unpullable_image_fails_fast() {
    let t = Owned::new().await;
    let started = Instant::now();
    let err =
        t.rt.ensure_image("does-not-exist.invalid/nothing:1")
            .await
            .unwrap_err();
    assert!(
        matches!(err, RuntimeError::ImagePull(ref m) if !m.is_empty()),
        "{err:?}"
    );
    assert!(started.elapsed() < PATIENCE, "took {:?}", started.elapsed());
}

#[tokio::test]
async fn unreachable_engine_is_unavailable() {
    for host in ["tcp://127.0.0.1:1", "unix:///nonexistent.sock", "bogus://x"] {
        let started = Instant::now();
        let err = DockerRuntime::connect_to(host)
            .await
            .err()
            .expect("must not connect");
        assert!(
            matches!(err, RuntimeError::Unavailable(_)),
            "{host}: {err:?}"
        );
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{host}: took {:?}",
            started.elapsed()
        );
    }
}

#[tokio::test]
async fn web_server_on_an_ephemeral_port() {
    let t = Owned::new().await;
    let mut events = t.rt.subscribe(OWNER_LABEL, &t.owner);
    let mut spec = t.spec(
        "web",
        &[
            "sh",
            "-c",
            "echo $GREETING > /www/g.txt && exec httpd -f -p 8080 -h /www",
        ],
    );
    spec.env = vec![("GREETING".into(), "hello-from-env".into())];
    spec.labels.insert("extra".into(), "x".into());
    spec.ports = vec![PortSpec {
        container_port: 8080,
        host_port: 0,
        protocol: Protocol::Tcp,
        publish: true,
    }];
    let id = t.run(&spec).await;
    next_event(&mut events, |e| {
        *e == RuntimeEvent::Started { id: id.clone() }
    })
    .await;

    let info = t.wait(&id, |i| i.running && !i.bindings.is_empty()).await;
    assert_eq!(info.labels.get("extra").map(String::as_str), Some("x"));
    assert!(
        info.ip_address.is_some() && info.started_at.is_some() && info.exit_code.is_none(),
        "{info:?}"
    );
    let binding = &info.bindings[0];
    assert_eq!(
        (binding.container_port, binding.protocol),
        (8080, Protocol::Tcp)
    );
    assert_ne!(binding.host_port, 0);
    let answer = http_get(binding.host_port, "/g.txt").await;
    assert!(answer.contains("hello-from-env"), "{answer}");

    assert_eq!(
        t.rt.list(OWNER_LABEL, &t.owner).await.expect("list"),
        vec![id.clone()]
    );
    assert!(
        matches!(t.rt.create(&spec).await, Err(RuntimeError::Rejected(_))),
        "duplicate name"
    );
}

#[tokio::test]
async fn exit_code_reaches_events_and_inspect() {
    let t = Owned::new().await;
    let mut events = t.rt.subscribe(OWNER_LABEL, &t.owner);
    let id = t.run(&t.spec("exit3", &["sh", "-c", "exit 3"])).await;
    let died = next_event(&mut events, |e| matches!(e, RuntimeEvent::Died { .. })).await;
    assert_eq!(
        died,
        RuntimeEvent::Died {
            id: id.clone(),
            exit_code: Some(3)
        }
    );
    let info = t.wait(&id, |i| !i.running).await;
    assert_eq!(info.exit_code, Some(3));
    assert!(
        info.finished_at >= info.started_at && info.finished_at.is_some(),
        "{info:?}"
    );
}

#[tokio::test]
async fn stop_kills_a_process_ignoring_sigterm() {
    let t = Owned::new().await;
    let id = t.run(&t.spec("sleeper", &["sleep", "300"])).await;
    t.wait(&id, |i| i.running).await;
    let started = Instant::now();
    t.rt.stop(&id, 1).await.expect("stop");
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "SIGTERM should have been ignored"
    );
    let info = t.wait(&id, |i| !i.running).await;
    assert_eq!(info.exit_code, Some(137));
}

#[tokio::test]
async fn healthcheck_turns_healthy() {
    let t = Owned::new().await;
    let mut events = t.rt.subscribe(OWNER_LABEL, &t.owner);
    let mut spec = t.spec("healthy", &["sleep", "300"]);
    spec.healthcheck = Some(HealthSpec {
        test: vec!["CMD-SHELL".into(), "exit 0".into()],
        interval_s: 1,
        timeout_s: 5,
        retries: 3,
        start_period_s: 0,
    });
    let id = t.run(&spec).await;
    let event = next_event(&mut events, |e| {
        matches!(e, RuntimeEvent::HealthChanged { .. })
    })
    .await;
    assert_eq!(
        event,
        RuntimeEvent::HealthChanged {
            id: id.clone(),
            health: Health::Healthy
        }
    );
    t.wait(&id, |i| i.health == Some(Health::Healthy)).await;
}

#[tokio::test]
async fn sandbox_shares_ip_and_localhost() {
    let t = Owned::new().await;
    let sandbox =
        t.rt.create_sandbox(&format!("{}-sandbox", t.owner), &t.labels())
            .await
            .expect("sandbox");
    let mut server = t.spec("server", &["httpd", "-f", "-p", "8081", "-h", "/www"]);
    server.network = Network::Join(sandbox.clone());
    server.hostname = Some("ignored-when-joined".into());
    let script = "for i in $(seq 1 100); do wget -qO- http://127.0.0.1:8081/ && exit 0; sleep 0.2; done; exit 1";
    let mut client = t.spec("client", &["sh", "-c", script]);
    client.network = Network::Join(sandbox.clone());
    let server = t.run(&server).await;
    let client = t.run(&client).await;

    let done = t
        .wait(&client, |i| !i.running && i.exit_code.is_some())
        .await;
    assert_eq!(
        done.exit_code,
        Some(0),
        "the client could not reach the server on localhost"
    );
    let owner_ip =
        t.rt.inspect(&sandbox)
            .await
            .expect("inspect sandbox")
            .ip_address;
    assert!(owner_ip.is_some());
    assert_eq!(
        t.rt.inspect(&server)
            .await
            .expect("inspect server")
            .ip_address,
        owner_ip
    );
    assert_eq!(done.ip_address, owner_ip);

    // The sandbox's stop signal is SIGKILL: no waiting out the grace period.
    let started = Instant::now();
    t.rt.stop(&sandbox, 30).await.expect("stop sandbox");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "took {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn mounts_and_readonly_rootfs() {
    let t = Owned::new().await;
    let host_dir = std::env::temp_dir().join(format!("local-ecs-{}", t.owner));
    std::fs::create_dir_all(&host_dir).expect("temp dir");
    let mut spec = t.spec(
        "mounts",
        &[
            "sh",
            "-c",
            "echo out > /host/f && touch /anon/x && ! touch /rootfs-file",
        ],
    );
    spec.readonly_rootfs = true;
    spec.mounts = vec![
        Mount {
            source: MountSource::HostPath(host_dir.display().to_string()),
            target: "/host".into(),
            read_only: false,
        },
        Mount {
            source: MountSource::Anonymous,
            target: "/anon".into(),
            read_only: false,
        },
    ];
    let id = t.run(&spec).await;
    let info = t.wait(&id, |i| !i.running && i.exit_code.is_some()).await;
    let written = std::fs::read_to_string(host_dir.join("f"));
    let _ = std::fs::remove_dir_all(&host_dir);
    assert_eq!(info.exit_code, Some(0), "{info:?}");
    assert_eq!(
        written.expect("file written through the bind mount"),
        "out\n"
    );
}

#[tokio::test]
async fn failures_are_sorted() {
    let t = Owned::new().await;
    let id =
        t.rt.create(&t.spec("missing-exe", &["/no/such/program"]))
            .await
            .expect("create");
    assert!(matches!(
        t.rt.start(&id).await,
        Err(RuntimeError::Rejected(_))
    ));
    let info = t.rt.inspect(&id).await.expect("inspect");
    assert!(!info.running && info.error.is_some(), "{info:?}");

    t.rt.remove(&id).await.expect("remove");
    assert!(matches!(
        t.rt.inspect(&id).await,
        Err(RuntimeError::NotFound(_))
    ));
    t.rt.remove(&id).await.expect("removing twice is fine");
    assert!(t
        .rt
        .list(OWNER_LABEL, &t.owner)
        .await
        .expect("list")
        .is_empty());
}

/// A TCP → engine-socket relay the test can cut, to play an engine that goes away and back.
struct Relay {
    port: u16,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    streams: std::sync::Arc<std::sync::Mutex<Vec<std::net::TcpStream>>>,
}

impl Relay {
    fn start(port: u16, socket: &str) -> Relay {
        use std::sync::atomic::Ordering;
        let listener = std::net::TcpListener::bind(("127.0.0.1", port)).expect("bind relay");
        listener.set_nonblocking(true).expect("nonblocking");
        let port = listener.local_addr().expect("addr").port();
        let relay = Relay {
            port,
            stop: Default::default(),
            streams: Default::default(),
        };
        let (stop, streams, socket) =
            (relay.stop.clone(), relay.streams.clone(), socket.to_owned());
        std::thread::spawn(move || {
            while !stop.load(Ordering::SeqCst) {
                let Ok((client, _)) = listener.accept() else {
                    std::thread::sleep(Duration::from_millis(20));
                    continue;
                };
                let _ = client.set_nonblocking(false);
                let Ok(engine) = std::os::unix::net::UnixStream::connect(&socket) else {
                    continue;
                };
                let (Ok(mut c2), Ok(mut e2)) = (client.try_clone(), engine.try_clone()) else {
                    continue;
                };
                streams
                    .lock()
                    .expect("lock")
                    .push(client.try_clone().expect("clone"));
                let (mut client, mut engine) = (client, engine);
                std::thread::spawn(move || {
                    let _ = std::io::copy(&mut client, &mut engine);
                    let _ = engine.shutdown(std::net::Shutdown::Both);
                });
                std::thread::spawn(move || {
                    let _ = std::io::copy(&mut e2, &mut c2);
                    let _ = c2.shutdown(std::net::Shutdown::Both);
                });
            }
        });
        relay
    }

    /// Stops listening and severs every relayed connection.
    fn cut(&self) {
        self.stop.store(true, std::sync::atomic::Ordering::SeqCst);
        for s in self.streams.lock().expect("lock").drain(..) {
            let _ = s.shutdown(std::net::Shutdown::Both);
        }
        std::thread::sleep(Duration::from_millis(100)); // lets the accept loop drop the listener
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.cut();
    }
}

#[tokio::test]
async fn events_survive_losing_the_engine() {
    let host =
        std::env::var("DOCKER_HOST").unwrap_or_else(|_| "unix:///var/run/docker.sock".into());
    let Some(socket) = host.strip_prefix("unix://") else {
        eprintln!("skipped: the engine is not on a unix socket");
        return;
    };
    let t = Owned::new().await;
    let relay = Relay::start(0, socket);
    let relayed = DockerRuntime::connect_to(&format!("tcp://127.0.0.1:{}", relay.port))
        .await
        .expect("via relay");
    let mut events = relayed.subscribe(OWNER_LABEL, &t.owner);
    let first = t.run(&t.spec("before", &["true"])).await;
    next_event(
        &mut events,
        |e| matches!(e, RuntimeEvent::Died { id, .. } if *id == first),
    )
    .await;

    relay.cut();
    let lost = next_event(&mut events, |e| {
        matches!(e, RuntimeEvent::Connection { .. })
    })
    .await;
    assert!(
        matches!(
            lost,
            RuntimeEvent::Connection {
                available: false,
                ..
            }
        ),
        "{lost:?}"
    );
    // Dies while nobody is listening: the engine's event buffer must replay it.
    let during = t.run(&t.spec("during", &["sh", "-c", "exit 5"])).await;
    t.wait(&during, |i| !i.running && i.exit_code.is_some())
        .await;

    let _relay = Relay::start(relay.port, socket);
    let back = next_event(&mut events, |e| {
        matches!(e, RuntimeEvent::Connection { .. })
    })
    .await;
    assert!(
        matches!(
            back,
            RuntimeEvent::Connection {
                available: true,
                ..
            }
        ),
        "{back:?}"
    );
    let died = next_event(&mut events, |e| matches!(e, RuntimeEvent::Died { .. })).await;
    assert_eq!(
        died,
        RuntimeEvent::Died {
            id: during,
            exit_code: Some(5)
        }
    );
}
