//! The controller against a small in-memory EC2 (the real one lives in another room): groups
//! are created through the handle's dispatch, as a request would, and passes are run directly
//! or by the controller's loop on paused time.

use super::*;
use crate::autoscaling::{AutoScaling, AutoScalingSetup};
use crate::core::bus::{Bus, Fact, ProtectFact, ScaleGroupFact};
use crate::core::context::RequestContext;
use crate::core::fleet::{InstanceFact, InstancePhase, LaunchRequest, TemplateRef};
use crate::wire::query::{parse_form, to_document};
use std::collections::BTreeMap;
use std::sync::Mutex;

/// EC2 as Auto Scaling sees it: instances start Pending; `run_all` makes them Running.
#[derive(Default)]
struct FakeEc2 {
    instances: Mutex<BTreeMap<String, InstanceFact>>,
    launches: Mutex<Vec<LaunchRequest>>,
    broken: Mutex<bool>,
}

impl FakeEc2 {
    fn set_phase(&self, id: &str, phase: InstancePhase) {
        if let Some(i) = self.instances.lock().unwrap().get_mut(id) {
            i.phase = phase;
        }
    }
    fn run_all(&self) {
        for i in self.instances.lock().unwrap().values_mut() {
            if i.phase == InstancePhase::Pending {
                i.phase = InstancePhase::Running;
            }
        }
    }
    fn alive(&self) -> usize {
        let all = self.instances.lock().unwrap();
        all.values()
            .filter(|i| i.phase < InstancePhase::ShuttingDown)
            .count()
    }
}

impl Instances for FakeEc2 {
    fn launch(&self, req: &LaunchRequest) -> Result<Vec<String>, String> {
        if *self.broken.lock().unwrap() {
            return Err("InsufficientInstanceCapacity".into());
        }
        self.launches.lock().unwrap().push(req.clone());
        let mut all = self.instances.lock().unwrap();
        let ids: Vec<String> = (0..req.count)
            .map(|n| format!("i-{:017}", all.len() + n as usize))
            .collect();
        let base = all.len();
        for (n, id) in ids.iter().enumerate() {
            let subnet = req.subnet_ids.first().cloned();
            let zone = match subnet.as_deref() {
                Some("subnet-b") => "us-east-1b",
                _ => "us-east-1a",
            };
            all.insert(
                id.clone(),
                InstanceFact {
                    account: req.account.clone(),
                    region: req.region.clone(),
                    instance_id: id.clone(),
                    phase: InstancePhase::Pending,
                    instance_type: "t3.micro".into(),
                    vcpus: 2,
                    memory_mib: 1024,
                    availability_zone: zone.into(),
                    image_id: "ami-1".into(),
                    subnet_id: subnet,
                    vpc_id: None,
                    private_ip: None,
                    user_data: None,
                    tags: req.tags.clone(),
                    instance_profile: None,
                    launched_at: (base + n) as f64,
                },
            );
        }
        Ok(ids)
    }
    fn terminate(&self, _account: &str, _region: &str, ids: &[String]) {
        for id in ids {
            self.set_phase(id, InstancePhase::Terminated);
        }
    }
    fn instance(&self, _account: &str, _region: &str, id: &str) -> Option<InstanceFact> {
        self.instances.lock().unwrap().get(id).cloned()
    }
    fn template_exists(&self, _account: &str, _region: &str, t: &TemplateRef) -> bool {
        t.name.as_deref() == Some("lt")
    }
}

struct Rig {
    ec2: Arc<FakeEc2>,
    asg: AutoScaling,
    bus: Bus,
    ctl: Controller,
}

fn rig() -> Rig {
    let ec2 = Arc::new(FakeEc2::default());
    let bus = Bus::new();
    let instances: View<dyn Instances> = View::new(ec2.clone());
    let asg = AutoScaling::new(AutoScalingSetup {
        clock: Clock::default(),
        bus: bus.clone(),
        instances: instances.clone(),
        networks: View::default(),
    });
    let ctl = Controller {
        store: asg.store.clone(),
        instances,
    };
    Rig { ec2, asg, bus, ctl }
}

