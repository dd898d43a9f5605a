use super::*;
use crate::ecs::state::task::Task;
use crate::ecs::state::types::{Attribute, Resource};
use crate::ecs::state::TaskBook;
use serde_json::json;

const CLUSTER: &str = "arn:aws:ecs:us-east-1:000000000000:cluster/c";

fn arn(id: &str) -> String {
    format!("arn:aws:ecs:us-east-1:000000000000:container-instance/c/{id}")
}

/// A region holding container instances and the tasks on them.
struct World {
    st: RegionState,
}

impl World {
    fn new() -> Self {
        World {
            st: RegionState::new("000000000000", "us-east-1"),
        }
    }

    /// An ACTIVE instance `id` (EC2 id `i-<id>`) with CPU, MEMORY and attributes.
    fn instance(mut self, id: &str, cpu: i32, memory: i32, attrs: &[(&str, &str)]) -> Self {
        let int = |name: &str, v: i32| Resource {
            name: Some(name.into()),
            kind: Some("INTEGER".into()),
            double_value: None,
            long_value: None,
            integer_value: Some(v),
            string_set_value: None,
        };
        let attributes = attrs
            .iter()
            .map(|(n, v)| Attribute {
                name: n.to_string(),
                value: Some(v.to_string()),
                target_type: None,
                target_id: None,
            })
            .collect();
        let ci = ContainerInstance {
            container_instance_arn: arn(id),
            ec2_instance_id: Some(format!("i-{id}")),
            status: crate::ecs::state::status::ContainerInstanceStatus::Active,
            cluster_arn: CLUSTER.into(),
            registered_resources: vec![int("CPU", cpu), int("MEMORY", memory)],
            attributes,
            ..Default::default()
        };
        self.st.container_instances.insert(arn(id), ci);
        self
    }

    /// A RUNNING task on instance `on` reserving cpu, memory and host ports.
    fn task(
        mut self,
        on: &str,
        group: Option<&str>,
        cpu: i64,
        memory: i64,
        ports: &[&str],
    ) -> Self {
        let task_arn = format!(
            "arn:aws:ecs:us-east-1:000000000000:task/c/{}",
            self.st.tasks.len()
        );
        let task = Task {
            task_arn: task_arn.clone(),
            cluster_arn: CLUSTER.into(),
            container_instance_arn: Some(arn(on)),
            group: group.map(String::from),
            last_status: crate::ecs::state::status::TaskStatus::Running,
            ..Default::default()
        };
        let book = TaskBook {
            cpu,
            memory,
            ports: ports.iter().map(|p| p.to_string()).collect(),
            ..Default::default()
        };
        self.st.tasks.insert(task_arn.clone(), task);
        self.st.task_books.insert(task_arn, book);
        self
    }
}

fn want(cpu: i64, memory: i64) -> Demand {
    Demand {
        cpu,
        memory,
        ports: Vec::new(),
    }
}

fn request<'a>(
    demand: &'a Demand,
    count: usize,
    c: &'a [Value],
    s: &'a [Value],
) -> PlacementRequest<'a> {
    PlacementRequest {
        cluster_arn: CLUSTER,
        demand,
        count,
        constraints: c,
        strategies: s,
        group: None,
        only: None,
        capacity_provider: None,
    }
}

/// The instance ids placed on, and the failures as (instance id, reason).
fn run_with(w: &World, req: &PlacementRequest) -> (Vec<String>, Vec<(String, String)>) {
    let (placed, failures) = place_with(&w.st, req).unwrap();
    let id = |a: &str| a.rsplit('/').next().unwrap().to_string();
    let failures = failures
        .iter()
        .map(|f| (id(f.arn.as_deref().unwrap()), f.reason.clone().unwrap()))
        .collect();
    (placed.iter().map(|a| id(a)).collect(), failures)
}

fn zones() -> World {
    World::new()
        .instance("a", 1024, 2048, &[("ecs.availability-zone", "az1")])
        .instance("b", 1024, 2048, &[("ecs.availability-zone", "az1")])
        .instance("c", 1024, 2048, &[("ecs.availability-zone", "az2")])
}

#[test]
fn no_instances_is_an_error() {
    let w = World::new();
    let d = want(128, 128);
    let msg = "No Container Instances were found in your cluster.";
    assert_eq!(place(&w.st, CLUSTER, &d, 1), Err(EcsError::invalid(msg)));
    assert_eq!(
        place_with(&w.st, &request(&d, 1, &[], &[])),
        Err(EcsError::invalid(msg))
    );
}

#[test]
fn place_is_first_fit_and_reports_exhaustion() {
    let w = zones();
    let (placed, failures) = place(&w.st, CLUSTER, &want(512, 1024), 7).unwrap();
    let ids: Vec<&str> = placed.iter().map(|a| &a[a.len() - 1..]).collect();
    assert_eq!(ids, ["a", "a", "b", "b", "c", "c"]);
    assert_eq!(failures.len(), 3);
    assert!(failures
        .iter()
        .all(|f| f.reason.as_deref() == Some("RESOURCE:CPU")));
}

