//! Real short timers: tokio's `test-util` (paused time) is not enabled in this crate.

use super::knobs::{Behaviour, QUICK_EXIT};
use super::SimulatedRuntime;
use crate::runtime::{
    ContainerSpec, Health, HealthSpec, Network, PortSpec, Protocol, Runtime, RuntimeError,
    RuntimeEvent,
};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};
use tokio::sync::mpsc::UnboundedReceiver;

const LABEL: &str = "local-ecs.task";

fn spec(name: &str, env: &[(&str, &str)]) -> ContainerSpec {
    ContainerSpec {
        name: name.to_string(),
        image: "nginx:latest".to_string(),
        env: env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        labels: BTreeMap::from([(LABEL.to_string(), "t1".to_string())]),
        ..ContainerSpec::default()
    }
}

fn port(container_port: u16, host_port: u16) -> PortSpec {
    PortSpec {
        container_port,
        host_port,
        protocol: Protocol::Tcp,
        publish: true,
    }
}

fn healthcheck(test: &[&str]) -> Option<HealthSpec> {
    Some(HealthSpec {
        test: test.iter().map(|s| s.to_string()).collect(),
        interval_s: 30,
        timeout_s: 5,
        retries: 3,
        start_period_s: 0,
    })
}

async fn run(rt: &SimulatedRuntime, spec: &ContainerSpec) -> Result<String, RuntimeError> {
    rt.ensure_image(&spec.image).await?;
    let id = rt.create(spec).await?;
    rt.start(&id).await?;
    Ok(id)
}

async fn next(rx: &mut UnboundedReceiver<RuntimeEvent>) -> RuntimeEvent {
    tokio::time::timeout(Duration::from_secs(3), rx.recv())
        .await
        .expect("an event in time")
        .expect("the channel is open")
}

fn died(id: &str, code: i64) -> RuntimeEvent {
    RuntimeEvent::Died {
        id: id.to_string(),
        exit_code: Some(code),
    }
}

#[tokio::test]
async fn starts_with_an_ip_and_an_ephemeral_binding() {
    let rt = SimulatedRuntime::new();
    let mut events = rt.subscribe(LABEL, "t1");
    assert_eq!(
        (rt.kind(), rt.ping().await.unwrap()),
        ("simulated", "simulated".to_string())
    );
    let mut s = spec("web", &[]);
    s.ports = vec![port(80, 0), port(443, 0)];
    let id = run(&rt, &s).await.unwrap();
    assert_eq!(id.len(), 64);
    assert!(id.chars().all(|c| c.is_ascii_hexdigit()));
    assert_eq!(
        next(&mut events).await,
        RuntimeEvent::Started { id: id.clone() }
    );
    let info = rt.inspect(&id).await.unwrap();
    assert!(info.running && info.exit_code.is_none() && info.started_at.is_some());
    assert!(info.ip_address.unwrap().starts_with("172.30."));
    assert_eq!(info.labels.get(LABEL).map(String::as_str), Some("t1"));
    let ports: Vec<u16> = info.bindings.iter().map(|b| b.host_port).collect();
    assert_eq!(ports.len(), 2);
    assert_ne!(ports[0], ports[1]);
    assert!(ports.iter().all(|p| (32768..=60999).contains(p)));
    assert_eq!(info.health, None);
}

#[tokio::test]
async fn exit_code_knob_ends_the_container() {
    let rt = SimulatedRuntime::new();
    let mut events = rt.subscribe(LABEL, "t1");
    let id = run(&rt, &spec("job", &[("LOCAL_ECS_SIM_EXIT_CODE", "3")]))
        .await
        .unwrap();
    assert!(matches!(
        next(&mut events).await,
        RuntimeEvent::Started { .. }
    ));
    assert_eq!(next(&mut events).await, died(&id, 3));
    let info = rt.inspect(&id).await.unwrap();
    assert!(!info.running && info.finished_at.is_some() && info.ip_address.is_none());
    assert_eq!(info.exit_code, Some(3));
}