impl Rig {
    fn call(
        &self,
        action: &str,
        form: &str,
    ) -> Result<Option<String>, crate::autoscaling::AsgError> {
        let ctx = RequestContext::new("000000000000", "us-east-1");
        self.asg
            .dispatch(&ctx, action, to_document(&parse_form(form)))
    }
    fn create(&self, form: &str) {
        let base = "AutoScalingGroupName=g&LaunchTemplate.LaunchTemplateName=lt&VPCZoneIdentifier=subnet-a,subnet-b";
        self.call("CreateAutoScalingGroup", &format!("{base}&{form}"))
            .unwrap();
    }
    fn group(&self) -> crate::autoscaling::state::group::Group {
        self.ctl
            .store
            .with("000000000000", "us-east-1", |st| st.groups["g"].clone())
    }
    fn lifecycles(&self) -> Vec<&'static str> {
        self.group()
            .members
            .iter()
            .map(|m| m.lifecycle.as_str())
            .collect()
    }
    fn activities(&self) -> Vec<(String, String)> {
        self.ctl.store.with("000000000000", "us-east-1", |st| {
            st.activities
                .iter()
                .map(|a| (a.description.clone(), a.status_code.clone()))
                .collect()
        })
    }
}

#[tokio::test]
async fn launches_to_desired_balanced_and_tagged_then_in_service() {
    let r = rig();
    r.create("MinSize=1&MaxSize=4&DesiredCapacity=2&Tags.member.1.Key=team&Tags.member.1.Value=a&Tags.member.1.PropagateAtLaunch=true&Tags.member.2.Key=quiet&Tags.member.2.Value=b");
    r.ctl.pass();
    assert_eq!(r.lifecycles(), ["Pending", "Pending"]);
    let launches = r.ec2.launches.lock().unwrap().clone();
    let subnets: Vec<_> = launches.iter().map(|l| l.subnet_ids.clone()).collect();
    assert_eq!(
        subnets,
        [vec!["subnet-a".to_string()], vec!["subnet-b".to_string()]]
    );
    assert_eq!(launches[0].template.name.as_deref(), Some("lt"));
    assert_eq!(
        launches[0].tags,
        [
            ("team".into(), "a".into()),
            ("aws:autoscaling:groupName".into(), "g".into())
        ]
    );
    r.ec2.run_all();
    r.ctl.pass();
    assert_eq!(r.lifecycles(), ["InService", "InService"]);
    let acts = r.activities();
    assert!(
        acts.iter()
            .all(|(d, s)| d.starts_with("Launching a new EC2 instance: i-") && s == "Successful"),
        "{acts:?}"
    );
    r.ctl.pass();
    assert_eq!(
        r.ec2.launches.lock().unwrap().len(),
        2,
        "a pass at desired launches nothing"
    );
}

#[tokio::test]
async fn scales_in_to_desired_sparing_protected_instances() {
    let r = rig();
    r.create("MinSize=0&MaxSize=4&DesiredCapacity=3");
    r.ctl.pass();
    r.ec2.run_all();
    r.ctl.pass();
    let ids: Vec<String> = r
        .group()
        .members
        .iter()
        .map(|m| m.instance_id.clone())
        .collect();
    r.call(
        "SetInstanceProtection",
        &format!(
            "AutoScalingGroupName=g&InstanceIds.member.1={}&ProtectedFromScaleIn=true",
            ids[0]
        ),
    )
    .unwrap();
    r.call(
        "SetDesiredCapacity",
        "AutoScalingGroupName=g&DesiredCapacity=0",
    )
    .unwrap();
    r.ctl.pass(); // takes two out and terminates them
    assert_eq!(r.lifecycles(), ["InService", "Terminating", "Terminating"]);
    r.ctl.pass(); // sees them terminated
    let g = r.group();
    assert_eq!(
        g.members.len(),
        1,
        "terminated members leave: {:?}",
        g.members
    );
    assert_eq!(g.members[0].instance_id, ids[0]);
    assert_eq!(r.ec2.alive(), 1);
    let terminations: Vec<_> = r
        .activities()
        .into_iter()
        .filter(|(d, _)| d.starts_with("Terminating EC2 instance: i-"))
        .collect();
    assert_eq!(terminations.len(), 2);
}

#[tokio::test]
async fn an_instance_stopped_outside_the_group_is_replaced() {
    let r = rig();
    r.create("MinSize=1&MaxSize=2");
    r.ctl.pass();
    r.ec2.run_all();
    r.ctl.pass();
    let first = r.group().members[0].instance_id.clone();
    r.ec2.set_phase(&first, InstancePhase::Stopped);
    r.ctl.pass();
    let g = r.group();
    assert_eq!(
        g.members.len(),
        2,
        "a replacement launches while the broken one terminates"
    );
    assert!(g.members.iter().any(|m| m.instance_id == first
        && !m.healthy
        && m.lifecycle == crate::autoscaling::state::group::Lifecycle::Terminating));
    r.ctl.pass();
    assert_eq!(r.group().members.len(), 1);
    assert_ne!(r.group().members[0].instance_id, first);
}

