//! Smithy RPC v2 CBOR: <https://smithy.io/2.0/additional-specs/protocols/smithy-rpc-v2.html>,
//! over CBOR as RFC 8949 defines it. A dependency-free codec between CBOR and `serde_json::Value`,
//! the document model every protocol decodes into.
//!
//! Decoding choices, without a model:
//! - byte strings become standard base64 text (how the JSON protocols carry blobs);
//! - tag 1 (epoch time) becomes its number; tags 2–5 (bignums, decimal fractions, bigfloats)
//!   are rejected, as the spec requires of implementations without arbitrary precision;
//!   any other tag is transparent;
//! - `undefined` becomes `null` (the spec requires it);
//! - NaN and ±infinity, which JSON numbers cannot hold, become the strings `"NaN"`,
//!   `"Infinity"` and `"-Infinity"`, exactly as the AWS JSON protocols write them;
//! - negative integers below `i64::MIN` are rejected; unsigned ones up to `u64::MAX` are kept;
//! - duplicate map keys: the later one wins.
//!
//! Hostile input never panics: nesting is capped at [`MAX_DEPTH`], declared lengths are checked
//! against the bytes left before anything is allocated, and trailing bytes are an error.

use super::{base64, WireError, WireResponse};
use bytes::Bytes;
use serde_json::{Map, Number, Value};

/// Deepest nesting of arrays, maps and tags accepted when decoding.
pub const MAX_DEPTH: usize = 64;

/// The namespace [`encode_error`] puts in front of codes that are not already shape ids.
pub const FALLBACK_NAMESPACE: &str = "com.amazonaws.localecs";

/// Decodes a request body (a CBOR map; empty body = empty map) into a JSON-like object.
pub fn decode(body: &[u8]) -> Result<Map<String, Value>, WireError> {
    if body.is_empty() {
        return Ok(Map::new());
    }
    let mut reader = Reader { buf: body, pos: 0 };
    let malformed = |pos: usize, why: &str| {
        WireError::new(
            "SerializationException",
            400,
            format!("The request body is not valid CBOR: {why} (at byte {pos})."),
        )
    };
    let value = reader.item(0).map_err(|why| malformed(reader.pos, why))?;
    if reader.pos != body.len() {
        return Err(malformed(
            reader.pos,
            "trailing bytes after the top-level item",
        ));
    }
    match value {
        Value::Object(map) => Ok(map),
        _ => Err(WireError::new(
            "SerializationException",
            400,
            "Start of structure or map expected, but the request body is not a CBOR map.",
        )),
    }
}

/// Decodes any single CBOR item (not only a map), with the same rules as [`decode`].
pub fn decode_value(body: &[u8]) -> Result<Value, String> {
    let mut reader = Reader { buf: body, pos: 0 };
    let value = reader
        .item(0)
        .map_err(|why| format!("{why} (at byte {})", reader.pos))?;
    if reader.pos != body.len() {
        return Err(format!(
            "trailing bytes after the top-level item (at byte {})",
            reader.pos
        ));
    }
    Ok(value)
}

struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

type Step<T> = Result<T, &'static str>;

const BREAK: u8 = 0xff;

impl<'a> Reader<'a> {
    fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    fn peek(&self) -> Step<u8> {
        self.buf
            .get(self.pos)
            .copied()
            .ok_or("unexpected end of input")
    }

