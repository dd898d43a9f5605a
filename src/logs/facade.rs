//! [`LogSink`] for other services: the same state and rules as the API, without the wire.

use super::api::{check_group_name, check_stream_name, events, groups};
use super::persist::Ledger;
use super::state::group::LogStream;
use crate::core::logs::LogSink;
use serde_json::{json, Map, Value};
use std::sync::Arc;

pub struct Sink {
    store: Arc<Ledger>,
}

impl Sink {
    pub fn new(store: Arc<Ledger>) -> Self {
        Sink { store }
    }
}

fn input(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

impl LogSink for Sink {
    fn group_exists(&self, account: &str, region: &str, group: &str) -> bool {
        self.store
            .with(account, region, |st| st.group(group).is_some())
    }

    fn create_group(&self, account: &str, region: &str, group: &str) -> Result<(), String> {
        self.store.with(account, region, |st| {
            if st.group(group).is_some() {
                return Ok(());
            }
            groups::create_log_group(st, input(json!({ "logGroupName": group })))
                .map(|_| ())
                .map_err(|e| e.message().to_string())
        })
    }

    fn create_stream(
        &self,
        account: &str,
        region: &str,
        group: &str,
        stream: &str,
    ) -> Result<(), String> {
        check_stream_name(stream, "logStreamName").map_err(|e| e.message().to_string())?;
        self.store.with(account, region, |st| {
            let now = st.now_ms();
            let g = st
                .group_mut(group)
                .ok_or("The specified log group does not exist.")?;
            if g.streams.contains_key(stream) {
                return Ok(());
            }
            let created = LogStream::new(stream, &g.arn, now);
            g.streams.insert(stream.to_string(), created);
            let name = g.name.clone();
            st.note_stream(&name, stream);
            Ok(())
        })
    }

    fn put(
        &self,
        account: &str,
        region: &str,
        group: &str,
        stream: &str,
        mut batch: Vec<(i64, String)>,
    ) -> Result<(), String> {
        check_group_name(group, "logGroupName").map_err(|e| e.message().to_string())?;
        self.store.with(account, region, |st| {
            let now = st.now_ms();
            let retention = st.group(group).and_then(|g| g.retention_in_days);
            if let Some(days) = retention {
                let cutoff = groups::retention_cutoff(days, now);
                batch.retain(|(t, _)| *t >= cutoff);
            }
            events::append(st, group, stream, batch)
                .map(|_| ())
                .map_err(|e| e.message().to_string())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::clock::Clock;

    #[test]
    fn the_sink_creates_and_appends() {
        let sink = Sink::new(Arc::new(Ledger::new(Clock::new(1.0))));
        assert!(!sink.group_exists("1", "r", "/ecs/web"));
        assert!(sink.create_stream("1", "r", "/ecs/web", "s").is_err());
        sink.create_group("1", "r", "/ecs/web").unwrap();
        sink.create_group("1", "r", "/ecs/web").unwrap();
        sink.create_stream("1", "r", "/ecs/web", "web/app/1")
            .unwrap();
        sink.put(
            "1",
            "r",
            "/ecs/web",
            "web/app/1",
            vec![(2, "b".into()), (1, "a".into())],
        )
        .unwrap();
        assert!(sink.put("1", "r", "/ecs/web", "nope", vec![]).is_err());
        let count = sink.store.with("1", "r", |st| {
            st.group("/ecs/web").unwrap().streams["web/app/1"]
                .events
                .len()
        });
        assert_eq!(count, 2);
    }
}
