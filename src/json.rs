//! JSON for `Value` (`job:json_save`, setup.json parameters): UTF-8 strings only, a table with keys
//! exactly 1..n is an array (so `{}` is `[]`), anything else an object with string keys.

use crate::error::{Error, Result};
use crate::value::{path_push, Value};

pub fn to_json(v: &Value, path: &str) -> Result<serde_json::Value> {
    use serde_json::Value as J;
    Ok(match v {
        Value::Nil => J::Null,
        Value::Bool(b) => J::Bool(*b),
        Value::Int(i) => J::from(*i),
        Value::Float(x) => match serde_json::Number::from_f64(*x) {
            Some(n) => J::Number(n),
            None => return Err(Error::Value(format!("{path}: JSON cannot hold the float {x}"))),
        },
        Value::Str(b) => match std::str::from_utf8(b) {
            Ok(s) => J::String(s.to_string()),
            Err(_) => return Err(Error::Value(format!("{path}: JSON strings must be UTF-8 (use job:save for bytes)"))),
        },
        Value::Array(a) => J::Array(
            a.iter()
                .enumerate()
                .map(|(i, x)| to_json(x, &path_push(path, &Value::Int(i as i64 + 1))))
                .collect::<Result<_>>()?,
        ),
        Value::Map(m) => {
            let mut o = serde_json::Map::new();
            for (k, x) in m {
                let key = match k {
                    Value::Str(_) => k.as_str().map(str::to_string),
                    Value::Int(i) => Some(i.to_string()),
                    _ => None,
                };
                let Some(key) = key else {
                    return Err(Error::Value(format!("{path}: JSON object keys must be strings, got {}", k.kind())));
                };
                o.insert(key, to_json(x, &path_push(path, k))?);
            }
            J::Object(o)
        }
        Value::Job(id) => J::String(id.to_string()),
        Value::Dataset(id) | Value::Writer(id) => J::String(id.clone()),
    })
}

pub fn from_json(j: &serde_json::Value) -> Value {
    use serde_json::Value as J;
    match j {
        J::Null => Value::Nil,
        J::Bool(b) => Value::Bool(*b),
        J::Number(n) => match n.as_i64() {
            Some(i) => Value::Int(i),
            None => Value::Float(n.as_f64().unwrap_or(f64::NAN)),
        },
        J::String(s) => Value::str(s),
        J::Array(a) => Value::Array(a.iter().map(from_json).collect()),
        J::Object(o) => Value::Map(o.iter().map(|(k, v)| (Value::str(k), from_json(v))).collect()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        let v = Value::Map(vec![(Value::str("a"), Value::Array(vec![])), (Value::str("f"), Value::Float(2.0))]);
        let j = to_json(&v, "x").unwrap();
        assert_eq!(j.to_string(), r#"{"a":[],"f":2.0}"#);
        assert_eq!(from_json(&j), v);
        let bad = Value::Map(vec![(Value::str("s"), Value::Str(vec![0xff]))]);
        assert_eq!(
            to_json(&bad, "result").unwrap_err().to_string(),
            "result.s: JSON strings must be UTF-8 (use job:save for bytes)"
        );
    }
}
