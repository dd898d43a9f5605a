//! Saving and restoring CloudWatch through its records: answers are the same after a restore
//! (data, alarms, history), a put writes only its bucket, a read writes nothing, and an
//! unreadable record fails the restore naming it.

use super::keys;
use crate::cloudwatch::alarm::evaluate_region;
use crate::cloudwatch::CloudWatch;
use crate::core::bus::Bus;
use crate::core::clock::Clock;
use crate::core::context::RequestContext;
use crate::core::persist::{split_key, Record};
use serde_json::{json, Value};
use std::collections::BTreeMap;

type Table = BTreeMap<String, Vec<u8>>;

fn apply(table: &mut Table, records: Vec<Record>) {
    for r in records {
        match r.value {
            Some(v) => table.insert(r.key, v),
            None => table.remove(&r.key),
        };
    }
}

fn fresh() -> CloudWatch {
    CloudWatch::new(Clock::new(1.0), Bus::new())
}

fn call(cw: &CloudWatch, op: &str, input: Value) -> Value {
    let ctx = RequestContext::new("000000000000", "us-east-1");
    let input = input.as_object().cloned().unwrap_or_default();
    cw.dispatch(&ctx, op, input)
        .unwrap_or_else(|e| panic!("{op}: {e:?}"))
}

fn save(cw: &CloudWatch, table: &mut Table) -> Vec<Record> {
    let changes = cw.durable().unwrap().changes();
    apply(table, changes.clone());
    changes
}

fn restored(table: &Table) -> CloudWatch {
    let cw = fresh();
    let records = table.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    cw.durable().unwrap().restore(records).unwrap();
    cw
}

fn minute_ago() -> f64 {
    ((Clock::new(1.0).now() / 60.0).floor() - 1.0) * 60.0
}

fn put(cw: &CloudWatch, t: f64, value: f64) {
    let datum = json!({"MetricName": "Load", "Dimensions": [{"Name": "Host", "Value": "a"}],
        "Timestamp": t, "Value": value, "Unit": "Percent"});
    call(
        cw,
        "PutMetricData",
        json!({"Namespace": "App", "MetricData": [datum]}),
    );
}

fn answers(cw: &CloudWatch) -> Vec<Value> {
    let end = minute_ago() + 60.0;
    let metric = json!({"Namespace": "App", "MetricName": "Load",
        "Dimensions": [{"Name": "Host", "Value": "a"}]});
    let mut stats = metric.clone();
    stats["StartTime"] = json!(end - 600.0);
    stats["EndTime"] = json!(end);
    stats["Period"] = json!(60);
    let mut percentiles = stats.clone();
    stats["Statistics"] = json!(["Average", "Maximum", "SampleCount"]);
    percentiles["ExtendedStatistics"] = json!(["p90"]);
    let query = json!({"Id": "q", "MetricStat": {"Metric": metric, "Period": 60, "Stat": "Sum"}});
    let data = json!({"MetricDataQueries": [query], "StartTime": end - 600.0, "EndTime": end});
    vec![
        call(cw, "GetMetricStatistics", stats),
        call(cw, "GetMetricStatistics", percentiles),
        call(cw, "GetMetricData", data),
        call(cw, "ListMetrics", json!({})),
        call(
            cw,
            "DescribeAlarms",
            json!({"AlarmTypes": ["MetricAlarm", "CompositeAlarm"]}),
        ),
        call(cw, "DescribeAlarmHistory", json!({})),
    ]
}

fn alarms(cw: &CloudWatch) {
    for (name, threshold) in [("high", 50.0), ("set", 1000.0)] {
        let put = json!({"AlarmName": name, "Namespace": "App", "MetricName": "Load",
            "Dimensions": [{"Name": "Host", "Value": "a"}], "Statistic": "Average",
            "Period": 60, "EvaluationPeriods": 1, "Threshold": threshold,
            "ComparisonOperator": "GreaterThanThreshold", "AlarmActions": ["arn:x"],
            "Tags": [{"Key": "team", "Value": "web"}]});
        call(cw, "PutMetricAlarm", put);
    }
    let set = json!({"AlarmName": "set", "StateValue": "ALARM", "StateReason": "by hand"});
    call(cw, "SetAlarmState", set);
    let rule = "ALARM(high) OR ALARM(set)";
    call(
        cw,
        "PutCompositeAlarm",
        json!({"AlarmName": "any", "AlarmRule": rule}),
    );
}

