//! The access keys STS issued and who each stands for; with `--state-dir` each is one record,
//! keyed by the access key, so a restart keeps the credentials tasks and scripts already hold.
//! A key is written once: the record is saved after its issuing and deleted by a reset.

use super::Session;
use crate::core::persist::{decode, encode, Durable, Record};
use dashmap::DashMap;
use std::sync::Mutex;

/// The table of STS's records in the state dir.
pub const TABLE: &str = "sts";

#[derive(Default)]
pub struct Sessions {
    map: DashMap<String, Session>,
    /// Keys issued or dropped since the last save.
    pending: Mutex<Vec<String>>,
}

impl Sessions {
    fn mark(&self, key: String) {
        self.pending
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(key);
    }

    pub fn insert(&self, key: String, session: Session) {
        self.map.insert(key.clone(), session);
        self.mark(key);
    }

    pub fn get(&self, key: &str) -> Option<Session> {
        self.map.get(key).map(|s| s.value().clone())
    }

    pub fn clear(&self) {
        let keys: Vec<String> = self.map.iter().map(|e| e.key().clone()).collect();
        self.map.clear();
        keys.into_iter().for_each(|k| self.mark(k));
    }
}

impl Durable for Sessions {
    fn table(&self) -> &'static str {
        TABLE
    }

    fn changes(&self) -> Vec<Record> {
        let keys = std::mem::take(&mut *self.pending.lock().unwrap_or_else(|p| p.into_inner()));
        keys.into_iter()
            .map(|k| match self.map.get(&k) {
                Some(s) => Record::put(k, encode(s.value())),
                None => Record::delete(k),
            })
            .collect()
    }

    /// All decoded first: an unreadable record fails the restore, naming it.
    fn restore(&self, records: Vec<(String, Vec<u8>)>) -> Result<(), String> {
        let sessions = records
            .iter()
            .map(|(k, bytes)| Ok((k.clone(), decode::<Session>(TABLE, k, bytes)?)))
            .collect::<Result<Vec<_>, String>>()?;
        for (k, s) in sessions {
            self.map.insert(k, s);
        }
        Ok(())
    }

    fn forget(&self) {
        self.pending
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
    }
}

#[cfg(test)]
mod tests {
    use crate::core::clock::Clock;
    use crate::core::context::RequestContext;
    use crate::iam::Iam;
    use crate::sts::Sts;
    use crate::wire::query::{parse_form, to_document};

    fn sts() -> Sts {
        Sts::new(Clock::default(), Iam::new(Clock::default()).roles())
    }

    #[test]
    fn issued_keys_survive_a_restore() {
        let first = sts();
        let ctx = RequestContext::new("123456789012", "us-east-1");
        let form = parse_form("RoleArn=arn:aws:iam::123456789012:role/app&RoleSessionName=s1");
        let xml = first
            .dispatch(&ctx, "AssumeRole", to_document(&form))
            .unwrap()
            .unwrap();
        let start = xml.find("<AccessKeyId>").unwrap() + "<AccessKeyId>".len();
        let key = &xml[start..start + xml[start..].find('<').unwrap()];
        let durable = first.durable().unwrap();
        let records: Vec<_> = durable
            .changes()
            .into_iter()
            .map(|r| (r.key, r.value.unwrap()))
            .collect();
        assert_eq!(records.len(), 1);
        assert!(durable.changes().is_empty());

        let second = sts();
        second.durable().unwrap().restore(records).unwrap();
        let session = second.session(key).unwrap();
        assert_eq!(session, first.session(key).unwrap());
        assert_eq!(session.arn, "arn:aws:sts::123456789012:assumed-role/app/s1");
        assert_eq!(second.account_of(key).as_deref(), Some("123456789012"));
        assert!(session.expiration > 0.0);
    }

    #[test]
    fn an_unreadable_record_fails_the_restore_naming_it() {
        let err = sts()
            .durable()
            .unwrap()
            .restore(vec![("ASIAX".into(), b"{\"arn\":1}".to_vec())])
            .unwrap_err();
        assert!(err.contains("sts") && err.contains("\"ASIAX\""), "{err}");
    }
}
