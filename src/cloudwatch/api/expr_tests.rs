//! Metric math over two metrics, `m1` (labelled "errors") and `m2` ("requests").

use super::*;

fn series(points: &[(i64, f64)]) -> Series {
    points.iter().copied().collect()
}

const GRID: [i64; 4] = [0, 60, 120, 180];

fn run(text: &str) -> Result<Val, String> {
    let lookup = |id: &str| match id {
        "m1" => Some(Val::Series(series(&[(0, 2.0), (60, 4.0)]))),
        "m2" => Some(Val::Series(series(&[(0, 8.0), (60, 0.0), (120, 1.0)]))),
        _ => None,
    };
    let metrics = [
        ("m1".into(), "errors".into()),
        ("m2".into(), "requests".into()),
    ];
    let inputs = Inputs {
        lookup: &lookup,
        metrics: &metrics,
        grid: &GRID,
    };
    eval(text, &inputs)
}

#[test]
fn arithmetic_and_functions() {
    assert_eq!(
        run("m1 + m2").unwrap(),
        Val::Series(series(&[(0, 10.0), (60, 4.0)]))
    );
    assert_eq!(
        run("m1 / m2 * 100").unwrap(),
        Val::Series(series(&[(0, 25.0)]))
    );
    assert_eq!(
        run("(m1 + 2) * 2").unwrap(),
        Val::Series(series(&[(0, 8.0), (60, 12.0)]))
    );
    assert_eq!(
        run("-m1").unwrap(),
        Val::Series(series(&[(0, -2.0), (60, -4.0)]))
    );
    assert_eq!(
        run("SUM([m1, m2])").unwrap(),
        Val::Series(series(&[(0, 10.0), (60, 4.0), (120, 1.0)]))
    );
    assert_eq!(
        run("MAX([m1, m2])").unwrap(),
        Val::Series(series(&[(0, 8.0), (60, 4.0), (120, 1.0)]))
    );
    assert_eq!(run("AVG(m1)").unwrap(), Val::Scalar(3.0));
    assert!(run("m3 + 1").is_err());
    assert!(run("LOG(m1)").is_err());
    assert!(run("m1 +").is_err());
}

#[test]
fn rate_and_fill() {
    assert_eq!(
        run("RATE(m2)").unwrap(),
        Val::Series(series(&[(60, -8.0 / 60.0), (120, 1.0 / 60.0)]))
    );
    assert_eq!(
        run("FILL(m1, 0)").unwrap(),
        Val::Series(series(&[(0, 2.0), (60, 4.0), (120, 0.0), (180, 0.0)]))
    );
    assert_eq!(
        run("FILL(m1, REPEAT)").unwrap(),
        Val::Series(series(&[(0, 2.0), (60, 4.0), (120, 4.0), (180, 4.0)]))
    );
    let gap = |id: &str| (id == "g").then(|| Val::Series(series(&[(0, 1.0), (180, 4.0)])));
    let inputs = Inputs {
        lookup: &gap,
        metrics: &[],
        grid: &GRID,
    };
    assert_eq!(
        eval("FILL(g, LINEAR)", &inputs).unwrap(),
        Val::Series(series(&[(0, 1.0), (60, 2.0), (120, 3.0), (180, 4.0)]))
    );
    assert_eq!(
        run("SUM(FILL([m1, m2], 1))").unwrap(),
        Val::Series(series(&[(0, 10.0), (60, 4.0), (120, 2.0), (180, 2.0)]))
    );
    assert!(run("FILL(m1, NEAREST)").is_err());
    assert!(run("RATE(3)").is_err());
}

#[test]
fn metrics_lists_the_requests_metrics() {
    assert_eq!(
        run("SUM(METRICS())").unwrap(),
        Val::Series(series(&[(0, 10.0), (60, 4.0), (120, 1.0)]))
    );
    assert_eq!(
        run("MAX(METRICS(\"m2\"))").unwrap(),
        Val::Series(series(&[(0, 8.0), (60, 0.0), (120, 1.0)]))
    );
    assert_eq!(
        run("METRICS('1') * 10").unwrap(),
        Val::List(vec![("errors".into(), series(&[(0, 20.0), (60, 40.0)]))])
    );
    let Val::List(filled) = run("FILL(METRICS(), 0)").unwrap() else {
        panic!("a list")
    };
    let labels: Vec<&str> = filled.iter().map(|(l, _)| l.as_str()).collect();
    assert_eq!(labels, ["errors", "requests"]);
    assert_eq!(filled[0].1.len(), 4, "every period filled");
    assert!(run("METRICS() + METRICS()").is_err());
    assert!(run("METRICS(\"open").is_err());
}
