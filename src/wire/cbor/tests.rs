//! The CBOR codec against RFC 8949's examples, hostile input and round trips.

use super::*;
use serde_json::json;

fn hex(s: &str) -> Vec<u8> {
    let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn dec(s: &str) -> Value {
    decode_value(&hex(s)).unwrap_or_else(|e| panic!("{s}: {e}"))
}

#[test]
fn rfc8949_appendix_a_integers() {
    let cases: &[(&str, Value)] = &[
        ("00", json!(0)),
        ("01", json!(1)),
        ("0a", json!(10)),
        ("17", json!(23)),
        ("1818", json!(24)),
        ("1819", json!(25)),
        ("1864", json!(100)),
        ("18ff", json!(255)),
        ("190100", json!(256)),
        ("1903e8", json!(1000)),
        ("19ffff", json!(65535)),
        ("1a00010000", json!(65536)),
        ("1a000f4240", json!(1000000)),
        ("1affffffff", json!(4294967295u64)),
        ("1b0000000100000000", json!(4294967296u64)),
        ("1b000000e8d4a51000", json!(1000000000000u64)),
        ("1bffffffffffffffff", json!(18446744073709551615u64)),
        ("20", json!(-1)),
        ("29", json!(-10)),
        ("3863", json!(-100)),
        ("3903e7", json!(-1000)),
        ("3b7fffffffffffffff", json!(i64::MIN)),
    ];
    for (h, v) in cases {
        assert_eq!(&dec(h), v, "{h}");
        assert_eq!(encode(v), hex(h), "{v}");
    }
    // -2^64 does not fit in an i64.
    assert!(decode_value(&hex("3bffffffffffffffff")).is_err());
}

#[test]
fn integer_width_boundaries_round_trip() {
    let mut values: Vec<i128> = vec![
        0,
        23,
        24,
        255,
        256,
        65535,
        65536,
        1 << 32,
        u32::MAX as i128,
        i64::MAX as i128,
        u64::MAX as i128,
    ];
    values.extend(
        values
            .clone()
            .iter()
            .map(|v| -v - 1)
            .filter(|v| *v >= i64::MIN as i128),
    );
    for v in values {
        let value = if v >= 0 {
            json!(v as u64)
        } else {
            json!(v as i64)
        };
        let bytes = encode(&value);
        assert_eq!(decode_value(&bytes).unwrap(), value, "{v}");
        let arg = if v < 0 { (-v - 1) as u64 } else { v as u64 };
        let expected_len = match arg {
            0..=23 => 1,
            24..=0xff => 2,
            0x100..=0xffff => 3,
            0x1_0000..=0xffff_ffff => 5,
            _ => 9,
        };
        assert_eq!(bytes.len(), expected_len, "{v}");
    }
}

#[test]
fn rfc8949_appendix_a_floats() {
    let cases: &[(&str, f64)] = &[
        ("f90000", 0.0),
        ("f98000", -0.0),
        ("f93c00", 1.0),
        ("fb3ff199999999999a", 1.1),
        ("f93e00", 1.5),
        ("f97bff", 65504.0),
        ("fa47c35000", 100000.0),
        ("fa7f7fffff", 3.4028234663852886e+38),
        ("fb7e37e43c8800759c", 1.0e+300),
        ("f90001", 5.960464477539063e-8),
        ("f90400", 0.00006103515625),
        ("f9c400", -4.0),
        ("fbc010666666666666", -4.1),
    ];
    for (h, f) in cases {
        let v = dec(h);
        assert_eq!(v.as_f64(), Some(*f), "{h}");
        assert_eq!(
            v.as_f64().map(f64::is_sign_negative),
            Some(f.is_sign_negative()),
            "{h}"
        );
    }
    for (h, s) in [
        ("f97c00", "Infinity"),
        ("f97e00", "NaN"),
        ("f9fc00", "-Infinity"),
        ("fa7f800000", "Infinity"),
        ("fbfff0000000000000", "-Infinity"),
        ("fb7ff8000000000000", "NaN"),
    ] {
        assert_eq!(dec(h), json!(s), "{h}");
    }
    assert_eq!(encode(&json!(1.1)), hex("fb3ff199999999999a"));
    assert_eq!(encode(&json!(-4.0)), hex("fbc010000000000000"));
    assert_eq!(decode_value(&encode(&json!(0.5))).unwrap(), json!(0.5));
}

#[test]
fn rfc8949_appendix_a_other_items() {
    assert_eq!(dec("f4"), json!(false));
    assert_eq!(dec("f5"), json!(true));
    assert_eq!(dec("f6"), Value::Null);
    assert_eq!(dec("f7"), Value::Null);
    assert_eq!(dec("c11a514b67b0"), json!(1363896240));
    assert_eq!(dec("c1fb41d452d9ec200000"), json!(1363896240.5));
    assert_eq!(dec("d74401020304"), json!("AQIDBA=="));
    assert_eq!(dec("d818456449455446"), json!("ZElFVEY="));
    assert_eq!(
        dec("d82076687474703a2f2f7777772e6578616d706c652e636f6d"),
        json!("http://www.example.com")
    );
    assert_eq!(dec("40"), json!(""));
    assert_eq!(dec("4401020304"), json!("AQIDBA=="));
    assert_eq!(dec("60"), json!(""));
    assert_eq!(dec("6161"), json!("a"));
    assert_eq!(dec("6449455446"), json!("IETF"));
    assert_eq!(dec("62225c"), json!("\"\\"));
    assert_eq!(dec("62c3bc"), json!("\u{fc}"));
    assert_eq!(dec("63e6b0b4"), json!("\u{6c34}"));
    assert_eq!(dec("64f0908591"), json!("\u{10151}"));
    assert_eq!(dec("80"), json!([]));
    assert_eq!(dec("83010203"), json!([1, 2, 3]));
    assert_eq!(dec("8301820203820405"), json!([1, [2, 3], [4, 5]]));
    let long = "98190102030405060708090a0b0c0d0e0f101112131415161718181819";
    assert_eq!(dec(long), Value::Array((1..=25).map(Value::from).collect()));
    assert_eq!(encode(&dec(long)), hex(long));
    assert_eq!(dec("a0"), json!({}));
    assert_eq!(dec("a26161016162820203"), json!({"a": 1, "b": [2, 3]}));
    assert_eq!(dec("826161a161626163"), json!(["a", {"b": "c"}]));
    assert_eq!(
        dec("a56161614161626142616361436164614461656145"),
        json!({"a":"A","b":"B","c":"C","d":"D","e":"E"})
    );
    for h in [
        "a26161016162820203",
        "826161a161626163",
        "6449455446",
        "f5",
        "f6",
    ] {
        assert_eq!(encode(&dec(h)), hex(h), "{h}");
    }
}

#[test]
fn rfc8949_appendix_a_indefinite_lengths() {
    assert_eq!(dec("5f42010243030405ff"), json!("AQIDBAU="));
    assert_eq!(dec("7f657374726561646d696e67ff"), json!("streaming"));
    assert_eq!(dec("9fff"), json!([]));
    assert_eq!(dec("9f018202039f0405ffff"), json!([1, [2, 3], [4, 5]]));
    assert_eq!(dec("9f01820203820405ff"), json!([1, [2, 3], [4, 5]]));
    assert_eq!(dec("83018202039f0405ff"), json!([1, [2, 3], [4, 5]]));
    assert_eq!(dec("83019f0203ff820405"), json!([1, [2, 3], [4, 5]]));
    let long = "9f0102030405060708090a0b0c0d0e0f101112131415161718181819ff";
    assert_eq!(dec(long), Value::Array((1..=25).map(Value::from).collect()));
    assert_eq!(dec("bf61610161629f0203ffff"), json!({"a": 1, "b": [2, 3]}));
    assert_eq!(dec("826161bf61626163ff"), json!(["a", {"b": "c"}]));
    assert_eq!(
        dec("bf6346756ef563416d7421ff"),
        json!({"Fun": true, "Amt": -2})
    );
    assert_eq!(dec("7fff"), json!(""));
}

#[test]
fn decode_request_maps() {
    assert!(decode(b"").unwrap().is_empty());
    let body = encode(
        &json!({"name": "x", "nested": {"list": [1, -2, 3.5, null, true], "deep": {"a": []}}}),
    );
    let map = decode(&body).unwrap();
    assert_eq!(
        Value::Object(map),
        json!({"name": "x", "nested": {"list": [1, -2, 3.5, null, true], "deep": {"a": []}}})
    );
    for not_a_map in ["83010203", "6161", "f6", "01"] {
        assert_eq!(
            decode(&hex(not_a_map)).unwrap_err().code,
            "SerializationException",
            "{not_a_map}"
        );
    }
    // A timestamp member, as SDKs send it.
    let map = decode(&hex("a1695468656e4669656c64c1fb41d452d9ec200000")).unwrap();
    assert_eq!(map["ThenField"], json!(1363896240.5));
}

#[test]
fn hostile_inputs_are_errors() {
    let mut deep = vec![0x81; 10_000];
    deep.push(0x00);
    let mut deep_map = Vec::new();
    for _ in 0..200 {
        deep_map.extend_from_slice(&hex("a16161"));
    }
    deep_map.push(0x00);
    let mut deep_tags = vec![0xc6; 1000];
    deep_tags.push(0x00);
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("truncated int", hex("a161611a0001")),
        ("truncated head", hex("a1616119")),
        ("truncated text", hex("a161616461")),
        ("truncated map", hex("a2616101")),
        ("unterminated indefinite array", hex("a161619f0102")),
        ("unterminated indefinite map", hex("bf616101")),
        ("unterminated indefinite string", hex("a161617f6161")),
        ("deep arrays", deep),
        ("deep maps", deep_map),
        ("deep tags", deep_tags),
        ("huge byte string", hex("a161615b7fffffffffffffff00")),
        ("huge text", hex("a161617b8000000000000000")),
        ("huge array", hex("a161619b7fffffffffffffff")),
        ("huge map", hex("bb7fffffffffffffff")),
        ("invalid utf-8", hex("a1616162c328")),
        ("invalid utf-8 key", hex("a162ff0001")),
        ("invalid utf-8 chunk", hex("a161617f61c361bcff")),
        ("int key", hex("a10101")),
        ("bytes key", hex("a1416101")),
        ("array key", hex("a1800001")),
        ("trailing bytes", hex("a0a0")),
        ("trailing garbage", hex("a161610100")),
        ("stray break", hex("a16161ff")),
        ("break at top", hex("ff")),
        ("break in definite array", hex("a1616182ff01")),
        ("reserved info", hex("a161611c")),
        ("indefinite int", hex("a161611f")),
        ("indefinite tag", hex("a16161df00")),
        ("mixed chunk", hex("a161617f4161ff")),
        ("nested indefinite chunk", hex("a161617f7f6161ffff")),
        ("simple value", hex("a16161f0")),
        ("two-byte simple", hex("a16161f820")),
        ("bignum", hex("a16161c249010000000000000000")),
        ("decimal fraction", hex("a16161c48221196ab3")),
        ("epoch on text", hex("a16161c16161")),
        ("negative overflow", hex("a161613bffffffffffffffff")),
    ];
    for (name, bytes) in cases {
        let err = decode(&bytes).unwrap_err();
        assert_eq!(
            (err.code.as_str(), err.status),
            ("SerializationException", 400),
            "{name}"
        );
    }
    // Exactly at the depth cap is fine: the map is depth 0, its value depth 1.
    let mut body = hex("a16161");
    body.extend(std::iter::repeat_n(0x81, MAX_DEPTH - 1));
    body.push(0x00);
    assert!(decode(&body).is_ok());
}

