//! Service deployments and revisions: ListServiceDeployments, DescribeServiceDeployments,
//! DescribeServiceRevisions, StopServiceDeployment. STUB: being written.

use super::state::RegionState;

/// Records a new service revision and service deployment for the service's PRIMARY deployment
/// (called by CreateService/UpdateService right after they add one).
pub fn record_deployment(_st: &mut RegionState, _service_arn: &str, _now: f64) {}

/// Brings the service-deployment records in line with the service's deployments (called at the
/// end of every scheduler pass; level-triggered).
pub fn sync(_st: &mut RegionState, _service_arn: &str, _now: f64) {}
