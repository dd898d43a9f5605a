//! The errors of the daemon operations (codes from the model's lists; messages are not
//! asserted where AWS publishes none), and ListDaemons' filters.

use super::scheduling::cp_arn;
use super::*;
use crate::common::err;
use aws_sdk_ecs::types::DaemonDeploymentConfiguration;

#[tokio::test]
async fn daemon_errors() {
    let s = setup().await;
    let c = &s.client;
    let td = register_dtd(c, "agent", agent(&[])).await;
    let create = |cluster: &str, providers: &[String]| {
        c.create_daemon()
            .daemon_name("d")
            .cluster_arn(cluster)
            .daemon_task_definition_arn(&td)
            .set_capacity_provider_arns(Some(providers.to_vec()))
    };
    let nowhere = create("nowhere", &[cp_arn("cp-a")]).send().await;
    assert_eq!(err_code(nowhere), "ClusterNotFoundException");
    c.create_capacity_provider()
        .name("cp-c")
        .auto_scaling_group_provider(
            AutoScalingGroupProvider::builder()
                .auto_scaling_group_arn(asg_arn("asg-c"))
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    for providers in [
        vec!["FARGATE".to_string()],
        vec![cp_arn("cp-c")],
        vec![cp_arn("missing")],
        vec![],
    ] {
        let result = create(CLUSTER, &providers).send().await;
        assert_eq!(
            err_code(result),
            "InvalidParameterException",
            "{providers:?}"
        );
    }
    let unknown_td = create(CLUSTER, &[cp_arn("cp-a")])
        .daemon_task_definition_arn(arn("daemon-task-definition/none:1"))
        .send()
        .await;
    assert_eq!(err_code(unknown_td), "ClientException");
    let long_bake = create(CLUSTER, &[cp_arn("cp-a")])
        .deployment_configuration(
            DaemonDeploymentConfiguration::builder()
                .bake_time_in_minutes(2000)
                .build(),
        )
        .send()
        .await;
    assert_eq!(err_code(long_bake), "InvalidParameterException");
    let bad_token = create(CLUSTER, &[cp_arn("cp-a")])
        .client_token("x".repeat(37))
        .send()
        .await;
    assert_eq!(err_code(bad_token), "InvalidParameterException");
    let first = create(CLUSTER, &[cp_arn("cp-a")])
        .client_token("token-1")
        .send()
        .await
        .unwrap();
    // The same clientToken again answers the daemon it created.
    let again = create(CLUSTER, &[cp_arn("cp-a")])
        .client_token("token-1")
        .send()
        .await
        .unwrap();
    assert_eq!(again.deployment_arn(), first.deployment_arn());
    let duplicate = create(CLUSTER, &[cp_arn("cp-a")]).send().await;
    let (code, message) = err(duplicate);
    assert_eq!(code, "InvalidParameterException", "{message}");

    for (ident, want) in [
        (arn("daemon/dmn/none"), "DaemonNotFoundException"),
        (arn("daemon/nowhere/d"), "ClusterNotFoundException"),
        ("d".to_string(), "InvalidParameterException"),
    ] {
        let r = c.describe_daemon().daemon_arn(&ident).send().await;
        assert_eq!(err_code(r), want, "{ident}");
    }
    let update = c
        .update_daemon()
        .daemon_arn(arn("daemon/dmn/none"))
        .daemon_task_definition_arn(&td)
        .capacity_provider_arns(cp_arn("cp-a"))
        .send()
        .await;
    assert_eq!(err_code(update), "DaemonNotFoundException");
    let missing = c
        .describe_daemon_deployments()
        .daemon_deployment_arns(arn("daemon-deployment/dmn/d/nothing"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.failures()[0].reason(), Some("MISSING"));

    let list = |providers: Option<Vec<String>>| {
        c.list_daemons()
            .cluster_arn(CLUSTER)
            .set_capacity_provider_arns(providers)
    };
    assert_eq!(
        list(None)
            .send()
            .await
            .unwrap()
            .daemon_summaries_list()
            .len(),
        1
    );
    let on_a = list(Some(vec![cp_arn("cp-a")])).send().await.unwrap();
    assert_eq!(
        on_a.daemon_summaries_list()[0].daemon_arn(),
        Some(arn("daemon/dmn/d").as_str())
    );
    let on_b = list(Some(vec![cp_arn("cp-b")])).send().await.unwrap();
    assert!(on_b.daemon_summaries_list().is_empty());
    let elsewhere = c.list_daemons().cluster_arn("nowhere").send().await;
    assert_eq!(err_code(elsewhere), "ClusterNotFoundException");
}
