//! Launch templates and what a launch asks for
//! (<https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/ec2-launch-templates.html>).
//! [`LaunchSpec`] is both a template version's data and RunInstances' own parameters: a launch
//! from a template lays RunInstances' parameters over the version's. Only the members that
//! shape an emulated instance are kept (image, type, key, user data, instance profile, groups,
//! the first network interface, zone, tag specifications); others are accepted and dropped.

use super::network::Tags;
use crate::ec2::error::{Ec2Error, Ec2Result};
use crate::ec2::params::Params;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// `IamInstanceProfile.Arn` or `.Name`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ProfileRef {
    pub arn: Option<String>,
    pub name: Option<String>,
}

/// The first network interface (`NetworkInterface.1`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct InterfaceSpec {
    pub device_index: Option<i64>,
    pub subnet_id: Option<String>,
    pub group_ids: Vec<String>,
    pub private_ip: Option<String>,
    pub associate_public_ip: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct LaunchSpec {
    pub image_id: Option<String>,
    pub instance_type: Option<String>,
    pub key_name: Option<String>,
    pub user_data: Option<String>,
    pub profile: Option<ProfileRef>,
    pub group_ids: Vec<String>,
    pub group_names: Vec<String>,
    pub interface: Option<InterfaceSpec>,
    pub zone: Option<String>,
    /// Top-level `SubnetId` and `PrivateIpAddress` (RunInstances only).
    pub subnet_id: Option<String>,
    pub private_ip: Option<String>,
    /// Tags by resource type (`instance`, `volume`, …).
    pub tag_specs: BTreeMap<String, Vec<(String, String)>>,
}

fn owned(v: Option<&str>) -> Option<String> {
    v.filter(|s| !s.is_empty()).map(str::to_string)
}

impl LaunchSpec {
    /// Reads a launch's members from RunInstances' parameters or a `LaunchTemplateData`.
    pub fn parse(p: Params<'_>) -> Ec2Result<LaunchSpec> {
        let profile = p
            .child("IamInstanceProfile")?
            .map(|pp| -> Ec2Result<ProfileRef> {
                Ok(ProfileRef {
                    arn: owned(pp.str("Arn")?),
                    name: owned(pp.str("Name")?),
                })
            })
            .transpose()?;
        let interfaces = p.list("NetworkInterface")?;
        if interfaces.len() > 1 {
            return Err(Ec2Error::InvalidParameterValue(
                "local-ecs supports one network interface per instance".into(),
            ));
        }
        let interface = interfaces
            .first()
            .map(|ni| -> Ec2Result<InterfaceSpec> {
                Ok(InterfaceSpec {
                    device_index: ni.int("DeviceIndex")?,
                    subnet_id: owned(ni.str("SubnetId")?),
                    group_ids: ni.strings("SecurityGroupId")?,
                    private_ip: owned(ni.str("PrivateIpAddress")?),
                    associate_public_ip: ni.bool("AssociatePublicIpAddress")?,
                })
            })
            .transpose()?;
        let zone = match p.child("Placement")? {
            Some(pl) => owned(pl.str("AvailabilityZone")?),
            None => None,
        };
        Ok(LaunchSpec {
            image_id: owned(p.str("ImageId")?),
            instance_type: owned(p.str("InstanceType")?),
            key_name: owned(p.str("KeyName")?),
            user_data: owned(p.str("UserData")?),
            profile,
            group_ids: p.strings("SecurityGroupId")?,
            group_names: p.strings("SecurityGroup")?,
            interface,
            zone,
            subnet_id: owned(p.str("SubnetId")?),
            private_ip: owned(p.str("PrivateIpAddress")?),
            tag_specs: p.tag_specs()?,
        })
    }

