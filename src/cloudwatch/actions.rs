//! Alarm actions that do something in local-ecs: an action naming an Application Auto Scaling
//! policy (`arn:aws:autoscaling:<region>:<account>:scalingPolicy:<uuid>:resource/<namespace>/
//! <resource-id>:policyName/<name>`) is invoked by publishing an [`AlarmActionFact`] on the
//! App's bus, on the transition into the state that names it and again once per emulated minute
//! while the alarm stays there (CloudWatch keeps invoking scaling actions for as long as the
//! alarm remains in the state). Every other action (SNS, EC2, Systems Manager, EC2 Auto Scaling
//! policies) is only recorded in the alarm's history.
//!
//! Facts are queued in the region's outbox under its lock and published by [`Hub`] after the
//! lock is released, so a subscriber never waits on CloudWatch's state.

use super::state::{RegionState, Store};
use crate::core::bus::{Bus, Fact};
use crate::core::scaling::AlarmActionFact;
use std::sync::Arc;

/// How often scaling actions are invoked again while the alarm stays in the state naming them.
pub const REINVOKE_EVERY: f64 = 60.0;

/// Whether `arn` names an Application Auto Scaling policy (EC2 Auto Scaling's policies have
/// `autoScalingGroupName/…` where these have `resource/…`).
pub fn is_scaling_policy(arn: &str) -> bool {
    let parts: Vec<&str> = arn.splitn(7, ':').collect();
    parts.len() == 7
        && parts[0] == "arn"
        && parts[2] == "autoscaling"
        && parts[5] == "scalingPolicy"
        && parts[6].contains(":resource/")
}

/// Queues the fact invoking the scaling policies of alarm `name` for its current state, if any
/// and if its actions are enabled; remembers when. Returns the policies invoked.
pub fn invoke(st: &mut RegionState, name: &str) -> Vec<String> {
    let now = st.now();
    let arn = super::alarm::arn(st, name);
    let Some(alarm) = st.alarms.get_mut(name) else {
        return Vec::new();
    };
    let policies: Vec<String> = alarm
        .actions(&alarm.state)
        .into_iter()
        .filter(|a| is_scaling_policy(a))
        .collect();
    if !alarm.actions_enabled || policies.is_empty() {
        if alarm.invoked.take().is_some() {
            st.journal.note_alarm(name);
        }
        return Vec::new();
    }
    alarm.invoked = Some(now);
    st.journal.note_alarm(name);
    let fact = AlarmActionFact {
        account: st.account.clone(),
        region: st.region.clone(),
        alarm_name: name.to_string(),
        alarm_arn: arn,
        state: alarm.state.clone(),
        policy_arns: policies.clone(),
        threshold: alarm.rule.threshold,
        value: alarm.last_value,
        timestamp: now,
    };
    st.outbox.push(fact);
    policies
}

/// Invokes again the scaling actions of alarm `name` if a minute has passed since the last time
/// (or they were never invoked in this state, e.g. after actions were enabled).
pub fn reinvoke(st: &mut RegionState, name: &str) {
    let now = st.now();
    let due = st
        .alarms
        .get(name)
        .is_some_and(|a| a.invoked.is_none_or(|t| now - t >= REINVOKE_EVERY));
    if due {
        invoke(st, name);
    }
}

/// CloudWatch's state and the bus: runs a closure on a region, then publishes the facts it
/// queued once the region's lock is released.
/// It also remembers which regions were left with changes to save ([`super::persist`]).
#[derive(Clone)]
pub struct Hub {
    pub store: Arc<Store>,
    pub bus: Bus,
    pub pending: Arc<super::persist::Pending>,
}

impl Hub {
    pub fn new(store: Arc<Store>, bus: Bus) -> Self {
        Hub {
            store,
            bus,
            pending: Arc::default(),
        }
    }

    pub fn with<R>(&self, account: &str, region: &str, f: impl FnOnce(&mut RegionState) -> R) -> R {
        let enabled = self.pending.enabled();
        let (result, facts) = self.store.with(account, region, |st| {
            st.journal.enabled = enabled;
            let result = f(st);
            self.pending.note(st);
            (result, std::mem::take(&mut st.outbox))
        });
        self.publish(facts);
        result
    }

    /// Runs `f` on every region, then publishes what they queued.
    pub fn each(&self, mut f: impl FnMut(&mut RegionState)) {
        let mut facts = Vec::new();
        let enabled = self.pending.enabled();
        self.store.each(|st| {
            st.journal.enabled = enabled;
            f(st);
            self.pending.note(st);
            facts.append(&mut st.outbox);
        });
        self.publish(facts);
    }

    fn publish(&self, facts: Vec<AlarmActionFact>) {
        for fact in facts {
            self.bus.publish(Fact::AlarmAction(fact));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_application_auto_scaling_policies_are_invoked() {
        let aas = "arn:aws:autoscaling:eu-west-1:000000000000:scalingPolicy:\
                   0b6f0d7e-1111-2222-3333-444455556666:resource/ecs/service/c/web:\
                   policyName/cpu";
        assert!(is_scaling_policy(aas));
        let ec2 = "arn:aws:autoscaling:eu-west-1:000000000000:scalingPolicy:\
                   0b6f0d7e-1111-2222-3333-444455556666:autoScalingGroupName/g:policyName/p";
        assert!(!is_scaling_policy(ec2));
        assert!(!is_scaling_policy(
            "arn:aws:sns:eu-west-1:000000000000:topic"
        ));
    }
}
