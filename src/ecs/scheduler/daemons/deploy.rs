//! Daemon revisions and deployments as CreateDaemon, UpdateDaemon and DeleteDaemon start them.
//! <https://docs.aws.amazon.com/AmazonECS/latest/developerguide/managed-daemons-deployments.html>
//!
//! A revision snapshots what the daemon runs (its daemon task definition and container images,
//! tag propagation, execute command, capacity providers); ARNs are
//! `daemon-revision/<cluster>/<daemon>/<id>` and `daemon-deployment/<cluster>/<daemon>/<id>`.
//! A new deployment stops the one still in flight (STOPPED, replaced by a new deployment). Its
//! circuit breaker always monitors: the threshold is half the eligible instances, at least 10
//! and at most 200 (AWS documents no formula; its example shows 10 for three instances). Alarms
//! are recorded as given, not evaluated.

use crate::ecs::state::daemon::{
    Daemon, DaemonAlarmConfiguration, DaemonCircuitBreaker, DaemonDeployment,
    DaemonDeploymentAlarms, DaemonDeploymentConfiguration, DaemonDeploymentStatus,
    DaemonPropagateTags, DaemonRevision, MonitorStatus,
};
use crate::ecs::state::records::ContainerImage;
use crate::ecs::state::RegionState;

/// What a revision captures beside the daemon it belongs to.
pub struct RevisionSpec {
    pub task_definition_arn: String,
    pub capacity_provider_arns: Vec<String>,
    pub propagate_tags: Option<DaemonPropagateTags>,
    pub enable_ecs_managed_tags: bool,
    pub enable_execute_command: bool,
}

/// Records a new revision of `daemon`; its ARN.
pub fn record_revision(st: &mut RegionState, daemon: &Daemon, spec: RevisionSpec) -> String {
    let arn = st.arn(&format!(
        "daemon-revision/{}/{}/{}",
        cluster_name(daemon),
        daemon.name,
        digits(19)
    ));
    let images = images_of(st, &spec.task_definition_arn);
    let revision = DaemonRevision {
        daemon_revision_arn: arn.clone(),
        cluster_arn: daemon.cluster_arn.clone(),
        daemon_arn: daemon.daemon_arn.clone(),
        daemon_task_definition_arn: spec.task_definition_arn,
        created_at: st.now(),
        container_images: images,
        propagate_tags: spec.propagate_tags,
        enable_ecs_managed_tags: spec.enable_ecs_managed_tags,
        enable_execute_command: spec.enable_execute_command,
        capacity_provider_arns: spec.capacity_provider_arns,
    };
    st.daemons.revisions.insert(arn.clone(), revision);
    arn
}

/// Starts a deployment of the daemon `daemon_arn` towards `target` (none: the deletion, which
/// drains every task); sets it as the daemon's latest and queues the daemon. Its ARN.
pub fn start_deployment(st: &mut RegionState, daemon_arn: &str, target: Option<String>) -> String {
    let now = st.now();
    let Some(daemon) = st.daemons.daemons.get(daemon_arn).cloned() else {
        return String::new();
    };
    supersede(st, daemon_arn, now);
    let arn = st.arn(&format!(
        "daemon-deployment/{}/{}/{}",
        cluster_name(&daemon),
        daemon.name,
        alphanumeric(21)
    ));
    let instances = super::eligible_instances(st, &daemon).len() as i32;
    let config = daemon.deployment_configuration.clone();
    let alarms = config.alarms.clone().unwrap_or_default();
    let deployment = DaemonDeployment {
        daemon_deployment_arn: arn.clone(),
        cluster_arn: daemon.cluster_arn.clone(),
        status: DaemonDeploymentStatus::Pending,
        circuit_breaker: DaemonCircuitBreaker {
            failure_count: 0,
            status: MonitorStatus::Monitoring,
            threshold: ((instances + 1) / 2).clamp(10, 200),
        },
        alarms: DaemonDeploymentAlarms {
            status: if alarms.enable == Some(true) {
                MonitorStatus::Monitoring
            } else {
                MonitorStatus::Disabled
            },
            alarm_names: alarms.alarm_names.unwrap_or_default(),
            triggered_alarm_names: Vec::new(),
        },
        deployment_configuration: config,
        created_at: now,
        daemon_arn: daemon_arn.to_string(),
        source_revisions: sources(st, &daemon, target.as_deref()),
        target_revision: target,
        ..Default::default()
    };
    st.daemons.deployments.insert(arn.clone(), deployment);
    if let Some(d) = st.daemons.daemons.get_mut(daemon_arn) {
        d.deployment_arn = Some(arn.clone());
        d.updated_at = now;
    }
    st.daemons.wake(daemon_arn);
    arn
}

/// The deployment configuration as ECS echoes it: drainPercent 25, bake time 0, alarms off.
pub fn with_defaults(
    config: Option<DaemonDeploymentConfiguration>,
) -> DaemonDeploymentConfiguration {
    let mut c = config.unwrap_or_default();
    c.drain_percent.get_or_insert(25.0);
    c.bake_time_in_minutes.get_or_insert(0);
    let alarms = c
        .alarms
        .get_or_insert_with(DaemonAlarmConfiguration::default);
    alarms.alarm_names.get_or_insert_with(Vec::new);
    alarms.enable.get_or_insert(false);
    c
}

/// Stops the daemon's deployments still in flight: a newer one replaces them.
fn supersede(st: &mut RegionState, daemon_arn: &str, now: f64) {
    for d in st.daemons.deployments.values_mut() {
        if d.daemon_arn == daemon_arn && d.status.is_live() {
            d.status = DaemonDeploymentStatus::Stopped;
            d.status_reason = Some("The deployment was replaced by a new deployment.".into());
            d.stopped_at = Some(now);
            if d.circuit_breaker.status == MonitorStatus::Monitoring {
                d.circuit_breaker.status = MonitorStatus::MonitoringComplete;
            }
        }
    }
}

/// The revisions a deployment replaces: those the daemon's unstopped tasks run, and its
/// previous target.
fn sources(st: &RegionState, daemon: &Daemon, target: Option<&str>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let running = st
        .daemons
        .tasks
        .iter()
        .filter(|(arn, l)| {
            l.daemon_arn == daemon.daemon_arn && st.tasks.get(*arn).is_some_and(|t| !t.is_stopped())
        })
        .map(|(_, l)| l.revision_arn.clone());
    for r in std::iter::once(daemon.target_revision.clone()).chain(running) {
        if !r.is_empty() && Some(r.as_str()) != target && !out.contains(&r) {
            out.push(r);
        }
    }
    out
}

/// The container images of a daemon task definition.
fn images_of(st: &RegionState, arn: &str) -> Vec<ContainerImage> {
    st.daemons
        .task_definitions
        .values()
        .find(|d| d.daemon_task_definition_arn == arn)
        .map(|d| {
            d.container_definitions
                .iter()
                .map(|c| ContainerImage {
                    container_name: c.name.clone(),
                    image_digest: None,
                    image: c.image.clone(),
                })
                .collect()
        })
        .unwrap_or_default()
}

fn cluster_name(daemon: &Daemon) -> &str {
    daemon.cluster_arn.rsplit('/').next().unwrap_or_default()
}

fn digits(n: usize) -> String {
    (0..n)
        .map(|_| char::from(b'0' + rand::random::<u8>() % 10))
        .collect()
}

fn alphanumeric(n: usize) -> String {
    const CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    (0..n)
        .map(|_| char::from(CHARS[usize::from(rand::random::<u8>()) % CHARS.len()]))
        .collect()
}
