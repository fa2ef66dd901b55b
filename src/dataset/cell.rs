//! `Cell`: one value on its way into a column, as the scripting layer found it (an integer, a
//! float, a string, ...), and `normalize`, which checks it against the column's type and turns it
//! into exactly what will be stored, or says why it cannot be. `Scalar` is a stored min/max.

use std::cmp::Ordering;

use super::datetime::{self, Kind};
use super::types::ColType;
use crate::value::{format_float, Value};

#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub enum Cell<'a> {
    #[default]
    None,
    Int(i64),
    Float(f64),
    Bool(bool),
    Bytes(&'a [u8]),
    Date(i32),
    DateTime(i64),
    Time(i64),
    /// JSON text, already serialized.
    Json(&'a [u8]),
    /// A value of a kind no column takes (`a table`, `a function`): what the error says it got.
    Other(&'static str),
}

/// Why a cell does not fit its column.
#[derive(Debug, Clone, PartialEq)]
pub enum Problem {
    WrongType { expected: &'static str },
    OutOfRange,
    NotUtf8,
    NotAscii,
    NoneNotAllowed,
}

impl Cell<'_> {
    /// The value as an error message shows it: `5`, `2.5`, `'text'`, `2024-01-31`, `a table`.
    pub fn describe(&self) -> String {
        match self {
            Cell::None => "nil".into(),
            Cell::Int(i) => i.to_string(),
            Cell::Float(x) => format_float(*x),
            Cell::Bool(b) => b.to_string(),
            Cell::Bytes(b) => {
                let shown = if b.len() > 60 { &b[..60] } else { b };
                let mut s = Value::Str(shown.to_vec()).to_string();
                if b.len() > 60 {
                    s.push_str("...");
                }
                s
            }
            Cell::Date(d) => format!("date {}", datetime::iso(Kind::Date, *d as i64)),
            Cell::DateTime(v) => format!("datetime {}", datetime::iso(Kind::Datetime, *v)),
            Cell::Time(v) => format!("time {}", datetime::iso(Kind::Time, *v)),
            Cell::Json(t) => String::from_utf8_lossy(t).into_owned(),
            Cell::Other(what) => (*what).to_string(),
        }
    }

    fn kind_name(&self) -> &'static str {
        match self {
            Cell::None => "nil",
            Cell::Int(_) => "an integer",
            Cell::Float(_) => "a float",
            Cell::Bool(_) => "a boolean",
            Cell::Bytes(_) => "a string",
            Cell::Date(_) => "a date",
            Cell::DateTime(_) => "a datetime",
            Cell::Time(_) => "a time",
            Cell::Json(_) => "a json value",
            Cell::Other(what) => what,
        }
    }
}

impl Problem {
    /// `expected an integer, got 'x' (a string)`, `3000000000 is out of range for int32`, ...
    pub fn message(&self, ty: ColType, cell: &Cell) -> String {
        match self {
            Problem::WrongType { expected } => match cell {
                Cell::Other(what) => format!("expected {expected}, got {what}"),
                _ => format!("expected {expected}, got {} ({})", cell.describe(), cell.kind_name()),
            },
            Problem::OutOfRange => format!("{} is out of range for {ty}", cell.describe()),
            Problem::NotUtf8 => format!("{} is not valid UTF-8", cell.describe()),
            Problem::NotAscii => format!("{} is not ASCII", cell.describe()),
            Problem::NoneNotAllowed => "nil, but the column has no none_support".to_string(),
        }
    }
}

fn integral(x: f64) -> Option<i64> {
    // 2^63 is exactly representable; the range check keeps `as` from saturating.
    if x.fract() == 0.0 && (-9.223_372_036_854_776e18..9.223_372_036_854_776e18).contains(&x) {
        Some(x as i64)
    } else {
        None
    }
}

fn expected(ty: ColType) -> &'static str {
    match ty {
        ColType::Int32 | ColType::Int64 => "an integer",
        ColType::Float32 | ColType::Float64 | ColType::Number => "a number",
        ColType::Bool => "a boolean",
        ColType::Ascii | ColType::Unicode | ColType::Bytes => "a string",
        ColType::Date => "a date (exax.date)",
        ColType::Datetime => "a datetime (exax.datetime)",
        ColType::Time => "a time (exax.time)",
        ColType::Json => "a value JSON can hold",
    }
}

