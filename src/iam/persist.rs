//! IAM in the state dir (`--state-dir`): each account's roles (trust, inline and attached
//! policies, tags), managed policies and instance profiles as one record.

use super::state::{Store, TABLE};
use crate::core::persist::{Durable, Record};
use std::sync::Arc;

pub struct Persisted {
    pub store: Arc<Store>,
}

impl Durable for Persisted {
    fn table(&self) -> &'static str {
        TABLE
    }

    fn changes(&self) -> Vec<Record> {
        self.store.changes()
    }

    fn restore(&self, records: Vec<(String, Vec<u8>)>) -> Result<(), String> {
        self.store.restore(&records)
    }

    fn forget(&self) {
        self.store.forget();
    }
}

#[cfg(test)]
mod tests {
    use crate::core::clock::Clock;
    use crate::core::context::RequestContext;
    use crate::core::persist::key;
    use crate::iam::Iam;
    use crate::wire::query::{parse_form, to_document};

    const DOC: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#;

    fn call(iam: &Iam, operation: &str, form: &str, doc: Option<(&str, &str)>) -> String {
        let mut form = parse_form(form);
        if let Some((name, text)) = doc {
            form.insert(name.into(), text.into());
        }
        let ctx = RequestContext::new("123456789012", "us-east-1");
        iam.dispatch(&ctx, operation, to_document(&form))
            .unwrap_or_else(|e| panic!("{operation}: {e:?}"))
            .unwrap_or_default()
    }

    fn build(iam: &Iam) {
        let trust = r#"{"Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"Service":"ecs-tasks.amazonaws.com"}}]}"#;
        let role = "RoleName=task&Tags.member.1.Key=team&Tags.member.1.Value=web";
        call(
            iam,
            "CreateRole",
            role,
            Some(("AssumeRolePolicyDocument", trust)),
        );
        call(
            iam,
            "PutRolePolicy",
            "RoleName=task&PolicyName=read",
            Some(("PolicyDocument", DOC)),
        );
        call(
            iam,
            "CreatePolicy",
            "PolicyName=mine",
            Some(("PolicyDocument", DOC)),
        );
        let arn = "arn:aws:iam::123456789012:policy/mine";
        call(
            iam,
            "AttachRolePolicy",
            &format!("RoleName=task&PolicyArn={arn}"),
            None,
        );
        call(
            iam,
            "CreateInstanceProfile",
            "InstanceProfileName=box",
            None,
        );
        call(
            iam,
            "AddRoleToInstanceProfile",
            "InstanceProfileName=box&RoleName=task",
            None,
        );
    }

    fn describe(iam: &Iam) -> Vec<String> {
        let arn = "PolicyArn=arn:aws:iam::123456789012:policy/mine";
        [
            ("GetRole", "RoleName=task"),
            ("GetRolePolicy", "RoleName=task&PolicyName=read"),
            ("ListAttachedRolePolicies", "RoleName=task"),
            ("GetPolicy", arn),
            ("GetInstanceProfile", "InstanceProfileName=box"),
            ("ListRoleTags", "RoleName=task"),
        ]
        .iter()
        .map(|(op, form)| call(iam, op, form, None))
        .collect()
    }

    #[test]
    fn restored_account_describes_alike() {
        let first = Iam::new(Clock::default());
        build(&first);
        let before = describe(&first);
        let durable = first.durable().unwrap();
        let records: Vec<_> = durable
            .changes()
            .into_iter()
            .map(|r| (r.key, r.value.unwrap()))
            .collect();
        assert_eq!(records.len(), 1, "one account, one record");
        assert!(durable.changes().is_empty(), "reads change nothing");

        let second = Iam::new(Clock::default());
        second.durable().unwrap().restore(records).unwrap();
        assert_eq!(describe(&second), before);
        assert!(second.durable().unwrap().changes().is_empty());
        second.durable().unwrap().forget();
        describe(&second);
        assert_eq!(second.durable().unwrap().changes().len(), 1, "saved anew");
    }

    #[test]
    fn an_unreadable_record_fails_the_restore_naming_it() {
        let k = key(&["123456789012"]);
        let err = Iam::new(Clock::default())
            .durable()
            .unwrap()
            .restore(vec![(k.clone(), b"[1,2]".to_vec())])
            .unwrap_err();
        assert!(
            err.contains("iam") && err.contains(&format!("{k:?}")),
            "{err}"
        );
    }
}
