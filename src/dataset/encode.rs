//! Encoding one column of one slice into its part files: `ColumnWriter` buffers values, tracks
//! min/max, dictionary-encodes strings (falling back to plain), and appends blocks to its `Part`s;
//! `Bitmap` holds the `valid` and `isfloat` bits.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, BufReader, Read, Write};

use camino::{Utf8Path, Utf8PathBuf};

use super::cell::{Cell, MinMax, Scalar};
use super::format::{self, Encoding, SliceColumn};
use super::interner::Interner;
use super::types::ColType;
use super::writer_def::ColumnSpec;
use crate::checksum::{self, Hasher, Sums};

pub const BLOCK_ROWS: usize = 8192;
pub const BLOCK_BYTES: usize = 1 << 20;
/// A string column stays dictionary-encoded in a slice while it has at most this many distinct
/// values (codes are u16).
pub const DICT_MAX: usize = 65536;
/// After this many rows, a column with more than half as many distinct values goes plain: a
/// dictionary would not pay for its lookups (csvimport's unique ids, numbers, timestamps).
pub const DICT_PROBE: u64 = 4096;

/// A file written in appended blocks, created on first use, hashed as it is written. It is
/// written under a temporary name of its attempt (`dataset::attempt`) and takes its real name
/// when the slice finishes, so that a lost attempt never leaves a half-written part behind.
struct Part {
    name: &'static str,
    path: Utf8PathBuf,
    temp: Utf8PathBuf,
    file: Option<File>,
    /// Boxed: the hash state is large, and a column holds up to three parts.
    sums: Box<Hasher>,
}

impl Part {
    fn new(dir: &Utf8Path, file: &str, slice: usize, part: &'static str, temp_suffix: &str) -> Part {
        let path = format::part_path(dir, file, slice, part);
        Part {
            name: part,
            temp: Utf8PathBuf::from(format!("{path}{temp_suffix}")),
            path,
            file: None,
            sums: Box::default(),
        }
    }

    fn append(&mut self, bytes: &[u8]) -> io::Result<()> {
        if self.file.is_none() {
            self.file = Some(File::create(&self.temp)?);
        }
        self.sums.update(bytes);
        match &mut self.file {
            Some(f) => f.write_all(bytes),
            None => Ok(()),
        }
    }

    /// Closes the part, gives it its real name and records it in `parts` if it was written,
    /// with its stamp (taken after the rename, which changes the ctime).
    fn record(&mut self, parts: &mut BTreeMap<String, Sums>) -> io::Result<()> {
        if let Some(f) = self.file.take() {
            drop(f);
            std::fs::rename(&self.temp, &self.path)?;
            let mut sums = std::mem::take(&mut *self.sums).finish();
            sums.stamp = Some(checksum::stamp(&std::fs::metadata(&self.path)?));
            parts.insert(self.name.to_string(), sums);
        }
        Ok(())
    }
}

/// A bitmap that exists only once a value differs from `default` (`valid` with default true,
/// `isfloat` with default false); earlier lines are filled in with the default then.
struct Bitmap {
    part: Part,
    default: bool,
    active: bool,
    bits: u64,
    flushed: u64,
    buf: Vec<u8>,
}

impl Bitmap {
    fn new(part: Part, default: bool) -> Bitmap {
        Bitmap {
            part,
            default,
            active: false,
            bits: 0,
            flushed: 0,
            buf: Vec::new(),
        }
    }

    #[inline]
    fn push(&mut self, bit: bool, row: u64) {
        if !self.active {
            if bit == self.default {
                return;
            }
            self.activate(row);
        }
        if self.bits.is_multiple_of(8) {
            self.buf.push(0);
        }
        if bit {
            let i = (self.bits / 8 - self.flushed) as usize;
            self.buf[i] |= 1 << (self.bits % 8);
        }
        self.bits += 1;
    }

    #[cold]
    fn activate(&mut self, row: u64) {
        self.active = true;
        let fill = if self.default { 0xff } else { 0 };
        self.buf.resize((row / 8) as usize, fill);
        self.bits = row / 8 * 8;
        for _ in 0..row % 8 {
            self.push(self.default, 0);
        }
    }

