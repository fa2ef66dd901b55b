//! Writing a dataset: `WriterDef` (what `job:datasetwriter{...}` and `add` declared, persisted as
//! `writer.json` so analysis workers can reopen it), `DatasetWriter` (checks each row, routes it to
//! its slice, keeps one `SliceWriter` per slice this process writes), and `finish`, which gathers
//! every slice's record into `dataset.json`. Values are buffered per column and flushed in blocks
//! of `BLOCK_ROWS` rows (or `BLOCK_BYTES` of strings; small blocks keep the buffers in cache), so memory stays bounded however many rows
//! are written.

use std::fs::{File, OpenOptions};
use std::io::{self, BufReader, Read, Write};

use camino::{Utf8Path, Utf8PathBuf};
use serde::{Deserialize, Serialize};

use super::cell::{normalize, Cell, MinMax, Scalar};
use super::format::{self, ColumnMeta, DatasetMeta, Encoding, SliceColumn, FORMAT_VERSION, META, WRITER};
use super::hash::slice_of;
use super::interner::Interner;
use super::types::ColType;
use crate::error::{did_you_mean, Error, IoContext, Result};
use crate::job::records;

pub const BLOCK_ROWS: usize = 8192;
pub const BLOCK_BYTES: usize = 1 << 20;
/// A string column stays dictionary-encoded in a slice while it has at most this many distinct
/// values (codes are u16).
pub const DICT_MAX: usize = 65536;
/// After this many rows, a column with more than half as many distinct values goes plain: a
/// dictionary would not pay for its lookups (csvimport's unique ids, numbers, timestamps).
pub const DICT_PROBE: u64 = 4096;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnSpec {
    pub name: String,
    #[serde(rename = "type")]
    pub ty: ColType,
    pub none_support: bool,
    pub file: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WriterDef {
    pub job: String,
    pub name: String,
    pub slices: usize,
    /// The columns this writer writes, in `add` order (a parent's columns are not here).
    pub columns: Vec<ColumnSpec>,
    pub hashlabel: Option<String>,
    pub previous: Option<String>,
    pub parent: Option<String>,
    pub caption: String,
    pub hash_discard: bool,
    /// The parent's column names, for checking `hashlabel`.
    #[serde(default)]
    pub parent_columns: Vec<String>,
}

impl WriterDef {
    pub fn id(&self) -> String {
        format!("{}/{}", self.job, self.name)
    }
}

/// What one slice's writer recorded (`slice.<n>.json`).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct SliceStats {
    lines: u64,
    columns: Vec<SliceColumn>,
}

/// A file written in appended blocks, created on first use.
struct Part {
    path: Utf8PathBuf,
    file: Option<File>,
}

impl Part {
    fn new(dir: &Utf8Path, file: &str, slice: usize, part: &str) -> Part {
        Part {
            path: format::part_path(dir, file, slice, part),
            file: None,
        }
    }

