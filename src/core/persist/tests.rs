use super::*;
use crate::core::clock::Clock;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// A service of string values, saved whole per key.
#[derive(Default)]
struct Toy {
    name: &'static str,
    version: u32,
    values: Mutex<BTreeMap<String, String>>,
    snapshots: Snapshots,
}

impl Toy {
    fn new(name: &'static str, version: u32) -> Arc<Toy> {
        Arc::new(Toy {
            name,
            version,
            ..Default::default()
        })
    }

    fn set(&self, k: &str, v: Option<&str>) {
        let mut values = self.values.lock().unwrap();
        match v {
            Some(v) => values.insert(k.into(), v.into()),
            None => values.remove(k),
        };
        self.snapshots.touch(k);
    }
}

impl Durable for Toy {
    fn table(&self) -> &'static str {
        self.name
    }
    fn version(&self) -> u32 {
        self.version
    }
    fn changes(&self) -> Vec<Record> {
        let values = self.values.lock().unwrap();
        self.snapshots.changes(|k| values.get(k).map(encode))
    }
    fn restore(&self, records: Vec<(String, Vec<u8>)>) -> Result<(), String> {
        for (k, v) in records {
            let value: String = decode(self.name, &k, &v)?;
            self.snapshots.restored(&k, &v);
            self.values.lock().unwrap().insert(k, value);
        }
        Ok(())
    }
}

fn parts(toy: &Arc<Toy>) -> Vec<Arc<dyn Durable>> {
    vec![toy.clone() as Arc<dyn Durable>]
}

#[tokio::test]
async fn what_was_committed_is_there_after_reopening() {
    let dir = std::env::temp_dir().join(format!("local-ecs-persist-{}", rand::random::<u64>()));
    {
        let toy = Toy::new("toy", 1);
        let state = StateDir::open(&dir, parts(&toy), Clock::default()).unwrap();
        assert_eq!(state.restore().unwrap(), 0);
        toy.set("a", Some("1"));
        toy.set("b", Some("2"));
        state.commit().await.unwrap();
        toy.set("b", None);
        toy.set("a", Some("3"));
        state.commit().await.unwrap();
        // Nothing changed: nothing to write.
        assert!(toy.changes().is_empty());
    }
    let toy = Toy::new("toy", 1);
    let state = StateDir::open(&dir, parts(&toy), Clock::default()).unwrap();
    assert_eq!(state.restore().unwrap(), 1);
    assert_eq!(
        *toy.values.lock().unwrap(),
        BTreeMap::from([("a".to_string(), "3".to_string())])
    );
    // A second server on the same dir is refused while the first holds it.
    let other = Toy::new("toy", 1);
    let refused = StateDir::open(&dir, parts(&other), Clock::default())
        .err()
        .unwrap();
    assert!(refused.contains("in use by another local-ecs"), "{refused}");
    drop(state);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn newer_or_unmigratable_records_are_refused_never_misread() {
    let dir = std::env::temp_dir().join(format!("local-ecs-persist-{}", rand::random::<u64>()));
    {
        let toy = Toy::new("toy", 2);
        let state = StateDir::open(&dir, parts(&toy), Clock::default()).unwrap();
        state.restore().unwrap();
        toy.set("a", Some("1"));
        state.commit().await.unwrap();
    }
    let older = Toy::new("toy", 1);
    let why = StateDir::open(&dir, parts(&older), Clock::default())
        .unwrap()
        .restore()
        .unwrap_err();
    assert!(
        why.contains("version 2, written by a newer local-ecs"),
        "{why}"
    );
    let newer = Toy::new("toy", 3);
    let why = StateDir::open(&dir, parts(&newer), Clock::default())
        .unwrap()
        .restore()
        .unwrap_err();
    assert!(
        why.contains("version 2") && why.contains("no migration"),
        "{why}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn store_formats_other_than_this_one_are_refused() {
    assert!(format::check_format("d", None, None).is_ok());
    assert!(format::check_format("d", Some("1"), Some("0.1.0")).is_ok());
    let newer = format::check_format("d", Some("7"), Some("9.0.0")).unwrap_err();
    assert!(
        newer.contains("format 7") && newer.contains("upgrade"),
        "{newer}"
    );
    let older = format::check_format("d", Some("0"), None).unwrap_err();
    assert!(older.contains("cannot migrate"), "{older}");
    let junk = format::check_format("d", Some("x"), None).unwrap_err();
    assert!(junk.contains("does not hold local-ecs state"), "{junk}");
}

#[test]
fn bookkeeping_is_stored_but_not_answered() {
    #[derive(serde::Serialize)]
    struct Shape {
        shown: u8,
        #[serde(skip_serializing_if = "on_wire")]
        kept: u8,
    }
    let s = Shape { shown: 1, kept: 2 };
    assert_eq!(serde_json::to_string(&s).unwrap(), r#"{"shown":1}"#);
    assert_eq!(encode(&s), br#"{"shown":1,"kept":2}"#.to_vec());
    assert_eq!(serde_json::to_string(&s).unwrap(), r#"{"shown":1}"#);
}

#[tokio::test]
async fn emulated_time_goes_on_from_where_the_last_commit_left_it() {
    let dir = std::env::temp_dir().join(format!("local-ecs-persist-{}", rand::random::<u64>()));
    let fast = Clock::new(1000.0);
    let ahead = {
        let toy = Toy::new("toy", 1);
        let state = StateDir::open(&dir, parts(&toy), fast.clone()).unwrap();
        state.restore().unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        toy.set("a", Some("1"));
        state.commit().await.unwrap();
        fast.now()
    };
    let wall = Clock::new(1.0);
    assert!(wall.now() < ahead - 60.0, "the fast clock ran ahead");
    let toy = Toy::new("toy", 1);
    let state = StateDir::open(&dir, parts(&toy), wall.clone()).unwrap();
    state.restore().unwrap();
    // Within the time between the commit and reading `ahead` (milliseconds, ×1000).
    assert!(
        wall.now() >= ahead - 40.0,
        "{} resumed from {ahead}",
        wall.now()
    );
    drop(state);
    std::fs::remove_dir_all(&dir).unwrap();
}
