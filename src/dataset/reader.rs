//! Reading a dataset: `Dataset` (its metadata, with each column's directory resolved) and
//! `ColumnReader`, one column of one slice read value by value through bounded memory-map
//! windows (`mmap::FileWindow`), so no reader holds a whole column in memory.

use std::io;
use std::rc::Rc;

use camino::{Utf8Path, Utf8PathBuf};

use super::datetime::Kind;
use super::format::{self, DatasetMeta, Encoding};
use super::interner::Dict;
use super::mmap::FileWindow;
use super::types::ColType;
use crate::checksum::Mismatch;
use crate::error::{did_you_mean, Error, Result};

/// One stored value as read (strings borrow the mapped file).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Stored<'a> {
    None,
    Int(i64),
    Float(f64),
    Bool(bool),
    Bytes(&'a [u8]),
    /// A dictionary code; `ColumnReader::dict` has the string.
    Code(u16),
    Date(i32),
    DateTime(i64),
    Time(i64),
    Json(&'a [u8]),
}

pub struct Dataset {
    pub meta: DatasetMeta,
    /// The directory holding each column's files.
    pub col_dirs: Vec<Utf8PathBuf>,
}

impl Dataset {
    /// Opens the dataset in `dir`; `locate` finds the directory of another dataset (`job/name`)
    /// that holds some of its columns.
    pub fn open(dir: &Utf8Path, locate: &dyn Fn(&str) -> Result<Utf8PathBuf>) -> Result<Dataset> {
        let meta = format::read_meta(dir)?;
        let own = meta.id();
        let mut col_dirs = Vec::with_capacity(meta.columns.len());
        for c in &meta.columns {
            col_dirs.push(if c.location == own {
                dir.to_path_buf()
            } else {
                locate(&c.location)?
            });
        }
        Ok(Dataset { meta, col_dirs })
    }

    pub fn id(&self) -> String {
        self.meta.id()
    }

    pub fn slices(&self) -> usize {
        self.meta.lines.len()
    }

    pub fn lines(&self, slice: Option<usize>) -> u64 {
        match slice {
            Some(s) => self.meta.lines.get(s).copied().unwrap_or(0),
            None => self.meta.lines.iter().sum(),
        }
    }

    /// The index of column `name`, or an error listing the columns.
    pub fn column_index(&self, name: &str) -> Result<usize> {
        self.meta.column(name).map(|(i, _)| i).ok_or_else(|| {
            let names: Vec<&str> = self.meta.columns.iter().map(|c| c.name.as_str()).collect();
            Error::User(format!(
                "dataset {} has no column `{name}`{} (columns: {})",
                self.id(),
                did_you_mean(name, names.iter().copied()),
                names.join(", ")
            ))
        })
    }

    pub fn check_slice(&self, slice: i64) -> Result<usize> {
        if slice < 0 || slice as usize >= self.slices() {
            return Err(Error::User(format!(
                "dataset {}: slice {slice} does not exist (slices are 0 to {})",
                self.id(),
                self.slices().saturating_sub(1)
            )));
        }
        Ok(slice as usize)
    }

    pub fn open_column(&self, col: usize, slice: usize) -> Result<ColumnReader> {
        let c = &self.meta.columns[col];
        let dir = &self.col_dirs[col];
        let lines = self.lines(Some(slice));
        let sc = c
            .slices
            .get(slice)
            .ok_or_else(|| Error::User(format!("dataset {}: no slice {slice}", self.id())))?;
        let mut r = ColumnReader {
            ty: c.ty,
            data: None,
            offsets: None,
            codes: None,
            valid: None,
            isfloat: None,
            dict: None,
        };
        if lines == 0 {
            return Ok(r);
        }
        // Every error names the dataset, column, slice and file.
        let what = |p: &Utf8Path| format!("dataset {}, column `{}`, slice {slice}: {p}", self.id(), c.name);
        let open = |part: &str| -> Result<FileWindow> {
            let p = format::part_path(dir, &c.file, slice, part);
            let Some(sums) = sc.parts.get(part) else {
                return Err(Error::User(format!(
                    "{} is damaged: its dataset.json does not list this file",
                    what(&p)
                )));
            };
            let Some(hashes) = sums.parse() else {
                return Err(Error::User(format!("{} is damaged: {}", what(&p), Mismatch::Record)));
            };
            let mut w = match FileWindow::open(&p) {
                Ok(w) => w,
                Err(e) if e.kind() == io::ErrorKind::NotFound => {
                    return Err(Error::User(format!("{} is damaged: the file is missing", what(&p))))
                }
                Err(e) => return Err(Error::io(&p, e)),
            };
            if w.file_len() != sums.len {
                let m = Mismatch::Length {
                    found: w.file_len(),
                    recorded: sums.len,
                };
                return Err(Error::User(format!("{} is damaged: {m}", what(&p))));
            }
            // Unchanged since it was written and hashed (same device, inode and ctime): the
            // bytes are the hashed ones, and hashing them again on every read would cost as
            // much as the read. Otherwise every block is checked as it is first read.
            if sums.stamp.is_none() || sums.stamp.as_deref() != Some(w.stamp().as_str()) {
                w.check_with(hashes, what(&p));
            }
            Ok(w)
        };
        let optional = |part: &str| -> Result<Option<FileWindow>> {
            if sc.parts.contains_key(part) {
                Ok(Some(open(part)?))
            } else {
                Ok(None)
            }
        };
        r.valid = optional("valid")?;
        match (c.ty.width(), sc.encoding) {
            (Some(_), _) => {
                r.data = Some(open("data")?);
                if c.ty == ColType::Number {
                    r.isfloat = optional("isfloat")?;
                }
            }
            (None, Encoding::Dict) => {
                r.codes = Some(open("codes")?);
                let p = format::part_path(dir, &c.file, slice, "dict");
                let bytes = match std::fs::read(&p) {
                    Ok(b) => b,
                    Err(e) if e.kind() == io::ErrorKind::NotFound => {
                        return Err(Error::User(format!("{} is damaged: the file is missing", what(&p))))
                    }
                    Err(e) => return Err(Error::io(&p, e)),
                };
                match sc.parts.get("dict") {
                    Some(sums) => sums
                        .check(&bytes)
                        .map_err(|m| Error::User(format!("{} is damaged: {m}", what(&p))))?,
                    None => {
                        return Err(Error::User(format!(
                            "{} is damaged: its dataset.json does not list this file",
                            what(&p)
                        )))
                    }
                }
                r.dict = Some(Rc::new(
                    Dict::decode(&bytes).ok_or_else(|| Error::User(format!("{p}: not a valid dictionary file")))?,
                ));
            }
            (None, Encoding::Plain) => {
                r.offsets = Some(open("offsets")?);
                r.data = Some(open("data")?);
            }
        }
        Ok(r)
    }
}

pub struct ColumnReader {
    pub ty: ColType,
    data: Option<FileWindow>,
    offsets: Option<FileWindow>,
    codes: Option<FileWindow>,
    valid: Option<FileWindow>,
    isfloat: Option<FileWindow>,
    pub dict: Option<Rc<Dict>>,
}

fn bit(w: &mut Option<FileWindow>, row: u64) -> io::Result<Option<bool>> {
    match w {
        Some(w) => Ok(Some(w.bytes(row / 8, 1)?[0] >> (row % 8) & 1 == 1)),
        None => Ok(None),
    }
}

fn missing() -> io::Error {
    io::Error::new(io::ErrorKind::NotFound, "a column file is missing")
}

impl ColumnReader {
    /// The value in line `row` (which must be below `lines`).
    #[inline]
    pub fn get(&mut self, row: u64) -> io::Result<Stored<'_>> {
        if self.valid.is_some() && bit(&mut self.valid, row)? == Some(false) {
            return Ok(Stored::None);
        }
        let ty = self.ty;
        if let Some(w) = ty.width() {
            let number_float = ty == ColType::Number && bit(&mut self.isfloat, row)? == Some(true);
            let data = self.data.as_mut().ok_or_else(missing)?;
            let b = data.bytes(row * w as u64, w)?;
            let eight = |b: &[u8]| i64::from_le_bytes(b.try_into().unwrap_or([0; 8]));
            let four = |b: &[u8]| i32::from_le_bytes(b.try_into().unwrap_or([0; 4]));
            return Ok(match ty {
                ColType::Int64 => Stored::Int(eight(b)),
                ColType::Float64 => Stored::Float(f64::from_bits(eight(b) as u64)),
                ColType::Int32 => Stored::Int(four(b) as i64),
                ColType::Float32 => Stored::Float(f32::from_bits(four(b) as u32) as f64),
                ColType::Number if number_float => Stored::Float(f64::from_bits(eight(b) as u64)),
                ColType::Number => Stored::Int(eight(b)),
                ColType::Bool => Stored::Bool(b[0] != 0),
                ColType::Date => Stored::Date(four(b)),
                ColType::Datetime => Stored::DateTime(eight(b)),
                _ => Stored::Time(eight(b)),
            });
        }
        if let Some(codes) = &mut self.codes {
            let b = codes.bytes(row * 2, 2)?;
            return Ok(Stored::Code(u16::from_le_bytes([b[0], b[1]])));
        }
        let offs = self.offsets.as_mut().ok_or_else(missing)?;
        let b = offs.bytes(row * 8, 16)?;
        let start = u64::from_le_bytes(b[..8].try_into().unwrap_or([0; 8]));
        let end = u64::from_le_bytes(b[8..].try_into().unwrap_or([0; 8]));
        if end < start {
            return Err(io::Error::new(io::ErrorKind::InvalidData, "corrupt offsets"));
        }
        let data = self.data.as_mut().ok_or_else(missing)?;
        let bytes = data.bytes(start, (end - start) as usize)?;
        Ok(if ty == ColType::Json {
            Stored::Json(bytes)
        } else {
            Stored::Bytes(bytes)
        })
    }

    /// Like `get`, with dictionary codes looked up.
    pub fn get_resolved(&mut self, row: u64) -> io::Result<Stored<'_>> {
        if self.codes.is_none() {
            return self.get(row);
        }
        let code = match self.get(row)? {
            Stored::Code(c) => c as usize,
            _ => return Ok(Stored::None),
        };
        let d = self.dict.as_ref().ok_or_else(missing)?;
        match d.get(code) {
            Some(b) => Ok(Stored::Bytes(b)),
            None => Err(io::Error::new(io::ErrorKind::InvalidData, "dictionary code out of range")),
        }
    }

    /// Decodes lines `start .. start + n` into `out` (reusing its buffers). Plain strings and
    /// json are not decoded (`Values::Var`): read them with `get`, which borrows the mapped bytes.
    pub fn read_block(&mut self, start: u64, n: usize, out: &mut Block) -> io::Result<()> {
        out.len = n;
        out.none.clear();
        if let Some(valid) = &mut self.valid {
            let first = start / 8;
            let last = (start + n as u64).div_ceil(8);
            let bits = valid.bytes(first, (last - first) as usize)?;
            let skip = (start % 8) as usize;
            out.none.extend((skip..skip + n).map(|i| bits[i / 8] >> (i % 8) & 1 == 0));
        }
        let ty = self.ty;
        if self.codes.is_some() {
            let codes = out.values.codes();
            let b = self.codes.as_mut().ok_or_else(missing)?.bytes(start * 2, n * 2)?;
            codes.extend(b.chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]])));
            return Ok(());
        }
        let Some(w) = ty.width() else {
            out.values = Values::Var;
            return Ok(());
        };
        let isfloat = if ty == ColType::Number && self.isfloat.is_some() {
            let first = start / 8;
            let last = (start + n as u64).div_ceil(8);
            let bits = self.isfloat.as_mut().ok_or_else(missing)?.bytes(first, (last - first) as usize)?;
            let skip = (start % 8) as usize;
            Some((skip..skip + n).map(|i| bits[i / 8] >> (i % 8) & 1 == 1).collect::<Vec<bool>>())
        } else {
            None
        };
        let b = self.data.as_mut().ok_or_else(missing)?.bytes(start * w as u64, n * w)?;
        let i64s = |b: &[u8], v: &mut Vec<i64>| {
            v.extend(
                b.chunks_exact(8)
                    .map(|c| i64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]])),
            )
        };
        let i32s = |b: &[u8], v: &mut Vec<i64>| v.extend(b.chunks_exact(4).map(|c| i32::from_le_bytes([c[0], c[1], c[2], c[3]]) as i64));
        match ty {
            ColType::Int64 => i64s(b, out.values.ints()),
            ColType::Int32 => i32s(b, out.values.ints()),
            ColType::Float64 => {
                let v = out.values.floats();
                v.extend(
                    b.chunks_exact(8)
                        .map(|c| f64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]])),
                )
            }
            ColType::Float32 => {
                let v = out.values.floats();
                v.extend(b.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]) as f64))
            }
            ColType::Bool => {
                let v = out.values.bools();
                v.extend(b.iter().map(|&x| x != 0))
            }
            ColType::Number => {
                let (raw, flags) = out.values.number();
                i64s(b, raw);
                match isfloat {
                    Some(f) => *flags = f,
                    None => flags.clear(),
                }
            }
            ColType::Date => i32s(b, out.values.stamps(Kind::Date)),
            ColType::Datetime => i64s(b, out.values.stamps(Kind::Datetime)),
            _ => i64s(b, out.values.stamps(Kind::Time)),
        }
        Ok(())
    }

    /// Lines `start .. start + n` of a plain string or json column, each as `f(i, bytes)` (`None`
    /// for None), borrowing the mapped file: the block counterpart of `get` for `Values::Var`.
    pub fn for_each_var<E>(
        &mut self,
        start: u64,
        n: usize,
        mut f: impl FnMut(usize, Option<&[u8]>) -> std::result::Result<(), E>,
    ) -> io::Result<std::result::Result<(), E>> {
        if n == 0 {
            return Ok(Ok(()));
        }
        let mut none = Vec::new();
        if let Some(valid) = &mut self.valid {
            let first = start / 8;
            let last = (start + n as u64).div_ceil(8);
            let bits = valid.bytes(first, (last - first) as usize)?;
            let skip = (start % 8) as usize;
            none.extend((skip..skip + n).map(|i| bits[i / 8] >> (i % 8) & 1 == 0));
        }
        let offs = self.offsets.as_mut().ok_or_else(missing)?.bytes(start * 8, (n + 1) * 8)?;
        let off = |i: usize| u64::from_le_bytes(offs[i * 8..i * 8 + 8].try_into().unwrap_or([0; 8]));
        let (first, last) = (off(0), off(n));
        if last < first {
            return Err(io::Error::new(io::ErrorKind::InvalidData, "corrupt offsets"));
        }
        let data = self.data.as_mut().ok_or_else(missing)?.bytes(first, (last - first) as usize)?;
        let mut prev = 0usize;
        for i in 0..n {
            let end = (off(i + 1) - first) as usize;
            if end < prev || end > data.len() {
                return Err(io::Error::new(io::ErrorKind::InvalidData, "corrupt offsets"));
            }
            let v = if !none.is_empty() && none[i] {
                None
            } else {
                Some(&data[prev..end])
            };
            if let Err(e) = f(i, v) {
                return Ok(Err(e));
            }
            prev = end;
        }
        Ok(Ok(()))
    }

    /// Whether the column is stored as plain variable-width values (strings or json).
    pub fn is_plain_var(&self) -> bool {
        self.offsets.is_some()
    }

    /// The raw windows, for the reductions.
    pub(super) fn parts(&mut self) -> Parts<'_> {
        Parts {
            data: self.data.as_mut(),
            codes: self.codes.as_mut(),
            valid: self.valid.as_mut(),
            isfloat: self.isfloat.as_mut(),
        }
    }
}

