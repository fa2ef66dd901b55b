//! Stored values as `exax cat` and `exax grep` print them, in three formats:
//!
//! - `Text`, for reading: tab between fields, `None` for None, dates in ISO, control characters
//!   and bytes that are not UTF-8 escaped (`\t`, `\n`, `\x00`, `\xff`), so one row is one line.
//! - `Csv`, to read back (RFC 4180): comma between fields, a field quoted when it holds a comma, a
//!   quote, a line break or an edge space, quotes doubled; None is an empty field and an empty
//!   string is `""`, so the two stay apart; strings are written byte for byte.
//! - `Json`, one object per line: None is `null`, dates and times ISO strings, json columns
//!   embedded as they are, a float that JSON cannot hold (`nan`, `inf`) a string, and a byte that is
//!   not UTF-8 the four characters `\xff`.
//!
//! Floats are written in the shortest form that reads back to the same value (`0.1`, `1e300`);
//! float32 columns as float32.

use std::io::Write;

use super::datetime::{iso, Kind};
use super::reader::Stored;
use super::types::ColType;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Csv,
    Json,
}

impl Format {
    /// What goes between two fields.
    pub fn separator(self) -> &'static [u8] {
        match self {
            Format::Text => b"\t",
            Format::Csv | Format::Json => b",",
        }
    }
}

/// The value's text before any format's quoting: what a pattern is matched against, and what
/// the formats start from (None has none: it is `None` only in text).
pub fn plain<'a>(ty: ColType, v: &Stored<'a>, scratch: &'a mut Vec<u8>) -> Option<&'a [u8]> {
    scratch.clear();
    match *v {
        Stored::None => return None,
        Stored::Bytes(b) | Stored::Json(b) => return Some(b),
        Stored::Int(i) => {
            let _ = write!(scratch, "{i}");
        }
        Stored::Float(x) => float(scratch, ty, x),
        Stored::Bool(b) => scratch.extend_from_slice(if b { b"true" } else { b"false" }),
        Stored::Code(c) => {
            let _ = write!(scratch, "#{c}");
        }
        Stored::Date(d) => scratch.extend_from_slice(iso(Kind::Date, d as i64).as_bytes()),
        Stored::DateTime(t) => scratch.extend_from_slice(iso(Kind::Datetime, t).as_bytes()),
        Stored::Time(t) => scratch.extend_from_slice(iso(Kind::Time, t).as_bytes()),
    }
    Some(scratch)
}

fn float(out: &mut Vec<u8>, ty: ColType, x: f64) {
    if x.is_nan() {
        out.extend_from_slice(b"nan");
    } else if x.is_infinite() {
        out.extend_from_slice(if x > 0.0 { b"inf" } else { b"-inf" });
    } else if ty == ColType::Float32 {
        let _ = write!(out, "{:?}", x as f32);
    } else {
        let _ = write!(out, "{x:?}");
    }
}

/// Appends the value in `format` to `out`.
pub fn value(out: &mut Vec<u8>, format: Format, ty: ColType, v: &Stored, scratch: &mut Vec<u8>) {
    let Some(text) = plain(ty, v, scratch) else {
        out.extend_from_slice(match format {
            Format::Text => b"None",
            Format::Csv => b"",
            Format::Json => b"null",
        });
        return;
    };
    match format {
        Format::Text => escape_text(out, text),
        Format::Csv => {
            let quote = text.is_empty()
                || text.first() == Some(&b' ')
                || text.last() == Some(&b' ')
                || text.iter().any(|&b| matches!(b, b',' | b'"' | b'\n' | b'\r'));
            if quote {
                out.push(b'"');
                for &b in text {
                    if b == b'"' {
                        out.push(b'"');
                    }
                    out.push(b);
                }
                out.push(b'"');
            } else {
                out.extend_from_slice(text);
            }
        }
        Format::Json => match v {
            Stored::Int(_) | Stored::Bool(_) | Stored::Json(_) => out.extend_from_slice(text),
            Stored::Float(x) if x.is_finite() => out.extend_from_slice(text),
            _ => json_string(out, text),
        },
    }
}