#[test]
fn fuzz_never_panics() {
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let seeds = [
        hex("bf61610161629f0203ffff"),
        hex("a26161016162820203"),
        encode(&json!({"k": [1.5, "x", {"y": null}]})),
    ];
    for i in 0..5000 {
        let len = (next() % 48) as usize;
        let mut bytes: Vec<u8> = if i % 2 == 0 {
            (0..len).map(|_| next() as u8).collect()
        } else {
            // Mutations of valid documents reach deeper paths than pure noise.
            let mut b = seeds[i % seeds.len()].clone();
            for _ in 0..1 + next() % 3 {
                let at = (next() as usize) % b.len();
                b[at] = next() as u8;
            }
            b
        };
        if i % 7 == 0 {
            bytes.truncate((next() as usize) % (bytes.len() + 1));
        }
        let _ = decode(&bytes);
        if let Ok(v) = decode_value(&bytes) {
            // Whatever decodes must re-encode and decode to the same document.
            assert_eq!(decode_value(&encode(&v)).unwrap(), v, "{bytes:02x?}");
        }
    }
}

#[test]
fn error_envelope() {
    let err = WireError::new("ResourceNotFoundException", 404, "No such thing.");
    let r = encode_error(&err);
    assert_eq!(r.status, 404);
    assert!(r
        .headers
        .contains(&("content-type", "application/cbor".into())));
    assert!(r
        .headers
        .contains(&("smithy-protocol", "rpc-v2-cbor".into())));
    assert!(!r.headers.iter().any(|(k, _)| *k == "x-amzn-query-error"));
    let v = decode_value(&r.body).unwrap();
    assert_eq!(
        v,
        json!({"__type": "com.amazonaws.localecs#ResourceNotFoundException", "message": "No such thing."})
    );

    let r = encode_error_for(
        &WireError::new("ResourceNotFound", 400, "m"),
        "com.amazonaws.cloudwatch",
        true,
    );
    assert_eq!(
        decode_value(&r.body).unwrap()["__type"],
        "com.amazonaws.cloudwatch#ResourceNotFound"
    );
    assert!(r
        .headers
        .contains(&("x-amzn-query-error", "ResourceNotFound;Sender".into())));
    let r = encode_error_for(
        &WireError::new("a.b#InternalFailure", 500, "m"),
        "ignored",
        true,
    );
    assert_eq!(
        decode_value(&r.body).unwrap()["__type"],
        "a.b#InternalFailure"
    );
    assert!(r
        .headers
        .contains(&("x-amzn-query-error", "InternalFailure;Receiver".into())));

    let ok = encode_ok(&json!({"a": 1}));
    assert_eq!(
        (ok.status, decode(&ok.body).unwrap()["a"].clone()),
        (200, json!(1))
    );
}
