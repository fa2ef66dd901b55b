//! `ColType`: the column types a dataset can hold, their names as users write them, and how each
//! is stored (fixed width, variable width, or either plain or dictionary-encoded strings).

use serde::{Deserialize, Serialize};

use crate::error::did_you_mean;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ColType {
    Int32,
    Int64,
    Float32,
    Float64,
    /// Integers and floats, each kept exactly as written.
    Number,
    Bool,
    Ascii,
    Unicode,
    Bytes,
    Date,
    Datetime,
    Time,
    Json,
}

impl ColType {
    pub const ALL: [ColType; 13] = [
        ColType::Int32,
        ColType::Int64,
        ColType::Float32,
        ColType::Float64,
        ColType::Number,
        ColType::Bool,
        ColType::Ascii,
        ColType::Unicode,
        ColType::Bytes,
        ColType::Date,
        ColType::Datetime,
        ColType::Time,
        ColType::Json,
    ];

    pub fn name(self) -> &'static str {
        match self {
            ColType::Int32 => "int32",
            ColType::Int64 => "int64",
            ColType::Float32 => "float32",
            ColType::Float64 => "float64",
            ColType::Number => "number",
            ColType::Bool => "bool",
            ColType::Ascii => "ascii",
            ColType::Unicode => "unicode",
            ColType::Bytes => "bytes",
            ColType::Date => "date",
            ColType::Datetime => "datetime",
            ColType::Time => "time",
            ColType::Json => "json",
        }
    }

    /// `'int64'` -> Int64; anything else is an error listing the types (and a close one).
    pub fn parse(s: &str) -> Result<ColType, String> {
        ColType::ALL.iter().copied().find(|t| t.name() == s).ok_or_else(|| {
            format!(
                "unknown column type `{s}`{}; the types are {}",
                did_you_mean(s, ColType::ALL.iter().map(|t| t.name())),
                ColType::ALL.iter().map(|t| t.name()).collect::<Vec<_>>().join(" ")
            )
        })
    }

    /// Bytes per value for fixed-width types; None for strings and json.
    pub fn width(self) -> Option<usize> {
        match self {
            ColType::Int32 | ColType::Float32 | ColType::Date => Some(4),
            ColType::Int64 | ColType::Float64 | ColType::Number | ColType::Datetime | ColType::Time => Some(8),
            ColType::Bool => Some(1),
            ColType::Ascii | ColType::Unicode | ColType::Bytes | ColType::Json => None,
        }
    }

    /// String types, which a slice may store dictionary-encoded.
    pub fn is_string(self) -> bool {
        matches!(self, ColType::Ascii | ColType::Unicode | ColType::Bytes)
    }
}

impl std::fmt::Display for ColType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for t in ColType::ALL {
            assert_eq!(ColType::parse(t.name()), Ok(t));
            assert_eq!(serde_json::to_string(&t).unwrap(), format!("\"{}\"", t.name()));
        }
        let e = ColType::parse("int46").unwrap_err();
        assert!(
            e.starts_with("unknown column type `int46` (did you mean `int64`?); the types are int32 int64"),
            "{e}"
        );
    }
}