    /// This spec's members where set, `base`'s elsewhere (RunInstances over a template; a new
    /// template version over its source version). Tag specifications merge by resource type,
    /// this spec's tags winning on a key both set.
    pub fn over(self, base: &LaunchSpec) -> LaunchSpec {
        let mut tag_specs = base.tag_specs.clone();
        for (kind, tags) in self.tag_specs {
            let merged = tag_specs.entry(kind).or_default();
            for (k, v) in tags {
                merged.retain(|(bk, _)| *bk != k);
                merged.push((k, v));
            }
        }
        let networking_given = self.interface.is_some()
            || self.subnet_id.is_some()
            || !self.group_ids.is_empty()
            || !self.group_names.is_empty();
        let (interface, group_ids, group_names) = if networking_given {
            (self.interface, self.group_ids, self.group_names)
        } else {
            (
                base.interface.clone(),
                base.group_ids.clone(),
                base.group_names.clone(),
            )
        };
        LaunchSpec {
            image_id: self.image_id.or_else(|| base.image_id.clone()),
            instance_type: self.instance_type.or_else(|| base.instance_type.clone()),
            key_name: self.key_name.or_else(|| base.key_name.clone()),
            user_data: self.user_data.or_else(|| base.user_data.clone()),
            profile: self.profile.or_else(|| base.profile.clone()),
            group_ids,
            group_names,
            interface,
            zone: self.zone.or_else(|| base.zone.clone()),
            subnet_id: self.subnet_id.or_else(|| base.subnet_id.clone()),
            private_ip: self.private_ip.or_else(|| base.private_ip.clone()),
            tag_specs,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LaunchTemplate {
    pub id: String,
    pub name: String,
    pub created: f64,
    pub created_by: String,
    pub default_version: u64,
    pub latest_version: u64,
    pub versions: BTreeMap<u64, TemplateVersion>,
    pub tags: Tags,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TemplateVersion {
    pub number: u64,
    pub description: Option<String>,
    pub created: f64,
    pub data: LaunchSpec,
}

impl LaunchTemplate {
    /// The version a `Version` parameter names: `$Latest`, `$Default`, a number, or absent
    /// (the default version).
    pub fn version(&self, spec: Option<&str>) -> Ec2Result<&TemplateVersion> {
        let number = self.version_number(spec)?;
        self.versions
            .get(&number)
            .ok_or_else(|| self.no_version(number))
    }

    pub fn version_number(&self, spec: Option<&str>) -> Ec2Result<u64> {
        match spec.unwrap_or("$Default") {
            "$Default" | "" => Ok(self.default_version),
            "$Latest" => Ok(self.latest_version),
            n => n.parse::<u64>().map_err(|_| {
                Ec2Error::InvalidParameterValue(format!(
                    "The launch template version '{n}' is not valid. Specify a version number, $Latest or $Default."
                ))
            }),
        }
    }

    pub fn no_version(&self, number: u64) -> Ec2Error {
        Ec2Error::InvalidTemplateVersionNotFound(format!(
            "Could not find launch template version {number} for launch template with ID {}",
            self.id
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::query::{parse_form, to_document};

    fn spec(form: &str) -> LaunchSpec {
        LaunchSpec::parse(Params(&to_document(&parse_form(form)))).unwrap()
    }

    #[test]
    fn parses_the_members_it_keeps() {
        let s = spec("ImageId=ami-12345678&InstanceType=t3.micro&IamInstanceProfile.Name=ecs&NetworkInterface.1.DeviceIndex=0&NetworkInterface.1.SubnetId=subnet-1&NetworkInterface.1.SecurityGroupId.1=sg-1&Placement.AvailabilityZone=us-east-1b&TagSpecification.1.ResourceType=instance&TagSpecification.1.Tag.1.Key=a&TagSpecification.1.Tag.1.Value=1");
        assert_eq!(s.image_id.as_deref(), Some("ami-12345678"));
        assert_eq!(s.profile.unwrap().name.as_deref(), Some("ecs"));
        let ni = s.interface.unwrap();
        assert_eq!(
            (ni.subnet_id.as_deref(), ni.group_ids.len()),
            (Some("subnet-1"), 1)
        );
        assert_eq!(s.zone.as_deref(), Some("us-east-1b"));
        assert_eq!(
            s.tag_specs["instance"],
            [("a".to_string(), "1".to_string())]
        );
    }

    #[test]
    fn run_parameters_override_the_template() {
        let template = spec("ImageId=ami-11111111&InstanceType=t3.micro&SecurityGroupId.1=sg-t&TagSpecification.1.ResourceType=instance&TagSpecification.1.Tag.1.Key=a&TagSpecification.1.Tag.1.Value=t&TagSpecification.1.Tag.2.Key=b&TagSpecification.1.Tag.2.Value=t");
        let run = spec("InstanceType=m5.large&SubnetId=subnet-9&TagSpecification.1.ResourceType=instance&TagSpecification.1.Tag.1.Key=a&TagSpecification.1.Tag.1.Value=r");
        let merged = run.over(&template);
        assert_eq!(merged.image_id.as_deref(), Some("ami-11111111"));
        assert_eq!(merged.instance_type.as_deref(), Some("m5.large"));
        assert!(
            merged.group_ids.is_empty(),
            "networking comes whole from the run"
        );
        let tags = &merged.tag_specs["instance"];
        assert!(
            tags.contains(&("a".into(), "r".into())) && tags.contains(&("b".into(), "t".into()))
        );
        let plain = spec("KeyName=k").over(&template);
        assert_eq!(plain.group_ids, ["sg-t"]);
    }
}