#[tokio::test]
async fn shell_exit_commands_are_taken_literally() {
    let rt = SimulatedRuntime::new();
    let mut events = rt.subscribe(LABEL, "t1");
    let mut s = spec("sh", &[]);
    s.command = Some(vec!["sh".into(), "-c".into(), "exit 7".into()]);
    let id = run(&rt, &s).await.unwrap();
    next(&mut events).await;
    assert_eq!(next(&mut events).await, died(&id, 7));
}

#[test]
fn behaviour_rules() {
    let exit_of = |entrypoint: Option<&[&str]>, command: &[&str], env: &[(&str, &str)]| {
        let mut s = spec("x", env);
        s.entrypoint = entrypoint.map(|e| e.iter().map(|s| s.to_string()).collect());
        s.command = Some(command.iter().map(|s| s.to_string()).collect());
        Behaviour::from_spec(&s).map(|b| b.exit)
    };
    let secs = Duration::from_secs_f64;
    assert_eq!(
        exit_of(None, &["exit 300"], &[]),
        Ok(Some((QUICK_EXIT, 44)))
    );
    assert_eq!(
        exit_of(Some(&["/bin/sh", "-c"]), &["false"], &[]),
        Ok(Some((QUICK_EXIT, 1)))
    );
    assert_eq!(
        exit_of(None, &["sleep", "2.5"], &[]),
        Ok(Some((secs(2.5), 0)))
    );
    assert_eq!(
        exit_of(None, &["nginx", "-g", "daemon off;"], &[]),
        Ok(None)
    );
    assert_eq!(
        exit_of(None, &["sh", "-c", "echo hi; exit 3"], &[]),
        Ok(None)
    );
    let knobs = [("LOCAL_ECS_SIM_RUN_SECONDS", "1.5")];
    assert_eq!(exit_of(None, &["exit 3"], &knobs), Ok(Some((secs(1.5), 0))));
    let bad = exit_of(None, &[], &[("LOCAL_ECS_SIM_EXIT_CODE", "three")]).unwrap_err();
    assert!(bad.contains("LOCAL_ECS_SIM_EXIT_CODE"), "{bad}");
}

#[tokio::test]
async fn a_malformed_knob_fails_the_start() {
    let rt = SimulatedRuntime::new();
    let s = spec("typo", &[("LOCAL_ECS_SIM_HEALTH", "green")]);
    let err = run(&rt, &s).await.unwrap_err();
    assert!(matches!(&err, RuntimeError::Rejected(m) if m.contains("LOCAL_ECS_SIM_HEALTH")));
    let info = rt
        .inspect(&rt.list(LABEL, "t1").await.unwrap()[0])
        .await
        .unwrap();
    assert!(!info.running && info.error.is_some());
}

#[tokio::test]
async fn stop_terminates_with_143() {
    let rt = SimulatedRuntime::new();
    let mut events = rt.subscribe(LABEL, "t1");
    let id = run(&rt, &spec("svc", &[])).await.unwrap();
    next(&mut events).await;
    rt.stop(&id, 30).await.unwrap();
    assert_eq!(next(&mut events).await, died(&id, 143));
    assert_eq!(rt.inspect(&id).await.unwrap().exit_code, Some(143));
    rt.stop(&id, 30).await.unwrap(); // stopping a stopped container is a no-op
}

#[tokio::test]
async fn ignoring_sigterm_means_a_kill_after_the_timeout() {
    let rt = SimulatedRuntime::new();
    let mut events = rt.subscribe(LABEL, "t1");
    let id = run(
        &rt,
        &spec("stubborn", &[("LOCAL_ECS_SIM_IGNORE_SIGTERM", "true")]),
    )
    .await
    .unwrap();
    next(&mut events).await;
    let begun = Instant::now();
    rt.stop(&id, 1).await.unwrap();
    assert!(begun.elapsed() >= Duration::from_secs(1));
    assert_eq!(next(&mut events).await, died(&id, 137));
    assert_eq!(rt.inspect(&id).await.unwrap().exit_code, Some(137));
}

