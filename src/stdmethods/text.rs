//! Values as the original's csvexport writes them (Python's text forms): floats as `repr`
//! (`1.0`, `1e+100`, `5e-33`, `inf`, `nan`), booleans `True`/`False`, datetimes with a space
//! (`2020-06-23 12:13:14`), and JSON with sorted keys, `", "` and `": "`, ASCII only.

use std::fmt::Write as _;

use crate::dataset::datetime::{self, Kind};

/// Python's `repr(x)` of a float: the shortest text that reads back as `x`, in positional form
/// for exponents -4 to 15, else `d.ddde+XX`. The digits come from `zmij` (shortest round trip),
/// whatever its own layout.
pub fn push_float(x: f64, out: &mut Vec<u8>, zm: &mut zmij::Buffer) {
    if x.is_nan() {
        out.extend_from_slice(b"nan");
        return;
    }
    if x.is_infinite() {
        out.extend_from_slice(if x > 0.0 { b"inf" } else { b"-inf" });
        return;
    }
    if x.is_sign_negative() {
        out.push(b'-');
    }
    if x == 0.0 {
        out.extend_from_slice(b"0.0");
        return;
    }
    let text = zm.format_finite(x.abs()).as_bytes();
    // Already Python's layout: positional with a point, in Python's positional range.
    if (1e-4..1e16).contains(&x.abs()) && text.contains(&b'.') && !text.contains(&b'e') {
        out.extend_from_slice(text);
        return;
    }
    let (mant, exp) = match text.iter().position(|&b| b == b'e' || b == b'E') {
        Some(i) => (&text[..i], parse_exp(&text[i + 1..])),
        None => (text, 0),
    };
    // The significant digits, and the power of ten of the first one.
    let mut digits = [0u8; 40];
    let mut n = 0;
    let point = mant.iter().position(|&b| b == b'.').unwrap_or(mant.len()) as i32;
    let mut first: Option<i32> = None;
    for (i, &b) in mant.iter().enumerate() {
        if b == b'.' {
            continue;
        }
        let pos = if (i as i32) < point { i as i32 } else { i as i32 - 1 };
        if first.is_none() && b == b'0' {
            continue;
        }
        if first.is_none() {
            first = Some(point - 1 - pos);
        }
        if n < digits.len() {
            digits[n] = b;
            n += 1;
        }
    }
    while n > 1 && digits[n - 1] == b'0' {
        n -= 1;
    }
    let digits = &digits[..n.max(1)];
    let exp = first.unwrap_or(0) + exp;
    if (-4..16).contains(&exp) {
        if exp < 0 {
            out.extend_from_slice(b"0.");
            out.extend(std::iter::repeat_n(b'0', (-exp - 1) as usize));
            out.extend_from_slice(digits);
        } else {
            let int_len = exp as usize + 1;
            if digits.len() <= int_len {
                out.extend_from_slice(digits);
                out.extend(std::iter::repeat_n(b'0', int_len - digits.len()));
                out.extend_from_slice(b".0");
            } else {
                out.extend_from_slice(&digits[..int_len]);
                out.push(b'.');
                out.extend_from_slice(&digits[int_len..]);
            }
        }
    } else {
        out.push(digits[0]);
        if digits.len() > 1 {
            out.push(b'.');
            out.extend_from_slice(&digits[1..]);
        }
        out.push(b'e');
        out.push(if exp < 0 { b'-' } else { b'+' });
        if exp.abs() < 10 {
            out.push(b'0');
        }
        out.extend_from_slice(itoa::Buffer::new().format(exp.abs()).as_bytes());
    }
}

fn parse_exp(b: &[u8]) -> i32 {
    let (neg, b) = match b.first() {
        Some(b'-') => (true, &b[1..]),
        Some(b'+') => (false, &b[1..]),
        _ => (false, b),
    };
    let v = b.iter().fold(0i32, |a, d| a * 10 + (d.wrapping_sub(b'0') as i32 % 10));
    if neg {
        -v
    } else {
        v
    }
}

struct Bytes<'a>(&'a mut Vec<u8>);

impl std::fmt::Write for Bytes<'_> {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.0.extend_from_slice(s.as_bytes());
        Ok(())
    }
}

pub fn push_int(i: i64, out: &mut Vec<u8>) {
    out.extend_from_slice(itoa::Buffer::new().format(i).as_bytes());
}

pub fn push_bool(b: bool, out: &mut Vec<u8>) {
    out.extend_from_slice(if b { b"True" } else { b"False" });
}

/// `2020-06-23`, `2020-06-23 12:13:14`, `12:13:14.000250` (Python's `str`).
pub fn push_stamp(kind: Kind, v: i64, out: &mut Vec<u8>) {
    let s = datetime::iso(kind, v);
    out.extend(s.bytes().map(|b| if b == b'T' { b' ' } else { b }));
}