    fn append(&mut self, bytes: &[u8]) -> io::Result<()> {
        if self.file.is_none() {
            self.file = Some(File::create(&self.path)?);
        }
        match &mut self.file {
            Some(f) => f.write_all(bytes),
            None => Ok(()),
        }
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
    fn var(dir: &Utf8Path, file: &str, slice: usize) -> Store {
        Store::Var {
            offsets: 0u64.to_le_bytes().to_vec(),
            data: Vec::new(),
            end: 0,
            offsets_file: Part::new(dir, file, slice, "offsets"),
            data_file: Part::new(dir, file, slice, "data"),
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

struct ColumnWriter {
    ty: ColType,
    store: Store,
    valid: Option<Bitmap>,
    isfloat: Option<Bitmap>,
    track: Track,
    rows: u64,
    has_none: bool,
    dir: Utf8PathBuf,
    file: String,
    slice: usize,
}

impl ColumnWriter {
    fn new(dir: &Utf8Path, spec: &ColumnSpec, slice: usize) -> ColumnWriter {
        let part = |p: &str| Part::new(dir, &spec.file, slice, p);
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
            Store::var(dir, &spec.file, slice)
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
            has_none: false,
            dir: dir.to_path_buf(),
            file: spec.file.clone(),
            slice,
        }
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
    fn push(&mut self, cell: &Cell) -> io::Result<()> {
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
        let old = std::mem::replace(&mut self.store, Store::var(&self.dir, &self.file, self.slice));
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
            let mut r = BufReader::new(File::open(&codes_file.path)?);
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
            std::fs::remove_file(&codes_file.path)?;
        }
        for c in codes.chunks_exact(2) {
            let code = u16::from_le_bytes([c[0], c[1]]) as usize;
            self.store.push_var(dict.get(code));
        }
        Ok(())
    }

    /// Bytes buffered in a string column since the last flush.
    #[inline]
    fn pending_bytes(&self) -> usize {
        match &self.store {
            Store::Var { data, .. } => data.len(),
            _ => 0,
        }
    }

    fn flush(&mut self) -> io::Result<()> {
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
        Ok(())
    }

    fn finish(&mut self) -> io::Result<SliceColumn> {
        self.flush()?;
        if let Some(b) = &mut self.valid {
            b.finish()?;
        }
        if let Some(b) = &mut self.isfloat {
            b.finish()?;
        }
        let encoding = match &mut self.store {
            Store::Dict { dict, .. } => {
                if self.rows > 0 {
                    std::fs::write(format::part_path(&self.dir, &self.file, self.slice, "dict"), dict.encode())?;
                }
                Encoding::Dict
            }
            _ => Encoding::Plain,
        };
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
        })
    }
}

fn read_full(r: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}

/// The writer of one slice in this process.
pub struct SliceWriter {
    slice: usize,
    lines: u64,
    cols: Vec<ColumnWriter>,
    pending_rows: usize,
    pending_bytes: usize,
    marker: Utf8PathBuf,
    dir: Utf8PathBuf,
}

impl SliceWriter {
    fn open(dir: &Utf8Path, def: &WriterDef, slice: usize) -> Result<SliceWriter> {
        let id = def.id();
        if dir.join(format::slice_stats_name(slice)).exists() {
            return Err(Error::User(format!("dataset {id}: slice {slice} was already written and finished")));
        }
        let marker = dir.join(format!("slice.{slice}.writing"));
        match OpenOptions::new().write(true).create_new(true).open(&marker) {
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                return Err(Error::User(format!(
                    "dataset {id}: slice {slice} is already being written elsewhere (a writer passed to analysis writes slice n in analysis worker n only)"
                )))
            }
            Err(e) => return Err(Error::io(marker, e)),
        }
        Ok(SliceWriter {
            slice,
            lines: 0,
            cols: def.columns.iter().map(|c| ColumnWriter::new(dir, c, slice)).collect(),
            pending_rows: 0,
            pending_bytes: 0,
            marker,
            dir: dir.to_path_buf(),
        })
    }

    #[inline]
    fn push_row(&mut self, cells: &[Cell]) -> io::Result<()> {
        for (col, cell) in self.cols.iter_mut().zip(cells) {
            col.push(cell)?;
            if let Cell::Bytes(b) | Cell::Json(b) = cell {
                self.pending_bytes += b.len();
            }
        }
        self.lines += 1;
        self.pending_rows += 1;
        if self.pending_rows >= BLOCK_ROWS || self.pending_bytes >= BLOCK_BYTES {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        for c in &mut self.cols {
            c.flush()?;
        }
        self.pending_rows = 0;
        self.pending_bytes = 0;
        Ok(())
    }

    /// Appends one normalized cell to column `col` alone (column-at-a-time writing); the
    /// slice's line count comes from the columns when it finishes.
    #[inline]
    fn push_cell(&mut self, col: usize, cell: &Cell) -> io::Result<()> {
        let c = &mut self.cols[col];
        c.push(cell)?;
        if c.rows.is_multiple_of(BLOCK_ROWS as u64) || c.pending_bytes() >= BLOCK_BYTES {
            c.flush()?;
        }
        Ok(())
    }

    fn finish(mut self) -> Result<()> {
        // Rows written column by column (`SliceSink::write_cell`) count here.
        let rows = self.cols.first().map_or(self.lines, |c| c.rows);
        if let Some(c) = self.cols.iter().find(|c| c.rows != rows) {
            return Err(Error::User(format!(
                "{}: slice {} has columns of different lengths ({rows} and {} lines, file {})",
                self.dir, self.slice, c.rows, c.file
            )));
        }
        self.lines = rows;
        let mut columns = Vec::with_capacity(self.cols.len());
        for c in &mut self.cols {
            columns.push(c.finish().at(&self.dir)?);
        }
        let stats = SliceStats {
            lines: self.lines,
            columns,
        };
        records::write_json_atomic(&self.dir, &format::slice_stats_name(self.slice), &stats)?;
        let _ = std::fs::remove_file(&self.marker);
        Ok(())
    }
}

/// One slice of a writer, filled from a thread of its own: native kernels write every slice at
/// once. Rows are checked (`normalize`) and, under a hashlabel, must belong in this slice.
pub struct SliceSink {
    id: String,
    slices: usize,
    specs: Vec<ColumnSpec>,
    hash_col: Option<usize>,
    writer: SliceWriter,
}

impl SliceSink {
    pub fn slice(&self) -> usize {
        self.writer.slice
    }