#[tokio::test]
async fn health_settles_per_knob_or_literal_test() {
    let rt = SimulatedRuntime::new();
    let mut events = rt.subscribe(LABEL, "t1");
    let cases = [
        (
            "a",
            &[("LOCAL_ECS_SIM_HEALTH", "unhealthy")][..],
            ["CMD-SHELL", "exit 0"],
            Health::Unhealthy,
        ),
        ("b", &[], ["CMD-SHELL", "exit 1"], Health::Unhealthy),
        (
            "c",
            &[],
            ["CMD-SHELL", "curl -f localhost"],
            Health::Healthy,
        ),
    ];
    for (name, env, test, expected) in cases {
        let mut s = spec(name, env);
        s.healthcheck = healthcheck(&test);
        let id = run(&rt, &s).await.unwrap();
        assert_eq!(
            rt.inspect(&id).await.unwrap().health,
            Some(Health::Starting)
        );
        assert_eq!(
            next(&mut events).await,
            RuntimeEvent::Started { id: id.clone() }
        );
        let changed = RuntimeEvent::HealthChanged {
            id: id.clone(),
            health: expected,
        };
        assert_eq!(next(&mut events).await, changed);
        assert_eq!(rt.inspect(&id).await.unwrap().health, Some(expected));
    }
}

#[tokio::test]
async fn a_taken_host_port_is_rejected_until_released() {
    let rt = SimulatedRuntime::new();
    let mut first = spec("first", &[]);
    first.ports = vec![port(80, 8080)];
    let first_id = run(&rt, &first).await.unwrap();
    let mut second = spec("second", &[]);
    second.ports = vec![port(8000, 8080)];
    let second_id = rt.create(&second).await.unwrap();
    let err = rt.start(&second_id).await.unwrap_err();
    assert!(matches!(&err, RuntimeError::Rejected(m) if m.ends_with("port is already allocated")));
    assert!(!rt.inspect(&second_id).await.unwrap().running);
    rt.stop(&first_id, 0).await.unwrap();
    rt.start(&second_id).await.unwrap();
    assert_eq!(
        rt.inspect(&second_id).await.unwrap().bindings[0].host_port,
        8080
    );
}

#[tokio::test]
async fn joined_containers_share_the_sandbox_ip() {
    let rt = SimulatedRuntime::new();
    let labels = BTreeMap::from([(LABEL.to_string(), "t1".to_string())]);
    let sandbox = rt.create_sandbox("task-pause", &labels).await.unwrap();
    let sandbox_ip = rt.inspect(&sandbox).await.unwrap().ip_address;
    assert!(sandbox_ip.is_some());
    let mut app = spec("task-app", &[]);
    app.network = Network::Join(sandbox.clone());
    let app_id = run(&rt, &app).await.unwrap();
    assert_eq!(rt.inspect(&app_id).await.unwrap().ip_address, sandbox_ip);
    app.name = "task-published".into();
    app.ports = vec![port(80, 0)];
    assert!(matches!(
        rt.create(&app).await,
        Err(RuntimeError::Rejected(_))
    ));
}

#[tokio::test]
async fn images_that_cannot_exist_fail_to_pull() {
    let rt = SimulatedRuntime::new();
    let denied = rt.ensure_image("does-not-exist:1").await.unwrap_err();
    let expected = "pull access denied for does-not-exist, repository does not exist or may \
                    require 'docker login'";
    assert!(
        matches!(&denied, RuntimeError::ImagePull(m) if m.starts_with(expected)),
        "{denied}"
    );
    let unknown_host = rt.ensure_image("registry.invalid/app").await.unwrap_err();
    assert!(matches!(&unknown_host, RuntimeError::ImagePull(m) if m.contains("no such host")));
    let a = rt.ensure_image("nginx").await.unwrap();
    let b = rt
        .ensure_image("docker.io/library/nginx:latest")
        .await
        .unwrap();
    assert_eq!(a, b);
    assert!(a.id.starts_with("sha256:") && a.id.len() == 71);
    assert_ne!(a, rt.ensure_image("nginx:1.27").await.unwrap());
    let mut never_pulled = spec("x", &[]);
    never_pulled.image = "redis".into();
    assert!(matches!(
        rt.create(&never_pulled).await,
        Err(RuntimeError::Rejected(_))
    ));
}

