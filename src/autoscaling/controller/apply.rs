//! One group's reconcile: observe, plan, record the intent, act, record the outcome. The
//! region's lock is held only for the short synchronous steps, never while EC2 is called.

use super::observe::observe;
use super::plan::{plan, Plan, Why};
use super::Controller;
use crate::autoscaling::state::group::{cause_time, Activity, Group, Lifecycle, Member};
use crate::autoscaling::state::RegionState;
use crate::core::fleet::{InstanceFact, LaunchRequest};

/// How long a group waits after a failed launch before trying again: doubling from 10 s to
/// at most 5 minutes (emulated).
fn backoff(failures: u32) -> f64 {
    (10.0 * 2f64.powi(failures.min(5) as i32)).min(300.0)
}

/// What the intent step hands to the acting step.
struct Work {
    launch: Vec<Option<String>>,
    request: LaunchRequest,
    terminate: Vec<String>,
}

impl Controller {
    pub(super) fn reconcile(&self, account: &str, region: &str, name: &str) {
        self.observe_members(account, region, name);
        let work = self
            .store
            .with_existing(account, region, |st| intend(st, name))
            .flatten();
        let Some(work) = work else { return };
        if !work.terminate.is_empty() {
            self.terminate(account, region, name, &work.terminate);
        }
        if !work.launch.is_empty() {
            self.launch(name, work.request, &work.launch);
        }
    }

    fn observe_members(&self, account: &str, region: &str, name: &str) {
        let Some(ec2) = self.instances.get() else {
            return;
        };
        let ids = self
            .store
            .read(account, region, |st| {
                st.groups.get(name).map(|g| {
                    g.members
                        .iter()
                        .map(|m| m.instance_id.clone())
                        .collect::<Vec<_>>()
                })
            })
            .flatten()
            .unwrap_or_default();
        if ids.is_empty() {
            return;
        }
        let seen: Vec<(String, Option<InstanceFact>)> = ids
            .into_iter()
            .map(|id| {
                let fact = ec2.instance(account, region, &id);
                (id, fact)
            })
            .collect();
        self.store
            .with_existing(account, region, |st| observe(st, name, &seen));
    }

    fn terminate(&self, account: &str, region: &str, name: &str, ids: &[String]) {
        match self.instances.get() {
            Some(ec2) => ec2.terminate(account, region, ids),
            // No EC2: nothing runs, so the members are gone at once.
            None => {
                self.store.with_existing(account, region, |st| {
                    let gone: Vec<(String, Option<InstanceFact>)> =
                        ids.iter().map(|id| (id.clone(), None)).collect();
                    observe(st, name, &gone);
                });
            }
        }
    }

    fn launch(&self, name: &str, request: LaunchRequest, subnets: &[Option<String>]) {
        let mut outcomes = Vec::new();
        for subnet in subnets {
            let req = LaunchRequest {
                count: 1,
                subnet_ids: subnet.iter().cloned().collect(),
                ..request.clone()
            };
            let outcome = match self.instances.get() {
                Some(ec2) => ec2.launch(&req).map(|ids| {
                    ids.into_iter()
                        .map(|id| {
                            let fact = ec2.instance(&req.account, &req.region, &id);
                            (id, fact)
                        })
                        .collect::<Vec<_>>()
                }),
                None => Err("local-ecs runs without EC2 here: no instance can be launched.".into()),
            };
            let failed = outcome.is_err();
            outcomes.push(outcome);
            if failed {
                break; // the rest would fail alike; the next try is after the backoff
            }
        }
        let orphans = self
            .store
            .with_existing(&request.account, &request.region, |st| {
                record_launches(st, name, outcomes)
            })
            .unwrap_or_default();
        if let (Some(ec2), false) = (self.instances.get(), orphans.is_empty()) {
            ec2.terminate(&request.account, &request.region, &orphans);
        }
    }
}

