//! What the dataset-rewriting kernels (dataset_sort, dataset_hashpart, dataset_unroundrobin)
//! share: a source as `Part`s (one slice of one dataset of a chain), one column of some parts
//! decoded into memory for random access (`Loaded`), the output writer with the source's columns,
//! and value equality as the original compares values.

use std::cmp::Ordering;

use crate::dataset::cell::Cell;
use crate::dataset::reader::{Block, Dataset, Stored, Values};
use crate::dataset::types::ColType;
use crate::dataset::writer::DatasetWriter;
use crate::error::{Error, Result};

use super::Ctx;

/// Rows decoded per `read_block` call.
const BLOCK: usize = 1 << 16;

/// One slice of one dataset.
#[derive(Clone, Copy)]
pub struct Part<'a> {
    pub ds: &'a Dataset,
    pub slice: usize,
}

impl Part<'_> {
    pub fn lines(&self) -> u64 {
        self.ds.lines(Some(self.slice))
    }
}

/// The chain's parts in the order the original iterates a chain: dataset by dataset (oldest
/// first), slice `slice` of each, or every slice in order when `slice` is None.
pub fn parts(chain: &[Dataset], slice: Option<usize>) -> Vec<Part<'_>> {
    let mut out = Vec::new();
    for ds in chain {
        match slice {
            Some(s) => out.push(Part { ds, slice: s }),
            None => out.extend((0..ds.slices()).map(|s| Part { ds, slice: s })),
        }
    }
    out
}

/// Opens the datasets of `ids` (a chain, oldest first); with `same_columns`, checks that they
/// agree on the columns of the last one (the source): each has them, with the same types.
pub fn open_chain(ctx: &Ctx, method: &str, ids: &[String], same_columns: bool) -> Result<Vec<Dataset>> {
    if ids.is_empty() {
        return Err(Error::User(format!("{method}: no source dataset")));
    }
    let chain = ids.iter().map(|id| ctx.dataset(id)).collect::<Result<Vec<_>>>()?;
    let Some(source) = chain.last() else {
        return Err(Error::User(format!("{method}: no source dataset")));
    };
    for ds in &chain {
        if ds.slices() != ctx.slices() {
            return Err(Error::User(format!(
                "{method}: dataset {} has {} slices, this project has {}",
                ds.id(),
                ds.slices(),
                ctx.slices()
            )));
        }
        if !same_columns {
            continue;
        }
        for c in &source.meta.columns {
            match ds.meta.column(&c.name) {
                Some((_, o)) if o.ty == c.ty => {}
                Some((_, o)) => {
                    return Err(Error::User(format!(
                        "{method}: column `{}` is {} in {} but {} in {} (a chain must agree on types)",
                        c.name,
                        o.ty,
                        ds.id(),
                        c.ty,
                        source.id()
                    )))
                }
                None => {
                    return Err(Error::User(format!(
                        "{method}: dataset {} in the chain has no column `{}`",
                        ds.id(),
                        c.name
                    )))
                }
            }
        }
    }
    Ok(chain)
}

/// The writer `default` of the running job with the source's (the chain's last dataset's)
/// columns, in its order; a column has none_support if any dataset of the chain has.
pub fn writer_like(
    ctx: &Ctx,
    name: &str,
    chain: &[Dataset],
    hashlabel: Option<String>,
    previous: Option<String>,
    caption: &str,
) -> Result<DatasetWriter> {
    let mut w = ctx.writer(name, hashlabel, previous, caption)?;
    if let Some(source) = chain.last() {
        for c in &source.meta.columns {
            let none = chain.iter().any(|d| d.meta.column(&c.name).is_some_and(|(_, o)| o.none_support));
            w.add(&c.name, c.ty, none)?;
        }
    }
    Ok(w)
}

fn io_err(part: &Part, col: usize, e: std::io::Error) -> Error {
    Error::User(format!(
        "dataset {}, column `{}`, slice {}: {e}",
        part.ds.id(),
        part.ds.meta.columns[col].name,
        part.slice
    ))
}