/// Checks `cell` against a column and rewrites it into the stored form: integers for int
/// columns (integral floats are accepted), floats for float columns (rounded to f32 for
/// float32), strings checked for ASCII/UTF-8. `None` needs `none_support`.
#[inline]
pub fn normalize(ty: ColType, none_support: bool, cell: &mut Cell) -> Result<(), Problem> {
    let wrong = || Problem::WrongType { expected: expected(ty) };
    if let Cell::None = cell {
        return if none_support { Ok(()) } else { Err(Problem::NoneNotAllowed) };
    }
    match ty {
        ColType::Int32 | ColType::Int64 => {
            let v = match *cell {
                Cell::Int(i) => i,
                Cell::Float(x) => integral(x).ok_or(if x.fract() == 0.0 { Problem::OutOfRange } else { wrong() })?,
                _ => return Err(wrong()),
            };
            if ty == ColType::Int32 && i32::try_from(v).is_err() {
                return Err(Problem::OutOfRange);
            }
            *cell = Cell::Int(v);
        }
        ColType::Float32 | ColType::Float64 => {
            let x = match *cell {
                Cell::Int(i) => i as f64,
                Cell::Float(x) => x,
                _ => return Err(wrong()),
            };
            let x = if ty == ColType::Float32 {
                let f = x as f32;
                if f.is_infinite() && x.is_finite() {
                    return Err(Problem::OutOfRange);
                }
                f as f64
            } else {
                x
            };
            *cell = Cell::Float(x);
        }
        ColType::Number => {
            if !matches!(cell, Cell::Int(_) | Cell::Float(_)) {
                return Err(wrong());
            }
        }
        ColType::Bool => {
            if !matches!(cell, Cell::Bool(_)) {
                return Err(wrong());
            }
        }
        ColType::Ascii | ColType::Unicode | ColType::Bytes => {
            let Cell::Bytes(b) = cell else { return Err(wrong()) };
            if ty == ColType::Ascii && !b.is_ascii() {
                return Err(Problem::NotAscii);
            }
            if ty == ColType::Unicode && !b.is_ascii() && std::str::from_utf8(b).is_err() {
                return Err(Problem::NotUtf8);
            }
        }
        ColType::Date => {
            if !matches!(cell, Cell::Date(_)) {
                return Err(wrong());
            }
        }
        ColType::Datetime => {
            if !matches!(cell, Cell::DateTime(_)) {
                return Err(wrong());
            }
        }
        ColType::Time => {
            if !matches!(cell, Cell::Time(_)) {
                return Err(wrong());
            }
        }
        ColType::Json => {
            if !matches!(cell, Cell::Json(_)) {
                return Err(wrong());
            }
        }
    }
    Ok(())
}

/// A min or max value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Scalar {
    Int(i64),
    Float(f64),
    Bool(bool),
    Date(i32),
    DateTime(i64),
    Time(i64),
}

impl Scalar {
    /// Numbers compare by value across ints and floats; other kinds only with themselves.
    pub fn cmp(&self, other: &Scalar) -> Ordering {
        use Scalar::*;
        match (self, other) {
            (Int(a), Int(b)) => a.cmp(b),
            (Float(a), Float(b)) => a.total_cmp(b),
            (Int(a), Float(b)) => cmp_int_float(*a, *b),
            (Float(a), Int(b)) => cmp_int_float(*b, *a).reverse(),
            (Bool(a), Bool(b)) => a.cmp(b),
            (Date(a), Date(b)) => a.cmp(b),
            (DateTime(a), DateTime(b)) | (Time(a), Time(b)) => a.cmp(b),
            _ => Ordering::Equal,
        }
    }