    fn take(&mut self, n: u64) -> Step<&'a [u8]> {
        if n > self.remaining() as u64 {
            return Err("declared length exceeds the input");
        }
        let start = self.pos;
        self.pos += n as usize;
        Ok(&self.buf[start..self.pos])
    }

    fn uint(&mut self, width: u64) -> Step<u64> {
        Ok(self
            .take(width)?
            .iter()
            .fold(0u64, |n, &b| (n << 8) | u64::from(b)))
    }

    /// The argument of an initial byte; `None` for indefinite length (additional info 31).
    fn argument(&mut self, info: u8) -> Step<Option<u64>> {
        match info {
            0..=23 => Ok(Some(u64::from(info))),
            24 => self.uint(1).map(Some),
            25 => self.uint(2).map(Some),
            26 => self.uint(4).map(Some),
            27 => self.uint(8).map(Some),
            31 => Ok(None),
            _ => Err("reserved additional information (28-30)"),
        }
    }

    fn item(&mut self, depth: usize) -> Step<Value> {
        if depth > MAX_DEPTH {
            return Err("nesting too deep");
        }
        let initial = self.peek()?;
        self.pos += 1;
        let (major, info) = (initial >> 5, initial & 0x1f);
        if major == 7 {
            return self.simple(info);
        }
        let arg = self.argument(info)?;
        match (major, arg) {
            (0, Some(n)) => Ok(Value::from(n)),
            (1, Some(n)) => i64::try_from(n)
                .map(|n| Value::from(-1 - n))
                .map_err(|_| "negative integer out of range"),
            (2, _) => self
                .string(2, arg)
                .map(|b| Value::String(base64::encode(&b))),
            (3, _) => String::from_utf8(self.string(3, arg)?)
                .map(Value::String)
                .map_err(|_| "invalid UTF-8 in a text string"),
            (4, _) => self.array(arg, depth),
            (5, _) => self.map(arg, depth).map(Value::Object),
            (6, Some(tag)) => self.tagged(tag, depth),
            _ => Err("indefinite length on an integer or tag"),
        }
    }

    fn simple(&mut self, info: u8) -> Step<Value> {
        let float = match info {
            20 => return Ok(Value::Bool(false)),
            21 => return Ok(Value::Bool(true)),
            22 | 23 => return Ok(Value::Null),
            25 => f16_to_f64(self.uint(2)? as u16),
            26 => f64::from(f32::from_bits(self.uint(4)? as u32)),
            27 => f64::from_bits(self.uint(8)?),
            31 => return Err("unexpected break"),
            _ => return Err("unsupported simple value"),
        };
        Ok(float_value(float))
    }

    /// The bytes of a byte string (major 2) or text string (major 3), definite or chunked.
    fn string(&mut self, major: u8, len: Option<u64>) -> Step<Vec<u8>> {
        if let Some(n) = len {
            return Ok(self.take(n)?.to_vec());
        }
        let mut out = Vec::new();
        loop {
            let initial = self.peek()?;
            self.pos += 1;
            if initial == BREAK {
                return Ok(out);
            }
            if initial >> 5 != major {
                return Err("indefinite-length string chunk of another major type");
            }
            let n = self
                .argument(initial & 0x1f)?
                .ok_or("nested indefinite-length string chunk")?;
            let chunk = self.take(n)?;
            // RFC 8949 §3.2.3: every text chunk must be valid UTF-8 on its own.
            if major == 3 && std::str::from_utf8(chunk).is_err() {
                return Err("invalid UTF-8 in a text string chunk");
            }
            out.extend_from_slice(chunk);
        }
    }

    /// Whether the next byte ends an indefinite container (and consumes it if so).
    fn at_break(&mut self) -> Step<bool> {
        if self.peek()? == BREAK {
            self.pos += 1;
            return Ok(true);
        }
        Ok(false)
    }

    fn array(&mut self, len: Option<u64>, depth: usize) -> Step<Value> {
        // Every item takes at least one byte: no declared length can make us allocate more.
        let mut items = Vec::with_capacity(len.unwrap_or(0).min(self.remaining() as u64) as usize);
        match len {
            Some(n) => {
                for _ in 0..n {
                    items.push(self.item(depth + 1)?);
                }
            }
            None => {
                while !self.at_break()? {
                    items.push(self.item(depth + 1)?);
                }
            }
        }
        Ok(Value::Array(items))
    }

    fn map(&mut self, len: Option<u64>, depth: usize) -> Step<Map<String, Value>> {
        let mut map = Map::new();
        let mut left = len;
        loop {
            match left.as_mut() {
                Some(0) => break,
                Some(n) => *n -= 1,
                None if self.at_break()? => break,
                None => {}
            }
            if self.peek()? >> 5 != 3 {
                return Err("map key is not a text string");
            }
            let Value::String(key) = self.item(depth + 1)? else {
                return Err("map key is not a text string");
            };
            let value = self.item(depth + 1)?;
            map.insert(key, value);
        }
        Ok(map)
    }

    fn tagged(&mut self, tag: u64, depth: usize) -> Step<Value> {
        match tag {
            1 => match self.item(depth + 1)? {
                v @ Value::Number(_) => Ok(v),
                _ => Err("tag 1 (epoch time) on a non-number"),
            },
            2..=5 => Err("arbitrary-precision numbers (tags 2-5) are not supported"),
            _ => self.item(depth + 1),
        }
    }
}

/// IEEE 754 binary16 to f64 (RFC 8949 Appendix D).
pub fn f16_to_f64(half: u16) -> f64 {
    let sign = if half & 0x8000 != 0 { -1.0 } else { 1.0 };
    let exp = i32::from((half >> 10) & 0x1f);
    let mant = f64::from(half & 0x3ff);
    let magnitude = match exp {
        0 => mant * 2f64.powi(-24),
        31 if mant == 0.0 => f64::INFINITY,
        31 => f64::NAN,
        _ => (mant + 1024.0) * 2f64.powi(exp - 25),
    };
    sign * magnitude
}