/// Strings stored back to back (`starts[i] .. ends[i]` in `bytes`).
#[derive(Default)]
pub struct Strings {
    starts: Vec<u64>,
    ends: Vec<u64>,
    bytes: Vec<u8>,
}

impl Strings {
    #[inline]
    pub fn get(&self, i: usize) -> &[u8] {
        &self.bytes[self.starts[i] as usize..self.ends[i] as usize]
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    fn push(&mut self, b: &[u8]) {
        self.starts.push(self.bytes.len() as u64);
        self.bytes.extend_from_slice(b);
        self.ends.push(self.bytes.len() as u64);
    }

    /// Dictionary values start 16 bytes apart at least: the writer's interner remembers
    /// recent strings by address (`interner::Interner::intern`), and neighbouring short
    /// strings would otherwise share its cache entries.
    fn push_spaced(&mut self, b: &[u8]) {
        self.push(b);
        let pad = (16 - b.len() % 16) % 16;
        self.bytes.resize(self.bytes.len() + pad, 0);
    }
}

pub enum Values2 {
    /// int32, int64, bool (0/1), date, datetime, time: the stored integer.
    Int(Vec<i64>),
    Float(Vec<f64>),
    /// `number`: the raw 8 bytes and which are floats (empty: none are).
    Number(Vec<i64>, Vec<bool>),
    /// Strings whose every part is dictionary-encoded: a code per line into `strings` (each
    /// part's dictionary appended), and where each part's codes start.
    Dict {
        codes: Vec<u32>,
        strings: Strings,
        part_base: Vec<u32>,
    },
    /// Plain strings and json.
    Var(Strings),
}

/// One column of some parts, in memory, one value per line in part order.
pub struct Loaded {
    pub ty: ColType,
    pub values: Values2,
    /// Empty when no line is None.
    pub none: Vec<bool>,
}

impl Loaded {
    /// Reads column `col` of every part (all must have it at the same index in the first
    /// part's dataset; other datasets are looked up by name).
    pub fn load(parts: &[Part], name: &str) -> Result<Loaded> {
        let Some(first) = parts.first() else {
            return Ok(Loaded {
                ty: ColType::Int64,
                values: Values2::Int(vec![]),
                none: vec![],
            });
        };
        let ty = first.ds.meta.column(name).map(|(_, c)| c.ty).unwrap_or(ColType::Int64);
        let total: usize = parts.iter().map(|p| p.lines() as usize).sum();
        let all_dict = ty.is_string()
            && parts.iter().all(|p| {
                p.lines() == 0
                    || p.ds
                        .meta
                        .column(name)
                        .and_then(|(_, c)| c.slices.get(p.slice))
                        .is_some_and(|s| s.encoding == crate::dataset::format::Encoding::Dict)
            });
        let mut values = match ty {
            ColType::Float32 | ColType::Float64 => Values2::Float(huge(total)),
            ColType::Number => Values2::Number(huge(total), Vec::new()),
            _ if all_dict => Values2::Dict {
                codes: huge(total),
                strings: Strings::default(),
                part_base: Vec::new(),
            },
            ColType::Ascii | ColType::Unicode | ColType::Bytes | ColType::Json => Values2::Var(Strings::default()),
            _ => Values2::Int(huge(total)),
        };
        let mut none: Vec<bool> = Vec::new();
        let mut done = 0usize;
        let mut block = Block::default();
        for part in parts {
            let lines = part.lines();
            let Some((col, _)) = part.ds.meta.column(name) else {
                return Err(Error::User(format!("dataset {} has no column `{name}`", part.ds.id())));
            };
            let mut r = part.ds.open_column(col, part.slice)?;
            if let Values2::Dict { strings, part_base, .. } = &mut values {
                part_base.push(strings.len() as u32);
                if let Some(d) = &r.dict {
                    for i in 0..d.len() {
                        strings.push_spaced(d.get(i).unwrap_or(b""));
                    }
                }
            }
            let base = part_base_of(&values);
            let mut start = 0u64;
            while start < lines {
                let n = (lines - start).min(BLOCK as u64) as usize;
                if let Values2::Var(s) = &mut values {
                    for row in start..start + n as u64 {
                        match r.get(row).map_err(|e| io_err(part, col, e))? {
                            Stored::Bytes(b) | Stored::Json(b) => s.push(b),
                            _ => {
                                if none.is_empty() {
                                    none.resize(done + (row - start) as usize, false);
                                }
                                none.push(true);
                                s.push(b"");
                                continue;
                            }
                        }
                        if !none.is_empty() {
                            none.push(false);
                        }
                    }
                    done += n;
                    start += n as u64;
                    continue;
                }
                r.read_block(start, n, &mut block).map_err(|e| io_err(part, col, e))?;
                if !block.none.is_empty() {
                    if none.is_empty() {
                        none.resize(done, false);
                    }
                    none.extend_from_slice(&block.none);
                } else if !none.is_empty() {
                    none.resize(done + n, false);
                }
                match (&mut values, &block.values) {
                    (Values2::Int(v), Values::Int(b)) => v.extend_from_slice(b),
                    (Values2::Int(v), Values::Stamp(_, b)) => v.extend_from_slice(b),
                    (Values2::Int(v), Values::Bool(b)) => v.extend(b.iter().map(|&x| x as i64)),
                    (Values2::Float(v), Values::Float(b)) => v.extend_from_slice(b),
                    (Values2::Number(v, f), Values::Number(b, bf)) => {
                        if !bf.is_empty() && f.is_empty() {
                            f.resize(done, false);
                        }
                        v.extend_from_slice(b);
                        if !bf.is_empty() {
                            f.extend_from_slice(bf);
                        } else if !f.is_empty() {
                            f.resize(done + n, false);
                        }
                    }
                    (Values2::Dict { codes, .. }, Values::Code(b)) => codes.extend(b.iter().map(|&c| base + c as u32)),
                    _ => {
                        return Err(Error::User(format!(
                            "dataset {}, column `{name}`, slice {}: unexpected stored values",
                            part.ds.id(),
                            part.slice
                        )))
                    }
                }
                done += n;
                start += n as u64;
            }
        }
        Ok(Loaded { ty, values, none })
    }