#[tokio::test]
async fn a_restore_answers_as_before_and_alarms_keep_evaluating() {
    let cw = fresh();
    let mut table = Table::new();
    let t = minute_ago();
    for (i, v) in [10.0, 90.0, 95.0].into_iter().enumerate() {
        put(&cw, t - 120.0 + 60.0 * i as f64, v);
    }
    put(&cw, t + 5.0, 97.0);
    alarms(&cw);
    cw.hub.each(evaluate_region);
    save(&cw, &mut table);
    let again = restored(&table);
    assert_eq!(answers(&again), answers(&cw));
    let states = |cw: &CloudWatch| {
        cw.hub.store.with("000000000000", "us-east-1", |st| {
            let mut s: Vec<String> = st.alarms.values().map(|a| a.state.clone()).collect();
            s.extend(st.composites.values().map(|c| c.state.clone()));
            s
        })
    };
    assert_eq!(
        states(&again),
        ["ALARM", "OK", "ALARM"],
        "high, set (evaluated back), any"
    );
    again.hub.each(evaluate_region);
    assert_eq!(
        answers(&again),
        answers(&cw),
        "a pass after the restore changes nothing"
    );
}

#[tokio::test]
async fn a_put_writes_only_its_bucket_and_a_read_nothing() {
    let cw = fresh();
    let mut table = Table::new();
    let t = minute_ago();
    put(&cw, t - 60.0, 1.0);
    alarms(&cw);
    save(&cw, &mut table);
    put(&cw, t, 2.0);
    let changes = save(&cw, &mut table);
    let kinds: Vec<&str> = changes.iter().map(|r| split_key(&r.key)[0]).collect();
    assert_eq!(kinds, [keys::SERIES, keys::BUCKET]);
    assert!(split_key(&changes[1].key).last() == Some(&(t as i64).to_string().as_str()));
    answers(&cw);
    assert!(
        cw.durable().unwrap().changes().is_empty(),
        "reads write nothing"
    );
    cw.hub.each(evaluate_region);
    cw.hub.each(evaluate_region);
    save(&cw, &mut table);
    assert!(cw.durable().unwrap().changes().is_empty());
    assert_eq!(answers(&restored(&table)), answers(&cw));
}

#[tokio::test]
async fn deletes_and_rollups_are_saved() {
    let cw = fresh();
    let mut table = Table::new();
    alarms(&cw);
    let now = Clock::new(1.0).now().floor();
    let old = json!({"MetricName": "Fine", "Timestamp": now - 4.0 * 3600.0, "Value": 1,
        "StorageResolution": 1});
    call(
        &cw,
        "PutMetricData",
        json!({"Namespace": "App", "MetricData": [old]}),
    );
    save(&cw, &mut table);
    call(&cw, "DeleteAlarms", json!({"AlarmNames": ["any"]}));
    cw.hub.each(crate::cloudwatch::controller::sweep_region);
    save(&cw, &mut table);
    let again = restored(&table);
    assert_eq!(answers(&again), answers(&cw));
    let high_res = |cw: &CloudWatch| {
        cw.hub.store.with("000000000000", "us-east-1", |st| {
            let s: Vec<_> = st.metrics.values().map(|s| s.high_res.len()).collect();
            (s, st.composites.len())
        })
    };
    assert_eq!(
        high_res(&again),
        (vec![0], 0),
        "rolled up to its minute, composite gone"
    );
}

#[tokio::test]
async fn a_corrupt_record_fails_the_restore_naming_it() {
    let cw = fresh();
    let mut table = Table::new();
    alarms(&cw);
    save(&cw, &mut table);
    let key = keys::alarm(keys::ALARM, "000000000000", "us-east-1", "high");
    assert!(table.contains_key(&key));
    table.insert(key.clone(), b"[1]".to_vec());
    let records = table.into_iter().collect();
    let e = fresh().durable().unwrap().restore(records).unwrap_err();
    assert!(
        e.contains("cloudwatch record") && e.contains(&format!("{key:?}")),
        "{e}"
    );
}

