//! The writer of one slice: `SliceWriter` (a `ColumnWriter` per column, flushed every
//! `BLOCK_ROWS` rows, recorded in `slice.<n>.json` when it finishes; an analysis worker's own
//! slice in its attempt's directory until the run accepts it, `commit_attempts`) and `SliceSink`,
//! a slice filled from a thread of its own.

use std::fs::OpenOptions;
use std::io;

use camino::{Utf8Path, Utf8PathBuf};
use serde::{Deserialize, Serialize};

use super::cell::{normalize, Cell};
use super::encode::{ColumnWriter, BLOCK_BYTES, BLOCK_ROWS};
use super::format::{self, SliceColumn};
use super::hash::slice_of;
use super::types::ColType;
use super::writer_def::{ColumnSpec, WriterDef};
use crate::error::{Error, IoContext, Result};
use crate::job::attempt::Attempt;
use crate::job::records;

/// What one slice's writer recorded (`slice.<n>.json`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct SliceStats {
    pub(super) lines: u64,
    pub(super) columns: Vec<SliceColumn>,
    /// The attempt that wrote it (`Attempt::describe`).
    #[serde(default)]
    pub(super) by: String,
}

/// The writer of one slice in this process.
pub struct SliceWriter {
    slice: usize,
    lines: u64,
    cols: Vec<ColumnWriter>,
    pending_rows: usize,
    pending_bytes: usize,
    /// The slice's marker, for a writer that claimed it with one.
    marker: Option<Utf8PathBuf>,
    /// Where the parts and the record go: the dataset's directory, or the attempt's own.
    files: Utf8PathBuf,
    /// The dataset's directory.
    dir: Utf8PathBuf,
    id: String,
    me: Attempt,
}

impl SliceWriter {
    /// Opens `slice` for writing by `me`. An analysis worker writing its own slice writes into
    /// its attempt's directory (`stage_dir`), which the run moves into place when it accepts the
    /// attempt (`commit_attempts`); any other writer claims the slice with a marker and writes its
    /// parts under temporary names, renamed when the slice finishes.
    pub(super) fn open(dir: &Utf8Path, def: &WriterDef, slice: usize, me: &Attempt) -> Result<SliceWriter> {
        let id = def.id();
        if dir.join(format::slice_stats_name(slice)).exists() {
            return Err(Error::User(format!("dataset {id}: slice {slice} was already written and finished")));
        }
        let marker = dir.join(format!("slice.{slice}.writing"));
        let elsewhere = |holder: &str| {
            Error::User(format!(
                "dataset {id}: slice {slice} is already being written elsewhere ({}; a writer passed to analysis writes slice n in analysis worker n only)",
                if holder.is_empty() { "by another writer" } else { holder }
            ))
        };
        let (files, marker, suffix) = match me.worker {
            Some((own, attempt)) if own == slice => {
                if marker.exists() {
                    return Err(elsewhere(&std::fs::read_to_string(&marker).unwrap_or_default()));
                }
                if dir.join(format::META).exists() {
                    return Err(given_up(&id, slice, me));
                }
                let stage = stage_dir(dir, slice, attempt);
                match std::fs::create_dir(&stage) {
                    Ok(()) => {}
                    Err(e) if e.kind() == io::ErrorKind::AlreadyExists => return Err(elsewhere(&me.describe())),
                    Err(e) => return Err(Error::io(stage, e)),
                }
                (stage, None, String::new())
            }
            _ => {
                let claim = || -> io::Result<()> {
                    let mut f = OpenOptions::new().write(true).create_new(true).open(&marker)?;
                    io::Write::write_all(&mut f, me.describe().as_bytes())
                };
                match claim() {
                    Ok(()) => {}
                    Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                        return Err(elsewhere(&std::fs::read_to_string(&marker).unwrap_or_default()))
                    }
                    Err(e) => return Err(Error::io(marker, e)),
                }
                (dir.to_path_buf(), Some(marker), me.temp_suffix())
            }
        };
        Ok(SliceWriter {
            slice,
            lines: 0,
            cols: def.columns.iter().map(|c| ColumnWriter::new(&files, c, slice, &suffix)).collect(),
            pending_rows: 0,
            pending_bytes: 0,
            marker,
            files,
            dir: dir.to_path_buf(),
            id,
            me: me.clone(),
        })
    }

    #[inline]
    pub(super) fn push_row(&mut self, cells: &[Cell]) -> io::Result<()> {
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

    pub(super) fn finish(mut self) -> Result<()> {
        // Rows written column by column (`SliceSink::write_cell`) count here.
        let rows = self.cols.first().map_or(self.lines, |c| c.rows);
        if let Some(c) = self.cols.iter().find(|c| c.rows != rows) {
            return Err(Error::User(format!(
                "{}: slice {} has columns of different lengths ({rows} and {} lines, file {})",
                self.dir, self.slice, c.rows, c.file
            )));
        }
        self.lines = rows;
        // An attempt given up as lost whose directory the run has removed: it stops here.
        if !self.files.exists() {
            return Err(given_up(&self.id, self.slice, &self.me));
        }
        let mut columns = Vec::with_capacity(self.cols.len());
        for c in &mut self.cols {
            columns.push(c.finish().at(&self.files)?);
        }
        let stats = SliceStats {
            lines: self.lines,
            columns,
            by: self.me.describe(),
        };
        records::write_json_atomic(&self.files, &format::slice_stats_name(self.slice), &stats)?;
        if let Some(m) = &self.marker {
            let _ = std::fs::remove_file(m);
        }
        Ok(())
    }
}

