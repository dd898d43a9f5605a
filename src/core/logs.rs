//! What other services may do with CloudWatch Logs (the ECS `awslogs` driver, later): make sure
//! a group and a stream exist and append events. Implemented by the Logs service and handed out
//! as `Logs::sink()`, so no service imports Logs' state or handlers.

/// A place to write log events, per account and region.
pub trait LogSink: Send + Sync {
    fn group_exists(&self, account: &str, region: &str, group: &str) -> bool;

    /// Creates the group if it is missing (`awslogs-create-group`); an invalid name is an error.
    fn create_group(&self, account: &str, region: &str, group: &str) -> Result<(), String>;

    /// Creates the stream if it is missing; the group must exist.
    fn create_stream(
        &self,
        account: &str,
        region: &str,
        group: &str,
        stream: &str,
    ) -> Result<(), String>;

    /// Appends events (epoch-ms timestamp, message) in any order; events older than the
    /// group's retention are dropped, as PutLogEvents would reject them.
    fn put(
        &self,
        account: &str,
        region: &str,
        group: &str,
        stream: &str,
        events: Vec<(i64, String)>,
    ) -> Result<(), String>;

    /// The timestamp (epoch ms) of the stream's newest event, if it has any: where delivery to
    /// it resumes after a restart.
    fn last_event_ms(
        &self,
        _account: &str,
        _region: &str,
        _group: &str,
        _stream: &str,
    ) -> Option<i64> {
        None
    }
}