/// Plans `name` and records the intent: members taken out (with their activities), members
/// EC2 will be asked to terminate, a deleted group removed.
fn intend(st: &mut RegionState, name: &str) -> Option<Work> {
    let now = st.now();
    let group = st.groups.get_mut(name)?;
    let Plan {
        launch,
        take_out,
        send,
        remove_group,
    } = plan(group, now);
    if remove_group {
        st.groups.remove(name);
        return None;
    }
    let mut activities = Vec::new();
    let active = group.active_count();
    let scale_in = take_out.iter().filter(|(_, w)| *w == Why::ScaleIn).count() as u32;
    for (id, why) in &take_out {
        let cause = take_out_cause(
            group,
            id,
            *why,
            now,
            active,
            active.saturating_sub(scale_in),
        );
        activities.extend(group.take_out(id, cause, now));
    }
    let mut terminate = send;
    terminate.extend(take_out.into_iter().map(|(id, _)| id));
    for id in &terminate {
        if let Some(m) = group.member_mut(id) {
            m.terminate_sent = true;
        }
    }
    let request = LaunchRequest {
        account: st.account.clone(),
        region: st.region.clone(),
        template: group.source.template().as_ref(),
        count: 0,
        subnet_ids: Vec::new(),
        tags: group.launch_tags(),
    };
    for a in activities {
        st.record(a);
    }
    Some(Work {
        launch,
        request,
        terminate,
    })
}

fn take_out_cause(group: &Group, id: &str, why: Why, now: f64, from: u32, to: u32) -> String {
    let at = cause_time(now);
    match why {
        Why::ScaleIn => format!(
            "{}  At {at} an instance was taken out of service in response to a difference between desired and actual capacity, shrinking the capacity from {from} to {to}.  At {at} instance {id} was selected for termination.",
            group.cause
        ),
        Why::GroupDeleted => format!("{}  At {at} instance {id} was selected for termination.", group.cause),
        Why::Unhealthy => format!(
            "At {at} an instance was taken out of service in response to an EC2 health check indicating it has been terminated or stopped."
        ),
    }
}

type Outcome = Result<Vec<(String, Option<InstanceFact>)>, String>;

/// Records what the launches gave: members and activities, or a failed activity and a backoff.
/// Returns instances launched for a group that is gone meanwhile (to terminate).
fn record_launches(st: &mut RegionState, name: &str, outcomes: Vec<Outcome>) -> Vec<String> {
    let now = st.now();
    let Some(group) = st.groups.get_mut(name).filter(|g| !g.deleting()) else {
        return outcomes
            .into_iter()
            .flatten()
            .flatten()
            .map(|(id, _)| id)
            .collect();
    };
    let mut activities = Vec::new();
    let at = cause_time(now);
    for outcome in outcomes {
        let before = group.active_count();
        match outcome {
            Ok(launched) => {
                group.launch_failures = 0;
                for (id, fact) in launched {
                    let cause = format!("{}  At {at} an instance was started in response to a difference between desired and actual capacity, increasing the capacity from {before} to {}.", group.cause, before + 1);
                    let activity = Activity::start(
                        group,
                        format!("Launching a new EC2 instance: {id}"),
                        cause,
                        now,
                    );
                    group
                        .members
                        .push(new_member(group, id, fact, &activity, now));
                    activities.push(activity);
                }
            }
            Err(reason) => {
                let cause = format!("{}  At {at} an instance was started in response to a difference between desired and actual capacity, increasing the capacity from {before} to {}.", group.cause, before + 1);
                let mut a = Activity::start(group, format!("Launching a new EC2 instance.  Status Reason: {reason}. Launching EC2 instance failed."), cause, now);
                (a.status_code, a.status_message, a.end_time, a.progress) =
                    ("Failed".into(), Some(reason), Some(now), 100);
                activities.push(a);
                group.retry_at = now + backoff(group.launch_failures);
                group.launch_failures += 1;
            }
        }
    }
    for a in activities {
        st.record(a);
    }
    Vec::new()
}

fn new_member(
    group: &Group,
    id: String,
    fact: Option<InstanceFact>,
    activity: &Activity,
    now: f64,
) -> Member {
    Member {
        instance_type: fact.as_ref().map(|f| f.instance_type.clone()),
        availability_zone: fact
            .as_ref()
            .map(|f| f.availability_zone.clone())
            .unwrap_or_default(),
        lifecycle: Lifecycle::Pending,
        healthy: true,
        protected_from_scale_in: group.new_instances_protected_from_scale_in,
        template: group.source.template().clone(),
        launched_at: fact.map_or(now, |f| f.launched_at),
        activity_id: Some(activity.activity_id.clone()),
        terminate_sent: false,
        instance_id: id,
    }
}
