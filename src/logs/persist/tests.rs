//! Saving and restoring Logs through its records: answers are the same after a restore, a put
//! writes only its own chunk, expiry writes counts and deletes, and an unreadable record fails.

use super::keys;
use crate::core::clock::Clock;
use crate::core::context::RequestContext;
use crate::core::persist::{split_key, Record};
use crate::logs::Logs;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// The table as the state dir would hold it.
type Table = BTreeMap<String, Vec<u8>>;

fn apply(table: &mut Table, records: Vec<Record>) {
    for r in records {
        match r.value {
            Some(v) => table.insert(r.key, v),
            None => table.remove(&r.key),
        };
    }
}

fn call(logs: &Logs, op: &str, input: Value) -> Value {
    let ctx = RequestContext::new("000000000000", "us-east-1");
    let input = input.as_object().cloned().unwrap_or_default();
    match logs.dispatch(&ctx, op, input) {
        Ok(reply) => reply.to_value(),
        Err(e) => panic!("{op}: {}", e.message()),
    }
}

fn save(logs: &Logs, table: &mut Table) -> Vec<Record> {
    let changes = logs.durable().unwrap().changes();
    apply(table, changes.clone());
    changes
}

fn restored(table: &Table) -> Logs {
    let logs = Logs::new(Clock::new(1.0));
    let records = table.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    logs.durable().unwrap().restore(records).unwrap();
    logs
}

fn now_ms() -> i64 {
    (Clock::new(1.0).now() * 1000.0) as i64
}

fn put(logs: &Logs, stream: &str, events: &[(i64, &str)]) {
    let events: Vec<Value> = (events.iter())
        .map(|(t, m)| json!({"timestamp": t, "message": m}))
        .collect();
    let input = json!({"logGroupName": "/app", "logStreamName": stream, "logEvents": events});
    call(logs, "PutLogEvents", input);
}

/// Everything a client would read back.
fn answers(logs: &Logs) -> Vec<Value> {
    let mut out = vec![
        call(logs, "DescribeLogGroups", json!({})),
        call(logs, "DescribeLogStreams", json!({"logGroupName": "/app"})),
        call(logs, "ListTagsLogGroup", json!({"logGroupName": "/app"})),
        call(logs, "FilterLogEvents", json!({"logGroupName": "/app"})),
    ];
    let streams = out[1]["logStreams"].as_array().cloned().unwrap_or_default();
    for stream in streams
        .iter()
        .map(|s| s["logStreamName"].as_str().unwrap_or_default())
    {
        let get = json!({"logGroupName": "/app", "logStreamName": stream, "startFromHead": true});
        out.push(call(logs, "GetLogEvents", get));
    }
    out
}

fn setup(logs: &Logs) {
    let create = json!({"logGroupName": "/app", "tags": {"team": "web"}});
    call(logs, "CreateLogGroup", create);
    call(logs, "CreateLogGroup", json!({"logGroupName": "/other"}));
    for s in ["a", "b"] {
        call(
            logs,
            "CreateLogStream",
            json!({"logGroupName": "/app", "logStreamName": s}),
        );
    }
}

#[tokio::test]
async fn a_restore_answers_as_before() {
    let logs = Logs::new(Clock::new(1.0));
    let mut table = Table::new();
    setup(&logs);
    let now = now_ms();
    put(&logs, "a", &[(now - 2000, "one"), (now - 1000, "two")]);
    put(&logs, "b", &[(now - 1500, "three")]);
    put(&logs, "a", &[(now - 3000, "zero"), (now, "three")]);
    call(
        &logs,
        "PutRetentionPolicy",
        json!({"logGroupName": "/app", "retentionInDays": 7}),
    );
    save(&logs, &mut table);
    assert_eq!(answers(&restored(&table)), answers(&logs));
    call(&logs, "DeleteLogGroup", json!({"logGroupName": "/other"}));
    call(
        &logs,
        "DeleteLogStream",
        json!({"logGroupName": "/app", "logStreamName": "b"}),
    );
    save(&logs, &mut table);
    let again = restored(&table);
    assert_eq!(answers(&again), answers(&logs));
    let kinds: Vec<&str> = table.keys().map(|k| split_key(k)[0]).collect();
    assert_eq!(
        kinds,
        ["e", "e", "g", "r", "s"],
        "b's chunk and /other are gone"
    );
    // A new put after the restore takes sequence numbers after the stored ones.
    put(&again, "a", &[(now, "four")]);
    let changes = again.durable().unwrap().changes();
    assert!(changes
        .iter()
        .all(|r| !table.contains_key(&r.key) || split_key(&r.key)[0] != "e"));
}

