//! Option typing (spec section 3): what a method declares for each option, the value it gets when
//! not given, and the conversion of a given value (`7.0` to an `int` option becomes `7`).

use crate::value::{path_push, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TypeMarker {
    Int,
    Float,
    Number,
    Str,
    Bool,
}

impl TypeMarker {
    pub fn name(self) -> &'static str {
        match self {
            TypeMarker::Int => "int",
            TypeMarker::Float => "float",
            TypeMarker::Number => "number",
            TypeMarker::Str => "str",
            TypeMarker::Bool => "bool",
        }
    }

    fn convert(self, v: &Value) -> Option<Value> {
        match (self, v) {
            (TypeMarker::Int, Value::Int(_)) => Some(v.clone()),
            (TypeMarker::Int, Value::Float(f)) => float_to_int(*f).map(Value::Int),
            (TypeMarker::Float, Value::Float(_)) => Some(v.clone()),
            (TypeMarker::Float, Value::Int(i)) => Some(Value::Float(*i as f64)),
            (TypeMarker::Number, Value::Int(_) | Value::Float(_)) => Some(v.clone()),
            (TypeMarker::Str, Value::Str(_)) => Some(v.clone()),
            (TypeMarker::Bool, Value::Bool(_)) => Some(v.clone()),
            _ => None,
        }
    }
}

fn float_to_int(f: f64) -> Option<i64> {
    (f.fract() == 0.0 && f >= -(2f64.powi(63)) && f < 2f64.powi(63)).then_some(f as i64)
}

#[derive(Debug, Clone, PartialEq)]
pub enum OptionSpec {
    /// `x = 37`, `s = 'text'`, `l = {1, 2}`: the default decides the accepted type.
    Default(Value),
    /// `f = float`: that type, nil when not given.
    Marker(TypeMarker),
    /// `{int}`: a list of that spec.
    List(Box<OptionSpec>),
    /// `{[str] = float}`: a map from keys of the marker's type to values of the spec.
    Map(TypeMarker, Box<OptionSpec>),
    /// `enum('fast', 'slow')`, optionally `:default('slow')`.
    Enum { names: Vec<String>, default: Option<String> },
    /// `required(int)`: must be given.
    Required(Box<OptionSpec>),
}

/// Why a value does not fit a spec: `at` is the path inside the value (`x[2]`), `expected` the spec.
#[derive(Debug, Clone, PartialEq)]
pub struct TypeMismatch {
    pub at: String,
    pub expected: String,
    pub got: String,
}

impl OptionSpec {
    /// The value when the option is not given; `None` means the option is required.
    pub fn default_value(&self) -> Option<Value> {
        match self {
            OptionSpec::Default(v) => Some(v.clone()),
            OptionSpec::Marker(_) | OptionSpec::List(_) | OptionSpec::Map(..) => Some(Value::Nil),
            OptionSpec::Enum { default, .. } => Some(default.as_deref().map(Value::str).unwrap_or(Value::Nil)),
            OptionSpec::Required(_) => None,
        }
    }

    /// How the spec reads in `exax method` and in errors.
    pub fn describe(&self) -> String {
        match self {
            OptionSpec::Default(v) => match v {
                Value::Int(_) => "int".into(),
                Value::Float(_) => "float".into(),
                Value::Str(_) => "str".into(),
                Value::Bool(_) => "bool".into(),
                _ => "table".into(),
            },
            OptionSpec::Marker(m) => m.name().into(),
            OptionSpec::List(s) => format!("{{{}}}", s.describe()),
            OptionSpec::Map(k, s) => format!("{{[{}] = {}}}", k.name(), s.describe()),
            OptionSpec::Enum { names, .. } => {
                format!("enum({})", names.iter().map(|n| format!("'{n}'")).collect::<Vec<_>>().join(", "))
            }
            OptionSpec::Required(s) => format!("required({})", s.describe()),
        }
    }

    /// Checks and converts a given (non-nil) value; `path` is the option name.
    pub fn convert(&self, v: &Value, path: &str) -> Result<Value, TypeMismatch> {
        let mismatch = || TypeMismatch {
            at: path.to_string(),
            expected: self.describe(),
            got: describe_value(v),
        };
        match self {
            OptionSpec::Default(d) => {
                let marker = match d {
                    Value::Int(_) => TypeMarker::Int,
                    Value::Float(_) => TypeMarker::Float,
                    Value::Str(_) => TypeMarker::Str,
                    Value::Bool(_) => TypeMarker::Bool,
                    _ => {
                        return match v {
                            Value::Array(_) | Value::Map(_) => Ok(v.clone()),
                            _ => Err(mismatch()),
                        }
                    }
                };
                marker.convert(v).ok_or_else(mismatch)
            }
            OptionSpec::Marker(m) => m.convert(v).ok_or_else(mismatch),
            OptionSpec::List(s) => match v {
                Value::Array(a) => Ok(Value::Array(
                    a.iter()
                        .enumerate()
                        .map(|(i, x)| s.convert(x, &path_push(path, &Value::Int(i as i64 + 1))))
                        .collect::<Result<_, _>>()?,
                )),
                // One value where a list is expected is a list of one (`sort_columns = 'a'`).
                Value::Map(_) => Err(mismatch()),
                _ => s.convert(v, path).map(|x| Value::Array(vec![x])).map_err(|_| mismatch()),
            },
            OptionSpec::Map(k, s) => match v {
                Value::Map(m) => Ok(Value::Map(
                    m.iter()
                        .map(|(key, x)| {
                            let key2 = k.convert(key).ok_or_else(|| TypeMismatch {
                                at: path.to_string(),
                                expected: self.describe(),
                                got: format!("a key {}", describe_value(key)),
                            })?;
                            Ok((key2, s.convert(x, &path_push(path, key))?))
                        })
                        .collect::<Result<_, _>>()?,
                )),
                Value::Array(a) if a.is_empty() => Ok(Value::Map(vec![])),
                Value::Array(a) if *k == TypeMarker::Int || *k == TypeMarker::Number => Ok(Value::Map(
                    a.iter()
                        .enumerate()
                        .map(|(i, x)| {
                            let key = Value::Int(i as i64 + 1);
                            Ok((key.clone(), s.convert(x, &path_push(path, &key))?))
                        })
                        .collect::<Result<_, _>>()?,
                )),
                _ => Err(mismatch()),
            },
            OptionSpec::Enum { names, .. } => match v.as_str() {
                Some(s) if names.iter().any(|n| n == s) => Ok(v.clone()),
                _ => Err(mismatch()),
            },
            OptionSpec::Required(s) => s.convert(v, path),
        }
    }
}