pub(super) struct Parts<'a> {
    pub data: Option<&'a mut FileWindow>,
    pub codes: Option<&'a mut FileWindow>,
    pub valid: Option<&'a mut FileWindow>,
    pub isfloat: Option<&'a mut FileWindow>,
}

/// Decoded values of up to a block of lines (see `ColumnReader::read_block`).
#[derive(Debug, Default)]
pub struct Block {
    pub values: Values,
    /// Empty when no line is None; else true where the line is None.
    pub none: Vec<bool>,
    pub len: usize,
}

impl Block {
    #[inline]
    pub fn is_none(&self, i: usize) -> bool {
        !self.none.is_empty() && self.none[i]
    }
}

#[derive(Debug, Default)]
pub enum Values {
    /// Not decoded: plain strings and json, read line by line.
    #[default]
    Var,
    Int(Vec<i64>),
    Float(Vec<f64>),
    Bool(Vec<bool>),
    Code(Vec<u16>),
    /// `number`: the raw 8 bytes, and which are floats (empty: none are).
    Number(Vec<i64>, Vec<bool>),
    /// Dates (days), datetimes and times (microseconds).
    Stamp(Kind, Vec<i64>),
}

impl Values {
    fn ints(&mut self) -> &mut Vec<i64> {
        if !matches!(self, Values::Int(_)) {
            *self = Values::Int(Vec::new());
        }
        match self {
            Values::Int(v) => {
                v.clear();
                v
            }
            _ => unreachable!("set just above"),
        }
    }