    pub fn len(&self) -> usize {
        match &self.values {
            Values2::Int(v) | Values2::Number(v, _) => v.len(),
            Values2::Float(v) => v.len(),
            Values2::Dict { codes, .. } => codes.len(),
            Values2::Var(s) => s.len(),
        }
    }

    #[inline]
    pub fn is_none(&self, i: usize) -> bool {
        !self.none.is_empty() && self.none[i]
    }

    /// Line `i` as a cell to write.
    #[inline]
    pub fn cell(&self, i: usize) -> Cell<'_> {
        if self.is_none(i) {
            return Cell::None;
        }
        match &self.values {
            Values2::Int(v) => {
                let x = v[i];
                match self.ty {
                    ColType::Bool => Cell::Bool(x != 0),
                    ColType::Date => Cell::Date(x as i32),
                    ColType::Datetime => Cell::DateTime(x),
                    ColType::Time => Cell::Time(x),
                    _ => Cell::Int(x),
                }
            }
            Values2::Float(v) => Cell::Float(v[i]),
            Values2::Number(v, f) => {
                if !f.is_empty() && f[i] {
                    Cell::Float(f64::from_bits(v[i] as u64))
                } else {
                    Cell::Int(v[i])
                }
            }
            Values2::Dict { codes, strings, .. } => Cell::Bytes(strings.get(codes[i] as usize)),
            Values2::Var(s) => {
                if self.ty == ColType::Json {
                    Cell::Json(s.get(i))
                } else {
                    Cell::Bytes(s.get(i))
                }
            }
        }
    }
}

