//! Native reductions over whole columns, straight from the mapped files a window at a time:
//! `sum` (vectorisable loops, about memory speed) and `counts` (how often each value occurs; a
//! dictionary-encoded slice is a bincount over its codes).

use std::collections::HashMap;

use rayon::prelude::*;

use super::cell::Scalar;
use super::interner::Interner;
use super::reader::{Dataset, Stored};
use super::types::ColType;
use crate::error::{Error, Result};

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Sum {
    Int(i128),
    Float(f64),
}

fn sum_i64(b: &[u8]) -> i128 {
    // Split into halves so the partial sums cannot overflow and the loop vectorises.
    let (mut lo, mut hi) = (0u64, 0i64);
    for c in b.chunks_exact(8) {
        let v = i64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
        lo += v as u64 & 0xffff_ffff;
        hi += v >> 32;
    }
    ((hi as i128) << 32) + lo as i128
}

/// A plain sum, for when the column's min and max show it cannot overflow.
fn sum_i64_small(b: &[u8]) -> i128 {
    b.chunks_exact(8)
        .map(|c| i64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]))
        .fold(0i64, |a, v| a.wrapping_add(v)) as i128
}

fn sum_i32(b: &[u8]) -> i128 {
    let mut s = 0i64;
    for c in b.chunks_exact(4) {
        s += i32::from_le_bytes([c[0], c[1], c[2], c[3]]) as i64;
    }
    s as i128
}

fn sum_f64(b: &[u8]) -> f64 {
    let mut acc = [0f64; 8];
    let chunks = b.chunks_exact(64);
    let rest = chunks.remainder();
    for c in chunks {
        for (i, a) in acc.iter_mut().enumerate() {
            let o = i * 8;
            *a += f64::from_le_bytes([c[o], c[o + 1], c[o + 2], c[o + 3], c[o + 4], c[o + 5], c[o + 6], c[o + 7]]);
        }
    }
    for c in rest.chunks_exact(8) {
        acc[0] += f64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
    }
    acc.iter().sum()
}

fn sum_f32(b: &[u8]) -> f64 {
    let mut acc = [0f64; 8];
    let chunks = b.chunks_exact(32);
    let rest = chunks.remainder();
    for c in chunks {
        for (i, a) in acc.iter_mut().enumerate() {
            let o = i * 4;
            *a += f32::from_le_bytes([c[o], c[o + 1], c[o + 2], c[o + 3]]) as f64;
        }
    }
    for c in rest.chunks_exact(4) {
        acc[0] += f32::from_le_bytes([c[0], c[1], c[2], c[3]]) as f64;
    }
    acc.iter().sum()
}

/// The sum of a numeric or bool column over `slices` (None counts as nothing). Integer columns
/// sum exactly; float columns use 8 partial sums (the last bits can differ from a sequential sum).
/// Several slices are summed in parallel, and combined in slice order.
pub fn sum(ds: &Dataset, col: usize, slices: &[usize]) -> Result<Sum> {
    let c = &ds.meta.columns[col];
    let ty = c.ty;
    if !matches!(
        ty,
        ColType::Int32 | ColType::Int64 | ColType::Float32 | ColType::Float64 | ColType::Number | ColType::Bool
    ) {
        return Err(Error::User(format!(
            "dataset {}: cannot sum column `{}` of type {ty}",
            ds.id(),
            c.name
        )));
    }
    let parts: Vec<Result<(i128, f64, bool)>> = if slices.len() > 1 {
        slices.par_iter().map(|&s| sum_slice(ds, col, s)).collect()
    } else {
        slices.iter().map(|&s| sum_slice(ds, col, s)).collect()
    };
    let mut int = 0i128;
    let mut float = 0f64;
    let mut any_float = matches!(ty, ColType::Float32 | ColType::Float64);
    for p in parts {
        let (i, f, af) = p?;
        int += i;
        float += f;
        any_float |= af;
    }
    Ok(if any_float { Sum::Float(float + int as f64) } else { Sum::Int(int) })
}

