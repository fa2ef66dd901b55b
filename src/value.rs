//! `Value`: what results, parameters and saved files hold, independent of Lua. Integers and floats
//! stay apart, strings are bytes, tables are arrays (keys exactly 1..n) or maps, and handles to
//! jobs, datasets and dataset writers travel as their ids.

use std::cmp::Ordering;
use std::fmt::{self, Write};

use crate::job::id::JobId;

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Nil,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(Vec<u8>),
    Array(Vec<Value>),
    /// Keys are unique; order is insertion order (canonicalised for hashing).
    Map(Vec<(Value, Value)>),
    Job(JobId),
    /// `jobid/name`
    Dataset(String),
    /// `jobid/name` of a writer in the running job.
    Writer(String),
}

impl Value {
    pub fn str(s: &str) -> Value {
        Value::Str(s.as_bytes().to_vec())
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(b) => std::str::from_utf8(b).ok(),
            _ => None,
        }
    }

    /// A short name of the kind of value, for error messages.
    pub fn kind(&self) -> &'static str {
        match self {
            Value::Nil => "nil",
            Value::Bool(_) => "boolean",
            Value::Int(_) => "integer",
            Value::Float(_) => "float",
            Value::Str(_) => "string",
            Value::Array(_) | Value::Map(_) => "table",
            Value::Job(_) => "Job",
            Value::Dataset(_) => "Dataset",
            Value::Writer(_) => "DatasetWriter",
        }
    }

    pub fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Map(m) => m.iter().find(|(k, _)| k.as_str() == Some(key)).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The same value with every map sorted by key, so equal content hashes equal.
    pub fn canonical(&self) -> Value {
        match self {
            Value::Array(a) => Value::Array(a.iter().map(Value::canonical).collect()),
            Value::Map(m) => {
                let mut m: Vec<_> = m.iter().map(|(k, v)| (k.canonical(), v.canonical())).collect();
                m.sort_by(|a, b| a.0.total_cmp(&b.0));
                Value::Map(m)
            }
            v => v.clone(),
        }
    }

    fn rank(&self) -> u8 {
        match self {
            Value::Nil => 0,
            Value::Bool(_) => 1,
            Value::Int(_) | Value::Float(_) => 2,
            Value::Str(_) => 3,
            Value::Array(_) => 4,
            Value::Map(_) => 5,
            Value::Job(_) => 6,
            Value::Dataset(_) => 7,
            Value::Writer(_) => 8,
        }
    }

    /// A total order over values (numbers by value, then ints before floats), for sorting keys.
    pub fn total_cmp(&self, other: &Value) -> Ordering {
        use Value::*;
        match (self, other) {
            (Bool(a), Bool(b)) => a.cmp(b),
            (Int(a), Int(b)) => a.cmp(b),
            (Float(a), Float(b)) => a.total_cmp(b),
            (Int(a), Float(b)) => (*a as f64).total_cmp(b).then(Ordering::Less),
            (Float(a), Int(b)) => a.total_cmp(&(*b as f64)).then(Ordering::Greater),
            (Str(a), Str(b)) => a.cmp(b),
            (Array(a), Array(b)) => a.len().cmp(&b.len()).then_with(|| {
                a.iter()
                    .zip(b)
                    .map(|(x, y)| x.total_cmp(y))
                    .find(|o| o.is_ne())
                    .unwrap_or(Ordering::Equal)
            }),
            (Map(a), Map(b)) => a.len().cmp(&b.len()),
            (Job(a), Job(b)) => a.cmp(b),
            (Dataset(a), Dataset(b)) | (Writer(a), Writer(b)) => a.cmp(b),
            _ => self.rank().cmp(&other.rank()),
        }
    }
}

/// Appends one path step (`.name`, `["odd key"]`, `[3]`) to an error path such as `result.items`.
pub fn path_push(path: &str, key: &Value) -> String {
    match key {
        Value::Str(_) => match key.as_str() {
            Some(s) if is_identifier(s) => {
                if path.is_empty() {
                    s.to_string()
                } else {
                    format!("{path}.{s}")
                }
            }
            _ => format!("{path}[{key}]"),
        },
        _ => format!("{path}[{key}]"),
    }
}

