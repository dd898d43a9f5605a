//! The stored shapes written as IAM's Query XML: `member`-wrapped lists, ISO 8601 dates, and
//! policy documents percent-encoded, as IAM answers them (botocore decodes them back).

use super::state::{AccountState, InstanceProfile, Policy, Role, Tags};
use crate::core::clock::iso8601;
use crate::wire::query::percent_encode;
use crate::wire::xml::XmlWriter;

/// `<Tags><member><Key/><Value/></member>…</Tags>`, left out when there are none.
pub fn tags(w: &mut XmlWriter, tags: &Tags) {
    if tags.is_empty() {
        return;
    }
    w.start("Tags");
    for (k, v) in tags {
        w.start("member")
            .element("Key", k)
            .element("Value", v)
            .end();
    }
    w.end();
}

/// A `Role` structure named `element` (`Role`, or `member` in lists).
pub fn role(w: &mut XmlWriter, element: &str, r: &Role) {
    w.start(element)
        .element("Path", &r.path)
        .element("RoleName", &r.name)
        .element("RoleId", &r.id)
        .element("Arn", &r.arn)
        .element("CreateDate", &iso8601(r.created))
        .element("AssumeRolePolicyDocument", &percent_encode(&r.trust))
        .optional("Description", r.description.as_deref())
        .element("MaxSessionDuration", &r.max_session.to_string());
    tags(w, &r.tags);
    w.start("RoleLastUsed").end();
    w.end();
}

/// A `Policy` structure named `element`, with its live attachment count.
pub fn policy(w: &mut XmlWriter, element: &str, st: &AccountState, p: &Policy) {
    let created = iso8601(p.created);
    w.start(element)
        .element("PolicyName", &p.name)
        .element("PolicyId", &p.id)
        .element("Arn", &p.arn)
        .element("Path", &p.path)
        .element("DefaultVersionId", "v1")
        .element("AttachmentCount", &st.attachment_count(&p.arn).to_string())
        .element("PermissionsBoundaryUsageCount", "0")
        .element("IsAttachable", "true")
        .optional("Description", p.description.as_deref())
        .element("CreateDate", &created)
        .element("UpdateDate", &created);
    tags(w, &p.tags);
    w.end();
}

/// An `InstanceProfile` structure named `element`, with its roles in full.
pub fn profile(w: &mut XmlWriter, element: &str, st: &AccountState, p: &InstanceProfile) {
    w.start(element)
        .element("Path", &p.path)
        .element("InstanceProfileName", &p.name)
        .element("InstanceProfileId", &p.id)
        .element("Arn", &p.arn)
        .element("CreateDate", &iso8601(p.created));
    w.start("Roles");
    for name in &p.roles {
        if let Some(r) = st.roles.get(name) {
            role(w, "member", r);
        }
    }
    w.end();
    tags(w, &p.tags);
    w.end();
}