#[tokio::test]
async fn force_delete_terminates_everything_then_the_group_goes() {
    let r = rig();
    r.create("MinSize=2&MaxSize=2");
    r.ctl.pass();
    let plain = r
        .call("DeleteAutoScalingGroup", "AutoScalingGroupName=g")
        .unwrap_err();
    assert_eq!(plain.code(), "ResourceInUse");
    r.call(
        "DeleteAutoScalingGroup",
        "AutoScalingGroupName=g&ForceDelete=true",
    )
    .unwrap();
    assert_eq!(r.group().status.as_deref(), Some("Delete in progress"));
    r.ctl.pass(); // terminates (the fake terminates at once)
    r.ctl.pass(); // observes them gone, removes the group
    assert_eq!(r.ec2.alive(), 0);
    let left = r
        .ctl
        .store
        .with("000000000000", "us-east-1", |st| st.groups.len());
    assert_eq!(left, 0);
}

#[tokio::test]
async fn ecs_facts_scale_within_bounds_and_protect() {
    let r = rig();
    r.create("MinSize=1&MaxSize=3");
    let scale = |n| {
        Fact::ScaleGroup(ScaleGroupFact {
            account: "000000000000".into(),
            region: "us-east-1".into(),
            group: r.group().arn,
            desired_capacity: n,
        })
    };
    r.ctl.react(&scale(10));
    assert_eq!(r.group().desired_capacity, 3);
    r.ctl.react(&scale(0));
    assert_eq!(r.group().desired_capacity, 1);
    r.ctl.pass();
    let id = r.group().members[0].instance_id.clone();
    r.ctl.react(&Fact::ProtectInstances(ProtectFact {
        account: "000000000000".into(),
        region: "us-east-1".into(),
        group: "g".into(),
        instance_ids: vec![id],
        protected: true,
    }));
    assert!(r.group().members[0].protected_from_scale_in);
    let info = r
        .asg
        .groups()
        .group("000000000000", "us-east-1", "g")
        .unwrap();
    assert_eq!(
        (
            info.desired_capacity,
            info.instances.len(),
            info.instances[0].1
        ),
        (1, 1, true)
    );
}

#[tokio::test(start_paused = true)]
async fn the_loop_follows_requests_facts_and_backs_off_failed_launches() {
    let r = rig();
    *r.ec2.broken.lock().unwrap() = true;
    r.create("MinSize=1&MaxSize=3");
    tokio::time::sleep(Duration::from_millis(10)).await;
    let failed = r.activities();
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert_eq!(failed[0].1, "Failed");
    assert!(failed[0].0.contains("InsufficientInstanceCapacity"));
    *r.ec2.broken.lock().unwrap() = false;
    // Within the 10 s backoff nothing is retried, even on a resync tick.
    tokio::time::sleep(Duration::from_secs(6)).await;
    assert!(r.group().members.is_empty());
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert_eq!(r.lifecycles(), ["Pending"]);
    // A fact on the bus wakes a pass that sees the instance running.
    r.ec2.run_all();
    let fact = r
        .ec2
        .instance("", "", &r.group().members[0].instance_id)
        .unwrap();
    r.bus.publish(Fact::Instance(fact));
    tokio::time::sleep(Duration::from_millis(10)).await;
    assert_eq!(r.lifecycles(), ["InService"]);
    r.asg.shutdown().await;
}

#[tokio::test]
async fn without_ec2_a_launch_fails_with_a_clear_activity() {
    let asg = AutoScaling::new(AutoScalingSetup {
        clock: Clock::default(),
        bus: Bus::new(),
        instances: View::default(),
        networks: View::default(),
    });
    let ctx = RequestContext::new("000000000000", "us-east-1");
    let form = "AutoScalingGroupName=g&LaunchTemplate.LaunchTemplateName=any&AvailabilityZones.member.1=us-east-1a&MinSize=1&MaxSize=1";
    asg.dispatch(
        &ctx,
        "CreateAutoScalingGroup",
        to_document(&parse_form(form)),
    )
    .unwrap();
    let ctl = Controller {
        store: asg.store.clone(),
        instances: View::default(),
    };
    ctl.pass();
    let status = ctl.store.with("000000000000", "us-east-1", |st| {
        st.activities[0].status_message.clone()
    });
    assert!(status.unwrap().contains("without EC2"));
    asg.shutdown().await;
}
