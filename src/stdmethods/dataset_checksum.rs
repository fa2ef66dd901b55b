//! dataset_checksum: a checksum of some columns of a dataset, for comparing datasets across
//! projects and machines. Our own hash, not the original's md5: each row's values (columns in
//! name order, each a type tag and its bytes, so int32 and int64 columns of equal values agree,
//! as do unicode and bytes) hashed with xxh3-128; with `sort` (the default) the row hashes are
//! added (mod 2^128), so neither the order of the rows nor the slicing matters; without it they
//! are combined in order (slice 0 first). The slices are hashed in parallel.

use rayon::prelude::*;
use xxhash_rust::xxh3::xxh3_128;

use super::read::Col;
use super::text;
use super::{Ctx, Opts};
use crate::dataset::reader::{Dataset, Stored};
use crate::error::Result;
use crate::value::Value;

/// The multiplier of the ordered combination (odd, so no information is lost).
const BASE: u128 = 0x9e37_79b9_7f4a_7c15_f39c_c060_5ced_c835;

/// The hash of some rows: added row hashes (sorted) or a polynomial in them (in order).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Sum {
    pub acc: u128,
    pub rows: u64,
}

impl Sum {
    /// `self` followed by `next`.
    pub fn then(self, next: Sum, sort: bool) -> Sum {
        let acc = if sort {
            self.acc.wrapping_add(next.acc)
        } else {
            self.acc.wrapping_mul(pow(BASE, next.rows)).wrapping_add(next.acc)
        };
        Sum {
            acc,
            rows: self.rows + next.rows,
        }
    }

    /// 32 hex digits.
    pub fn hex(&self, sort: bool) -> String {
        let mut b = b"exax dataset_checksum 1\0".to_vec();
        b.push(sort as u8);
        b.extend_from_slice(&self.acc.to_le_bytes());
        b.extend_from_slice(&self.rows.to_le_bytes());
        format!("{:032x}", xxh3_128(&b))
    }
}

fn pow(mut b: u128, mut e: u64) -> u128 {
    let mut r: u128 = 1;
    while e > 0 {
        if e & 1 == 1 {
            r = r.wrapping_mul(b);
        }
        b = b.wrapping_mul(b);
        e >>= 1;
    }
    r
}

/// Appends one value's canonical form.
fn encode(v: Stored, out: &mut Vec<u8>, scratch: &mut zmij::Buffer) {
    let tagged = |out: &mut Vec<u8>, tag: u8, b: &[u8]| {
        out.push(tag);
        out.extend_from_slice(b);
    };
    match v {
        Stored::None | Stored::Code(_) => out.push(0),
        Stored::Int(i) => tagged(out, 1, &i.to_le_bytes()),
        Stored::Float(x) => tagged(out, 2, &(if x.is_nan() { f64::NAN } else { x }).to_bits().to_le_bytes()),
        Stored::Bool(b) => tagged(out, 3, &[b as u8]),
        Stored::Bytes(b) => {
            tagged(out, 4, &(b.len() as u64).to_le_bytes());
            out.extend_from_slice(b);
        }
        Stored::Date(d) => tagged(out, 5, &(d as i64).to_le_bytes()),
        Stored::DateTime(t) => tagged(out, 6, &t.to_le_bytes()),
        Stored::Time(t) => tagged(out, 7, &t.to_le_bytes()),
        Stored::Json(t) => {
            let mut canon = Vec::with_capacity(t.len());
            text::push_json(t, &mut canon, scratch);
            tagged(out, 8, &(canon.len() as u64).to_le_bytes());
            out.extend_from_slice(&canon);
        }
    }
}

/// The checksum of `columns` of `ds`.
pub fn checksum(ds: &Dataset, columns: &[String], sort: bool) -> Result<Sum> {
    for c in columns {
        ds.column_index(c)?;
    }
    let per_slice = (0..ds.slices())
        .into_par_iter()
        .map(|s| -> Result<Sum> {
            let lines = ds.lines(Some(s));
            let mut cols = columns.iter().map(|c| Col::open(ds, c, s)).collect::<Result<Vec<Col>>>()?;
            let mut sum = Sum::default();
            let mut row_bytes = Vec::new();
            let mut scratch = zmij::Buffer::new();
            for row in 0..lines {
                row_bytes.clear();
                for c in cols.iter_mut() {
                    encode(c.get(row)?, &mut row_bytes, &mut scratch);
                }
                let h = xxh3_128(&row_bytes);
                sum.acc = if sort {
                    sum.acc.wrapping_add(h)
                } else {
                    sum.acc.wrapping_mul(BASE).wrapping_add(h)
                };
            }
            sum.rows = lines;
            Ok(sum)
        })
        .collect::<Result<Vec<Sum>>>()?;
    Ok(per_slice.into_iter().fold(Sum::default(), |a, b| a.then(b, sort)))
}

/// `columns` as given, or every column of `ds`; sorted.
pub fn columns(o: &Opts, ds: Option<&Dataset>) -> Result<Vec<String>> {
    let mut cols = o.strings("columns")?;
    if cols.is_empty() {
        if let Some(ds) = ds {
            cols = ds.meta.columns.iter().map(|c| c.name.clone()).collect();
        }
    }
    cols.sort();
    cols.dedup();
    Ok(cols)
}

pub fn run(ctx: &Ctx, o: &Opts) -> Result<Value> {
    let Some(id) = o.dataset("source")? else {
        return Err(o.error("source", "is required"));
    };
    let ds = ctx.dataset(&id)?;
    let sort = o.bool("sort")?.unwrap_or(true);
    let cols = columns(o, Some(&ds))?;
    let sum = checksum(&ds, &cols, sort)?;
    Ok(result(
        &sum.hex(sort),
        sort,
        &cols,
        vec![(Value::str("source"), Value::Dataset(id))],
    ))
}

pub fn result(sum: &str, sort: bool, cols: &[String], rest: Vec<(Value, Value)>) -> Value {
    let mut m = vec![
        (Value::str("sum"), Value::str(sum)),
        (Value::str("sort"), Value::Bool(sort)),
        (Value::str("columns"), Value::Array(cols.iter().map(|c| Value::str(c)).collect())),
    ];
    m.extend(rest);
    Value::Map(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordered_sums_combine_like_one_sequence() {
        let hs = [5u128, 77, 1 << 100, 3, 9];
        let seq = |hs: &[u128]| Sum {
            acc: hs.iter().fold(0u128, |a, h| a.wrapping_mul(BASE).wrapping_add(*h)),
            rows: hs.len() as u64,
        };
        let whole = seq(&hs);
        for cut in 0..=hs.len() {
            assert_eq!(seq(&hs[..cut]).then(seq(&hs[cut..]), false), whole);
        }
        let mut swapped = hs;
        swapped.swap(0, 1);
        assert_ne!(seq(&swapped), whole);
    }
}