#[test]
fn default_spreads_over_zones_then_instances() {
    let w = zones();
    let d = want(128, 128);
    let (placed, failures) = run_with(&w, &request(&d, 4, &[], &[]));
    assert_eq!(placed, ["a", "c", "b", "c"]);
    assert!(failures.is_empty());
}

#[test]
fn distinct_instance_counts_the_groups_running_tasks() {
    let w = zones().task("a", Some("service:web"), 0, 0, &[]);
    let d = want(128, 128);
    let c = [json!({"type": "distinctInstance"})];
    let mut req = request(&d, 3, &c, &[]);
    req.group = Some("service:web");
    let (placed, failures) = run_with(&w, &req);
    assert_eq!(placed, ["c", "b"]);
    let reasons: Vec<_> = failures.iter().map(|(i, r)| format!("{i}:{r}")).collect();
    assert_eq!(reasons, ["a:ATTRIBUTE", "b:ATTRIBUTE", "c:ATTRIBUTE"]);
}

#[test]
fn distinct_instance_without_group_spans_this_call() {
    let w = zones().task("a", None, 0, 0, &[]);
    let d = want(128, 128);
    let c = [json!({"type": "distinctInstance", "expression": ""})];
    let s = [json!({"type": "binpack", "field": "memory"})];
    let (placed, failures) = run_with(&w, &request(&d, 3, &c, &s));
    assert_eq!(placed, ["a", "b", "c"]);
    assert!(failures.is_empty());
}

#[test]
fn member_of_filters_instances() {
    let w = World::new()
        .instance("a", 1024, 2048, &[("stack", "dev")])
        .instance("b", 1024, 2048, &[("stack", "prod")])
        .instance("c", 1024, 2048, &[("stack", "prod")])
        .task("c", Some("service:db"), 0, 0, &[]);
    let d = want(128, 128);
    let only_prod = [json!({"type": "memberOf", "expression": "attribute:stack == prod"})];
    assert_eq!(run_with(&w, &request(&d, 2, &only_prod, &[])).0, ["b", "c"]);
    let not_db = [json!({"type": "memberOf",
        "expression": "attribute:stack =~ pr* and not(task:group == service:db)"})];
    assert_eq!(run_with(&w, &request(&d, 2, &not_db, &[])).0, ["b", "b"]);
    let by_id = [json!({"type": "memberOf", "expression": "ec2InstanceId in [i-a, i-c]"})];
    assert_eq!(run_with(&w, &request(&d, 2, &by_id, &[])).0, ["a", "c"]);
    let none = [json!({"type": "memberOf", "expression": "attribute:stack == qa"})];
    let (placed, failures) = run_with(&w, &request(&d, 1, &none, &[]));
    assert!(placed.is_empty());
    assert!(failures.iter().all(|(_, r)| r == "ATTRIBUTE") && failures.len() == 3);
}

#[test]
fn binpack_prefers_the_least_remaining_that_fits() {
    let w = World::new()
        .instance("a", 4096, 1024, &[])
        .instance("b", 4096, 2048, &[])
        .instance("c", 4096, 4096, &[])
        .task("b", None, 0, 1536, &[]);
    let d = want(128, 256);
    let s = [json!({"type": "binpack", "field": "memory"})];
    assert_eq!(run_with(&w, &request(&d, 3, &[], &s)).0, ["b", "b", "a"]);
    let s = [json!({"type": "binpack", "field": "cpu"})];
    assert_eq!(run_with(&w, &request(&d, 1, &[], &s)).0, ["a"]);
}

#[test]
fn spread_instance_counts_the_group() {
    let w = zones()
        .task("a", Some("g"), 0, 0, &[])
        .task("a", Some("g"), 0, 0, &[])
        .task("b", Some("g"), 0, 0, &[])
        .task("c", Some("other"), 0, 0, &[]);
    let d = want(128, 128);
    let s = [json!({"type": "spread", "field": "host"})];
    let mut req = request(&d, 3, &[], &s);
    req.group = Some("g");
    assert_eq!(run_with(&w, &req).0, ["c", "b", "c"]);
}

#[test]
fn strategies_break_ties_in_order() {
    let w = World::new()
        .instance("a", 1024, 2048, &[("zone", "z1")])
        .instance("b", 1024, 1024, &[("zone", "z1")])
        .instance("c", 1024, 4096, &[("zone", "z2")]);
    let d = want(128, 256);
    let s = [
        json!({"type": "spread", "field": "attribute:zone"}),
        json!({"type": "binpack", "field": "MEMORY"}),
    ];
    assert_eq!(run_with(&w, &request(&d, 3, &[], &s)).0, ["b", "c", "b"]);
}

#[test]
fn random_stays_within_the_constraints() {
    let w = zones();
    let d = want(1, 1);
    let c = [json!({"type": "memberOf", "expression": "attribute:ecs.availability-zone == az1"})];
    let s = [json!({"type": "random"})];
    let (placed, failures) = run_with(&w, &request(&d, 10, &c, &s));
    assert_eq!(placed.len(), 10);
    assert!(placed.iter().all(|i| i == "a" || i == "b"));
    assert!(failures.is_empty());
}

