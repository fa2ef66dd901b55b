//! The standard methods' native kernels (csvimport, dataset_type, dataset_sort, ...). They know
//! nothing of Lua: the method's `.lua` file (in `methods/`) validates and documents the options
//! and calls `exax.std.NAME(options)`, which lands in `run` with the running job (`Ctx`) and the
//! options as a `Value`. A kernel reads datasets and input files, writes datasets into the job
//! (all slices at once, from threads of its own), and returns the method's result as a `Value`.

pub mod columns;
pub mod csvexport;
pub mod csvimport;
pub mod csvimport_zip;
pub mod dataset_checksum;
pub mod dataset_checksum_chain;
pub mod dataset_concat;
pub mod dataset_fanout;
pub mod dataset_filter_columns;
pub mod dataset_hashpart;
pub mod dataset_merge;
pub mod dataset_rename_columns;
pub mod dataset_sort;
pub mod dataset_type;
pub mod dataset_unroundrobin;
pub mod opts;
mod read;
mod text;
pub mod typing;

use camino::Utf8PathBuf;

use crate::dataset::format::DatasetMeta;
use crate::dataset::locate;
use crate::dataset::reader::Dataset;
use crate::dataset::writer::{DatasetWriter, WriterDef};
use crate::error::{Error, Result};
use crate::job::id::JobId;
use crate::project::Project;
use crate::value::Value;

pub use opts::Opts;

/// The running job a kernel works for.
pub struct Ctx<'a> {
    pub project: &'a Project,
    pub job: &'a JobId,
    pub job_dir: Utf8PathBuf,
}

type Kernel = fn(&Ctx, &Opts) -> Result<Value>;

/// Every kernel, by the name `exax.std` gives it in Lua.
pub const KERNELS: &[(&str, Kernel)] = &[
    ("csvimport", csvimport::csvimport),
    ("csvimport_zip", csvimport_zip::run),
    ("dataset_hashpart", dataset_hashpart::run),
    ("dataset_sort", dataset_sort::run),
    ("dataset_type", dataset_type::run),
    ("dataset_unroundrobin", dataset_unroundrobin::run),
    ("csvexport", csvexport::run),
    ("dataset_checksum", dataset_checksum::run),
    ("dataset_checksum_chain", dataset_checksum_chain::run),
    ("dataset_concat", dataset_concat::run),
    ("dataset_fanout", dataset_fanout::run),
    ("dataset_filter_columns", dataset_filter_columns::run),
    ("dataset_merge", dataset_merge::run),
    ("dataset_rename_columns", dataset_rename_columns::run),
];

/// Runs kernel `name` for the running job.
pub fn run(ctx: &Ctx, name: &str, options: &Value) -> Result<Value> {
    let Some((_, kernel)) = KERNELS.iter().find(|(n, _)| *n == name) else {
        return Err(Error::User(format!("exax.std has no kernel `{name}`")));
    };
    kernel(ctx, &Opts::new(name, options)?)
}

impl Ctx<'_> {
    pub fn slices(&self) -> usize {
        self.project.config.slices
    }

    /// A finished dataset (or one of the running job's own).
    pub fn dataset(&self, id: &str) -> Result<Dataset> {
        let ds = locate::open(self.project, id, Some(self.job))?;
        Ok(Dataset {
            meta: ds.meta.clone(),
            col_dirs: ds.col_dirs.clone(),
        })
    }

    /// A new dataset writer `name` in the running job (add columns, take `sinks()`, then
    /// `finish`).
    pub fn writer(&self, name: &str, hashlabel: Option<String>, previous: Option<String>, caption: &str) -> Result<DatasetWriter> {
        let def = WriterDef {
            job: self.job.to_string(),
            name: name.to_string(),
            slices: self.slices(),
            columns: vec![],
            hashlabel,
            previous,
            parent: None,
            caption: caption.to_string(),
            hash_discard: false,
            parent_columns: vec![],
        };
        DatasetWriter::create(&self.job_dir, def)
    }

    /// Writes `dataset.json`: the dataset exists from here on.
    pub fn finish(&self, w: &mut DatasetWriter) -> Result<DatasetMeta> {
        w.finish(&|id: &str| Ok(locate::open(self.project, id, Some(self.job))?.meta.clone()))
    }

    /// A file in the project's input directory (escapes refused), recorded as an input of the
    /// job: post.json keeps its size, time and content hash, and the job is reused only while
    /// the file is unchanged.
    pub fn input_file(&self, name: &str) -> Result<Utf8PathBuf> {
        let input = &self.project.config.input_directory;
        let path = crate::job::files::input_path(input, &[name.to_string()])?;
        crate::job::inputs::record(&self.job_dir, input, &path)?;
        Ok(path)
    }
}
