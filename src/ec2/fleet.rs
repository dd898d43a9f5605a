//! The facades other rooms use ([`Networks`], [`Instances`] from [`crate::core::fleet`]): Auto
//! Scaling launches and terminates through them exactly as RunInstances and TerminateInstances
//! would, and ECS reads subnets, groups and instances. Each call takes the region's lock once,
//! and publishes the instance facts it caused after releasing it.

use super::api::{lifecycle, template_view::find_template};
use super::launch::{self, Launch};
use super::state::template::{InterfaceSpec, LaunchSpec};
use super::state::{RegionState, Store};
use crate::core::bus::{Bus, Fact};
use crate::core::fleet::{
    InstanceFact, Instances, LaunchRequest, Networks, SubnetInfo, TemplateRef,
};
use std::sync::Arc;

/// A cheap, clonable handle on EC2's state and the bus.
#[derive(Clone)]
pub struct Fleet {
    pub(crate) store: Arc<Store>,
    pub(crate) bus: Bus,
}

impl Fleet {
    /// Runs `f` on a region, then publishes the facts it queued (and any lifecycle changes
    /// that came due), outside the lock.
    pub fn with<R>(&self, account: &str, region: &str, f: impl FnOnce(&mut RegionState) -> R) -> R {
        let (result, facts) = self.store.with(account, region, |state| {
            let result = f(state);
            (result, std::mem::take(&mut state.outbox))
        });
        self.publish(facts);
        result
    }

    /// Runs a read on a region (settled first), then publishes the facts settling queued. A
    /// read marks the region for saving only when settling changed it.
    pub fn read<R>(&self, account: &str, region: &str, f: impl FnOnce(&RegionState) -> R) -> R {
        let (result, facts) = self.store.read(account, region, f);
        self.publish(facts);
        result
    }

    pub fn publish(&self, facts: Vec<InstanceFact>) {
        for fact in facts {
            self.bus.publish(Fact::Instance(fact));
        }
    }
}

/// The launch of instance number `n` of a request: the template's data, with the `n`th
/// subnet (in turn) put where the template keeps its subnet.
fn spec_for(base: &LaunchSpec, subnets: &[String], n: usize) -> LaunchSpec {
    let Some(subnet) = (!subnets.is_empty()).then(|| subnets[n % subnets.len()].clone()) else {
        return base.clone();
    };
    let mut spec = base.clone();
    match &base.interface {
        Some(ni) => {
            spec.interface = Some(InterfaceSpec {
                subnet_id: Some(subnet),
                ..ni.clone()
            });
        }
        None => spec.subnet_id = Some(subnet),
    }
    // The zone comes with the subnet.
    spec.zone = None;
    spec
}

fn launch_all(state: &mut RegionState, req: &LaunchRequest) -> Result<Vec<String>, String> {
    let err = |e: super::error::Ec2Error| format!("{}: {}", e.code(), e.message());
    let t = &req.template;
    let template = find_template(state, t.id.as_deref(), t.name.as_deref()).map_err(err)?;
    let version = template.version(t.version.as_deref()).map_err(err)?;
    let base = version.data.clone();
    let mut extra = vec![
        ("aws:ec2launchtemplate:id".to_string(), template.id.clone()),
        (
            "aws:ec2launchtemplate:version".to_string(),
            version.number.to_string(),
        ),
    ];
    extra.extend(req.tags.iter().cloned());
    let mut ids = Vec::new();
    for n in 0..req.count as usize {
        let one = Launch {
            spec: spec_for(&base, &req.subnet_ids, n),
            min: 1,
            max: 1,
            extra_tags: extra.clone(),
            client_token: None,
        };
        ids.extend(launch::launch(state, one).map_err(err)?.1);
    }
    Ok(ids)
}

impl Instances for Fleet {
    /// All or nothing: the launches are tried on a copy of the region first.
    fn launch(&self, req: &LaunchRequest) -> Result<Vec<String>, String> {
        self.with(&req.account, &req.region, |state| {
            let mut trial = state.clone();
            launch_all(&mut trial, req)?;
            launch_all(state, req)
        })
    }

    fn terminate(&self, account: &str, region: &str, instance_ids: &[String]) {
        self.with(account, region, |state| {
            lifecycle::terminate_known(state, instance_ids)
        });
    }

    fn instance(&self, account: &str, region: &str, instance_id: &str) -> Option<InstanceFact> {
        self.read(account, region, |state| {
            state
                .instances
                .get(instance_id)
                .map(|i| i.fact(account, region))
        })
    }

    fn template_exists(&self, account: &str, region: &str, template: &TemplateRef) -> bool {
        self.read(account, region, |state| {
            find_template(state, template.id.as_deref(), template.name.as_deref()).is_ok()
        })
    }
}

impl Networks for Fleet {
    fn subnet(&self, account: &str, region: &str, subnet_id: &str) -> Option<SubnetInfo> {
        self.read(account, region, |state| {
            state.subnets.get(subnet_id).map(|s| SubnetInfo {
                subnet_id: s.id.clone(),
                vpc_id: s.vpc_id.clone(),
                availability_zone: s.zone.name.clone(),
                cidr_block: s.cidr.to_string(),
            })
        })
    }

    fn security_group_vpc(&self, account: &str, region: &str, group_id: &str) -> Option<String> {
        self.read(account, region, |state| {
            state.groups.get(group_id).map(|g| g.vpc_id.clone())
        })
    }

    fn default_subnets(&self, account: &str, region: &str) -> Vec<SubnetInfo> {
        self.read(account, region, |state| {
            let mut out: Vec<SubnetInfo> = state
                .subnets
                .values()
                .filter(|s| s.default_for_az)
                .map(|s| SubnetInfo {
                    subnet_id: s.id.clone(),
                    vpc_id: s.vpc_id.clone(),
                    availability_zone: s.zone.name.clone(),
                    cidr_block: s.cidr.to_string(),
                })
                .collect();
            out.sort_by(|a, b| a.availability_zone.cmp(&b.availability_zone));
            out
        })
    }
}