    pub fn lines(&self) -> u64 {
        self.writer.lines
    }

    /// Checks, normalizes and appends one row (one cell per column, in `add` order). The error
    /// names the dataset, column, type, value and slice.
    #[inline]
    pub fn write(&mut self, cells: &mut [Cell]) -> std::result::Result<(), String> {
        if cells.len() != self.specs.len() {
            return Err(format!(
                "dataset {}: a row of {} values for {} columns",
                self.id,
                cells.len(),
                self.specs.len()
            ));
        }
        for (col, cell) in cells.iter_mut().enumerate() {
            self.check(col, cell)?;
        }
        self.writer
            .push_row(cells)
            .map_err(|e| format!("dataset {}, slice {}: writing {}: {e}", self.id, self.writer.slice, self.writer.dir))
    }

    /// Column-at-a-time writing: checks, normalizes and appends one value to column `col` (in
    /// `add` order) alone. Write each column in full, in any order, but do not mix this with
    /// `write` in one slice: `finish` requires every column to have the same number of lines.
    /// Under a hashlabel, the hashlabel column's values must belong in this slice.
    #[inline]
    pub fn write_cell(&mut self, col: usize, cell: &mut Cell) -> std::result::Result<(), String> {
        self.check(col, cell)?;
        self.writer
            .push_cell(col, cell)
            .map_err(|e| format!("dataset {}, slice {}: writing {}: {e}", self.id, self.writer.slice, self.writer.dir))
    }

    /// Normalizes `cell` for column `col`; under a hashlabel, its value must belong in this
    /// slice. The error names the dataset, column, type, value and slice.
    #[inline]
    fn check(&self, col: usize, cell: &mut Cell) -> std::result::Result<(), String> {
        let Some(spec) = self.specs.get(col) else {
            return Err(format!("dataset {}: no column {col} ({} columns)", self.id, self.specs.len()));
        };
        if let Err(p) = normalize(spec.ty, spec.none_support, cell) {
            return Err(format!(
                "dataset {}, column `{}` ({}), slice {}: {}",
                self.id,
                spec.name,
                spec.ty,
                self.writer.slice,
                p.message(spec.ty, cell)
            ));
        }
        if self.hash_col == Some(col) {
            let target = slice_of(cell, self.slices);
            if target != self.writer.slice {
                return Err(format!(
                    "dataset {}: hashlabel `{}` value {} belongs in slice {target}, not slice {}",
                    self.id,
                    spec.name,
                    cell.describe(),
                    self.writer.slice
                ));
            }
        }
        Ok(())
    }

    /// Records the slice (its `slice.<n>.json`); `DatasetWriter::finish` then sees it.
    pub fn finish(self) -> Result<()> {
        self.writer.finish()
    }
}

pub struct DatasetWriter {
    pub def: WriterDef,
    pub dir: Utf8PathBuf,
    slices: Vec<Option<SliceWriter>>,
    /// Slices this process finished (they cannot be written again).
    done: Vec<bool>,
    current: Option<usize>,
    /// Analysis: the slice is the worker's, set_slice is refused.
    fixed: bool,
    hash_col: Option<usize>,
    has_json: bool,
    started: bool,
    pub finished: bool,
}

impl DatasetWriter {
    /// A new writer in `job_dir`; fails if the job already has a dataset or writer of that name.
    pub fn create(job_dir: &Utf8Path, def: WriterDef) -> Result<DatasetWriter> {
        format::check_name(&def.name).map_err(Error::User)?;
        let dir = format::dataset_dir(job_dir, &def.name);
        if dir.join(WRITER).exists() || dir.join(META).exists() {
            return Err(Error::User(format!("this job already has a dataset writer named `{}`", def.name)));
        }
        std::fs::create_dir_all(&dir).at(&dir)?;
        let w = DatasetWriter::from_def(dir, def);
        w.persist()?;
        Ok(w)
    }

