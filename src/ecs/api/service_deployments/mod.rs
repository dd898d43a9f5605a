//! The service deployment operations: ListServiceDeployments, DescribeServiceDeployments,
//! DescribeServiceRevisions, StopServiceDeployment, ContinueServiceDeployment.
//! <https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-deployment.html>
//! The records they read are kept by the scheduler ([`crate::ecs::scheduler::deployments`]).

mod continue_hook;
mod handlers;

pub use continue_hook::continue_service_deployment;
pub use handlers::{
    describe_service_deployments, describe_service_revisions, list_service_deployments,
    stop_service_deployment,
};