#[tokio::test]
async fn a_put_writes_only_its_own_events() {
    let logs = Logs::new(Clock::new(1.0));
    let mut table = Table::new();
    setup(&logs);
    let now = now_ms();
    put(&logs, "a", &[(now - 10, "first")]);
    save(&logs, &mut table);
    put(&logs, "a", &[(now, "second"), (now, "third")]);
    let changes = save(&logs, &mut table);
    let kinds: Vec<&str> = changes.iter().map(|r| split_key(&r.key)[0]).collect();
    assert_eq!(
        kinds,
        ["e", "s", "r"],
        "its chunk, its stream, the region's number"
    );
    let chunk = String::from_utf8(changes[0].value.clone().unwrap()).unwrap();
    assert!(chunk.contains("second") && chunk.contains("third") && !chunk.contains("first"));
    assert!(logs.durable().unwrap().changes().is_empty(), "nothing more");
    call(
        &logs,
        "GetLogEvents",
        json!({"logGroupName": "/app", "logStreamName": "a"}),
    );
    assert!(
        logs.durable().unwrap().changes().is_empty(),
        "a read writes nothing"
    );
}

#[tokio::test]
async fn expiry_writes_counts_and_deletes_chunks() {
    let logs = Logs::new(Clock::new(1.0));
    let mut table = Table::new();
    setup(&logs);
    let (now, hour) = (now_ms(), 3_600_000);
    put(&logs, "a", &[(now - 72 * hour, "old")]);
    put(
        &logs,
        "a",
        &[(now - 25 * hour, "gone"), (now - 23 * hour, "kept")],
    );
    put(&logs, "b", &[(now, "new")]);
    save(&logs, &mut table);
    let chunks = |t: &Table| t.keys().filter(|k| split_key(k)[0] == keys::CHUNK).count();
    assert_eq!(chunks(&table), 3);
    call(
        &logs,
        "PutRetentionPolicy",
        json!({"logGroupName": "/app", "retentionInDays": 1}),
    );
    let changes = save(&logs, &mut table);
    assert!(changes
        .iter()
        .all(|r| r.value.as_ref().is_none_or(|v| v.len() < 400)));
    assert_eq!(chunks(&table), 2, "the chunk with no event left is deleted");
    let again = restored(&table);
    assert_eq!(answers(&again), answers(&logs));
    let get = json!({"logGroupName": "/app", "logStreamName": "a"});
    let events = call(&again, "GetLogEvents", get)["events"].clone();
    assert_eq!(events.as_array().unwrap().len(), 1, "{events}");
}

#[tokio::test]
async fn a_corrupt_record_fails_the_restore_naming_it() {
    let logs = Logs::new(Clock::new(1.0));
    let mut table = Table::new();
    setup(&logs);
    put(&logs, "a", &[(now_ms(), "m")]);
    save(&logs, &mut table);
    let key = keys::chunk("000000000000", "us-east-1", "/app", "a", 1);
    assert!(table.contains_key(&key), "{:?}", table.keys());
    table.insert(key.clone(), b"{not json".to_vec());
    let fresh = Logs::new(Clock::new(1.0));
    let records = table.into_iter().collect();
    let e = fresh.durable().unwrap().restore(records).unwrap_err();
    assert!(
        e.contains("logs record") && e.contains(&format!("{key:?}")),
        "{e}"
    );
}