fn given_up(id: &str, slice: usize, me: &Attempt) -> Error {
    Error::User(format!(
        "dataset {id}: slice {slice} was given up as lost ({}); the run went on with another attempt at it",
        me.describe()
    ))
}

/// The directory where attempt `attempt` of analysis slice `slice` writes its part of the
/// dataset in `dir`.
pub fn stage_dir(dir: &Utf8Path, slice: usize, attempt: u32) -> Utf8PathBuf {
    dir.join(format!("{STAGE}{slice}.{attempt}"))
}

const STAGE: &str = "attempt.";

/// In the run, once every analysis slice succeeded, slice `s` with attempt `accepted[s]`:
/// moves each accepted attempt's part of every dataset of the job into place (with the stamps
/// of the moved files) and removes every attempt's directory, so that nothing a lost attempt
/// wrote, whole or not, stays. An attempt still running on loses its directory and fails.
pub fn commit_attempts(job_dir: &Utf8Path, accepted: &[u32]) -> Result<()> {
    let writers = std::fs::read_dir(job_dir.join(format::DS_DIR)).into_iter().flatten().flatten();
    for dir in writers.filter_map(|e| Utf8PathBuf::from_path_buf(e.path()).ok()) {
        if !dir.join(format::WRITER).is_file() {
            continue;
        }
        let mut def: Option<WriterDef> = None;
        for (slice, &attempt) in accepted.iter().enumerate() {
            let stage = stage_dir(&dir, slice, attempt);
            let record = stage.join(format::slice_stats_name(slice));
            if !record.exists() {
                continue;
            }
            let mut stats: SliceStats = records::read_json(&record)?;
            let def = match &mut def {
                Some(d) => d,
                None => def.insert(records::read_json(&dir.join(format::WRITER))?),
            };
            for (spec, col) in def.columns.iter().zip(stats.columns.iter_mut()) {
                for (part, sums) in col.parts.iter_mut() {
                    let to = format::part_path(&dir, &spec.file, slice, part);
                    std::fs::rename(format::part_path(&stage, &spec.file, slice, part), &to).at(&to)?;
                    sums.stamp = Some(crate::checksum::stamp(&std::fs::metadata(&to).at(&to)?));
                }
            }
            records::write_json_atomic(&dir, &format::slice_stats_name(slice), &stats)?;
        }
        remove_stages(&dir);
    }
    Ok(())
}

/// Removes the attempts' directories in `dir`.
pub(super) fn remove_stages(dir: &Utf8Path) {
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            if e.file_name().to_str().is_some_and(|n| n.starts_with(STAGE)) {
                let _ = std::fs::remove_dir_all(e.path());
            }
        }
    }
}