    /// As dataset.json stores it: numbers as JSON numbers (`"inf"`/`"-inf"` as strings),
    /// dates and times as ISO text.
    pub fn to_json(self) -> serde_json::Value {
        use serde_json::Value as J;
        match self {
            Scalar::Int(i) => J::from(i),
            Scalar::Float(x) => match serde_json::Number::from_f64(x) {
                Some(n) => J::Number(n),
                None => J::String(if x > 0.0 { "inf" } else { "-inf" }.into()),
            },
            Scalar::Bool(b) => J::Bool(b),
            Scalar::Date(d) => J::String(datetime::iso(Kind::Date, d as i64)),
            Scalar::DateTime(v) => J::String(datetime::iso(Kind::Datetime, v)),
            Scalar::Time(v) => J::String(datetime::iso(Kind::Time, v)),
        }
    }

    pub fn from_json(ty: ColType, j: &serde_json::Value) -> Option<Scalar> {
        use serde_json::Value as J;
        Some(match (ty, j) {
            (ColType::Int32 | ColType::Int64, J::Number(n)) => Scalar::Int(n.as_i64()?),
            (ColType::Number, J::Number(n)) if n.is_i64() => Scalar::Int(n.as_i64()?),
            (ColType::Float32 | ColType::Float64 | ColType::Number, J::Number(n)) => Scalar::Float(n.as_f64()?),
            (ColType::Float32 | ColType::Float64 | ColType::Number, J::String(s)) => match s.as_str() {
                "inf" => Scalar::Float(f64::INFINITY),
                "-inf" => Scalar::Float(f64::NEG_INFINITY),
                _ => return None,
            },
            (ColType::Bool, J::Bool(b)) => Scalar::Bool(*b),
            (ColType::Date, J::String(s)) => Scalar::Date(datetime::parse_iso(Kind::Date, s).ok()? as i32),
            (ColType::Datetime, J::String(s)) => Scalar::DateTime(datetime::parse_iso(Kind::Datetime, s).ok()?),
            (ColType::Time, J::String(s)) => Scalar::Time(datetime::parse_iso(Kind::Time, s).ok()?),
            _ => return None,
        })
    }

    pub fn describe(&self) -> String {
        match *self {
            Scalar::Int(i) => i.to_string(),
            Scalar::Float(x) => format_float(x),
            Scalar::Bool(b) => b.to_string(),
            Scalar::Date(d) => datetime::iso(Kind::Date, d as i64),
            Scalar::DateTime(v) => datetime::iso(Kind::Datetime, v),
            Scalar::Time(v) => datetime::iso(Kind::Time, v),
        }
    }
}

fn cmp_int_float(i: i64, x: f64) -> Ordering {
    if x.is_nan() {
        return Ordering::Less;
    }
    let floor = x.floor();
    match integral(floor) {
        Some(fl) => match i.cmp(&fl) {
            Ordering::Equal if x > floor => Ordering::Less,
            o => o,
        },
        None if x > 0.0 => Ordering::Less,
        None => Ordering::Greater,
    }
}

/// Running min and max of one column (NaN and None are skipped).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct MinMax(pub Option<(Scalar, Scalar)>);

impl MinMax {
    #[inline]
    pub fn add(&mut self, s: Scalar) {
        if let Scalar::Float(x) = s {
            if x.is_nan() {
                return;
            }
        }
        match &mut self.0 {
            None => self.0 = Some((s, s)),
            Some((lo, hi)) => {
                if s.cmp(lo) == Ordering::Less {
                    *lo = s;
                }
                if s.cmp(hi) == Ordering::Greater {
                    *hi = s;
                }
            }
        }
    }