    /// Writes the complete bytes, keeps a partial last one.
    fn flush(&mut self) -> io::Result<()> {
        let complete = (self.bits / 8 - self.flushed) as usize;
        if complete > 0 {
            self.part.append(&self.buf[..complete])?;
            self.buf.drain(..complete);
            self.flushed += complete as u64;
        }
        Ok(())
    }

    fn finish(&mut self) -> io::Result<()> {
        if self.active {
            self.flush()?;
            let rest = std::mem::take(&mut self.buf);
            self.part.append(&rest)?;
        }
        Ok(())
    }
}

enum Store {
    Fixed {
        buf: Vec<u8>,
        data: Part,
    },
    Var {
        offsets: Vec<u8>,
        data: Vec<u8>,
        end: u64,
        offsets_file: Part,
        data_file: Part,
    },
    Dict {
        dict: Interner,
        codes: Vec<u8>,
        codes_file: Part,
    },
}

impl Store {
    fn var(part: impl Fn(&'static str) -> Part) -> Store {
        Store::Var {
            offsets: 0u64.to_le_bytes().to_vec(),
            data: Vec::new(),
            end: 0,
            offsets_file: part("offsets"),
            data_file: part("data"),
        }
    }

    #[inline]
    fn push_var(&mut self, b: &[u8]) {
        if let Store::Var { offsets, data, end, .. } = self {
            data.extend_from_slice(b);
            *end += b.len() as u64;
            offsets.extend_from_slice(&end.to_le_bytes());
        }
    }
}

/// Running min/max, specialised for the common column types.
enum Track {
    Nothing,
    Int { lo: i64, hi: i64, any: bool },
    Float { lo: f64, hi: f64, any: bool },
    Any(MinMax),
}

pub(super) struct ColumnWriter {
    ty: ColType,
    store: Store,
    valid: Option<Bitmap>,
    isfloat: Option<Bitmap>,
    track: Track,
    pub(super) rows: u64,
    /// `rows` at the last flush (column-at-a-time writing flushes each column on its own).
    flushed_rows: u64,
    has_none: bool,
    dir: Utf8PathBuf,
    pub(super) file: String,
    slice: usize,
    temp_suffix: String,
}

impl ColumnWriter {
    /// The writer of `spec`'s column in `slice`, its parts named with `temp_suffix` (the
    /// attempt's) until `finish`.
    pub(super) fn new(dir: &Utf8Path, spec: &ColumnSpec, slice: usize, temp_suffix: &str) -> ColumnWriter {
        let part = |p: &'static str| Part::new(dir, &spec.file, slice, p, temp_suffix);
        let store = if spec.ty.width().is_some() {
            Store::Fixed {
                buf: Vec::new(),
                data: part("data"),
            }
        } else if spec.ty.is_string() {
            Store::Dict {
                dict: Interner::new(),
                codes: Vec::new(),
                codes_file: part("codes"),
            }
        } else {
            Store::var(part)
        };
        let track = match spec.ty {
            ColType::Int32 | ColType::Int64 | ColType::Bool | ColType::Date | ColType::Datetime | ColType::Time => Track::Int {
                lo: i64::MAX,
                hi: i64::MIN,
                any: false,
            },
            ColType::Float32 | ColType::Float64 => Track::Float {
                lo: f64::INFINITY,
                hi: f64::NEG_INFINITY,
                any: false,
            },
            ColType::Number => Track::Any(MinMax::default()),
            _ => Track::Nothing,
        };
        ColumnWriter {
            ty: spec.ty,
            store,
            valid: spec.none_support.then(|| Bitmap::new(part("valid"), true)),
            isfloat: (spec.ty == ColType::Number).then(|| Bitmap::new(part("isfloat"), false)),
            track,
            rows: 0,
            flushed_rows: 0,
            has_none: false,
            dir: dir.to_path_buf(),
            file: spec.file.clone(),
            slice,
            temp_suffix: temp_suffix.to_string(),
        }
    }

