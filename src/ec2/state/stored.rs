//! How the shapes that EC2 does not own are stored: an instance's phase (an enum of
//! [`crate::core::fleet`], which has no serde of its own) by EC2's state name, and its type by
//! `family.size`, looked up again on load so a stored record always names a type of the table.

/// [`InstancePhase`](crate::core::fleet::InstancePhase) as `pending`, `running`, ….
pub mod phase {
    use crate::core::fleet::InstancePhase;
    use serde::{de::Error, Deserialize, Deserializer, Serializer};

    const ALL: [InstancePhase; 6] = [
        InstancePhase::Pending,
        InstancePhase::Running,
        InstancePhase::Stopping,
        InstancePhase::Stopped,
        InstancePhase::ShuttingDown,
        InstancePhase::Terminated,
    ];

    pub fn serialize<S: Serializer>(phase: &InstancePhase, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(phase.name_and_code().0)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<InstancePhase, D::Error> {
        let name = String::deserialize(d)?;
        ALL.into_iter()
            .find(|p| p.name_and_code().0 == name)
            .ok_or_else(|| D::Error::custom(format!("unknown instance state {name:?}")))
    }
}

/// [`InstanceType`](crate::ec2::instance_types::InstanceType) as `t3.micro`.
pub mod itype {
    use crate::ec2::instance_types::{find, InstanceType};
    use serde::{de::Error, Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(t: &InstanceType, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&t.name())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<InstanceType, D::Error> {
        let name = String::deserialize(d)?;
        find(&name).ok_or_else(|| D::Error::custom(format!("unknown instance type {name:?}")))
    }
}
