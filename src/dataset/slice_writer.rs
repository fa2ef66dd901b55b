//! The writer of one slice: `SliceWriter` (a `ColumnWriter` per column, flushed every
//! `BLOCK_ROWS` rows, recorded in `slice.<n>.json` when it finishes) and `SliceSink`, a slice
//! filled from a thread of its own.

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
use crate::job::records;

/// What one slice's writer recorded (`slice.<n>.json`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct SliceStats {
    pub(super) lines: u64,
    pub(super) columns: Vec<SliceColumn>,
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
    pub(super) fn open(dir: &Utf8Path, def: &WriterDef, slice: usize) -> Result<SliceWriter> {
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
        if self.plain_type(col) != Some(ColType::Int64) {
            return vals.iter().try_for_each(|&v| self.write_cell(col, &mut Cell::Int(v)));
        }
        let c = &mut self.writer.cols[col];
        c.push_i64s(vals);
        c.maybe_flush().map_err(|e| self.io_error(e))
    }

    /// As `write_i64s`, for floats (`Cell::Float`) and a float64 column.
    pub fn write_f64s(&mut self, col: usize, vals: &[f64]) -> std::result::Result<(), String> {
        if self.plain_type(col) != Some(ColType::Float64) {
            return vals.iter().try_for_each(|&x| self.write_cell(col, &mut Cell::Float(x)));
        }
        let c = &mut self.writer.cols[col];
        c.push_f64s(vals);
        c.maybe_flush().map_err(|e| self.io_error(e))
    }

    /// As `write_i64s`, for dates (`Cell::Date`) and a date column.
    pub fn write_dates(&mut self, col: usize, vals: &[i32]) -> std::result::Result<(), String> {
        if self.plain_type(col) != Some(ColType::Date) {
            return vals.iter().try_for_each(|&d| self.write_cell(col, &mut Cell::Date(d)));
        }
        let c = &mut self.writer.cols[col];
        c.push_dates(vals);
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
