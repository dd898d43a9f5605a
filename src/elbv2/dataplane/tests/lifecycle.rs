//! The listener's life and its robustness: bind errors, drop, idle clients, broken clients, and
//! the TCP splice.

use super::*;

/// A plan whose idle timeout outlasts the test: connections end only because the handle drops.
fn patient(mut plan: Arc<ListenerPlan>) -> Arc<ListenerPlan> {
    Arc::get_mut(&mut plan).unwrap().idle_timeout = Duration::from_secs(60);
    plan
}

/// Waits (up to 200 ms, well under any timeout of the plan) for `condition` to hold.
async fn promptly(condition: impl Fn() -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_millis(200);
    while !condition() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "condition never held"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

// On the server's kind of runtime, where the accept task may be running on another worker.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_the_handle_closes_the_port_and_open_connections() {
    let (a, _) = target("a").await;
    let lb = bind(patient(http_plan(forward(group(
        vec![plan_target("a", Some(a))],
        None,
    )))));
    let addr = lb.local_addr();
    let mut open = TcpStream::connect(addr).await.unwrap();
    open.write_all(b"GET / HTTP/1.1\r\nhost: x\r\n\r\n")
        .await
        .unwrap();
    let mut buf = vec![0u8; 4096];
    assert!(open.read(&mut buf).await.unwrap() > 0);
    drop(lb);
    // A blocking connect, so the runtime gets no chance to run the aborted tasks first.
    assert!(
        std::net::TcpStream::connect(addr).is_err(),
        "port still open"
    );
    let closed = tokio::time::timeout(Duration::from_millis(200), async {
        loop {
            match open.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(_) => {}
            }
        }
    });
    closed.await.expect("open connection not closed");
}

#[tokio::test]
async fn bind_errors_are_returned_at_once() {
    let taken = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let result = ListenerHandle::bind(
        taken.local_addr().unwrap(),
        http_plan(forward(group(vec![], None))),
    );
    assert!(result.is_err());
}

#[tokio::test]
async fn tcp_listener_splices_to_a_target_skipping_a_refused_one() {
    let echo = echo_target().await;
    let refused = refused_port().await;
    let tcp = group(
        vec![
            plan_target("dead", Some(refused)),
            plan_target("echo", Some(echo)),
        ],
        None,
    );
    let lb = bind(plan(
        ListenerProtocol::Tcp,
        vec![RulePlan {
            conditions: vec![],
            action: forward(tcp),
        }],
    ));
    for _ in 0..2 {
        let mut conn = TcpStream::connect(lb.local_addr()).await.unwrap();
        conn.write_all(b"ping").await.unwrap();
        let mut buf = [0u8; 4];
        conn.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"ping");
    }
}

#[tokio::test]
async fn tcp_listener_without_targets_closes_the_connection() {
    let lb = bind(plan(
        ListenerProtocol::Tcp,
        vec![RulePlan {
            conditions: vec![],
            action: forward(group(vec![], None)),
        }],
    ));
    let mut conn = TcpStream::connect(lb.local_addr()).await.unwrap();
    let mut buf = [0u8; 1];
    let read = tokio::time::timeout(Duration::from_secs(2), conn.read(&mut buf))
        .await
        .unwrap();
    assert!(matches!(read, Ok(0) | Err(_)));
}

#[tokio::test]
async fn idle_client_connections_close_after_the_idle_timeout() {
    let lb = bind(http_plan(ActionPlan::FixedResponse {
        status: 200,
        content_type: None,
        body: None,
    }));
    let mut conn = TcpStream::connect(lb.local_addr()).await.unwrap();
    let started = std::time::Instant::now();
    let mut buf = [0u8; 1];
    let read = tokio::time::timeout(Duration::from_secs(5), conn.read(&mut buf))
        .await
        .expect("idle connection kept open");
    assert!(matches!(read, Ok(0) | Err(_)));
    // The plan's 300 ms are raised to ELBv2's minimum of 1 s.
    assert!(started.elapsed() >= Duration::from_millis(900));
}

