//! StopInstances, StartInstances, TerminateInstances and DescribeInstanceStatus
//! (<https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/ec2-instance-lifecycle.html>). Each
//! change answers the previous and current state and starts a short transition on the App's
//! clock; asking again for what is under way changes nothing. An instance that cannot make
//! the change answers `IncorrectInstanceState` and no instance of the request changes.

use super::instance_view::{health, state_xml};
use super::instances::named_instances;
use super::page;
use crate::core::context::RequestContext;
use crate::core::fleet::InstancePhase;
use crate::ec2::error::{Ec2Error, Ec2Result};
use crate::ec2::filters;
use crate::ec2::params::Params;
use crate::ec2::state::RegionState;
use crate::wire::xml::XmlWriter;

use InstancePhase::*;

/// What an action does to an instance in a phase: move it to a transitional phase, leave it
/// as it is, or refuse.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Verdict {
    Begin(InstancePhase),
    Unchanged,
    Refuse,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Action {
    Stop,
    Start,
    Terminate,
}

fn verdict(action: Action, phase: InstancePhase) -> Verdict {
    match (action, phase) {
        (Action::Stop, Running) => Verdict::Begin(Stopping),
        (Action::Stop, Stopping | Stopped) => Verdict::Unchanged,
        (Action::Stop, _) => Verdict::Refuse,
        (Action::Start, Stopped) => Verdict::Begin(Pending),
        (Action::Start, Pending | Running) => Verdict::Unchanged,
        (Action::Start, _) => Verdict::Refuse,
        (Action::Terminate, ShuttingDown | Terminated) => Verdict::Unchanged,
        (Action::Terminate, _) => Verdict::Begin(ShuttingDown),
    }
}

pub fn stop_instances(s: &mut RegionState, _: &RequestContext, p: Params<'_>) -> Ec2Result<String> {
    change(s, p, Action::Stop)
}

pub fn start_instances(
    s: &mut RegionState,
    _: &RequestContext,
    p: Params<'_>,
) -> Ec2Result<String> {
    change(s, p, Action::Start)
}

pub fn terminate_instances(
    s: &mut RegionState,
    _: &RequestContext,
    p: Params<'_>,
) -> Ec2Result<String> {
    change(s, p, Action::Terminate)
}

fn change(state: &mut RegionState, p: Params<'_>, action: Action) -> Ec2Result<String> {
    let ids = p.strings("InstanceId")?;
    if ids.is_empty() {
        return Err(Ec2Error::missing("InstanceId"));
    }
    let ids: Vec<String> = named_instances(state, &ids)?
        .into_iter()
        .map(|i| i.id.clone())
        .collect();
    let ids = apply(state, &ids, action)?;
    let mut w = XmlWriter::new();
    w.start("instancesSet");
    for (id, before, after) in ids {
        w.start("item").element("instanceId", &id);
        state_xml(&mut w, "currentState", after);
        state_xml(&mut w, "previousState", before);
        w.end();
    }
    w.end();
    Ok(w.finish())
}

/// Applies `action` to known instances `ids`, all or none; (id, before, after) for each.
fn apply(
    state: &mut RegionState,
    ids: &[String],
    action: Action,
) -> Ec2Result<Vec<(String, InstancePhase, InstancePhase)>> {
    for id in ids {
        let phase = state.instances.get(id).map(|i| i.phase);
        if let Some(phase) = phase.filter(|ph| verdict(action, *ph) == Verdict::Refuse) {
            let what = match action {
                Action::Stop => "stopped",
                Action::Start => "started",
                Action::Terminate => "terminated",
            };
            return Err(Ec2Error::IncorrectInstanceState(format!(
                "The instance '{id}' is not in a state from which it can be {what}. (It is {}.)",
                phase.name_and_code().0
            )));
        }
    }
    let now = state.now();
    let mut out = Vec::new();
    for id in ids {
        let Some(inst) = state.instances.get_mut(id) else {
            continue;
        };
        let before = inst.phase;
        if let Verdict::Begin(next) = verdict(action, before) {
            if action == Action::Start {
                inst.reason = String::new();
                inst.state_reason = Some(("pending".into(), "pending".into()));
            } else {
                inst.user_initiated(now);
            }
            inst.begin(next, now);
            state.queue_fact(id);
        }
        let after = state.instances.get(id).map_or(before, |i| i.phase);
        out.push((id.clone(), before, after));
    }
    Ok(out)
}

/// Terminates the known instances among `ids` (unknown ones are ignored), as
/// TerminateInstances does: the facade Auto Scaling uses.
pub fn terminate_known(state: &mut RegionState, ids: &[String]) {
    let known: Vec<String> = ids
        .iter()
        .filter(|id| state.instances.contains_key(*id))
        .cloned()
        .collect();
    // Termination refuses no phase, so this cannot fail.
    let _ = apply(state, &known, Action::Terminate);
}

pub fn describe_instance_status(
    state: &mut RegionState,
    _: &RequestContext,
    p: Params<'_>,
) -> Ec2Result<String> {
    let ids = p.strings("InstanceId")?;
    let all = p.bool("IncludeAllInstances")?.unwrap_or(false);
    let filters = p.filters()?;
    let chosen = named_instances(state, &ids)?
        .into_iter()
        .filter(|i| all || i.phase == Running);
    let mut matching = filters::select(&filters, chosen)?;
    matching.sort_by_key(|i| i.seq);
    let (page, token) = page(p, matching, (5, 1000), |i| format!("{:020}", i.seq))?;
    let mut w = XmlWriter::new();
    w.start("instanceStatusSet");
    for inst in page {
        w.start("item")
            .element("instanceId", &inst.id)
            .element("availabilityZone", &inst.zone)
            .element("availabilityZoneId", &inst.zone_id)
            .start("eventsSet")
            .end();
        state_xml(&mut w, "instanceState", inst.phase);
        for element in ["systemStatus", "instanceStatus"] {
            let status = health(inst.phase);
            w.start(element).element("status", status).start("details");
            if status == "ok" {
                w.start("item")
                    .element("name", "reachability")
                    .element("status", "passed")
                    .end();
            }
            w.end().end();
        }
        w.end();
    }
    w.end();
    w.optional("nextToken", token.as_deref());
    Ok(w.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_each_action_does_in_each_phase() {
        assert_eq!(verdict(Action::Stop, Running), Verdict::Begin(Stopping));
        assert_eq!(verdict(Action::Stop, Stopped), Verdict::Unchanged);
        assert_eq!(verdict(Action::Stop, Pending), Verdict::Refuse);
        assert_eq!(verdict(Action::Stop, Terminated), Verdict::Refuse);
        assert_eq!(verdict(Action::Start, Stopped), Verdict::Begin(Pending));
        assert_eq!(verdict(Action::Start, Stopping), Verdict::Refuse);
        assert_eq!(verdict(Action::Start, Running), Verdict::Unchanged);
        assert_eq!(
            verdict(Action::Terminate, Stopped),
            Verdict::Begin(ShuttingDown)
        );
        assert_eq!(verdict(Action::Terminate, Terminated), Verdict::Unchanged);
    }
}