    fn floats(&mut self) -> &mut Vec<f64> {
        if !matches!(self, Values::Float(_)) {
            *self = Values::Float(Vec::new());
        }
        match self {
            Values::Float(v) => {
                v.clear();
                v
            }
            _ => unreachable!("set just above"),
        }
    }

    fn bools(&mut self) -> &mut Vec<bool> {
        if !matches!(self, Values::Bool(_)) {
            *self = Values::Bool(Vec::new());
        }
        match self {
            Values::Bool(v) => {
                v.clear();
                v
            }
            _ => unreachable!("set just above"),
        }
    }

    fn codes(&mut self) -> &mut Vec<u16> {
        if !matches!(self, Values::Code(_)) {
            *self = Values::Code(Vec::new());
        }
        match self {
            Values::Code(v) => {
                v.clear();
                v
            }
            _ => unreachable!("set just above"),
        }
    }

    fn number(&mut self) -> (&mut Vec<i64>, &mut Vec<bool>) {
        if !matches!(self, Values::Number(..)) {
            *self = Values::Number(Vec::new(), Vec::new());
        }
        match self {
            Values::Number(v, f) => {
                v.clear();
                (v, f)
            }
            _ => unreachable!("set just above"),
        }
    }

    fn stamps(&mut self, kind: Kind) -> &mut Vec<i64> {
        if !matches!(self, Values::Stamp(k, _) if *k == kind) {
            *self = Values::Stamp(kind, Vec::new());
        }
        match self {
            Values::Stamp(_, v) => {
                v.clear();
                v
            }
            _ => unreachable!("set just above"),
        }
    }
}