/// `string 'abc'`, `float 7.5`, `a table`.
pub fn describe_value(v: &Value) -> String {
    match v {
        Value::Array(_) | Value::Map(_) => "a table".into(),
        Value::Nil => "nil".into(),
        _ => {
            let mut s = v.to_string();
            if s.len() > 60 {
                s.truncate(57);
                s.push_str("...");
            }
            format!("{} {s}", v.kind())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(spec: &OptionSpec, v: Value) -> Value {
        spec.convert(&v, "x").unwrap()
    }

    fn err(spec: &OptionSpec, v: Value) -> TypeMismatch {
        spec.convert(&v, "x").unwrap_err()
    }

    #[test]
    fn spec_table() {
        let int = OptionSpec::Default(Value::Int(37));
        assert_eq!(ok(&int, Value::Float(7.0)), Value::Int(7));
        assert_eq!(err(&int, Value::Float(7.5)).got, "float 7.5");
        assert_eq!(int.default_value(), Some(Value::Int(37)));
        let float = OptionSpec::Default(Value::Float(1.5));
        assert_eq!(ok(&float, Value::Int(2)), Value::Float(2.0));
        let s = OptionSpec::Default(Value::str("text"));
        assert_eq!(err(&s, Value::Int(1)).expected, "str");
        let b = OptionSpec::Default(Value::Bool(false));
        assert!(b.convert(&Value::str("true"), "x").is_err());
        let l = OptionSpec::Default(Value::Array(vec![Value::Int(1), Value::Int(2)]));
        assert_eq!(ok(&l, Value::Map(vec![(Value::str("k"), Value::str("v"))])).kind(), "table");
        assert!(l.convert(&Value::Int(1), "x").is_err());
        let f = OptionSpec::Marker(TypeMarker::Float);
        assert_eq!(ok(&f, Value::Int(2)), Value::Float(2.0));
        assert_eq!(f.default_value(), Some(Value::Nil));
        let i = OptionSpec::Marker(TypeMarker::Int);
        assert_eq!(ok(&i, Value::Float(2.0)), Value::Int(2));
        let n = OptionSpec::Marker(TypeMarker::Number);
        assert_eq!(ok(&n, Value::Float(2.0)), Value::Float(2.0));
        assert_eq!(ok(&n, Value::Int(2)), Value::Int(2));
    }

    #[test]
    fn containers() {
        let l = OptionSpec::List(Box::new(OptionSpec::Marker(TypeMarker::Int)));
        assert_eq!(
            ok(&l, Value::Array(vec![Value::Int(1), Value::Float(2.0)])),
            Value::Array(vec![Value::Int(1), Value::Int(2)])
        );
        let e = err(&l, Value::Array(vec![Value::Int(1), Value::str("a")]));
        assert_eq!((e.at.as_str(), e.expected.as_str(), e.got.as_str()), ("x[2]", "int", "string 'a'"));
        assert_eq!(l.describe(), "{int}");
        assert_eq!(ok(&l, Value::Float(3.0)), Value::Array(vec![Value::Int(3)]));
        let e = err(&l, Value::str("a"));
        assert_eq!((e.at.as_str(), e.expected.as_str(), e.got.as_str()), ("x", "{int}", "string 'a'"));
        let m = OptionSpec::Map(TypeMarker::Str, Box::new(OptionSpec::Marker(TypeMarker::Float)));
        assert_eq!(m.describe(), "{[str] = float}");
        assert_eq!(
            ok(&m, Value::Map(vec![(Value::str("a"), Value::Int(1))])),
            Value::Map(vec![(Value::str("a"), Value::Float(1.0))])
        );
        assert!(m.convert(&Value::Map(vec![(Value::Int(1), Value::Int(1))]), "x").is_err());
    }

    #[test]
    fn enums_and_required() {
        let e = OptionSpec::Enum {
            names: vec!["fast".into(), "slow".into()],
            default: Some("slow".into()),
        };
        assert_eq!(e.default_value(), Some(Value::str("slow")));
        assert_eq!(ok(&e, Value::str("fast")), Value::str("fast"));
        assert_eq!(err(&e, Value::str("medium")).expected, "enum('fast', 'slow')");
        let r = OptionSpec::Required(Box::new(OptionSpec::Marker(TypeMarker::Int)));
        assert_eq!(r.default_value(), None);
        assert_eq!(ok(&r, Value::Float(3.0)), Value::Int(3));
        assert_eq!(r.describe(), "required(int)");
    }
}