/// JSON text (as a json column stores it) in Python's `json.dumps(v, sort_keys=True)` form;
/// text that is not JSON is copied as it is.
pub fn push_json(text: &[u8], out: &mut Vec<u8>, scratch: &mut zmij::Buffer) {
    match serde_json::from_slice::<serde_json::Value>(text) {
        Ok(v) => json_value(&v, out, scratch),
        Err(_) => out.extend_from_slice(text),
    }
}

fn json_value(v: &serde_json::Value, out: &mut Vec<u8>, scratch: &mut zmij::Buffer) {
    use serde_json::Value as J;
    match v {
        J::Null => out.extend_from_slice(b"null"),
        J::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        J::Number(n) => {
            if let Some(i) = n.as_i64() {
                push_int(i, out);
            } else if let Some(u) = n.as_u64() {
                out.extend_from_slice(itoa::Buffer::new().format(u).as_bytes());
            } else {
                push_float(n.as_f64().unwrap_or(f64::NAN), out, scratch);
            }
        }
        J::String(s) => json_string(s, out),
        J::Array(a) => {
            out.push(b'[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.extend_from_slice(b", ");
                }
                json_value(x, out, scratch);
            }
            out.push(b']');
        }
        J::Object(m) => {
            let mut keys: Vec<(&String, &serde_json::Value)> = m.iter().collect();
            keys.sort_by(|a, b| a.0.cmp(b.0));
            out.push(b'{');
            for (i, (k, x)) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.extend_from_slice(b", ");
                }
                json_string(k, out);
                out.extend_from_slice(b": ");
                json_value(x, out, scratch);
            }
            out.push(b'}');
        }
    }
}

/// A JSON string with everything outside printable ASCII escaped (`ensure_ascii`).
fn json_string(s: &str, out: &mut Vec<u8>) {
    out.push(b'"');
    for c in s.chars() {
        match c {
            '"' => out.extend_from_slice(b"\\\""),
            '\\' => out.extend_from_slice(b"\\\\"),
            '\n' => out.extend_from_slice(b"\\n"),
            '\r' => out.extend_from_slice(b"\\r"),
            '\t' => out.extend_from_slice(b"\\t"),
            '\u{8}' => out.extend_from_slice(b"\\b"),
            '\u{c}' => out.extend_from_slice(b"\\f"),
            ' '..='~' => out.push(c as u8),
            _ => {
                let mut units = [0u16; 2];
                for u in c.encode_utf16(&mut units) {
                    let _ = write!(Bytes(out), "\\u{u:04x}");
                }
            }
        }
    }
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn float(x: f64) -> String {
        let mut out = Vec::new();
        push_float(x, &mut out, &mut zmij::Buffer::new());
        String::from_utf8(out).unwrap()
    }

    fn json(t: &str) -> String {
        let mut out = Vec::new();
        push_json(t.as_bytes(), &mut out, &mut zmij::Buffer::new());
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn floats_as_python_repr() {
        for (x, want) in [
            (1.0, "1.0"),
            (-0.0, "-0.0"),
            (0.0, "0.0"),
            (1e100, "1e+100"),
            (5e-33, "5e-33"),
            (1.2e22, "1.2e+22"),
            (42.18, "42.18"),
            (0.1, "0.1"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (1e15, "1000000000000000.0"),
            (1e16, "1e+16"),
            (123456.789, "123456.789"),
            (2500000.5, "2500000.5"),
            (1e-4, "0.0001"),
            (9999999999999998.0, "9999999999999998.0"),
            (100.0, "100.0"),
            (1.5e300, "1.5e+300"),
            (-1.5e-7, "-1.5e-07"),
            (0.1f32 as f64, "0.10000000149011612"),
            (f64::NEG_INFINITY, "-inf"),
            (f64::NAN, "nan"),
        ] {
            assert_eq!(float(x), want);
        }
    }

    #[test]
    fn json_as_python_dumps() {
        assert_eq!(json(r#"{"json":true}"#), r#"{"json": true}"#);
        assert_eq!(json(r#"[false,null]"#), "[false, null]");
        assert_eq!(
            json(r#"{"b":1,"a":[1.0,2.5e100],"é":"å\n😀"}"#),
            r#"{"a": [1.0, 2.5e+100], "b": 1, "\u00e9": "\u00e5\n\ud83d\ude00"}"#
        );
        assert_eq!(json("42.18"), "42.18");
    }

    #[test]
    fn stamps() {
        let mut out = Vec::new();
        push_stamp(Kind::Datetime, 0, &mut out);
        assert_eq!(out, b"1970-01-01 00:00:00");
    }
}