fn float_value(f: f64) -> Value {
    match Number::from_f64(f) {
        Some(n) => Value::Number(n),
        None if f.is_nan() => Value::String("NaN".into()),
        None if f > 0.0 => Value::String("Infinity".into()),
        None => Value::String("-Infinity".into()),
    }
}

/// Encodes a JSON-like value as CBOR: definite lengths, the smallest integer heads, and 64-bit
/// floats for non-integer numbers (the spec says not to send half floats; doubles are what
/// every client reads for both `float` and `double`). Strings stay text strings: without a
/// model we cannot tell blobs or timestamps apart.
pub fn encode(value: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    encode_into(value, &mut out);
    out
}

fn head(out: &mut Vec<u8>, major: u8, n: u64) {
    let major = major << 5;
    if n < 24 {
        out.push(major | n as u8);
    } else if n <= 0xff {
        out.extend_from_slice(&[major | 24, n as u8]);
    } else if n <= 0xffff {
        out.push(major | 25);
        out.extend_from_slice(&(n as u16).to_be_bytes());
    } else if n <= 0xffff_ffff {
        out.push(major | 26);
        out.extend_from_slice(&(n as u32).to_be_bytes());
    } else {
        out.push(major | 27);
        out.extend_from_slice(&n.to_be_bytes());
    }
}

fn encode_into(value: &Value, out: &mut Vec<u8>) {
    match value {
        Value::Null => out.push(0xf6),
        Value::Bool(b) => out.push(if *b { 0xf5 } else { 0xf4 }),
        Value::Number(n) => {
            if let Some(u) = n.as_u64() {
                head(out, 0, u);
            } else if let Some(i) = n.as_i64() {
                // Only negatives reach here; CBOR stores -1 - i, which is !i in two's complement.
                head(out, 1, !i as u64);
            } else {
                out.push(0xfb);
                out.extend_from_slice(&n.as_f64().unwrap_or(f64::NAN).to_be_bytes());
            }
        }
        Value::String(s) => {
            head(out, 3, s.len() as u64);
            out.extend_from_slice(s.as_bytes());
        }
        Value::Array(items) => {
            head(out, 4, items.len() as u64);
            items.iter().for_each(|v| encode_into(v, out));
        }
        Value::Object(map) => {
            head(out, 5, map.len() as u64);
            for (k, v) in map {
                head(out, 3, k.len() as u64);
                out.extend_from_slice(k.as_bytes());
                encode_into(v, out);
            }
        }
    }
}

fn headers() -> Vec<(&'static str, String)> {
    vec![
        ("content-type", "application/cbor".into()),
        ("smithy-protocol", "rpc-v2-cbor".into()),
    ]
}

pub fn encode_ok(value: &Value) -> WireResponse {
    WireResponse {
        status: 200,
        headers: headers(),
        body: Bytes::from(encode(value)),
    }
}

/// The absolute shape id the spec requires in `__type`: `code` itself if it already is one.
pub fn shape_id(namespace: &str, code: &str) -> String {
    if code.contains('#') {
        code.to_string()
    } else {
        format!("{namespace}#{code}")
    }
}

/// An error in [`FALLBACK_NAMESPACE`]; services should prefer [`encode_error_for`] with their
/// own namespace. Clients only read the part after `#`, so either works with the SDKs.
pub fn encode_error(err: &WireError) -> WireResponse {
    encode_error_for(err, FALLBACK_NAMESPACE, false)
}

/// An error `{"__type": "namespace#Code", "message": ..}`. Services marked
/// `@awsQueryCompatible` (CloudWatch) also send `x-amzn-query-error: Code;Sender|Receiver`,
/// from which clients take the legacy Query error code and fault.
pub fn encode_error_for(err: &WireError, namespace: &str, query_compatible: bool) -> WireResponse {
    let body =
        serde_json::json!({ "__type": shape_id(namespace, &err.code), "message": err.message });
    let mut headers = headers();
    if query_compatible {
        let code = err.code.rsplit('#').next().unwrap_or(&err.code);
        let fault = if err.is_sender_fault() {
            "Sender"
        } else {
            "Receiver"
        };
        headers.push(("x-amzn-query-error", format!("{code};{fault}")));
    }
    WireResponse {
        status: err.status,
        headers,
        body: Bytes::from(encode(&body)),
    }
}

#[cfg(test)]
mod tests {
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
}
