//! Writing a dataset: `DatasetWriter` (checks each row, routes it to its slice, keeps one
//! `SliceWriter` per slice this process writes, see `slice_writer`) over a `WriterDef` (see
//! `writer_def`), and `finish`, which gathers every slice's record into `dataset.json`. Values are
//! buffered per column (`encode`) and flushed in blocks of `BLOCK_ROWS` rows (or `BLOCK_BYTES` of
//! strings; small blocks keep the buffers in cache), so memory stays bounded however many rows are
//! written.

use camino::{Utf8Path, Utf8PathBuf};

use super::cell::{normalize, Cell, MinMax, Scalar};
use super::format::{self, ColumnMeta, DatasetMeta, Encoding, SliceColumn, FORMAT_VERSION, META, WRITER};
use super::hash::slice_of;
pub use super::slice_writer::SliceSink;
use super::slice_writer::{self, SliceStats, SliceWriter};
use super::types::ColType;
pub use super::writer_def::{ColumnSpec, WriterDef};
use crate::error::{did_you_mean, Error, IoContext, Result};
use crate::job::attempt;
use crate::job::records;

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
        self.push_checked(slice, cells)
    }

    /// The slice every row goes to when a row needs no checks beyond its cells' own: the
    /// writer has had its first row, is not finished, has no hashlabel and no json column, and
    /// its slice (fixed or set) is open. Then a row whose cells `normalize` leaves as they are
    /// (one per column) may go straight to `push_checked`; `write` does the same with it.
    #[inline]
    pub fn direct_slice(&self) -> Option<usize> {
        if !self.started || self.finished || self.hash_col.is_some() || self.has_json {
            return None;
        }
        let s = self.current?;
        self.slices.get(s)?.as_ref().map(|_| s)
    }

    /// Appends a row of normalized cells, one per column, to the open slice `slice`.
    #[inline]
    pub fn push_checked(&mut self, slice: usize, cells: &[Cell]) -> std::result::Result<(), String> {
        match self.slices.get_mut(slice) {
            Some(Some(sw)) => match sw.push_row(cells) {
                Ok(()) => Ok(()),
                Err(e) => Err(format!("dataset {}, slice {slice}: writing {}: {e}", self.def.id(), self.dir)),
            },
            _ => Err(format!("dataset {}: slice {slice} could not be opened", self.def.id())),
        }
    }

    #[cold]
    fn open_slice(&mut self, slice: usize) -> std::result::Result<(), String> {
        if self.done[slice] {
            return Err(format!("dataset {}: slice {slice} was already finished", self.def.id()));
        }
        let me = attempt::current();
        self.slices[slice] = Some(SliceWriter::open(&self.dir, &self.def, slice, &me).map_err(|e| e.to_string())?);
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
        let me = attempt::current();
        for slice in 0..self.def.slices {
            if self.slices[slice].is_some() || self.done[slice] {
                return Err(Error::User(format!("dataset {}: slice {slice} was already written", self.id())));
            }
            self.done[slice] = true;
            out.push(SliceSink::new(
                self.id(),
                self.def.slices,
                self.def.columns.clone(),
                self.hash_col,
                SliceWriter::open(&self.dir, &self.def, slice, &me)?,
            ));
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
                        parts: Default::default(),
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
        // What attempts given up as lost may have left (one still running loses its file, and
        // its rename then fails).
        slice_writer::remove_files_ending(&self.dir, ".tmp");
        slice_writer::remove_stages(&self.dir);
        Ok(meta)
    }
}