impl Loaded {
    /// The cells of lines `idx`, in that order, into `out` (cleared first). A tight loop per
    /// type, so the memory reads of many lines are in flight at once (a gather through a
    /// random permutation waits on memory, not on the CPU).
    pub fn gather<'a>(&'a self, idx: &[u32], out: &mut Vec<Cell<'a>>) {
        out.clear();
        let ty = self.ty;
        match &self.values {
            Values2::Int(v) => match ty {
                ColType::Bool => out.extend(idx.iter().map(|&i| Cell::Bool(v[i as usize] != 0))),
                ColType::Date => out.extend(idx.iter().map(|&i| Cell::Date(v[i as usize] as i32))),
                ColType::Datetime => out.extend(idx.iter().map(|&i| Cell::DateTime(v[i as usize]))),
                ColType::Time => out.extend(idx.iter().map(|&i| Cell::Time(v[i as usize]))),
                _ => out.extend(idx.iter().map(|&i| Cell::Int(v[i as usize]))),
            },
            Values2::Float(v) => out.extend(idx.iter().map(|&i| Cell::Float(v[i as usize]))),
            Values2::Dict { codes, strings, .. } => out.extend(idx.iter().map(|&i| Cell::Bytes(strings.get(codes[i as usize] as usize)))),
            _ => out.extend(idx.iter().map(|&i| self.cell(i as usize))),
        }
        if !self.none.is_empty() {
            for (c, &i) in out.iter_mut().zip(idx) {
                if self.none[i as usize] {
                    *c = Cell::None;
                }
            }
        }
    }
}

/// An empty vector for `n` values, on huge pages where the kernel can (they are read in random
/// order).
pub fn huge<T>(n: usize) -> Vec<T> {
    let v = Vec::with_capacity(n);
    crate::dataset::mmap::advise_huge(&v);
    v
}

fn part_base_of(v: &Values2) -> u32 {
    match v {
        Values2::Dict { part_base, .. } => part_base.last().copied().unwrap_or(0),
        _ => 0,
    }
}

/// Numbers compared by value, integers and floats exactly (as Python compares them).
pub fn cmp_int_float(i: i64, x: f64) -> Ordering {
    if x.is_nan() {
        return Ordering::Less;
    }
    if x >= 9.223_372_036_854_776e18 {
        return Ordering::Less;
    }
    if x < -9.223_372_036_854_776e18 {
        return Ordering::Greater;
    }
    let floor = x.floor();
    match i.cmp(&(floor as i64)) {
        Ordering::Equal if x > floor => Ordering::Less,
        o => o,
    }
}

/// `a == b` as the original's Python compares two values of one column (`1 == 1.0`, NaN is
/// not equal to itself, None only to None).
pub fn cell_eq(a: &Cell, b: &Cell) -> bool {
    match (a, b) {
        (Cell::Int(x), Cell::Float(y)) | (Cell::Float(y), Cell::Int(x)) => cmp_int_float(*x, *y) == Ordering::Equal && !y.is_nan(),
        (Cell::Float(x), Cell::Float(y)) => x == y,
        _ => a == b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_compare_exactly() {
        assert_eq!(cmp_int_float(2, 2.0), Ordering::Equal);
        assert_eq!(cmp_int_float(2, 2.5), Ordering::Less);
        assert_eq!(cmp_int_float(-3, -2.5), Ordering::Less);
        assert_eq!(cmp_int_float(i64::MAX, 9.3e18), Ordering::Less);
        assert_eq!(cmp_int_float(i64::MIN, -9.3e18), Ordering::Greater);
        assert_eq!(cmp_int_float((1 << 53) + 1, (1u64 << 53) as f64), Ordering::Greater);
        assert!(cell_eq(&Cell::Int(1), &Cell::Float(1.0)));
        assert!(!cell_eq(&Cell::Float(f64::NAN), &Cell::Float(f64::NAN)));
        assert!(cell_eq(&Cell::None, &Cell::None));
        assert!(!cell_eq(&Cell::None, &Cell::Int(0)));
        assert!(cell_eq(&Cell::Bytes(b"x"), &Cell::Bytes(b"x")));
    }
}