/// Removes every file in `dir` whose name ends with `suffix` (what did not matter is ignored).
pub(super) fn remove_files_ending(dir: &Utf8Path, suffix: &str) {
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            if e.file_name().to_str().is_some_and(|n| n.ends_with(suffix)) {
                let _ = std::fs::remove_file(e.path());
            }
        }
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
    pub(super) fn new(id: String, slices: usize, specs: Vec<ColumnSpec>, hash_col: Option<usize>, writer: SliceWriter) -> SliceSink {
        SliceSink {
            id,
            slices,
            specs,
            hash_col,
            writer,
        }
    }

    pub fn slice(&self) -> usize {
        self.writer.slice
    }

    /// Lines written so far (rows, or values of the first column when written column-wise).
    pub fn lines(&self) -> u64 {
        self.writer.cols.first().map_or(self.writer.lines, |c| c.rows)
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

    fn io_error(&self, e: io::Error) -> String {
        format!("dataset {}, slice {}: writing {}: {e}", self.id, self.writer.slice, self.writer.dir)
    }

    /// The type of column `col`, when it is not the hashlabel (whose values must be checked
    /// one by one).
    #[inline]
    fn plain_type(&self, col: usize) -> Option<ColType> {
        if self.hash_col == Some(col) {
            return None;
        }
        self.specs.get(col).map(|s| s.ty)
    }

    /// Column-at-a-time writing of one string value: `write_cell` with `Cell::Bytes(b)`,
    /// without the general dispatch when column `col` takes it as it is.
    #[inline]
    pub fn write_bytes(&mut self, col: usize, b: &[u8]) -> std::result::Result<(), String> {
        let ok = match self.plain_type(col) {
            Some(ColType::Bytes) => true,
            Some(ColType::Ascii) => b.is_ascii(),
            Some(ColType::Unicode) => b.is_ascii() || std::str::from_utf8(b).is_ok(),
            _ => false,
        };
        if !ok {
            return self.write_cell(col, &mut Cell::Bytes(b));
        }
        let c = &mut self.writer.cols[col];
        match c.push_str(b).and_then(|()| c.maybe_flush()) {
            Ok(()) => Ok(()),
            Err(e) => Err(self.io_error(e)),
        }
    }

    /// Column-at-a-time writing of integers: `write_cell` with `Cell::Int` for each, in one
    /// append when column `col` is an int64 column.
    pub fn write_i64s(&mut self, col: usize, vals: &[i64]) -> std::result::Result<(), String> {
        self.write_block(col, vals, ColType::Int64, Cell::Int, ColumnWriter::push_i64s)
    }

    /// As `write_i64s`, for floats (`Cell::Float`) and a float64 column.
    pub fn write_f64s(&mut self, col: usize, vals: &[f64]) -> std::result::Result<(), String> {
        self.write_block(col, vals, ColType::Float64, Cell::Float, ColumnWriter::push_f64s)
    }

    /// As `write_i64s`, for dates (`Cell::Date`) and a date column.
    pub fn write_dates(&mut self, col: usize, vals: &[i32]) -> std::result::Result<(), String> {
        self.write_block(col, vals, ColType::Date, Cell::Date, ColumnWriter::push_dates)
    }

    /// `vals` appended at once by `push` when column `col` is a plain `ty` column; otherwise
    /// each through `write_cell` as `cell(v)`.
    #[inline]
    fn write_block<T: Copy>(
        &mut self,
        col: usize,
        vals: &[T],
        ty: ColType,
        cell: impl Fn(T) -> Cell<'static>,
        push: impl FnOnce(&mut ColumnWriter, &[T]),
    ) -> std::result::Result<(), String> {
        if self.plain_type(col) != Some(ty) {
            return vals.iter().try_for_each(|&v| self.write_cell(col, &mut cell(v)));
        }
        let c = &mut self.writer.cols[col];
        push(c, vals);
        c.maybe_flush().map_err(|e| self.io_error(e))
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
