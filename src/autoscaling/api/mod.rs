//! The operation handlers: each reads its input, checks it, changes the region's state and
//! returns the XML of its `Result` (or `None` for operations without output). They cannot
//! launch or terminate anything: the controller does, woken after the region's lock is released.

pub mod activities;
pub mod capacity;
pub mod describe;
pub mod groups;
pub mod tags;

use super::state::group::Group;
use super::state::RegionState;
use super::{AsgError, AsgResult};
use crate::core::context::RequestContext;
use crate::core::fleet::{Instances, Networks, TemplateRef, View};

/// What a handler may read outside its own state: EC2's templates and subnets (reads only).
pub struct Env<'a> {
    pub ctx: &'a RequestContext,
    instances: &'a View<dyn Instances>,
    networks: &'a View<dyn Networks>,
}

impl<'a> Env<'a> {
    pub fn new(
        ctx: &'a RequestContext,
        instances: &'a View<dyn Instances>,
        networks: &'a View<dyn Networks>,
    ) -> Self {
        Env {
            ctx,
            instances,
            networks,
        }
    }

    /// Whether EC2 has the template; `true` when no EC2 is wired (nothing to check against:
    /// the launches then fail, each with an activity saying why).
    pub fn template_exists(&self, template: &TemplateRef) -> bool {
        self.instances
            .get()
            .is_none_or(|ec2| ec2.template_exists(&self.ctx.account, &self.ctx.region, template))
    }

    /// The subnet's zone: AWS's error when EC2 is wired and does not know the subnet,
    /// `Ok(None)` when no EC2 is wired.
    pub fn subnet_zone(&self, subnet_id: &str) -> AsgResult<Option<String>> {
        match self.networks.get() {
            None => Ok(None),
            Some(net) => net
                .subnet(&self.ctx.account, &self.ctx.region, subnet_id)
                .map(|s| Some(s.availability_zone))
                .ok_or_else(|| {
                    AsgError::validation(format!("The subnet ID '{subnet_id}' does not exist"))
                }),
        }
    }
}

/// An operation: the region's state, what it may read, the input.
pub type Handler =
    fn(&mut RegionState, &Env<'_>, &crate::wire::input::Input) -> AsgResult<Option<String>>;

/// The group named `name`, or AWS's not-found error.
pub fn group_mut<'s>(st: &'s mut RegionState, name: &str) -> AsgResult<&'s mut Group> {
    st.find_mut(name)
        .ok_or_else(|| AsgError::group_not_found(name))
}