    /// The writer `name` that this job's prepare made (analysis workers reopen it).
    pub fn reopen(job_dir: &Utf8Path, job: &str, name: &str) -> Result<DatasetWriter> {
        let dir = format::dataset_dir(job_dir, name);
        if !dir.join(WRITER).exists() {
            return Err(Error::User(if dir.join(META).exists() {
                format!("dataset writer {job}/{name} is already finished")
            } else {
                format!("job {job} has no dataset writer `{name}`")
            }));
        }
        let def: WriterDef = records::read_json(&dir.join(WRITER))?;
        Ok(DatasetWriter::from_def(dir, def))
    }

    fn from_def(dir: Utf8PathBuf, def: WriterDef) -> DatasetWriter {
        let n = def.slices;
        let mut w = DatasetWriter {
            def,
            dir,
            slices: (0..n).map(|_| None).collect(),
            done: vec![false; n],
            current: None,
            fixed: false,
            hash_col: None,
            has_json: false,
            started: false,
            finished: false,
        };
        w.hash_col = w.find_hash_col();
        w.has_json = w.def.columns.iter().any(|c| c.ty == ColType::Json);
        w
    }

    fn find_hash_col(&self) -> Option<usize> {
        let h = self.def.hashlabel.as_deref()?;
        self.def.columns.iter().position(|c| c.name == h)
    }

    pub fn id(&self) -> String {
        self.def.id()
    }

    fn persist(&self) -> Result<()> {
        records::write_json_atomic(&self.dir, WRITER, &self.def)
    }

    fn check_open(&self, what: &str) -> Result<()> {
        if self.finished {
            return Err(Error::User(format!("dataset writer {}: {what} after it was finished", self.id())));
        }
        Ok(())
    }

    pub fn add(&mut self, name: &str, ty: ColType, none_support: bool) -> Result<()> {
        self.check_open("add")?;
        if self.started || self.fixed {
            return Err(Error::User(format!(
                "dataset writer {}: add every column before writing, in the phase that made the writer",
                self.id()
            )));
        }
        if name.is_empty() {
            return Err(Error::User(format!("dataset writer {}: a column name cannot be empty", self.id())));
        }
        if self.def.columns.iter().any(|c| c.name == name) {
            return Err(Error::User(format!(
                "dataset writer {}: column `{name}` was already added",
                self.id()
            )));
        }
        let file = format!("c{}", self.def.columns.len());
        self.def.columns.push(ColumnSpec {
            name: name.to_string(),
            ty,
            none_support,
            file,
        });
        self.hash_col = self.find_hash_col();
        self.has_json |= ty == ColType::Json;
        self.persist()
    }

    pub fn enable_hash_discard(&mut self) -> Result<()> {
        self.def.hash_discard = true;
        if !self.fixed {
            self.persist()?;
        }
        Ok(())
    }

    pub fn set_slice(&mut self, slice: i64) -> Result<()> {
        self.check_open("set_slice")?;
        if self.fixed {
            return Err(Error::User(format!(
                "dataset writer {}: set_slice is for prepare and synthesis; in analysis a writer writes the worker's own slice",
                self.id()
            )));
        }
        if slice < 0 || slice as usize >= self.def.slices {
            return Err(Error::User(format!(
                "dataset writer {}: slice {slice} does not exist (slices are 0 to {})",
                self.id(),
                self.def.slices - 1
            )));
        }
        self.current = Some(slice as usize);
        Ok(())
    }

    /// In an analysis worker: every row goes to (or, under a hashlabel, must belong in) `slice`.
    pub fn fix_slice(&mut self, slice: usize) {
        self.current = Some(slice);
        self.fixed = true;
    }

    pub fn columns(&self) -> &[ColumnSpec] {
        &self.def.columns
    }

    #[inline]
    pub fn has_json(&self) -> bool {
        self.has_json
    }

    fn check_hashlabel(&self) -> Result<()> {
        if let Some(h) = &self.def.hashlabel {
            if self.hash_col.is_none() && !self.def.parent_columns.contains(h) {
                let names: Vec<&str> = self.def.columns.iter().map(|c| c.name.as_str()).collect();
                return Err(Error::User(format!(
                    "dataset writer {}: hashlabel `{h}` is not a column{} (columns: {})",
                    self.id(),
                    did_you_mean(h, names.iter().copied()),
                    names.join(", ")
                )));
            }
        }
        Ok(())
    }

