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
mod tests;