    fn part(&self, name: &'static str) -> Part {
        Part::new(&self.dir, &self.file, self.slice, name, &self.temp_suffix)
    }

    #[inline]
    fn track_int(&mut self, v: i64) {
        if let Track::Int { lo, hi, any } = &mut self.track {
            *lo = (*lo).min(v);
            *hi = (*hi).max(v);
            *any = true;
        }
    }

    #[inline]
    fn track_float(&mut self, v: f64) {
        if let Track::Float { lo, hi, any } = &mut self.track {
            *lo = lo.min(v);
            *hi = hi.max(v);
            *any |= !v.is_nan();
        }
    }

    /// Appends a normalized cell.
    #[inline]
    pub(super) fn push(&mut self, cell: &Cell) -> io::Result<()> {
        let row = self.rows;
        self.rows += 1;
        if let Some(v) = &mut self.valid {
            v.push(!matches!(cell, Cell::None), row);
        }
        if let Store::Fixed { buf, .. } = &mut self.store {
            match (self.ty, cell) {
                (ColType::Int64 | ColType::Datetime | ColType::Time, Cell::Int(v) | Cell::DateTime(v) | Cell::Time(v)) => {
                    buf.extend_from_slice(&v.to_le_bytes());
                    let v = *v;
                    self.track_int(v);
                }
                (ColType::Float64, Cell::Float(x)) => {
                    buf.extend_from_slice(&x.to_le_bytes());
                    let x = *x;
                    self.track_float(x);
                }
                (ColType::Int32, Cell::Int(v)) => {
                    buf.extend_from_slice(&(*v as i32).to_le_bytes());
                    let v = *v;
                    self.track_int(v);
                }
                (ColType::Float32, Cell::Float(x)) => {
                    buf.extend_from_slice(&(*x as f32).to_le_bytes());
                    let x = *x;
                    self.track_float(x);
                }
                (ColType::Bool, Cell::Bool(b)) => {
                    buf.push(*b as u8);
                    let b = *b;
                    self.track_int(b as i64);
                }
                (ColType::Date, Cell::Date(d)) => {
                    buf.extend_from_slice(&d.to_le_bytes());
                    let d = *d;
                    self.track_int(d as i64);
                }
                (ColType::Number, Cell::Int(v)) => {
                    buf.extend_from_slice(&v.to_le_bytes());
                    if let Some(b) = &mut self.isfloat {
                        b.push(false, row);
                    }
                    if let Track::Any(m) = &mut self.track {
                        m.add(Scalar::Int(*v));
                    }
                }
                (ColType::Number, Cell::Float(x)) => {
                    buf.extend_from_slice(&x.to_le_bytes());
                    if let Some(b) = &mut self.isfloat {
                        b.push(true, row);
                    }
                    if let Track::Any(m) = &mut self.track {
                        m.add(Scalar::Float(*x));
                    }
                }
                _ => {
                    // None (normalize let nothing else through): a zero value.
                    self.has_none = true;
                    let w = self.ty.width().unwrap_or(8);
                    buf.extend_from_slice(&[0u8; 8][..w]);
                    if let Some(b) = &mut self.isfloat {
                        b.push(false, row);
                    }
                }
            }
            return Ok(());
        }
        let bytes: &[u8] = match cell {
            Cell::Bytes(b) => b,
            Cell::Json(t) => t,
            _ => {
                self.has_none = true;
                b""
            }
        };
        match &mut self.store {
            Store::Dict { dict, codes, .. } => {
                let before = dict.len();
                let code = if matches!(cell, Cell::None) { 0 } else { dict.intern(bytes) };
                if code as usize >= DICT_MAX && code as usize == before {
                    self.dict_to_plain()?;
                    self.store.push_var(bytes);
                } else {
                    codes.extend_from_slice(&(code as u16).to_le_bytes());
                    if row + 1 == DICT_PROBE && dict.len() as u64 > DICT_PROBE / 2 {
                        self.dict_to_plain()?;
                    }
                }
            }
            store => store.push_var(bytes),
        }
        Ok(())
    }