/// One slice's (integer part, float part, whether any value was a float).
fn sum_slice(ds: &Dataset, col: usize, s: usize) -> Result<(i128, f64, bool)> {
    let c = &ds.meta.columns[col];
    let ty = c.ty;
    let (mut int, mut float, mut any_float) = (0i128, 0f64, false);
    let lines = ds.lines(Some(s));
    if lines == 0 {
        return Ok((0, 0.0, false));
    }
    let dir = &ds.col_dirs[col];
    let mut r = ds.open_column(col, s)?;
    let at = |e| Error::io(crate::dataset::format::part_path(dir, &c.file, s, "data"), e);
    let width = ty.width().unwrap_or(8) as u64;
    let mut parts = r.parts();
    let has_floats = parts.isfloat.is_some();
    let Some(data) = parts.data.as_deref_mut() else {
        return Ok((0, 0.0, false));
    };
    // Cannot overflow i64 when lines * max(|min|, |max|) fits: then the plain sum is exact.
    let small = match c.slice_minmax(s).0 {
        Some((Scalar::Int(lo), Scalar::Int(hi))) => {
            let m = lo.unsigned_abs().max(hi.unsigned_abs()) as u128;
            m * lines as u128 <= i64::MAX as u128
        }
        _ => false,
    };
    match ty {
        ColType::Int64 if small => data.for_each_block(0, lines * 8, 8, |b| int += sum_i64_small(b)).map_err(at)?,
        ColType::Int64 => data.for_each_block(0, lines * 8, 8, |b| int += sum_i64(b)).map_err(at)?,
        ColType::Int32 => data.for_each_block(0, lines * 4, 4, |b| int += sum_i32(b)).map_err(at)?,
        ColType::Float64 => data.for_each_block(0, lines * 8, 8, |b| float += sum_f64(b)).map_err(at)?,
        ColType::Float32 => data.for_each_block(0, lines * 4, 4, |b| float += sum_f32(b)).map_err(at)?,
        ColType::Bool => data
            .for_each_block(0, lines, 1, |b| int += b.iter().map(|&x| (x != 0) as i64).sum::<i64>() as i128)
            .map_err(at)?,
        _ if !has_floats => data.for_each_block(0, lines * width, 8, |b| int += sum_i64(b)).map_err(at)?,
        _ => {
            for row in 0..lines {
                match r.get(row).map_err(at)? {
                    Stored::Int(i) => int += i as i128,
                    Stored::Float(x) => {
                        float += x;
                        any_float = true;
                    }
                    _ => {}
                }
            }
        }
    }
    Ok((int, float, any_float))
}

/// A value counted by `counts`.
#[derive(Debug, Clone, PartialEq)]
pub enum Key {
    Scalar(Scalar),
    Bytes(Vec<u8>),
}

#[derive(Debug, Default)]
pub struct Counts {
    pub keys: Vec<Key>,
    pub counts: Vec<u64>,
    pub nones: u64,
}

#[derive(Default)]
struct Counter {
    strings: Option<Interner>,
    string_counts: Vec<u64>,
    scalars: HashMap<(u8, u64), (Scalar, u64)>,
    nones: u64,
}

impl Counter {
    fn add_bytes(&mut self, b: &[u8], n: u64) {
        let i = self.strings.get_or_insert_with(Interner::new).intern(b) as usize;
        if i == self.string_counts.len() {
            self.string_counts.push(0);
        }
        self.string_counts[i] += n;
    }

    fn merge(&mut self, other: Counter) {
        self.nones += other.nones;
        if let Some(strings) = &other.strings {
            for (i, n) in other.string_counts.iter().enumerate() {
                self.add_bytes(strings.get(i), *n);
            }
        }
        for (_, (s, n)) in other.scalars {
            self.add_scalar(s, n);
        }
    }

    fn add_scalar(&mut self, s: Scalar, n: u64) {
        let key = match s {
            Scalar::Int(i) => (0, i as u64),
            Scalar::Float(x) if x.is_nan() => (1, f64::NAN.to_bits()),
            Scalar::Float(0.0) => (1, 0),
            Scalar::Float(x) => (1, x.to_bits()),
            Scalar::Bool(b) => (2, b as u64),
            Scalar::Date(d) => (3, d as u64),
            Scalar::DateTime(v) => (4, v as u64),
            Scalar::Time(v) => (5, v as u64),
        };
        self.scalars.entry(key).or_insert((s, 0)).1 += n;
    }
}

