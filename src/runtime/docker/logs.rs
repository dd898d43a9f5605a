//! Following a container's output through the engine's logs endpoint (`follow`, `timestamps`):
//! every line of stdout and stderr with the engine's own timestamp, until the container exits.

use crate::runtime::LogLine;
use bollard::container::LogOutput;
use bollard::query_parameters::LogsOptionsBuilder;
use bollard::Docker;
use futures_util::StreamExt;
use tokio::sync::mpsc;

/// Spawns the follower of the lines after `after_us` (epoch µs; `i64::MIN` for all); the channel
/// closes when the container's output ends (it exited, or the engine went away).
pub fn follow(docker: Docker, id: String, after_us: i64) -> mpsc::UnboundedReceiver<LogLine> {
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        let mut last = after_us;
        let from = if after_us == i64::MIN {
            0
        } else {
            (after_us / 1_000_000) as i32
        };
        if !pass(&docker, &id, true, from, &mut last, &tx).await {
            return;
        }
        // The engine may end a follow before it has written a last line without a newline
        // (the container exited): read once more what came after the last line seen.
        let since = if last == i64::MIN {
            0
        } else {
            (last / 1_000_000) as i32
        };
        pass(&docker, &id, false, since, &mut last, &tx).await;
    });
    rx
}

/// One read of the logs (following or not) from `since` (epoch seconds); sends the lines after
/// `last` (µs) and moves it on. `false` once the receiver is gone.
async fn pass(
    docker: &Docker,
    id: &str,
    follow: bool,
    since: i32,
    last: &mut i64,
    tx: &mpsc::UnboundedSender<LogLine>,
) -> bool {
    let options = LogsOptionsBuilder::new()
        .follow(follow)
        .stdout(true)
        .stderr(true)
        .timestamps(true)
        .since(since)
        .build();
    let mut stream = docker.logs(id, Some(options));
    while let Some(Ok(frame)) = stream.next().await {
        let (bytes, stderr) = match frame {
            LogOutput::StdOut { message } | LogOutput::Console { message } => (message, false),
            LogOutput::StdErr { message } => (message, true),
            LogOutput::StdIn { .. } => continue,
        };
        for line in lines(&bytes, stderr) {
            if line.timestamp_us <= *last && !follow {
                continue;
            }
            *last = (*last).max(line.timestamp_us);
            if tx.send(line).is_err() {
                return false;
            }
        }
    }
    true
}

/// The lines of one frame: `<RFC 3339 timestamp> <text>` each; a line without a readable
/// timestamp keeps the time of the one before (or 0).
pub fn lines(bytes: &[u8], stderr: bool) -> Vec<LogLine> {
    let text = String::from_utf8_lossy(bytes);
    let mut last = 0;
    text.split_terminator('\n')
        .map(|raw| {
            let raw = raw.strip_suffix('\r').unwrap_or(raw);
            let (stamp, body) = raw.split_once(' ').unwrap_or((raw, ""));
            let (timestamp_us, text) = match crate::core::clock::parse_rfc3339_us(stamp) {
                Some(ms) => (ms, body.to_string()),
                None => (last, raw.to_string()),
            };
            last = timestamp_us;
            LogLine {
                timestamp_us,
                stderr,
                text,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_split_into_timestamped_lines() {
        let got = lines(
            b"2026-12-06T03:22:00.123456789Z hello world\n2026-12-06T03:22:01Z second\n",
            true,
        );
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].text, "hello world");
        assert_eq!(got[1].timestamp_us - got[0].timestamp_us, 876_544);
        assert!(got[1].stderr);
        let plain = lines(b"no stamp here\n", false);
        assert_eq!(
            (plain[0].timestamp_us, plain[0].text.as_str()),
            (0, "no stamp here")
        );
    }
}
