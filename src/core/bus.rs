//! The App's bus of facts: how an effect crosses from one room to another. A producer publishes
//! a typed fact after its state change has committed; each consumer's own controller turns the
//! facts it cares about into changes of its own state. No room calls into another's internals.
//!
//! Flows it carries (and will carry as the services arrive):
//! - ECS task controller → ECS service scheduler: a task changed ([`TaskFact`]).
//! - ECS → ELBv2: a task is RUNNING with known endpoints, a task is stopping (the same
//!   [`TaskFact`], whose status says which); ELBv2 → ECS: a target turned unhealthy.
//! - EC2 → ECS: an instance is running or stopped (container instances follow).
//! - CloudWatch → Application Auto Scaling: an alarm invokes scaling policies ([`AlarmActionFact`]);
//!   Application Auto Scaling → ECS: a service's new desired count ([`ScaleServiceFact`]).
//!
//! Delivery is a broadcast: every subscriber sees every fact published after it subscribed, in
//! order. A subscriber that falls behind by more than the bus holds is told how many it missed
//! ([`Received::Missed`]) and must resynchronise from state — controllers are level-triggered,
//! so a full pass is always a correct answer to a missed fact.

pub use crate::core::balancing::{TargetHealthFact, TargetsFact};
pub use crate::core::fleet::InstanceFact;
pub use crate::core::scaling::{AlarmActionFact, ScaleServiceFact};
use std::sync::Arc;
use tokio::sync::broadcast;

/// How many facts the bus holds for a slow subscriber before it starts missing them.
const CAPACITY: usize = 4096;

/// A fact one room publishes for the others.
#[derive(Debug, Clone, PartialEq)]
pub enum Fact {
    /// An ECS task changed: its status, health or desired status.
    Task(TaskFact),
    /// An EC2 instance changed state (ECS registers, disconnects or retires its container
    /// instance; Auto Scaling tracks its group's members).
    Instance(InstanceFact),
    /// ECS's managed scaling wants an Auto Scaling group at this desired capacity.
    ScaleGroup(ScaleGroupFact),
    /// ECS's managed termination protection wants these instances protected from scale-in (or
    /// no longer).
    ProtectInstances(ProtectFact),
    /// ECS registers or deregisters a service task's targets in an ELBv2 target group.
    Targets(TargetsFact),
    /// An ELBv2 target's health state changed (the ECS scheduler reacts to it).
    TargetHealth(TargetHealthFact),
    /// A CloudWatch alarm invokes Application Auto Scaling policies (its state names them).
    AlarmAction(AlarmActionFact),
    /// Application Auto Scaling sets an ECS service's desired count.
    ScaleService(ScaleServiceFact),
}

/// ECS managed scaling's decision for one group (Auto Scaling clamps it to min and max).
#[derive(Debug, Clone, PartialEq)]
pub struct ScaleGroupFact {
    pub account: String,
    pub region: String,
    /// The group's ARN (as the capacity provider names it) or name.
    pub group: String,
    pub desired_capacity: u32,
}

/// ECS managed termination protection's wish for some instances of one group.
#[derive(Debug, Clone, PartialEq)]
pub struct ProtectFact {
    pub account: String,
    pub region: String,
    pub group: String,
    pub instance_ids: Vec<String>,
    pub protected: bool,
}

/// An ECS task as it is after a change, with what consumers need to act on it.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskFact {
    pub account: String,
    pub region: String,
    pub task_arn: String,
    pub cluster_arn: String,
    /// The service that started it, if any.
    pub service_arn: Option<String>,
    pub last_status: String,
    pub desired_status: String,
}

/// What a subscriber receives.
#[derive(Debug, Clone, PartialEq)]
pub enum Received {
    Fact(Arc<Fact>),
    /// This many facts were dropped before this subscriber read them: resynchronise.
    Missed(u64),
}

/// The bus: cheap to clone, shared by every room through the App.
#[derive(Debug, Clone)]
pub struct Bus {
    tx: broadcast::Sender<Arc<Fact>>,
}

impl Default for Bus {
    fn default() -> Self {
        Bus::new()
    }
}

impl Bus {
    pub fn new() -> Self {
        Bus {
            tx: broadcast::channel(CAPACITY).0,
        }
    }

    /// Publishes `fact` to every current subscriber (none listening is fine).
    pub fn publish(&self, fact: Fact) {
        let _ = self.tx.send(Arc::new(fact));
    }

    pub fn subscribe(&self) -> Subscription {
        Subscription {
            rx: self.tx.subscribe(),
        }
    }
}

/// One subscriber's view of the bus.
#[derive(Debug)]
pub struct Subscription {
    rx: broadcast::Receiver<Arc<Fact>>,
}

impl Subscription {
    /// The next fact, or how many were missed; `None` once the bus is gone.
    pub async fn recv(&mut self) -> Option<Received> {
        match self.rx.recv().await {
            Ok(fact) => Some(Received::Fact(fact)),
            Err(broadcast::error::RecvError::Lagged(n)) => Some(Received::Missed(n)),
            Err(broadcast::error::RecvError::Closed) => None,
        }
    }

    /// A fact already waiting, without waiting for one.
    pub fn try_recv(&mut self) -> Option<Received> {
        match self.rx.try_recv() {
            Ok(fact) => Some(Received::Fact(fact)),
            Err(broadcast::error::TryRecvError::Lagged(n)) => Some(Received::Missed(n)),
            Err(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn task(arn: &str) -> Fact {
        Fact::Task(TaskFact {
            account: "000000000000".into(),
            region: "us-east-1".into(),
            task_arn: arn.into(),
            cluster_arn: "c".into(),
            service_arn: None,
            last_status: "RUNNING".into(),
            desired_status: "RUNNING".into(),
        })
    }

    #[tokio::test]
    async fn every_subscriber_sees_every_fact_in_order() {
        let bus = Bus::new();
        let (mut a, mut b) = (bus.subscribe(), bus.subscribe());
        bus.publish(task("t1"));
        bus.publish(task("t2"));
        for sub in [&mut a, &mut b] {
            for arn in ["t1", "t2"] {
                assert_eq!(sub.recv().await, Some(Received::Fact(Arc::new(task(arn)))));
            }
            assert_eq!(sub.try_recv(), None);
        }
    }

    #[tokio::test]
    async fn a_late_subscriber_sees_only_later_facts() {
        let bus = Bus::new();
        bus.publish(task("before"));
        let mut sub = bus.subscribe();
        bus.publish(task("after"));
        assert_eq!(
            sub.recv().await,
            Some(Received::Fact(Arc::new(task("after"))))
        );
    }

    #[tokio::test]
    async fn a_slow_subscriber_is_told_what_it_missed() {
        let bus = Bus::new();
        let mut sub = bus.subscribe();
        for i in 0..CAPACITY + 5 {
            bus.publish(task(&format!("t{i}")));
        }
        assert_eq!(sub.recv().await, Some(Received::Missed(5)));
        assert_eq!(sub.recv().await, Some(Received::Fact(Arc::new(task("t5")))));
    }

    #[tokio::test]
    async fn the_end_of_the_bus_ends_its_subscriptions() {
        let bus = Bus::new();
        let mut sub = bus.subscribe();
        drop(bus);
        assert_eq!(sub.recv().await, None);
    }
}
