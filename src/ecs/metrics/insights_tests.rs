use super::super::snapshot::{Capacity, ContainerView, ServiceView};
use super::*;

fn cluster(insights: Insights) -> ClusterView {
    let task = |id: &str, instance: Option<&str>| TaskView {
        arn: format!("arn:aws:ecs:us-east-1:000000000000:task/c/{id}"),
        id: id.into(),
        family: "web".into(),
        revision: "3".into(),
        service: Some("svc".into()),
        launch_type: if instance.is_some() { "EC2" } else { "FARGATE" }.into(),
        instance: instance.map(|i| (i.to_string(), Some("i-0abc".to_string()))),
        cpu_units: 256.0,
        memory_mib: 512.0,
        created_at: 1_700_000_000.0,
        started_at: Some(1_700_000_010.5),
        containers: vec![ContainerView {
            name: "app".into(),
            image: "img".into(),
            ..Default::default()
        }],
        ..Default::default()
    };
    ClusterView {
        account: "000000000000".into(),
        region: "us-east-1".into(),
        name: "c".into(),
        insights,
        tasks: vec![task("t1", None), task("t2", Some("ci1"))],
        services: vec![ServiceView {
            name: "svc".into(),
            desired: 3,
            running: 2,
            pending: 1,
            deployments: 1,
            task_sets: 0,
        }],
        capacity: Capacity {
            instances: 1,
            ..Default::default()
        },
    }
}

fn measured() -> Measured {
    let task = Usage {
        cores: 0.125,
        memory_mib: 100.4,
        read_bytes: 4096.0,
        ..Default::default()
    };
    Measured {
        task,
        rx_per_s: 10.0,
        tx_per_s: 5.0,
        containers: vec![Some(task)],
    }
}

#[test]
fn task_service_and_cluster_events_with_aws_field_names() {
    let m = measured();
    let c = cluster(Insights::On);
    let ev = events(&c, 1_700_000_060_000, |_| Some(&m));
    let types: Vec<&str> = ev
        .iter()
        .map(|(_, e)| e["Type"].as_str().unwrap())
        .collect();
    assert_eq!(types, ["Task", "Task", "Service", "Cluster"]);
    let (stream, t1) = &ev[0];
    assert_eq!(stream, &fargate_stream("c"));
    assert!(
        stream.starts_with("FargateTelemetry-") && stream.len() == 21,
        "{stream}"
    );
    assert_eq!(t1["TaskId"], "t1");
    assert_eq!(t1["TaskDefinitionFamily"], "web");
    assert_eq!(t1["TaskDefinitionRevision"], "3");
    assert_eq!(t1["CpuUtilized"], 128.0);
    assert_eq!(t1["CpuReserved"], 256.0);
    assert_eq!(t1["MemoryUtilized"], 100.0);
    assert_eq!(t1["NetworkRxBytes"], 10.0);
    assert_eq!(t1["StartedAt"], 1_700_000_010_500i64);
    assert_eq!(t1["Timestamp"], 1_700_000_060_000i64);
    assert!(t1.get("ContainerInstanceId").is_none());
    let (stream, t2) = &ev[1];
    assert_eq!(stream, "AgentTelemetry-ci1");
    assert_eq!(
        (
            t2["ContainerInstanceId"].as_str(),
            t2["EC2InstanceId"].as_str()
        ),
        (Some("ci1"), Some("i-0abc"))
    );
    assert_eq!(ev[2].1["PendingTaskCount"], 1);
    assert_eq!(ev[3].1["TaskCount"], 2);
    assert_eq!(ev[3].1["ContainerInstanceCount"], 1);
    assert_eq!(group("c"), "/aws/ecs/containerinsights/c/performance");
}

#[test]
fn enhanced_adds_container_events_and_unmeasured_tasks_are_skipped() {
    let m = measured();
    let c = cluster(Insights::Enhanced);
    let ev = events(&c, 0, |t| (t.id == "t1").then_some(&m));
    let types: Vec<&str> = ev
        .iter()
        .map(|(_, e)| e["Type"].as_str().unwrap())
        .collect();
    assert_eq!(types, ["Task", "Container", "Service", "Cluster"]);
    assert_eq!(ev[1].1["ContainerName"], "app");
    assert_eq!(ev[1].1["StorageReadBytes"], 4096.0);
}

#[test]
fn extracted_metrics_follow_the_directives() {
    let m = measured();
    let c = cluster(Insights::On);
    let ev = events(&c, 0, |_| Some(&m));
    let task = extract(&ev[0].1);
    // 8 metrics x 3 dimension sets (cluster, family, service).
    assert_eq!(task.len(), 24);
    let cpu: Vec<&Datum> = task.iter().filter(|d| d.name == "CpuUtilized").collect();
    let dims: Vec<Vec<&str>> = cpu
        .iter()
        .map(|d| d.dims.iter().map(|(k, _)| k.as_str()).collect())
        .collect();
    assert_eq!(
        dims,
        [
            vec!["ClusterName"],
            vec!["ClusterName", "TaskDefinitionFamily"],
            vec!["ClusterName", "ServiceName"]
        ]
    );
    assert!(cpu
        .iter()
        .all(|d| d.namespace == NS && d.unit == "None" && d.value == 128.0));
    let unit = |n: &str| task.iter().find(|d| d.name == n).unwrap().unit.clone();
    assert_eq!(unit("MemoryUtilized"), "Megabytes");
    assert_eq!(unit("NetworkTxBytes"), "Bytes/Second");
    assert_eq!(unit("StorageWriteBytes"), "Bytes");
    let service = extract(&ev[2].1);
    assert_eq!(service.len(), 5);
    assert!(service
        .iter()
        .all(|d| d.unit == "Count" && d.dims.len() == 2));
    let cluster = extract(&ev[3].1);
    let names: Vec<&str> = cluster.iter().map(|d| d.name.as_str()).collect();
    assert_eq!(
        names,
        ["TaskCount", "ContainerInstanceCount", "ServiceCount"]
    );
}
