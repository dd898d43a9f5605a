//! EC2 errors: one variant per EC2 error code, one match to the wire code and status.
//! Codes as the EC2 API reference lists them
//! (<https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html>); messages as
//! EC2 words them where AWS's answers are public, else in the same style.

use crate::wire::WireError;

#[derive(Debug, Clone, PartialEq)]
pub enum Ec2Error {
    /// `DryRun` was set and the request would have succeeded.
    DryRunOperation,
    InvalidParameterValue(String),
    InvalidParameterCombination(String),
    MissingParameter(String),
    InvalidInstanceIdNotFound(String),
    InvalidInstanceIdMalformed(String),
    InvalidAmiIdMalformed(String),
    IncorrectInstanceState(String),
    InstanceLimitExceeded(String),
    InvalidSubnetIdNotFound(String),
    InvalidSubnetConflict(String),
    InvalidSubnetRange(String),
    InvalidVpcIdNotFound(String),
    InvalidVpcRange(String),
    InvalidGroupNotFound(String),
    InvalidGroupDuplicate(String),
    InvalidGroupReserved(String),
    InvalidPermissionDuplicate(String),
    CannotDelete(String),
    DependencyViolation(String),
    InvalidId(String),
    TagLimitExceeded(String),
    InvalidIpAddressInUse(String),
    InsufficientFreeAddresses(String),
    VpcIdNotSpecified(String),
    InvalidTemplateNameAlreadyExists(String),
    InvalidTemplateNameMalformed(String),
    InvalidTemplateIdNotFound(String),
    InvalidTemplateIdMalformed(String),
    InvalidTemplateNameNotFound(String),
    InvalidTemplateVersionNotFound(String),
    InvalidNextToken(String),
    InvalidFilter(String),
    /// An operation of the EC2 model that local-ecs has not built.
    UnsupportedOperation(String),
    /// A name that is no operation of the EC2 model.
    InvalidAction(String),
    Internal(String),
}

pub type Ec2Result<T> = Result<T, Ec2Error>;

/// A shared rule broken (tags, page size) is EC2's InvalidParameterValue.
impl From<crate::core::Invalid> for Ec2Error {
    fn from(e: crate::core::Invalid) -> Self {
        Ec2Error::InvalidParameterValue(e.0)
    }
}

