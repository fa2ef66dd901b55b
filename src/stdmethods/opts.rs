//! `Opts`: a standard method's options as its Lua file passed them (a `Value` map), read by name
//! with the type each kernel needs; a wrong type is an error naming the method and the option.

use std::collections::BTreeMap;

use crate::error::{Error, Result};
use crate::value::Value;

pub struct Opts<'a> {
    pub method: &'a str,
    map: &'a [(Value, Value)],
}

impl<'a> Opts<'a> {
    /// `v` must be a table with string keys (an empty table is an empty array to `Value`).
    pub fn new(method: &'a str, v: &'a Value) -> Result<Opts<'a>> {
        match v {
            Value::Map(m) => Ok(Opts { method, map: m }),
            Value::Array(a) if a.is_empty() => Ok(Opts { method, map: &[] }),
            Value::Nil => Ok(Opts { method, map: &[] }),
            other => Err(Error::User(format!("{method}: options must be a table, got {}", other.kind()))),
        }
    }

    pub fn error(&self, key: &str, what: &str) -> Error {
        Error::User(format!("{}: option `{key}` {what}", self.method))
    }

    /// The value of `key`; absent and nil are both None.
    pub fn get(&self, key: &str) -> Option<&'a Value> {
        self.map
            .iter()
            .find(|(k, _)| k.as_str() == Some(key))
            .map(|(_, v)| v)
            .filter(|v| !matches!(v, Value::Nil))
    }

    fn wrong(&self, key: &str, expected: &str, got: &Value) -> Error {
        self.error(key, &format!("must be {expected}, got {}", got.kind()))
    }

    pub fn bytes(&self, key: &str) -> Result<Option<&'a [u8]>> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Str(b)) => Ok(Some(b)),
            Some(other) => Err(self.wrong(key, "a string", other)),
        }
    }

    pub fn string(&self, key: &str) -> Result<Option<String>> {
        match self.bytes(key)? {
            None => Ok(None),
            Some(b) => String::from_utf8(b.to_vec())
                .map(Some)
                .map_err(|_| self.error(key, "is not valid UTF-8")),
        }
    }

    pub fn int(&self, key: &str) -> Result<Option<i64>> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Int(i)) => Ok(Some(*i)),
            Some(Value::Float(x)) if x.fract() == 0.0 && x.abs() < 9e15 => Ok(Some(*x as i64)),
            Some(other) => Err(self.wrong(key, "an integer", other)),
        }
    }

    /// A non-negative integer (a count of lines, a level).
    pub fn count(&self, key: &str) -> Result<Option<u64>> {
        match self.int(key)? {
            Some(i) if i < 0 => Err(self.error(key, &format!("must not be negative, got {i}"))),
            other => Ok(other.map(|i| i as u64)),
        }
    }

    pub fn bool(&self, key: &str) -> Result<Option<bool>> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(other) => Err(self.wrong(key, "a boolean", other)),
        }
    }

    /// An array of strings (a single string is an array of one).
    pub fn strings(&self, key: &str) -> Result<Vec<String>> {
        let items: Vec<&Value> = match self.get(key) {
            None => return Ok(vec![]),
            Some(Value::Array(a)) => a.iter().collect(),
            Some(s @ Value::Str(_)) => vec![s],
            Some(Value::Map(m)) => {
                // A set written as {a = true, b = true}.
                let mut out = Vec::new();
                for (k, v) in m {
                    match (k.as_str(), v) {
                        (Some(k), Value::Bool(true)) => out.push(k.to_string()),
                        _ => return Err(self.error(key, "must be an array of strings")),
                    }
                }
                out.sort();
                return Ok(out);
            }
            Some(other) => return Err(self.wrong(key, "an array of strings", other)),
        };
        items
            .into_iter()
            .enumerate()
            .map(|(i, v)| match v.as_str() {
                Some(s) => Ok(s.to_string()),
                None => Err(self.error(key, &format!("item {} must be a string, got {}", i + 1, v.kind()))),
            })
            .collect()
    }

    /// A table of string to string (`rename`).
    pub fn string_map(&self, key: &str) -> Result<BTreeMap<String, String>> {
        let mut out = BTreeMap::new();
        match self.get(key) {
            None => {}
            Some(Value::Array(a)) if a.is_empty() => {}
            Some(Value::Map(m)) => {
                for (k, v) in m {
                    match (k.as_str(), v.as_str()) {
                        (Some(k), Some(v)) => {
                            out.insert(k.to_string(), v.to_string());
                        }
                        _ => return Err(self.error(key, "must map strings to strings")),
                    }
                }
            }
            Some(other) => return Err(self.wrong(key, "a table of names", other)),
        }
        Ok(out)
    }

    /// A table of string to any value (`defaults`); values stay `Value`s.
    pub fn value_map(&self, key: &str) -> Result<Vec<(String, &'a Value)>> {
        match self.get(key) {
            None => Ok(vec![]),
            Some(Value::Array(a)) if a.is_empty() => Ok(vec![]),
            Some(Value::Map(m)) => m
                .iter()
                .map(|(k, v)| match k.as_str() {
                    Some(k) => Ok((k.to_string(), v)),
                    None => Err(self.error(key, "must have string keys")),
                })
                .collect(),
            Some(other) => Err(self.wrong(key, "a table", other)),
        }
    }

    /// A dataset id (`job/name`) from a Dataset handle, a Job handle (its default dataset) or a
    /// string.
    pub fn dataset(&self, key: &str) -> Result<Option<String>> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => dataset_id(v).map(Some).ok_or_else(|| self.wrong(key, "a dataset", v)),
        }
    }

    /// One dataset or an array of them.
    pub fn datasets(&self, key: &str) -> Result<Vec<String>> {
        match self.get(key) {
            None => Ok(vec![]),
            Some(Value::Array(a)) => a
                .iter()
                .enumerate()
                .map(|(i, v)| dataset_id(v).ok_or_else(|| self.error(key, &format!("item {} is not a dataset", i + 1))))
                .collect(),
            Some(v) => Ok(vec![dataset_id(v).ok_or_else(|| self.wrong(key, "a dataset", v))?]),
        }
    }
}

fn dataset_id(v: &Value) -> Option<String> {
    match v {
        Value::Dataset(id) => Some(id.clone()),
        Value::Job(j) => Some(format!("{j}/default")),
        Value::Str(_) => v
            .as_str()
            .map(|s| if s.contains('/') { s.to_string() } else { format!("{s}/default") }),
        _ => None,
    }
}