    /// Too many distinct values: rewrite what was written so far as plain strings.
    #[cold]
    fn dict_to_plain(&mut self) -> io::Result<()> {
        let plain = Store::var(|p| self.part(p));
        let old = std::mem::replace(&mut self.store, plain);
        let Store::Dict {
            dict,
            codes,
            mut codes_file,
        } = old
        else {
            return Ok(());
        };
        if let Some(f) = codes_file.file.take() {
            drop(f);
            let mut r = BufReader::new(File::open(&codes_file.temp)?);
            let mut block = vec![0u8; 2 * BLOCK_ROWS];
            loop {
                let n = read_full(&mut r, &mut block)?;
                for c in block[..n].chunks_exact(2) {
                    let code = u16::from_le_bytes([c[0], c[1]]) as usize;
                    self.store.push_var(dict.get(code));
                }
                self.flush()?;
                if n < block.len() {
                    break;
                }
            }
            std::fs::remove_file(&codes_file.temp)?;
        }
        for c in codes.chunks_exact(2) {
            let code = u16::from_le_bytes([c[0], c[1]]) as usize;
            self.store.push_var(dict.get(code));
        }
        Ok(())
    }

    /// Bytes buffered in a string column since the last flush.
    #[inline]
    pub(super) fn pending_bytes(&self) -> usize {
        match &self.store {
            Store::Var { data, .. } => data.len(),
            _ => 0,
        }
    }

    pub(super) fn flush(&mut self) -> io::Result<()> {
        match &mut self.store {
            Store::Fixed { buf, data } => {
                data.append(buf)?;
                buf.clear();
            }
            Store::Var {
                offsets,
                data,
                offsets_file,
                data_file,
                ..
            } => {
                offsets_file.append(offsets)?;
                offsets.clear();
                data_file.append(data)?;
                data.clear();
            }
            Store::Dict { codes, codes_file, .. } => {
                codes_file.append(codes)?;
                codes.clear();
            }
        }
        if let Some(b) = &mut self.valid {
            b.flush()?;
        }
        if let Some(b) = &mut self.isfloat {
            b.flush()?;
        }
        self.flushed_rows = self.rows;
        Ok(())
    }

    /// Column-at-a-time writing: flushes when `BLOCK_ROWS` rows or `BLOCK_BYTES` of strings
    /// are buffered.
    #[inline]
    pub(super) fn maybe_flush(&mut self) -> io::Result<()> {
        if self.rows - self.flushed_rows >= BLOCK_ROWS as u64 || self.pending_bytes() >= BLOCK_BYTES {
            self.flush()?;
        }
        Ok(())
    }

    /// Appends one string value (a string or bytes column, already checked): `push` without
    /// the dispatch on the cell.
    #[inline]
    pub(super) fn push_str(&mut self, b: &[u8]) -> io::Result<()> {
        let row = self.rows;
        self.rows += 1;
        if let Some(v) = &mut self.valid {
            v.push(true, row);
        }
        match &mut self.store {
            Store::Dict { dict, codes, .. } => {
                let before = dict.len();
                let code = dict.intern(b);
                if code as usize >= DICT_MAX && code as usize == before {
                    self.dict_to_plain()?;
                    self.store.push_var(b);
                } else {
                    codes.extend_from_slice(&(code as u16).to_le_bytes());
                    if row + 1 == DICT_PROBE && dict.len() as u64 > DICT_PROBE / 2 {
                        self.dict_to_plain()?;
                    }
                }
            }
            store => store.push_var(b),
        }
        Ok(())
    }

