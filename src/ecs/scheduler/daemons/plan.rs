//! The daemon scheduler's decision for one pass, as a pure function of what runs where.
//!
//! Every eligible instance (ACTIVE, of one of the target revision's capacity providers) keeps
//! exactly one task of the target revision. An instance with no task gets one at once (new
//! instances are not held back by the rollout). An instance that runs an older revision is
//! replaced in place, in batches of `drainPercent` of the eligible instances: its old task is
//! stopped first and the new one starts once the old one has stopped (daemons share the
//! instance's daemon network namespace, so two revisions never run side by side). An instance
//! counts against the batch while an old task on it is stopping, while it waits for its new
//! task, and until that task has settled.

/// A task of the daemon, live on an eligible instance.
#[derive(Debug, Clone, PartialEq)]
pub struct SlotTask {
    pub arn: String,
    pub revision: String,
    pub running: bool,
    /// Healthy and RUNNING for the settle time.
    pub settled: bool,
    /// Asked to stop, not stopped yet.
    pub stopping: bool,
}

/// An eligible instance and the daemon's unstopped tasks on it.
#[derive(Debug, Clone, PartialEq)]
pub struct Slot {
    pub instance: String,
    pub tasks: Vec<SlotTask>,
}

/// What one pass does.
#[derive(Debug, Default, PartialEq)]
pub struct DaemonPlan {
    /// Instances to start a task of the target revision on.
    pub start_on: Vec<String>,
    /// Tasks to stop (older revisions being replaced, duplicates).
    pub stop: Vec<String>,
    /// Every eligible instance runs exactly one settled task of the target and nothing else.
    pub all_updated: bool,
}

/// Instances replaced at once: `drain_percent` of `instances`, rounded up, at least one.
pub fn batch_size(instances: usize, drain_percent: f64) -> usize {
    let pct = if drain_percent.is_finite() {
        drain_percent.clamp(0.0, 100.0)
    } else {
        25.0
    };
    ((instances as f64 * pct / 100.0).ceil() as usize).max(1)
}

/// The pass over `slots` for `target`; `may_start` is false once a deployment failed with
/// nothing to roll back to.
pub fn plan(target: &str, slots: &[Slot], batch: usize, may_start: bool) -> DaemonPlan {
    let mut out = DaemonPlan {
        all_updated: true,
        ..Default::default()
    };
    let mut in_flight = 0;
    let mut candidates: Vec<Vec<String>> = Vec::new();
    for slot in slots {
        let live: Vec<&SlotTask> = slot.tasks.iter().filter(|t| !t.stopping).collect();
        let stopping = slot.tasks.iter().any(|t| t.stopping);
        let (mut new, old): (Vec<&SlotTask>, Vec<&SlotTask>) =
            live.into_iter().partition(|t| t.revision == target);
        // Keep the task furthest along; stop any duplicate.
        new.sort_by_key(|t| (!t.settled, !t.running));
        out.stop.extend(new.iter().skip(1).map(|t| t.arn.clone()));
        let current = new.first();
        if current.is_some() {
            out.stop.extend(old.iter().map(|t| t.arn.clone()));
        }
        let settled = current.is_some_and(|t| t.settled);
        if !(settled && old.is_empty() && !stopping && new.len() == 1) {
            out.all_updated = false;
        }
        if stopping || current.is_some_and(|t| !t.settled) {
            in_flight += 1;
        }
        match (current, old.is_empty(), stopping) {
            (None, true, false) if may_start => out.start_on.push(slot.instance.clone()),
            (None, false, _) => candidates.push(old.iter().map(|t| t.arn.clone()).collect()),
            _ => {}
        }
    }
    if may_start {
        // An instance getting its task now is in flight too (it may be mid-replacement).
        in_flight += out.start_on.len();
        for old in candidates.into_iter().take(batch.saturating_sub(in_flight)) {
            out.stop.extend(old);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn task(arn: &str, revision: &str, settled: bool) -> SlotTask {
        SlotTask {
            arn: arn.into(),
            revision: revision.into(),
            running: settled,
            settled,
            stopping: false,
        }
    }

    fn slot(instance: &str, tasks: Vec<SlotTask>) -> Slot {
        Slot {
            instance: instance.into(),
            tasks,
        }
    }

    #[test]
    fn empty_instances_get_a_task_at_once() {
        let slots = vec![slot("i1", vec![]), slot("i2", vec![task("t", "r1", true)])];
        let p = plan("r1", &slots, 1, true);
        assert_eq!(p.start_on, vec!["i1".to_string()]);
        assert!(p.stop.is_empty());
        assert!(!p.all_updated);
        assert!(plan("r1", &slots, 1, false).start_on.is_empty());
    }

    #[test]
    fn a_rollout_replaces_a_batch_at_a_time_stop_first() {
        let slots: Vec<Slot> = (0..4)
            .map(|i| slot(&format!("i{i}"), vec![task(&format!("t{i}"), "r1", true)]))
            .collect();
        let p = plan("r2", &slots, batch_size(4, 50.0), true);
        assert_eq!(p.stop, vec!["t0".to_string(), "t1".to_string()]);
        assert!(p.start_on.is_empty());
        // t0 is stopping, t1 stopped: i1 gets its new task, nothing else moves.
        let mut next = slots.clone();
        next[0].tasks[0].stopping = true;
        next[1].tasks.clear();
        let p = plan("r2", &next, 2, true);
        assert_eq!(p.start_on, vec!["i1".to_string()]);
        assert!(p.stop.is_empty());
    }

    #[test]
    fn complete_when_every_instance_runs_one_settled_target() {
        let slots = vec![
            slot("i1", vec![task("a", "r2", true)]),
            slot("i2", vec![task("b", "r2", true), task("c", "r2", false)]),
        ];
        let p = plan("r2", &slots, 1, true);
        assert_eq!(p.stop, vec!["c".to_string()]);
        assert!(!p.all_updated);
        assert!(plan("r2", &slots[..1], 1, true).all_updated);
    }

    #[test]
    fn batch_sizes() {
        assert_eq!(batch_size(10, 25.0), 3);
        assert_eq!(batch_size(3, 0.0), 1);
        assert_eq!(batch_size(4, 100.0), 4);
        assert_eq!(batch_size(0, 25.0), 1);
    }
}