/// How many times each value of a column occurs over `slices` (None is counted apart). Strings
/// come in order of first appearance (slice by slice), other values sorted. Several slices are
/// counted in parallel.
pub fn counts(ds: &Dataset, col: usize, slices: &[usize]) -> Result<Counts> {
    let c = &ds.meta.columns[col];
    if c.ty == ColType::Json {
        return Err(Error::User(format!(
            "dataset {}: cannot count column `{}` of type json",
            ds.id(),
            c.name
        )));
    }
    let parts: Vec<Result<Counter>> = if slices.len() > 1 {
        slices.par_iter().map(|&s| count_slice(ds, col, s)).collect()
    } else {
        slices.iter().map(|&s| count_slice(ds, col, s)).collect()
    };
    let mut acc = Counter::default();
    for p in parts {
        acc.merge(p?);
    }
    let mut out = Counts {
        nones: acc.nones,
        ..Default::default()
    };
    if let Some(strings) = &acc.strings {
        for (i, n) in acc.string_counts.iter().enumerate() {
            out.keys.push(Key::Bytes(strings.get(i).to_vec()));
            out.counts.push(*n);
        }
    }
    let mut scalars: Vec<_> = acc.scalars.into_values().collect();
    scalars.sort_by(|a, b| a.0.cmp(&b.0));
    for (s, n) in scalars {
        out.keys.push(Key::Scalar(s));
        out.counts.push(n);
    }
    Ok(out)
}

/// One slice's counts.
fn count_slice(ds: &Dataset, col: usize, s: usize) -> Result<Counter> {
    let c = &ds.meta.columns[col];
    let mut acc = Counter::default();
    let lines = ds.lines(Some(s));
    if lines == 0 {
        return Ok(acc);
    }
    let dir = ds.col_dirs[col].clone();
    let at = |e| Error::io(crate::dataset::format::part_path(&dir, &c.file, s, "*"), e);
    let mut r = ds.open_column(col, s)?;
    if let Some(dict) = r.dict.clone() {
        let mut bins = vec![0u64; dict.len()];
        let mut parts = r.parts();
        let mut bad = false;
        if parts.valid.is_none() {
            if let Some(codes) = parts.codes.as_deref_mut() {
                codes
                    .for_each_block(0, lines * 2, 2, |b| {
                        for p in b.chunks_exact(2) {
                            match bins.get_mut(u16::from_le_bytes([p[0], p[1]]) as usize) {
                                Some(n) => *n += 1,
                                None => bad = true,
                            }
                        }
                    })
                    .map_err(at)?;
            }
        } else {
            for row in 0..lines {
                match r.get(row).map_err(at)? {
                    Stored::Code(code) => match bins.get_mut(code as usize) {
                        Some(n) => *n += 1,
                        None => bad = true,
                    },
                    _ => acc.nones += 1,
                }
            }
        }
        if bad {
            return Err(Error::User(format!(
                "dataset {}: column `{}`, slice {s}: corrupt dictionary codes",
                ds.id(),
                c.name
            )));
        }
        for (i, n) in bins.into_iter().enumerate() {
            if n > 0 {
                acc.add_bytes(dict.get(i).unwrap_or(b""), n);
            }
        }
        return Ok(acc);
    }
    for row in 0..lines {
        match r.get(row).map_err(at)? {
            Stored::None => acc.nones += 1,
            Stored::Bytes(b) => acc.add_bytes(b, 1),
            Stored::Int(i) => acc.add_scalar(Scalar::Int(i), 1),
            Stored::Float(x) => acc.add_scalar(Scalar::Float(x), 1),
            Stored::Bool(b) => acc.add_scalar(Scalar::Bool(b), 1),
            Stored::Date(d) => acc.add_scalar(Scalar::Date(d), 1),
            Stored::DateTime(v) => acc.add_scalar(Scalar::DateTime(v), 1),
            Stored::Time(v) => acc.add_scalar(Scalar::Time(v), 1),
            Stored::Code(_) | Stored::Json(_) => {}
        }
    }
    Ok(acc)
}