#[test]
fn only_restricts_and_reports_missing() {
    let w = zones();
    let d = want(128, 128);
    let only = [arn("b"), arn("zz")];
    let mut req = request(&d, 2, &[], &[]);
    req.only = Some(&only);
    let (placed, failures) = run_with(&w, &req);
    assert_eq!(placed, ["b", "b"]);
    assert_eq!(failures, [("zz".to_string(), "MISSING".to_string())]);
}

#[test]
fn resources_run_out() {
    let w = World::new()
        .instance("a", 1024, 2048, &[])
        .instance("b", 256, 4096, &[])
        .task("a", None, 0, 0, &["80"]);
    let d = Demand {
        cpu: 512,
        memory: 1024,
        ports: vec!["80".into()],
    };
    let (placed, failures) = run_with(&w, &request(&d, 1, &[], &[]));
    assert!(placed.is_empty());
    let want_failures = [("a", "RESOURCE:PORTS"), ("b", "RESOURCE:CPU")];
    assert_eq!(
        failures,
        want_failures.map(|(i, r)| (i.to_string(), r.to_string()))
    );
    let d = want(128, 1536);
    let (placed, failures) = run_with(&w, &request(&d, 4, &[], &[]));
    assert_eq!(placed, ["a", "b", "b"]);
    let want_failures = [("a", "RESOURCE:MEMORY"), ("b", "RESOURCE:CPU")];
    assert_eq!(
        failures,
        want_failures.map(|(i, r)| (i.to_string(), r.to_string()))
    );
}

#[test]
fn validation_rejects_bad_rules() {
    let distinct = json!({"type": "distinctInstance"});
    let spread = json!({"type": "spread", "field": "instanceId"});
    let bad_constraints = [
        vec![distinct.clone(); 11],
        vec![json!({"type": "distinctInstance", "expression": "attribute:x exists"})],
        vec![json!({"type": "memberOf"})],
        vec![json!({"type": "memberOf", "expression": "stack == prod"})],
        vec![json!({"type": "memberOf", "expression": "a".repeat(2001)})],
        vec![json!({"type": "sameInstance"})],
        vec![json!({"expression": "attribute:x exists"})],
    ];
    for c in &bad_constraints {
        assert!(validate_placement(c, &[]).is_err(), "{c:?}");
    }
    let bad_strategies = [
        vec![spread.clone(); 6],
        vec![json!({"type": "spread"})],
        vec![json!({"type": "spread", "field": "zone"})],
        vec![json!({"type": "binpack", "field": "disk"})],
        vec![json!({"type": "packed"})],
        vec![json!("random")],
    ];
    for s in &bad_strategies {
        assert!(validate_placement(&[], s).is_err(), "{s:?}");
    }
    let err = validate_placement(&[], &bad_strategies[1]).unwrap_err();
    assert_eq!(err.code(), "InvalidParameterException");
    // Validation comes before the search for instances.
    let d = want(1, 1);
    let err = place_with(&World::new().st, &request(&d, 1, &bad_constraints[2], &[]));
    assert!(matches!(err, Err(EcsError::InvalidParameter(m)) if m.contains("memberOf")));
}

#[test]
fn validation_accepts_the_documented_shapes() {
    let c = vec![
        json!({"type": "distinctInstance"}),
        json!({"type": "memberOf", "expression": "attribute:ecs.instance-type =~ t2.*"}),
    ];
    let mut c10 = c.clone();
    c10.resize(10, json!({"type": "distinctInstance"}));
    let s = [
        json!({"type": "spread", "field": "attribute:ecs.availability-zone"}),
        json!({"type": "spread", "field": "instanceId"}),
        json!({"type": "spread", "field": "host"}),
        json!({"type": "binpack", "field": "cpu"}),
        json!({"type": "random", "field": null}),
    ];
    assert!(validate_placement(&c10, &s).is_ok());
}

#[test]
fn static_host_ports_are_shared_by_every_instance() {
    // A port taken on instance a is taken on b too: both run on the one local engine.
    let w = World::new()
        .instance("a", 4096, 4096, &[])
        .instance("b", 4096, 4096, &[])
        .task("a", None, 0, 0, &["8080"]);
    let d = Demand {
        cpu: 0,
        memory: 64,
        ports: vec!["8080".into()],
    };
    let (placed, failures) = run_with(&w, &request(&d, 1, &[], &[]));
    assert!(placed.is_empty());
    assert!(
        failures
            .iter()
            .all(|(_, reason)| reason == "RESOURCE:PORTS"),
        "{failures:?}"
    );
    // Within one call, too: the second task cannot reuse the first one's port elsewhere.
    let empty = World::new()
        .instance("a", 4096, 4096, &[])
        .instance("b", 4096, 4096, &[]);
    let (placed, failures) = run_with(&empty, &request(&d, 2, &[], &[]));
    assert_eq!(placed.len(), 1);
    assert!(
        failures
            .iter()
            .all(|(_, reason)| reason == "RESOURCE:PORTS"),
        "{failures:?}"
    );
}
