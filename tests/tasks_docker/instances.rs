//! EC2 instances launched with boto3 host real containers: a bridge task's dynamic host port,
//! from the agent's range, answers HTTP on this machine; two tasks never share a port; and
//! terminating the instance stops its tasks and removes their containers.

use crate::support::*;
use serde_json::{json, Value};

/// boto3's EC2 client (`tests/py/ec2_client.py`) against the test's server.
fn ec2(env: &Env, operation: &str, params: Value) -> Value {
    let out = std::process::Command::new("python3")
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/py/ec2_client.py"
        ))
        .arg(format!("http://{}", env.addr))
        .arg("us-east-1")
        .arg(operation)
        .arg(params.to_string())
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON from ec2_client.py")
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    tokio::task::spawn_blocking(f).await.expect("blocking call")
}

#[tokio::test]
async fn dynamic_host_ports_on_an_ec2_instance_answer_and_terminate_stops_its_tasks() {
    with_docker(|env| async move {
        let cluster_name = env.cluster.rsplit('/').next().unwrap().to_string();
        let user_data =
            format!("#!/bin/bash\necho ECS_CLUSTER={cluster_name} >> /etc/ecs/ecs.config\n");
        let env = std::sync::Arc::new(env);
        let e = env.clone();
        let id = blocking(move || {
            let out = ec2(
                &e,
                "run_instances",
                json!({"ImageId": "ami-0123456789abcdef0",
                "InstanceType": "t3.medium", "MinCount": 1, "MaxCount": 1, "UserData": user_data}),
            );
            let id = out["Instances"][0]["InstanceId"]
                .as_str()
                .expect("an instance")
                .to_string();
            ec2(
                &e,
                "wait",
                json!({"waiter": "instance_running", "InstanceIds": [id]}),
            );
            id
        })
        .await;
        let mut registered = false;
        for _ in 0..100 {
            let list = env
                .client
                .list_container_instances()
                .cluster(&env.cluster)
                .send()
                .await
                .unwrap();
            if !list.container_instance_arns().is_empty() {
                registered = true;
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert!(registered, "the instance registered");
        let td = env
            .bridge_def(
                "dyn-web",
                vec![cdef("web", &["httpd", "-f", "-p", "8080", "-h", "/www"])
                    .memory(64)
                    .stop_timeout(1)
                    .port_mappings(tcp_port(8080, None))
                    .build()],
            )
            .await;
        let mut ports = Vec::new();
        let mut arns = Vec::new();
        for _ in 0..2 {
            let arn = env.run_ec2(&td, None).await;
            let task = env.wait_running(&arn).await;
            let binding = container(&task, "web").network_bindings()[0].clone();
            let port = binding.host_port().expect("a host port") as u16;
            assert!(
                (49153..=65535).contains(&port),
                "from the agent's range: {port}"
            );
            let page = http_get("127.0.0.1", port, "/").await;
            assert!(page.contains("local-ecs test image"), "{page}");
            ports.push(port);
            arns.push(arn);
        }
        assert_ne!(ports[0], ports[1]);
        let e = env.clone();
        blocking(move || {
            ec2(&e, "terminate_instances", json!({"InstanceIds": [id]}));
        })
        .await;
        for arn in &arns {
            let task = env.wait_stopped(arn).await;
            assert!(
                task.stopped_reason()
                    .unwrap_or_default()
                    .contains("terminated"),
                "{:?}",
                task.stopped_reason()
            );
            assert!(running_containers_of(arn).is_empty());
        }
    })
    .await;
}