#[tokio::test]
async fn broken_clients_affect_only_their_connection() {
    let (a, _) = target("a").await;
    let silent = silent_target().await;
    let slow = RulePlan {
        conditions: vec![Condition::PathPattern(vec!["/slow".into()])],
        action: forward(group(vec![plan_target("s", Some(silent))], None)),
    };
    let default = RulePlan {
        conditions: vec![],
        action: forward(group(vec![plan_target("a", Some(a))], None)),
    };
    let lb = bind(plan(ListenerProtocol::Http, vec![slow, default]));
    // Garbage, half a request, and a client leaving while its target hangs.
    let garbage = exchange_raw(&lb, b"\x00\x01\x02 nonsense\r\n\r\n").await;
    assert!(
        garbage.is_empty() || garbage.starts_with("HTTP/1.1 400"),
        "{garbage}"
    );
    let mut half = TcpStream::connect(lb.local_addr()).await.unwrap();
    half.write_all(b"GET / HTTP/1.1\r\nHo").await.unwrap();
    drop(half);
    let mut leaving = TcpStream::connect(lb.local_addr()).await.unwrap();
    leaving
        .write_all(b"GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    drop(leaving);
    assert_eq!(name(&get(&lb, "/", &[]).await), "a");
}

#[tokio::test]
async fn dropping_the_handle_ends_every_task_it_started() {
    let (a, _) = target("a").await;
    let silent = silent_target().await;
    let metrics = tokio::runtime::Handle::current().metrics();
    let baseline = metrics.num_alive_tasks();
    let slow = RulePlan {
        conditions: vec![Condition::PathPattern(vec!["/slow".into()])],
        action: forward(group(vec![plan_target("s", Some(silent))], None)),
    };
    let default = RulePlan {
        conditions: vec![],
        action: forward(group(vec![plan_target("a", Some(a))], None)),
    };
    let lb = bind(patient(plan(ListenerProtocol::Http, vec![slow, default])));
    for _ in 0..3 {
        assert_eq!(name(&get(&lb, "/", &[]).await), "a");
    }
    // A client waiting on a target that never answers, and an idle one.
    let mut waiting = TcpStream::connect(lb.local_addr()).await.unwrap();
    waiting
        .write_all(b"GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let _idle = TcpStream::connect(lb.local_addr()).await.unwrap();
    eventually(|| metrics.num_alive_tasks() >= baseline + 3).await;
    drop(lb);
    // Listener, client connections, pooled target connections (and the targets' side of them).
    promptly(|| metrics.num_alive_tasks() == baseline).await;
}

#[tokio::test]
async fn tcp_connections_idle_out() {
    let echo = echo_target().await;
    let tcp = group(vec![plan_target("echo", Some(echo))], None);
    let lb = bind(plan(
        ListenerProtocol::Tcp,
        vec![RulePlan {
            conditions: vec![],
            action: forward(tcp),
        }],
    ));
    let mut conn = TcpStream::connect(lb.local_addr()).await.unwrap();
    let mut buf = [0u8; 4];
    // Traffic keeps it open past the 300 ms idle timeout…
    for _ in 0..3 {
        tokio::time::sleep(Duration::from_millis(150)).await;
        conn.write_all(b"ping").await.unwrap();
        conn.read_exact(&mut buf).await.unwrap();
    }
    // …silence closes it.
    let started = std::time::Instant::now();
    let read = tokio::time::timeout(Duration::from_secs(2), conn.read(&mut buf))
        .await
        .expect("idle connection kept open");
    assert!(matches!(read, Ok(0) | Err(_)));
    assert!(started.elapsed() >= Duration::from_millis(250));
}

#[tokio::test]
async fn a_body_stalling_past_the_idle_timeout_closes_the_connection() {
    let stalling = stalling_target().await;
    let lb = bind(http_plan(forward(group(
        vec![plan_target("s", Some(stalling))],
        None,
    ))));
    let started = std::time::Instant::now();
    let answer = exchange_raw(&lb, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.ends_with("abc"), "{answer}");
    assert!(started.elapsed() >= Duration::from_millis(300));
}