#[tokio::test]
async fn after_a_wipe_everything_held_is_written_again() {
    let cw = fresh();
    let mut table = Table::new();
    put(&cw, minute_ago(), 3.0);
    alarms(&cw);
    save(&cw, &mut table);
    let before = table.clone();
    table.clear();
    cw.durable().unwrap().forget();
    save(&cw, &mut table);
    assert_eq!(table, before);
}

#[tokio::test]
async fn what_the_sink_publishes_is_saved() {
    let cw = fresh();
    let mut table = Table::new();
    let dims = [("Host".to_string(), "a".to_string())];
    let sink = cw.sink();
    sink.put(
        "000000000000",
        "us-east-1",
        "App",
        "Load",
        &dims,
        minute_ago(),
        5.0,
        "Percent",
    );
    let changes = save(&cw, &mut table);
    let kinds: Vec<&str> = changes.iter().map(|r| split_key(&r.key)[0]).collect();
    assert_eq!(kinds, [keys::SERIES, keys::BUCKET]);
    assert_eq!(answers(&restored(&table)), answers(&cw));
}

#[test]
fn an_overflowed_sum_is_stored_and_read_back() {
    use crate::cloudwatch::state::Bucket;
    use crate::core::persist::{decode, encode};
    let mut b = Bucket::default();
    b.add(f64::MAX, 1.0);
    b.add(f64::MAX, 1.0);
    assert!(b.sum.is_infinite());
    let back: Bucket = decode(super::TABLE, "k", &encode(&b)).unwrap();
    assert_eq!(back, b);
}

#[tokio::test]
async fn without_a_state_dir_nothing_is_noted() {
    let cw = fresh();
    put(&cw, minute_ago(), 3.0);
    alarms(&cw);
    let journal = cw.hub.store.with("000000000000", "us-east-1", |st| {
        format!("{:?}", st.journal)
    });
    assert!(
        journal.contains("buckets: {}, alarms: {}, all_alarms: false"),
        "{journal}"
    );
    let mut table = Table::new();
    save(&cw, &mut table);
    assert_eq!(answers(&restored(&table)), answers(&cw));
}

#[tokio::test]
async fn history_past_thirty_days_expires_in_memory_and_in_the_store() {
    let cw = fresh();
    let mut table = Table::new();
    alarms(&cw);
    for state in ["ALARM", "OK", "ALARM"] {
        let set = json!({"AlarmName": "high", "StateValue": state, "StateReason": "test"});
        call(&cw, "SetAlarmState", set);
    }
    save(&cw, &mut table);
    let history = |t: &Table| t.keys().filter(|k| k.starts_with("h\u{1f}")).count();
    let held = history(&table);
    assert!(held >= 4, "{held} items");
    // The first two items are 31 days old: the sweep drops them and the save deletes them.
    cw.hub.store.with("000000000000", "us-east-1", |st| {
        let old = st.now() - 31.0 * 86_400.0;
        st.history[0].timestamp = old;
        st.history[1].timestamp = old;
    });
    cw.hub.each(crate::cloudwatch::controller::sweep_region);
    let changes = save(&cw, &mut table);
    assert_eq!(changes.iter().filter(|r| r.value.is_none()).count(), 2);
    assert_eq!(history(&table), held - 2);
    let again = restored(&table);
    let base = |cw: &CloudWatch| {
        cw.hub.store.with("000000000000", "us-east-1", |st| {
            (st.history_base, st.history.len())
        })
    };
    assert_eq!(base(&again), (2, held - 2));
    assert_eq!(answers(&again), answers(&cw));
    // Pages of one item each walk the rest, newest first.
    let (mut token, mut seen) = (None::<String>, 0);
    loop {
        let mut ask = json!({"AlarmName": "high", "MaxRecords": 1});
        if let Some(t) = &token {
            ask["NextToken"] = json!(t);
        }
        let page = call(&again, "DescribeAlarmHistory", ask);
        seen += page["AlarmHistoryItems"].as_array().unwrap().len();
        match page["NextToken"].as_str() {
            Some(t) => token = Some(t.to_string()),
            None => break,
        }
    }
    let all = call(&again, "DescribeAlarmHistory", json!({"AlarmName": "high"}));
    assert_eq!(seen, all["AlarmHistoryItems"].as_array().unwrap().len());
}