    pub fn merge(&mut self, other: &MinMax) {
        if let Some((lo, hi)) = other.0 {
            self.add(lo);
            self.add(hi);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(ty: ColType, mut c: Cell) -> Result<Cell, String> {
        let shown = c;
        normalize(ty, false, &mut c).map(|_| c).map_err(|p| p.message(ty, &shown))
    }

    #[test]
    fn normalizing() {
        assert_eq!(norm(ColType::Int64, Cell::Float(7.0)), Ok(Cell::Int(7)));
        assert_eq!(
            norm(ColType::Int64, Cell::Float(7.5)),
            Err("expected an integer, got 7.5 (a float)".into())
        );
        assert_eq!(
            norm(ColType::Int64, Cell::Float(1e19)),
            Err("1e+19 is out of range for int64".into())
        );
        assert_eq!(
            norm(ColType::Int32, Cell::Int(3_000_000_000)),
            Err("3000000000 is out of range for int32".into())
        );
        assert_eq!(norm(ColType::Int32, Cell::Int(i32::MIN as i64)), Ok(Cell::Int(i32::MIN as i64)));
        assert_eq!(norm(ColType::Float32, Cell::Float(0.1)), Ok(Cell::Float(0.1f32 as f64)));
        assert_eq!(
            norm(ColType::Float32, Cell::Float(1e300)),
            Err("1e+300 is out of range for float32".into())
        );
        assert_eq!(norm(ColType::Float32, Cell::Float(f64::INFINITY)), Ok(Cell::Float(f64::INFINITY)));
        assert_eq!(norm(ColType::Float64, Cell::Int(3)), Ok(Cell::Float(3.0)));
        assert_eq!(norm(ColType::Number, Cell::Int(3)), Ok(Cell::Int(3)));
        assert_eq!(norm(ColType::Ascii, Cell::Bytes("é".as_bytes())), Err("'é' is not ASCII".into()));
        assert_eq!(
            norm(ColType::Unicode, Cell::Bytes(b"k\xff")),
            Err("'k\\xff' is not valid UTF-8".into())
        );
        assert_eq!(norm(ColType::Bytes, Cell::Bytes(b"k\xff")), Ok(Cell::Bytes(b"k\xff")));
        assert_eq!(
            norm(ColType::Bool, Cell::Int(1)),
            Err("expected a boolean, got 1 (an integer)".into())
        );
        assert_eq!(
            norm(ColType::Int64, Cell::Other("a table")),
            Err("expected an integer, got a table".into())
        );
        assert_eq!(
            norm(ColType::Float64, Cell::None),
            Err("nil, but the column has no none_support".into())
        );
        let mut c = Cell::None;
        assert_eq!(normalize(ColType::Float64, true, &mut c), Ok(()));
    }

    #[test]
    fn minmax_mixes_numbers() {
        let mut m = MinMax::default();
        for s in [
            Scalar::Int(3),
            Scalar::Float(2.5),
            Scalar::Float(f64::NAN),
            Scalar::Int(10),
            Scalar::Float(9.5),
        ] {
            m.add(s);
        }
        assert_eq!(m.0, Some((Scalar::Float(2.5), Scalar::Int(10))));
        assert_eq!(Scalar::Int(i64::MAX).cmp(&Scalar::Float(9.3e18)), Ordering::Less);
        assert_eq!(Scalar::Int(2).cmp(&Scalar::Float(2.0)), Ordering::Equal);
        assert_eq!(Scalar::Int(2).cmp(&Scalar::Float(2.5)), Ordering::Less);
        assert_eq!(Scalar::Int(-3).cmp(&Scalar::Float(-2.5)), Ordering::Less);
    }

    #[test]
    fn scalar_json() {
        for (ty, s) in [
            (ColType::Int64, Scalar::Int(-5)),
            (ColType::Number, Scalar::Int(5)),
            (ColType::Number, Scalar::Float(5.0)),
            (ColType::Float64, Scalar::Float(f64::NEG_INFINITY)),
            (ColType::Bool, Scalar::Bool(true)),
            (ColType::Date, Scalar::Date(19782)),
            (ColType::Datetime, Scalar::DateTime(-1)),
            (ColType::Time, Scalar::Time(1)),
        ] {
            let j = s.to_json();
            let text = serde_json::to_string(&j).unwrap();
            let back: serde_json::Value = serde_json::from_str(&text).unwrap();
            assert_eq!(Scalar::from_json(ty, &back), Some(s), "{text}");
        }
    }
}
