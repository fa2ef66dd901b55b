//! `analysis_res:merge_auto()`: numbers add (integers stay integers), arrays concatenate in slice
//! order, maps merge key by key, nil results are skipped, and two different strings or booleans at
//! one key are an error naming the key path.

use crate::value::{path_push, Value};

/// Merges per-slice results in slice order.
pub fn merge_auto(results: &[Value]) -> Result<Value, String> {
    let mut acc = Value::Nil;
    for (sliceno, r) in results.iter().enumerate() {
        acc = merge(std::mem::replace(&mut acc, Value::Nil), r, "", sliceno)?;
    }
    Ok(acc)
}

fn merge(acc: Value, new: &Value, path: &str, sliceno: usize) -> Result<Value, String> {
    use Value::*;
    let at = || {
        if path.is_empty() {
            "the top level".to_string()
        } else {
            format!("key path `{path}`")
        }
    };
    Ok(match (acc, new) {
        (acc, Nil) => acc,
        (Nil, v) => v.clone(),
        (Int(a), Int(b)) => match a.checked_add(*b) {
            Some(n) => Int(n),
            None => {
                return Err(format!(
                    "merge_auto: integer overflow adding {b} (slice {sliceno}) to {a} at {}",
                    at()
                ))
            }
        },
        (Int(a), Float(b)) => Float(a as f64 + b),
        (Float(a), Int(b)) => Float(a + *b as f64),
        (Float(a), Float(b)) => Float(a + b),
        (Array(mut a), Array(b)) => {
            a.extend(b.iter().cloned());
            Array(a)
        }
        (Array(a), Map(b)) if a.is_empty() => Map(b.clone()),
        (Map(a), Array(b)) if b.is_empty() => Map(a),
        (Map(mut a), Map(b)) => {
            for (k, v) in b {
                match a.iter_mut().find(|(ak, _)| ak == k) {
                    Some((_, slot)) => {
                        let old = std::mem::replace(slot, Nil);
                        *slot = merge(old, v, &path_push(path, k), sliceno)?;
                    }
                    None => a.push((k.clone(), v.clone())),
                }
            }
            Map(a)
        }
        (acc, v) if acc == *v => acc,
        (acc, v) if acc.kind() == v.kind() => {
            return Err(format!(
                "merge_auto: different values at {}: {acc} from the slices before {sliceno} and {v} from slice {sliceno}",
                at()
            ))
        }
        (acc, v) => {
            return Err(format!(
                "merge_auto: cannot merge {} with {} at {} (slice {sliceno})",
                a_kind(&acc),
                a_kind(v),
                at()
            ))
        }
    })
}

fn a_kind(v: &Value) -> String {
    let k = v.kind();
    let article = if k.starts_with(['a', 'e', 'i', 'o', 'u']) { "an" } else { "a" };
    format!("{article} {k}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(kv: &[(&str, Value)]) -> Value {
        Value::Map(kv.iter().map(|(k, v)| (Value::str(k), v.clone())).collect())
    }

    #[test]
    fn numbers_arrays_maps() {
        assert_eq!(merge_auto(&[Value::Int(1), Value::Nil, Value::Int(2)]).unwrap(), Value::Int(3));
        assert_eq!(merge_auto(&[Value::Int(1), Value::Float(0.5)]).unwrap(), Value::Float(1.5));
        assert_eq!(
            merge_auto(&[Value::Array(vec![Value::Int(1)]), Value::Array(vec![Value::Int(2)])]).unwrap(),
            Value::Array(vec![Value::Int(1), Value::Int(2)])
        );
        let a = map(&[("x", Value::Int(1)), ("s", map(&[("k", Value::Bool(true))]))]);
        let b = map(&[
            ("x", Value::Int(2)),
            ("y", Value::Int(5)),
            ("s", map(&[("j", Value::Bool(true)), ("k", Value::Bool(true))])),
        ]);
        assert_eq!(
            merge_auto(&[a, Value::Array(vec![]), b]).unwrap(),
            map(&[
                ("x", Value::Int(3)),
                ("s", map(&[("k", Value::Bool(true)), ("j", Value::Bool(true))])),
                ("y", Value::Int(5))
            ])
        );
        assert_eq!(merge_auto(&[Value::Nil, Value::Nil]).unwrap(), Value::Nil);
    }

    #[test]
    fn conflicts_name_the_path() {
        let a = map(&[("c", map(&[("name", Value::str("a"))]))]);
        let b = map(&[("c", map(&[("name", Value::str("b"))]))]);
        assert_eq!(
            merge_auto(&[a, b]).unwrap_err(),
            "merge_auto: different values at key path `c.name`: 'a' from the slices before 1 and 'b' from slice 1"
        );
        assert_eq!(
            merge_auto(&[Value::Int(1), Value::str("x")]).unwrap_err(),
            "merge_auto: cannot merge an integer with a string at the top level (slice 1)"
        );
    }
}