/// Text: UTF-8 as it is, control characters and other bytes escaped.
pub fn escape_text(out: &mut Vec<u8>, text: &[u8]) {
    for chunk in text.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '\t' => out.extend_from_slice(b"\\t"),
                '\n' => out.extend_from_slice(b"\\n"),
                '\r' => out.extend_from_slice(b"\\r"),
                c if c.is_control() && (c as u32) < 0x100 => {
                    let _ = write!(out, "\\x{:02x}", c as u32);
                }
                c => {
                    let mut b = [0; 4];
                    out.extend_from_slice(c.encode_utf8(&mut b).as_bytes());
                }
            }
        }
        for b in chunk.invalid() {
            let _ = write!(out, "\\x{b:02x}");
        }
    }
}

/// A JSON string; bytes that are not UTF-8 become the text `\xff`.
pub fn json_string(out: &mut Vec<u8>, text: &[u8]) {
    out.push(b'"');
    for chunk in text.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '"' => out.extend_from_slice(b"\\\""),
                '\\' => out.extend_from_slice(b"\\\\"),
                '\n' => out.extend_from_slice(b"\\n"),
                '\r' => out.extend_from_slice(b"\\r"),
                '\t' => out.extend_from_slice(b"\\t"),
                c if (c as u32) < 0x20 => {
                    let _ = write!(out, "\\u{:04x}", c as u32);
                }
                c => {
                    let mut b = [0; 4];
                    out.extend_from_slice(c.encode_utf8(&mut b).as_bytes());
                }
            }
        }
        for b in chunk.invalid() {
            let _ = write!(out, "\\\\x{b:02x}");
        }
    }
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn show(format: Format, ty: ColType, v: Stored) -> String {
        let mut out = Vec::new();
        value(&mut out, format, ty, &v, &mut Vec::new());
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn each_format() {
        use Format::*;
        let b = |s: &'static [u8]| Stored::Bytes(s);
        assert_eq!(show(Text, ColType::Bytes, b(b"a\tb\n\xff\x01")), "a\\tb\\n\\xff\\x01");
        assert_eq!(show(Csv, ColType::Bytes, b(b"a,\"b\"")), "\"a,\"\"b\"\"\"");
        assert_eq!(show(Csv, ColType::Bytes, b(b"")), "\"\"");
        assert_eq!(show(Csv, ColType::Bytes, Stored::None), "");
        assert_eq!(show(Csv, ColType::Bytes, b(b" x")), "\" x\"");
        assert_eq!(show(Json, ColType::Bytes, b(b"q\"\\\xff")), "\"q\\\"\\\\\\\\xff\"");
        assert_eq!(show(Json, ColType::Unicode, Stored::None), "null");
        assert_eq!(show(Text, ColType::Unicode, Stored::None), "None");
        assert_eq!(show(Text, ColType::Float32, Stored::Float(0.1f32 as f64)), "0.1");
        assert_eq!(show(Text, ColType::Float64, Stored::Float(1e300)), "1e300");
        assert_eq!(show(Text, ColType::Float64, Stored::Float(2.0)), "2.0");
        assert_eq!(show(Json, ColType::Float64, Stored::Float(f64::NAN)), "\"nan\"");
        assert_eq!(show(Json, ColType::Float64, Stored::Float(-0.5)), "-0.5");
        assert_eq!(show(Json, ColType::Date, Stored::Date(0)), "\"1970-01-01\"");
        assert_eq!(
            show(Text, ColType::Datetime, Stored::DateTime(1_500_000)),
            "1970-01-01T00:00:01.500000"
        );
        assert_eq!(show(Json, ColType::Json, Stored::Json(b"{\"a\":[1]}")), "{\"a\":[1]}");
        assert_eq!(show(Csv, ColType::Json, Stored::Json(b"[1,2]")), "\"[1,2]\"");
        assert_eq!(show(Json, ColType::Bool, Stored::Bool(true)), "true");
    }
}