#[tokio::test]
async fn after_a_wipe_everything_held_is_written_again() {
    let logs = Logs::new(Clock::new(1.0));
    let mut table = Table::new();
    setup(&logs);
    put(&logs, "a", &[(now_ms(), "m")]);
    save(&logs, &mut table);
    let before = table.clone();
    table.clear();
    logs.durable().unwrap().forget();
    save(&logs, &mut table);
    assert_eq!(answers(&restored(&table)), answers(&logs));
    assert_eq!(table.len(), before.len());
}

#[tokio::test]
async fn the_stream_cap_drops_are_counted_and_restored() {
    use crate::logs::state::group::STREAM_EVENT_LIMIT;
    let logs = Logs::new(Clock::new(1.0));
    let mut table = Table::new();
    setup(&logs);
    let now = now_ms();
    let batch = 7_000;
    for b in 0..(STREAM_EVENT_LIMIT / batch + 1) {
        // 15 batches of 7,000: the cap drops 5,000 of the first, which stays with a trim count.
        let events: Vec<(i64, String)> = (0..batch)
            .map(|i| (now - 200_000 + (b * batch + i) as i64, format!("m{b}-{i}")))
            .collect();
        logs.store.with("000000000000", "us-east-1", |st| {
            crate::logs::api::events::append(st, "/app", "a", events).unwrap();
        });
        save(&logs, &mut table);
    }
    let before = answers(&logs);
    let again = restored(&table);
    assert_eq!(answers(&again), before);
    let count = |l: &Logs| {
        l.store.with("000000000000", "us-east-1", |st| {
            st.groups["/app"].streams["a"].events.len()
        })
    };
    assert_eq!(count(&again), STREAM_EVENT_LIMIT);
    let chunks = table
        .keys()
        .filter(|k| split_key(k)[0] == keys::CHUNK)
        .count();
    assert_eq!(chunks, 15, "the first batch keeps 2,000 events");
    let stream = keys::stream("000000000000", "us-east-1", "/app", "a");
    let record = String::from_utf8(table[&stream].clone()).unwrap();
    assert!(record.contains(r#""trims":{"1":5000}"#), "{record}");
}

#[tokio::test]
async fn the_sink_and_the_retention_sweep_are_saved() {
    let logs = Logs::new(Clock::new(1.0));
    let mut table = Table::new();
    let sink = logs.sink();
    let (a, r) = ("000000000000", "us-east-1");
    sink.create_group(a, r, "/app").unwrap();
    sink.create_stream(a, r, "/app", "a").unwrap();
    let (now, hour) = (now_ms(), 3_600_000);
    let old = vec![(now - 30 * hour, "old".to_string())];
    sink.put(a, r, "/app", "a", old).unwrap();
    sink.put(a, r, "/app", "a", vec![(now, "new".to_string())])
        .unwrap();
    let kinds: Vec<String> = save(&logs, &mut table)
        .iter()
        .map(|r| split_key(&r.key)[0].to_string())
        .collect();
    assert_eq!(
        kinds,
        ["e", "e", "g", "s", "r"],
        "what the sink wrote is saved"
    );
    logs.store.with(a, r, |st| {
        st.groups.get_mut("/app").unwrap().retention_in_days = Some(1);
        st.note_group("/app");
    });
    assert_eq!(crate::logs::controller::sweep(&logs.store), 1);
    save(&logs, &mut table);
    let chunks = table.keys().filter(|k| split_key(k)[0] == keys::CHUNK);
    assert_eq!(chunks.count(), 1, "the sweep deleted the expired chunk");
    assert_eq!(answers(&restored(&table)), answers(&logs));
}

#[tokio::test]
async fn without_a_state_dir_nothing_is_noted() {
    let logs = Logs::new(Clock::new(1.0));
    setup(&logs);
    put(&logs, "a", &[(now_ms(), "m")]);
    let (a, r) = ("000000000000", "us-east-1");
    assert!(logs.store.with(a, r, |st| st.journal.is_empty()));
    // Asked for later, what is held is saved whole.
    let mut table = Table::new();
    save(&logs, &mut table);
    assert_eq!(answers(&restored(&table)), answers(&logs));
}