    /// Checks one row (one cell per column, in `add` order), normalizes it, and appends it to
    /// the slice it belongs in. The error names the dataset, column, type, value and slice.
    #[inline]
    pub fn write(&mut self, cells: &mut [Cell]) -> std::result::Result<(), String> {
        if cells.len() != self.def.columns.len() || self.finished || !self.started {
            self.write_preconditions(cells.len())?;
        }
        for (i, cell) in cells.iter_mut().enumerate() {
            let spec = &self.def.columns[i];
            if let Err(p) = normalize(spec.ty, spec.none_support, cell) {
                let slice = self.current.map(|s| format!(", slice {s}")).unwrap_or_default();
                return Err(format!(
                    "dataset {}, column `{}` ({}){slice}: {}",
                    self.id(),
                    spec.name,
                    spec.ty,
                    p.message(spec.ty, cell)
                ));
            }
        }
        let slice = match (self.hash_col, self.current) {
            (Some(h), current) => {
                let target = slice_of(&cells[h], self.def.slices);
                match current {
                    Some(c) if c != target => {
                        if self.def.hash_discard {
                            return Ok(());
                        }
                        let spec = &self.def.columns[h];
                        return Err(format!(
                            "dataset {}, slice {c}: hashlabel `{}` ({}) value {} belongs in slice {target}, not slice {c} (enable_hash_discard() drops such rows instead)",
                            self.id(),
                            spec.name,
                            spec.ty,
                            cells[h].describe()
                        ));
                    }
                    _ => target,
                }
            }
            (None, Some(c)) => c,
            (None, None) => {
                return Err(format!(
                    "dataset {}: which slice? call set_slice(n) before writing in prepare or synthesis (or give the writer a hashlabel to place rows by hash)",
                    self.id()
                ))
            }
        };
        if self.slices[slice].is_none() {
            self.open_slice(slice)?;
        }
        match &mut self.slices[slice] {
            Some(sw) => match sw.push_row(cells) {
                Ok(()) => Ok(()),
                Err(e) => Err(format!("dataset {}, slice {slice}: writing {}: {e}", self.def.id(), self.dir)),
            },
            None => Err(format!("dataset {}: slice {slice} could not be opened", self.def.id())),
        }
    }

    #[cold]
    fn open_slice(&mut self, slice: usize) -> std::result::Result<(), String> {
        if self.done[slice] {
            return Err(format!("dataset {}: slice {slice} was already finished", self.def.id()));
        }
        self.slices[slice] = Some(SliceWriter::open(&self.dir, &self.def, slice).map_err(|e| e.to_string())?);
        Ok(())
    }

    #[cold]
    fn write_preconditions(&mut self, n: usize) -> std::result::Result<(), String> {
        if self.finished {
            return Err(format!("dataset writer {}: write after it was finished", self.id()));
        }
        if n != self.def.columns.len() {
            let names: Vec<&str> = self.def.columns.iter().map(|c| c.name.as_str()).collect();
            return Err(format!(
                "dataset {}: write got {n} value{}, but the writer has {} column{} ({})",
                self.id(),
                if n == 1 { "" } else { "s" },
                names.len(),
                if names.len() == 1 { "" } else { "s" },
                names.join(", ")
            ));
        }
        self.check_hashlabel().map_err(|e| e.to_string())?;
        self.started = true;
        Ok(())
    }

    /// Opens every slice for writing from threads of their own (see `SliceSink`). Finish each
    /// sink, then the writer. Slices this writer already opened are refused.
    pub fn sinks(&mut self) -> Result<Vec<SliceSink>> {
        self.check_open("sinks")?;
        self.check_hashlabel()?;
        if self.def.columns.is_empty() {
            return Err(Error::User(format!("dataset writer {} has no columns", self.id())));
        }
        self.started = true;
        let mut out = Vec::with_capacity(self.def.slices);
        for slice in 0..self.def.slices {
            if self.slices[slice].is_some() || self.done[slice] {
                return Err(Error::User(format!("dataset {}: slice {slice} was already written", self.id())));
            }
            self.done[slice] = true;
            out.push(SliceSink {
                id: self.id(),
                slices: self.def.slices,
                specs: self.def.columns.clone(),
                hash_col: self.hash_col,
                writer: SliceWriter::open(&self.dir, &self.def, slice)?,
            });
        }
        Ok(out)
    }

