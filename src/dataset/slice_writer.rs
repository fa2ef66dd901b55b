//! The writer of one slice: `SliceWriter` (a `ColumnWriter` per column, flushed every
//! `BLOCK_ROWS` rows, its parts under the attempt's temporary names until it finishes, then
//! recorded in `slice.<n>.json`) and `SliceSink`, a slice filled from a thread of its own.

use std::fs::OpenOptions;
use std::io;

use camino::{Utf8Path, Utf8PathBuf};
use serde::{Deserialize, Serialize};

use super::attempt::Attempt;
use super::cell::{normalize, Cell};
use super::encode::{ColumnWriter, BLOCK_BYTES, BLOCK_ROWS};
use super::format::{self, SliceColumn};
use super::hash::slice_of;
use super::writer_def::{ColumnSpec, WriterDef};
use crate::error::{Error, IoContext, Result};
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
    marker: Utf8PathBuf,
    dir: Utf8PathBuf,
    me: Attempt,
}

impl SliceWriter {
    /// Opens `slice` for writing by `me`. What an earlier attempt at this slice left (its
    /// marker, temporary parts, or even its finished record: it was lost before its worker
    /// reported) is removed; anything else already there is a mistake of the method's.
    pub(super) fn open(dir: &Utf8Path, def: &WriterDef, slice: usize, me: &Attempt) -> Result<SliceWriter> {
        let id = def.id();
        let stats_path = dir.join(format::slice_stats_name(slice));
        if stats_path.exists() {
            let stats: SliceStats = records::read_json(&stats_path)?;
            match Attempt::parse(&stats.by) {
                Some(earlier) if me.supersedes(&earlier, slice) => {
                    remove_finished(dir, def, slice, &stats);
                    std::fs::remove_file(&stats_path).at(&stats_path)?;
                }
                _ => return Err(Error::User(format!("dataset {id}: slice {slice} was already written and finished"))),
            }
        }
        let marker = dir.join(format!("slice.{slice}.writing"));
        let claim = || -> io::Result<()> {
            let mut f = OpenOptions::new().write(true).create_new(true).open(&marker)?;
            io::Write::write_all(&mut f, me.describe().as_bytes())
        };
        match claim() {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                let holder = std::fs::read_to_string(&marker).unwrap_or_default();
                match Attempt::parse(&holder) {
                    Some(earlier) if me.supersedes(&earlier, slice) => {
                        remove_temporary(dir, &earlier);
                        std::fs::remove_file(&marker).at(&marker)?;
                        claim().at(&marker)?;
                    }
                    _ => {
                        return Err(Error::User(format!(
                            "dataset {id}: slice {slice} is already being written elsewhere (a writer passed to analysis writes slice n in analysis worker n only)"
                        )))
                    }
                }
            }
            Err(e) => return Err(Error::io(marker, e)),
        }
        let suffix = me.temp_suffix();
        Ok(SliceWriter {
            slice,
            lines: 0,
            cols: def.columns.iter().map(|c| ColumnWriter::new(dir, c, slice, &suffix)).collect(),
            pending_rows: 0,
            pending_bytes: 0,
            marker,
            dir: dir.to_path_buf(),
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
        // A later attempt took the slice over (this one was given up as lost, yet ran on): its
        // files stand, and this attempt's go.
        let holder = std::fs::read_to_string(&self.marker).unwrap_or_default();
        if holder != self.me.describe() {
            remove_temporary(&self.dir, &self.me);
            return Err(Error::User(format!(
                "{}: slice {} was taken over by another attempt ({}); this attempt ({}) was given up",
                self.dir,
                self.slice,
                if holder.is_empty() {
                    "which has finished it"
                } else {
                    holder.as_str()
                },
                self.me.describe()
            )));
        }
        let mut columns = Vec::with_capacity(self.cols.len());
        for c in &mut self.cols {
            columns.push(c.finish().at(&self.dir)?);
        }
        let stats = SliceStats {
            lines: self.lines,
            columns,
            by: self.me.describe(),
        };
        records::write_json_atomic(&self.dir, &format::slice_stats_name(self.slice), &stats)?;
        let _ = std::fs::remove_file(&self.marker);
        Ok(())
    }
}

/// Removes the temporary part files `attempt` left in `dir`.
fn remove_temporary(dir: &Utf8Path, attempt: &Attempt) {
    remove_files_ending(dir, &attempt.temp_suffix());
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

/// Removes the parts a finished record of `slice` lists (an earlier attempt's).
fn remove_finished(dir: &Utf8Path, def: &WriterDef, slice: usize, stats: &SliceStats) {
    for (spec, col) in def.columns.iter().zip(&stats.columns) {
        for part in col.parts.keys() {
            let _ = std::fs::remove_file(format::part_path(dir, &spec.file, slice, part));
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