impl Ec2Error {
    pub fn code(&self) -> &'static str {
        use Ec2Error::*;
        match self {
            DryRunOperation => "DryRunOperation",
            InvalidParameterValue(_) => "InvalidParameterValue",
            InvalidParameterCombination(_) => "InvalidParameterCombination",
            MissingParameter(_) => "MissingParameter",
            InvalidInstanceIdNotFound(_) => "InvalidInstanceID.NotFound",
            InvalidInstanceIdMalformed(_) => "InvalidInstanceID.Malformed",
            InvalidAmiIdMalformed(_) => "InvalidAMIID.Malformed",
            IncorrectInstanceState(_) => "IncorrectInstanceState",
            InstanceLimitExceeded(_) => "InstanceLimitExceeded",
            InvalidSubnetIdNotFound(_) => "InvalidSubnetID.NotFound",
            InvalidSubnetConflict(_) => "InvalidSubnet.Conflict",
            InvalidSubnetRange(_) => "InvalidSubnet.Range",
            InvalidVpcIdNotFound(_) => "InvalidVpcID.NotFound",
            InvalidVpcRange(_) => "InvalidVpc.Range",
            InvalidGroupNotFound(_) => "InvalidGroup.NotFound",
            InvalidGroupDuplicate(_) => "InvalidGroup.Duplicate",
            InvalidGroupReserved(_) => "InvalidGroup.Reserved",
            InvalidPermissionDuplicate(_) => "InvalidPermission.Duplicate",
            CannotDelete(_) => "CannotDelete",
            DependencyViolation(_) => "DependencyViolation",
            InvalidId(_) => "InvalidID",
            TagLimitExceeded(_) => "TagLimitExceeded",
            InvalidIpAddressInUse(_) => "InvalidIPAddress.InUse",
            InsufficientFreeAddresses(_) => "InsufficientFreeAddressesInSubnet",
            VpcIdNotSpecified(_) => "VPCIdNotSpecified",
            InvalidTemplateNameAlreadyExists(_) => {
                "InvalidLaunchTemplateName.AlreadyExistsException"
            }
            InvalidTemplateNameMalformed(_) => "InvalidLaunchTemplateName.MalformedException",
            InvalidTemplateIdNotFound(_) => "InvalidLaunchTemplateId.NotFound",
            InvalidTemplateIdMalformed(_) => "InvalidLaunchTemplateId.Malformed",
            InvalidTemplateNameNotFound(_) => "InvalidLaunchTemplateName.NotFoundException",
            InvalidTemplateVersionNotFound(_) => "InvalidLaunchTemplateId.VersionNotFound",
            InvalidNextToken(_) => "InvalidNextToken",
            InvalidFilter(_) => "InvalidParameterValue",
            UnsupportedOperation(_) => "UnsupportedOperation",
            InvalidAction(_) => "InvalidAction",
            Internal(_) => "InternalError",
        }
    }

    /// EC2 answers client errors with 400, a dry run that would succeed with 412.
    pub fn status(&self) -> u16 {
        match self {
            Ec2Error::DryRunOperation => 412,
            Ec2Error::Internal(_) => 500,
            _ => 400,
        }
    }

    pub fn message(&self) -> String {
        use Ec2Error::*;
        match self {
            DryRunOperation => "Request would have succeeded, but DryRun flag is set.".into(),
            InvalidParameterValue(m)
            | InvalidParameterCombination(m)
            | MissingParameter(m)
            | InvalidInstanceIdNotFound(m)
            | InvalidInstanceIdMalformed(m)
            | InvalidAmiIdMalformed(m)
            | IncorrectInstanceState(m)
            | InstanceLimitExceeded(m)
            | InvalidSubnetIdNotFound(m)
            | InvalidSubnetConflict(m)
            | InvalidSubnetRange(m)
            | InvalidVpcIdNotFound(m)
            | InvalidVpcRange(m)
            | InvalidGroupNotFound(m)
            | InvalidGroupDuplicate(m)
            | InvalidGroupReserved(m)
            | InvalidPermissionDuplicate(m)
            | CannotDelete(m)
            | DependencyViolation(m)
            | InvalidId(m)
            | TagLimitExceeded(m)
            | InvalidIpAddressInUse(m)
            | InsufficientFreeAddresses(m)
            | VpcIdNotSpecified(m)
            | InvalidTemplateNameAlreadyExists(m)
            | InvalidTemplateNameMalformed(m)
            | InvalidTemplateIdNotFound(m)
            | InvalidTemplateIdMalformed(m)
            | InvalidTemplateNameNotFound(m)
            | InvalidTemplateVersionNotFound(m)
            | InvalidNextToken(m)
            | InvalidFilter(m)
            | UnsupportedOperation(m)
            | InvalidAction(m)
            | Internal(m) => m.clone(),
        }
    }

    /// `MissingParameter` for a required member, worded as EC2 words it.
    pub fn missing(name: &str) -> Self {
        Ec2Error::MissingParameter(format!("The request must contain the parameter {name}"))
    }

    /// `InvalidParameterValue` for a value of the wrong form.
    pub fn invalid_value(name: &str, value: &str) -> Self {
        Ec2Error::InvalidParameterValue(format!("Invalid value '{value}' for {name}"))
    }
}

impl From<Ec2Error> for WireError {
    fn from(e: Ec2Error) -> Self {
        WireError::new(e.code(), e.status(), e.message())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_statuses() {
        let dry: WireError = Ec2Error::DryRunOperation.into();
        assert_eq!((dry.code.as_str(), dry.status), ("DryRunOperation", 412));
        let nf: WireError = Ec2Error::InvalidInstanceIdNotFound("x".into()).into();
        assert_eq!(
            (nf.code.as_str(), nf.status, nf.message.as_str()),
            ("InvalidInstanceID.NotFound", 400, "x")
        );
        assert_eq!(Ec2Error::Internal("x".into()).status(), 500);
        assert_eq!(
            Ec2Error::missing("ImageId").message(),
            "The request must contain the parameter ImageId"
        );
    }
}