pub fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_') && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Values print as Lua literals: `{value = 20, items = {1, 2.5, 'x'}}`.
impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Nil => f.write_str("nil"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Int(i) => write!(f, "{i}"),
            Value::Float(x) => write!(f, "{}", format_float(*x)),
            Value::Str(b) => write_lua_string(f, b),
            Value::Array(a) => {
                f.write_char('{')?;
                for (i, v) in a.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{v}")?;
                }
                f.write_char('}')
            }
            Value::Map(m) => {
                f.write_char('{')?;
                for (i, (k, v)) in m.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    match k.as_str() {
                        Some(s) if is_identifier(s) => write!(f, "{s} = {v}")?,
                        _ => write!(f, "[{k}] = {v}")?,
                    }
                }
                f.write_char('}')
            }
            Value::Job(id) => write!(f, "Job({id})"),
            Value::Dataset(id) => write!(f, "Dataset({id})"),
            Value::Writer(id) => write!(f, "DatasetWriter({id})"),
        }
    }
}

/// Floats print the way Lua 5.4 prints them (`%.14g`, with `.0` on integral values).
pub fn format_float(x: f64) -> String {
    if x.is_nan() {
        return if x.is_sign_negative() { "-nan".into() } else { "nan".into() };
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf".into() } else { "-inf".into() };
    }
    let s = format_g14(x);
    if s.bytes().all(|b| b.is_ascii_digit() || b == b'-') {
        format!("{s}.0")
    } else {
        s
    }
}

fn format_g14(x: f64) -> String {
    if x == 0.0 {
        return if x.is_sign_negative() { "-0".into() } else { "0".into() };
    }
    let exp = x.abs().log10().floor() as i32;
    if !(-4..14).contains(&exp) {
        let s = format!("{x:.13e}");
        let (mant, e) = s.split_once('e').unwrap_or((&s, "0"));
        let mant = trim_zeros(mant);
        let e: i32 = e.parse().unwrap_or(0);
        format!("{mant}e{}{:02}", if e < 0 { '-' } else { '+' }, e.abs())
    } else {
        let decimals = (13 - exp).max(0) as usize;
        trim_zeros(&format!("{x:.decimals$}")).to_string()
    }
}

fn trim_zeros(s: &str) -> &str {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        s
    }
}

fn write_lua_string(f: &mut fmt::Formatter<'_>, b: &[u8]) -> fmt::Result {
    f.write_char('\'')?;
    for chunk in b.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '\'' => f.write_str("\\'")?,
                '\\' => f.write_str("\\\\")?,
                '\n' => f.write_str("\\n")?,
                '\t' => f.write_str("\\t")?,
                c if c.is_control() => write!(f, "\\{}", c as u32)?,
                c => f.write_char(c)?,
            }
        }
        for byte in chunk.invalid() {
            write!(f, "\\x{byte:02x}")?;
        }
    }
    f.write_char('\'')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_as_lua() {
        let v = Value::Map(vec![
            (Value::str("value"), Value::Int(20)),
            (
                Value::str("odd key"),
                Value::Array(vec![Value::Float(2.0), Value::Float(0.1), Value::str("it's")]),
            ),
        ]);
        assert_eq!(v.to_string(), "{value = 20, ['odd key'] = {2.0, 0.1, 'it\\'s'}}");
        assert_eq!(format_float(1e20), "1e+20");
        assert_eq!(format_float(1.5e-7), "1.5e-07");
        assert_eq!(format_float(1.25), "1.25");
        assert_eq!(format_float(-7.0), "-7.0");
    }

    #[test]
    fn paths() {
        assert_eq!(path_push("result", &Value::str("items")), "result.items");
        assert_eq!(path_push("result.items", &Value::Int(3)), "result.items[3]");
        assert_eq!(path_push("r", &Value::str("a b")), "r['a b']");
    }

    #[test]
    fn canonical_sorts_maps() {
        let a = Value::Map(vec![(Value::str("b"), Value::Int(1)), (Value::str("a"), Value::Int(2))]);
        let b = Value::Map(vec![(Value::str("a"), Value::Int(2)), (Value::str("b"), Value::Int(1))]);
        assert_eq!(a.canonical(), b.canonical());
    }
}
