//! Members follow their instances: Pending becomes InService once EC2 says running; an
//! instance stopped or terminated outside the group turns its member Unhealthy (the plan
//! replaces it) or, once gone, drops it with an activity saying why; a member the group was
//! terminating is dropped when EC2 reports it terminated.

use crate::autoscaling::state::group::{cause_time, Activity, Lifecycle};
use crate::autoscaling::state::RegionState;
use crate::core::fleet::{InstanceFact, InstancePhase};

/// Applies what EC2 says of each member (`None`: EC2 no longer knows it).
pub fn observe(st: &mut RegionState, group_name: &str, seen: &[(String, Option<InstanceFact>)]) {
    let now = st.now();
    let mut finished: Vec<(String, &'static str, Option<String>)> = Vec::new();
    let mut recorded = Vec::new();
    let Some(group) = st.groups.get_mut(group_name) else {
        return;
    };
    for (id, fact) in seen {
        let phase = fact.as_ref().map_or(InstancePhase::Terminated, |f| f.phase);
        let Some(member) = group.member_mut(id) else {
            continue;
        };
        match (member.lifecycle, phase) {
            (Lifecycle::Pending, InstancePhase::Running) => {
                member.lifecycle = Lifecycle::InService;
                if let Some(activity) = member.activity_id.take() {
                    finished.push((activity, "Successful", None));
                }
            }
            (_, InstancePhase::Pending | InstancePhase::Running) => {}
            (Lifecycle::Terminating, InstancePhase::Terminated) => {
                if let Some(activity) = member.activity_id.take() {
                    finished.push((activity, "Successful", None));
                }
                group.members.retain(|m| &m.instance_id != id);
            }
            (Lifecycle::Terminating, _) => {}
            (_, InstancePhase::Terminated) => {
                if let Some(activity) = member.activity_id.take() {
                    let why = "The instance was terminated before it was in service.";
                    finished.push((activity, "Failed", Some(why.into())));
                }
                let mut gone = Activity::start(
                    group,
                    format!("Terminating EC2 instance: {id}"),
                    format!("At {} an instance was taken out of service in response to an EC2 health check indicating it has been terminated or stopped.", cause_time(now)),
                    now,
                );
                (gone.status_code, gone.end_time, gone.progress) =
                    ("Successful".into(), Some(now), 100);
                recorded.push(gone);
                group.members.retain(|m| &m.instance_id != id);
            }
            (_, _) => member.healthy = false,
        }
    }
    for (activity, status, message) in finished {
        st.finish(&activity, status, message);
    }
    for activity in recorded {
        st.record(activity);
    }
}