fn connection(event: RuntimeEvent) -> Option<bool> {
    match event {
        RuntimeEvent::Connection { available, .. } => Some(available),
        _ => None,
    }
}

fn unavailable<T>(result: Result<T, RuntimeError>) -> bool {
    matches!(result, Err(RuntimeError::Unavailable(_)))
}

#[tokio::test]
async fn a_down_engine_is_unavailable_and_loses_events() {
    let rt = SimulatedRuntime::new();
    let mut events = rt.subscribe(LABEL, "t1");
    let id = run(&rt, &spec("svc", &[])).await.unwrap();
    next(&mut events).await;
    rt.fail_engine(true);
    assert_eq!(connection(next(&mut events).await), Some(false));
    assert!(unavailable(rt.ping().await));
    assert!(unavailable(rt.inspect(&id).await));
    assert!(unavailable(rt.create(&spec("y", &[])).await));
    let mut late = rt.subscribe(LABEL, "t1");
    assert_eq!(connection(next(&mut late).await), Some(false));
    rt.kill_externally(&id, 2).unwrap(); // happens, but its event is lost
    rt.fail_engine(false);
    assert_eq!(connection(next(&mut events).await), Some(true));
    assert_eq!(rt.inspect(&id).await.unwrap().exit_code, Some(2));
}

#[tokio::test]
async fn an_external_kill_is_reported() {
    let rt = SimulatedRuntime::new();
    let mut events = rt.subscribe(LABEL, "t1");
    let dropped = rt.subscribe(LABEL, "t1");
    drop(dropped);
    let id = run(&rt, &spec("victim", &[])).await.unwrap();
    next(&mut events).await;
    rt.kill_externally(&id, 137).unwrap();
    assert_eq!(next(&mut events).await, died(&id, 137));
    assert!(matches!(
        rt.kill_externally(&id, 1),
        Err(RuntimeError::Rejected(_))
    ));
}

#[tokio::test]
async fn removed_containers_are_gone_and_free_their_name() {
    let rt = SimulatedRuntime::new();
    let mut events = rt.subscribe(LABEL, "t1");
    let id = run(&rt, &spec("once", &[])).await.unwrap();
    let duplicate = rt.create(&spec("once", &[])).await.unwrap_err();
    assert!(
        matches!(&duplicate, RuntimeError::Rejected(m) if m.starts_with("Conflict. The container name \"/once\""))
    );
    next(&mut events).await;
    rt.remove(&id).await.unwrap();
    assert_eq!(next(&mut events).await, died(&id, 137));
    assert!(matches!(
        rt.inspect(&id).await,
        Err(RuntimeError::NotFound(_))
    ));
    assert!(matches!(
        rt.remove(&id).await,
        Err(RuntimeError::NotFound(_))
    ));
    rt.create(&spec("once", &[])).await.unwrap();
}

#[tokio::test]
async fn list_finds_containers_by_label_in_any_state() {
    let rt = SimulatedRuntime::new();
    let running = run(&rt, &spec("a", &[])).await.unwrap();
    let created = rt.create(&spec("b", &[])).await.unwrap();
    let mut other = spec("c", &[]);
    other.labels.insert(LABEL.to_string(), "t2".to_string());
    let other = rt.create(&other).await.unwrap();
    assert_eq!(rt.list(LABEL, "t1").await.unwrap(), vec![running, created]);
    assert_eq!(rt.list(LABEL, "t2").await.unwrap(), vec![other]);
    assert!(rt.list("nope", "t1").await.unwrap().is_empty());
}