    /// Appends values of an 8-byte integer column (int64, datetime, time), already checked.
    pub(super) fn push_i64s(&mut self, vals: &[i64]) {
        let Store::Fixed { buf, .. } = &mut self.store else { return };
        buf.reserve(vals.len() * 8);
        let (mut lo, mut hi) = (i64::MAX, i64::MIN);
        for &v in vals {
            buf.extend_from_slice(&v.to_le_bytes());
            lo = lo.min(v);
            hi = hi.max(v);
        }
        if !vals.is_empty() {
            self.track_int(lo);
            self.track_int(hi);
        }
        self.push_valid(vals.len());
    }

    /// Appends values of a float64 column.
    pub(super) fn push_f64s(&mut self, vals: &[f64]) {
        let Store::Fixed { buf, .. } = &mut self.store else { return };
        buf.reserve(vals.len() * 8);
        let (mut lo, mut hi, mut any) = (f64::INFINITY, f64::NEG_INFINITY, false);
        for &x in vals {
            buf.extend_from_slice(&x.to_le_bytes());
            lo = lo.min(x);
            hi = hi.max(x);
            any |= !x.is_nan();
        }
        if let Track::Float { lo: l, hi: h, any: a } = &mut self.track {
            *l = l.min(lo);
            *h = h.max(hi);
            *a |= any;
        }
        self.push_valid(vals.len());
    }

    /// Appends values of a date column.
    pub(super) fn push_dates(&mut self, vals: &[i32]) {
        let Store::Fixed { buf, .. } = &mut self.store else { return };
        buf.reserve(vals.len() * 4);
        let (mut lo, mut hi) = (i32::MAX, i32::MIN);
        for &d in vals {
            buf.extend_from_slice(&d.to_le_bytes());
            lo = lo.min(d);
            hi = hi.max(d);
        }
        if !vals.is_empty() {
            self.track_int(lo as i64);
            self.track_int(hi as i64);
        }
        self.push_valid(vals.len());
    }

    /// The rows and `valid` bits of `n` values that are not None.
    #[inline]
    fn push_valid(&mut self, n: usize) {
        if let Some(v) = &mut self.valid {
            for i in 0..n as u64 {
                v.push(true, self.rows + i);
            }
        }
        self.rows += n as u64;
    }

    pub(super) fn finish(&mut self) -> io::Result<SliceColumn> {
        self.flush()?;
        if let Some(b) = &mut self.valid {
            b.finish()?;
        }
        if let Some(b) = &mut self.isfloat {
            b.finish()?;
        }
        let mut parts = BTreeMap::new();
        let encoding = match &mut self.store {
            Store::Dict { dict, codes_file, .. } => {
                codes_file.record(&mut parts)?;
                if self.rows > 0 {
                    let mut dict_file = Part::new(&self.dir, &self.file, self.slice, "dict", &self.temp_suffix);
                    dict_file.append(&dict.encode())?;
                    dict_file.record(&mut parts)?;
                }
                Encoding::Dict
            }
            Store::Fixed { data, .. } => {
                data.record(&mut parts)?;
                Encoding::Plain
            }
            Store::Var {
                offsets_file, data_file, ..
            } => {
                offsets_file.record(&mut parts)?;
                data_file.record(&mut parts)?;
                Encoding::Plain
            }
        };
        for b in [&mut self.valid, &mut self.isfloat].into_iter().flatten() {
            b.part.record(&mut parts)?;
        }
        let mm = match self.track {
            Track::Int { lo, hi, any: true } => {
                let s = |v: i64| match self.ty {
                    ColType::Bool => Scalar::Bool(v != 0),
                    ColType::Date => Scalar::Date(v as i32),
                    ColType::Datetime => Scalar::DateTime(v),
                    ColType::Time => Scalar::Time(v),
                    _ => Scalar::Int(v),
                };
                Some((s(lo), s(hi)))
            }
            Track::Float { lo, hi, any: true } => Some((Scalar::Float(lo), Scalar::Float(hi))),
            Track::Any(m) => m.0,
            _ => None,
        };
        Ok(SliceColumn {
            encoding,
            has_none: self.has_none,
            min: mm.map(|m| m.0.to_json()),
            max: mm.map(|m| m.1.to_json()),
            parts,
        })
    }
}

pub(super) fn read_full(r: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}
