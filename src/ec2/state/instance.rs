//! An instance as stored, and its lifecycle
//! (<https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/ec2-instance-lifecycle.html>):
//! pending → running, stopping → stopped, shutting-down → terminated, each passage taking a
//! short time on the App's clock; a terminated instance stays describable for about an hour.
//! No machine exists behind it: an instance is this record.

use super::network::Tags;
use crate::core::fleet::{InstanceFact, InstancePhase};
use crate::ec2::cidr;
use crate::ec2::instance_types::InstanceType;
use serde::{Deserialize, Serialize};

/// How long pending, stopping and shutting-down last (emulated seconds).
pub const TRANSITION_SECS: f64 = 2.0;
/// How long a terminated instance stays describable (emulated seconds).
pub const TERMINATED_RETENTION_SECS: f64 = 3600.0;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Instance {
    pub id: String,
    pub reservation_id: String,
    /// Launch order in the region.
    pub seq: u64,
    pub launch_index: u32,
    pub image_id: String,
    #[serde(with = "super::stored::itype")]
    pub itype: InstanceType,
    pub key_name: Option<String>,
    pub launch_time: f64,
    pub zone: String,
    pub zone_id: String,
    pub subnet_id: String,
    pub vpc_id: String,
    pub private_ip: u32,
    /// (group id, group name).
    pub groups: Vec<(String, String)>,
    /// (ARN, id) of the IAM instance profile.
    pub profile: Option<(String, String)>,
    /// As sent (base64).
    pub user_data: Option<String>,
    pub tags: Tags,
    #[serde(with = "super::stored::phase")]
    pub phase: InstancePhase,
    /// When the current transitional phase ends.
    pub due: Option<f64>,
    /// `stateTransitionReason`.
    pub reason: String,
    /// `stateReason` (code, message).
    pub state_reason: Option<(String, String)>,
    /// When a terminated instance is forgotten.
    pub purge_at: Option<f64>,
    pub eni_id: String,
    pub volume_id: String,
    pub mac: String,
    pub client_token: Option<String>,
}

impl Instance {
    pub fn region_dns(&self, region: &str) -> String {
        cidr::private_dns(self.private_ip, region)
    }

    /// Moves to the next phase if the current one's timer is due; whether it moved.
    pub fn step(&mut self, now: f64) -> bool {
        let Some(due) = self.due.filter(|d| *d <= now) else {
            return false;
        };
        let (next, timer) = match self.phase {
            InstancePhase::Pending => (InstancePhase::Running, None),
            InstancePhase::Stopping => (InstancePhase::Stopped, None),
            InstancePhase::ShuttingDown => {
                self.purge_at = Some(due + TERMINATED_RETENTION_SECS);
                (InstancePhase::Terminated, None)
            }
            _ => {
                self.due = None;
                return false;
            }
        };
        if next == InstancePhase::Running {
            self.state_reason = None;
        }
        self.phase = next;
        self.due = timer;
        true
    }

    /// Starts a transitional phase that ends after [`TRANSITION_SECS`].
    pub fn begin(&mut self, phase: InstancePhase, now: f64) {
        self.phase = phase;
        self.due = Some(now + TRANSITION_SECS);
    }

    /// A user-initiated stop or termination, as EC2 records it.
    pub fn user_initiated(&mut self, now: f64) {
        self.reason = format!("User initiated ({})", gmt(now));
        self.state_reason = Some((
            "Client.UserInitiatedShutdown".into(),
            "Client.UserInitiatedShutdown: User initiated shutdown".into(),
        ));
    }

    /// The user data, base64-decoded (lossily, as text).
    pub fn decoded_user_data(&self) -> Option<String> {
        let raw = self.user_data.as_deref()?;
        crate::wire::base64::decode(raw).map(|b| String::from_utf8_lossy(&b).into_owned())
    }

    /// What the other rooms are told about this instance.
    pub fn fact(&self, account: &str, region: &str) -> InstanceFact {
        InstanceFact {
            account: account.into(),
            region: region.into(),
            instance_id: self.id.clone(),
            phase: self.phase,
            instance_type: self.itype.name(),
            vcpus: self.itype.vcpus,
            memory_mib: self.itype.memory_mib,
            availability_zone: self.zone.clone(),
            image_id: self.image_id.clone(),
            subnet_id: Some(self.subnet_id.clone()),
            vpc_id: Some(self.vpc_id.clone()),
            private_ip: Some(cidr::ip(self.private_ip)),
            user_data: self.decoded_user_data(),
            tags: self
                .tags
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            instance_profile: self.profile.as_ref().map(|(arn, _)| arn.clone()),
            launched_at: self.launch_time,
        }
    }
}

/// `YYYY-MM-DD HH:MM:SS GMT`, as `stateTransitionReason` dates a user's action.
pub fn gmt(secs: f64) -> String {
    let iso = crate::ec2::render::iso8601(secs);
    format!("{} {} GMT", &iso[..10], &iso[11..19])
}

#[cfg(test)]
mod tests {
    use super::*;

    pub fn sample() -> Instance {
        Instance {
            id: "i-0123456789abcdef0".into(),
            reservation_id: "r-1".into(),
            seq: 0,
            launch_index: 0,
            image_id: "ami-12345678".into(),
            itype: crate::ec2::instance_types::find("t3.micro").unwrap(),
            key_name: None,
            launch_time: 100.0,
            zone: "us-east-1a".into(),
            zone_id: "use1-az1".into(),
            subnet_id: "subnet-1".into(),
            vpc_id: "vpc-1".into(),
            private_ip: u32::from(std::net::Ipv4Addr::new(172, 31, 0, 4)),
            groups: Vec::new(),
            profile: None,
            user_data: Some("ZWNobyBoaQ==".into()),
            tags: Tags::from([("Name".to_string(), "web".to_string())]),
            phase: InstancePhase::Pending,
            due: Some(102.0),
            reason: String::new(),
            state_reason: None,
            purge_at: None,
            eni_id: "eni-1".into(),
            volume_id: "vol-1".into(),
            mac: "02:42:00:00:00:01".into(),
            client_token: None,
        }
    }

    #[test]
    fn lifecycle_follows_the_clock() {
        let mut i = sample();
        assert!(!i.step(101.0));
        assert!(i.step(102.5));
        assert_eq!(i.phase, InstancePhase::Running);
        assert!(!i.step(1e9), "running has no timer");
        i.user_initiated(200.0);
        i.begin(InstancePhase::ShuttingDown, 200.0);
        assert!(i.step(202.0));
        assert_eq!(i.phase, InstancePhase::Terminated);
        assert_eq!(i.purge_at, Some(202.0 + TERMINATED_RETENTION_SECS));
        assert_eq!(
            i.state_reason.as_ref().unwrap().0,
            "Client.UserInitiatedShutdown"
        );
        assert!(i
            .reason
            .starts_with("User initiated (1970-01-01 00:03:20 GMT"));
    }

    #[test]
    fn facts_carry_decoded_user_data() {
        let f = sample().fact("000000000000", "us-east-1");
        assert_eq!(f.user_data.as_deref(), Some("echo hi"));
        assert_eq!((f.vcpus, f.memory_mib), (2, 1024));
        assert_eq!(f.private_ip.as_deref(), Some("172.31.0.4"));
        assert_eq!(f.tag("Name"), Some("web"));
        assert_eq!(f.instance_type, "t3.micro");
    }
}