    /// Flushes and records every slice this process wrote (end of an analysis worker).
    pub fn finish_slices(&mut self) -> Result<()> {
        for (s, slot) in self.slices.iter_mut().enumerate() {
            if let Some(sw) = slot.take() {
                sw.finish()?;
                self.done[s] = true;
            }
        }
        Ok(())
    }

    /// Writes `dataset.json` from every slice's record; `parent_meta` reads another dataset's
    /// metadata (for `parent`). The dataset exists from here on.
    pub fn finish(&mut self, parent_meta: &dyn Fn(&str) -> Result<DatasetMeta>) -> Result<DatasetMeta> {
        if self.finished {
            return Err(Error::User(format!("dataset writer {} was already finished", self.id())));
        }
        self.finish_slices()?;
        self.check_hashlabel()?;
        let id = self.id();
        let parent = match &self.def.parent {
            Some(p) => Some(parent_meta(p)?),
            None => None,
        };
        if self.def.columns.is_empty() && parent.is_none() {
            return Err(Error::User(format!(
                "dataset writer {id} has no columns (add them with add(name, type) in the phase that made the writer)"
            )));
        }
        let n = self.def.slices;
        let mut lines = vec![0u64; n];
        let mut per_col: Vec<Vec<SliceColumn>> = vec![Vec::with_capacity(n); self.def.columns.len()];
        for (s, line) in lines.iter_mut().enumerate() {
            let path = self.dir.join(format::slice_stats_name(s));
            let stats: Option<SliceStats> = if path.exists() { Some(records::read_json(&path)?) } else { None };
            *line = stats.as_ref().map_or(0, |st| st.lines);
            for (i, col) in per_col.iter_mut().enumerate() {
                col.push(match stats.as_ref().and_then(|st| st.columns.get(i)) {
                    Some(c) => c.clone(),
                    None => SliceColumn {
                        encoding: Encoding::Plain,
                        has_none: false,
                        min: None,
                        max: None,
                    },
                });
            }
        }
        let mut columns: Vec<ColumnMeta> = Vec::new();
        if let Some(p) = &parent {
            if p.lines.len() != n {
                return Err(Error::User(format!(
                    "dataset {id}: parent {} has {} slices, this job has {n}",
                    p.id(),
                    p.lines.len()
                )));
            }
            for (s, (a, b)) in p.lines.iter().zip(&lines).enumerate() {
                if a != b {
                    return Err(Error::User(format!(
                        "dataset {id}: slice {s} has {b} lines, but parent {} has {a} there (a dataset with a parent adds columns to the parent's lines)",
                        p.id()
                    )));
                }
            }
            columns.extend(
                p.columns
                    .iter()
                    .filter(|c| !self.def.columns.iter().any(|o| o.name == c.name))
                    .cloned(),
            );
        }
        for (spec, slices) in self.def.columns.iter().zip(per_col) {
            let mut mm = MinMax::default();
            for sc in &slices {
                let get = |j: &Option<serde_json::Value>| j.as_ref().and_then(|j| Scalar::from_json(spec.ty, j));
                if let (Some(lo), Some(hi)) = (get(&sc.min), get(&sc.max)) {
                    mm.merge(&MinMax(Some((lo, hi))));
                }
            }
            columns.push(ColumnMeta {
                name: spec.name.clone(),
                ty: spec.ty,
                none_support: spec.none_support,
                location: id.clone(),
                file: spec.file.clone(),
                min: mm.0.map(|m| m.0.to_json()),
                max: mm.0.map(|m| m.1.to_json()),
                slices,
            });
        }
        let meta = DatasetMeta {
            format: FORMAT_VERSION,
            job: self.def.job.clone(),
            name: self.def.name.clone(),
            caption: self.def.caption.clone(),
            hashlabel: self
                .def
                .hashlabel
                .clone()
                .or_else(|| parent.as_ref().and_then(|p| p.hashlabel.clone())),
            previous: self.def.previous.clone(),
            parent: self.def.parent.clone(),
            lines,
            columns,
        };
        format::write_meta(&self.dir, &meta)?;
        self.finished = true;
        let _ = std::fs::remove_file(self.dir.join(WRITER));
        for s in 0..n {
            let _ = std::fs::remove_file(self.dir.join(format::slice_stats_name(s)));
        }
        Ok(meta)
    }
}
