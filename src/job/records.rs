//! The records in a job directory: `setup.json` (what was asked for, written before the job runs)
//! and `post.json` (what happened, written last; its presence means the job finished). Both are
//! written to a temporary name and renamed, so a reader never sees half a file.

use std::collections::BTreeMap;
use std::io::Write;

use camino::Utf8Path;
use serde::{Deserialize, Serialize};

use crate::error::{Error, IoContext, Result};

pub const SETUP: &str = "setup.json";
pub const POST: &str = "post.json";
pub const RESULT: &str = "result.msgpack";
/// Written when a job fails, so the reason outlives the terminal.
pub const FAILURE: &str = "failure.json";
pub const METHOD_SOURCE: &str = "method.lua";
pub const OUTPUT_DIR: &str = "OUTPUT";
pub const TEMP_DIR: &str = ".exax-tmp";

/// One input file as a job saw it, in post.json.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InputFile {
    /// Relative to the input directory.
    pub name: String,
    pub size: u64,
    /// Modification time, nanoseconds since the epoch.
    pub mtime_ns: i64,
    /// xxh3-128 of the content, 32 hex digits.
    pub hash: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Setup {
    pub version: u32,
    pub jobid: String,
    pub method: String,
    /// Where the method came from: project-relative path, or `<exax>/name.lua` for shipped ones.
    pub method_file: String,
    pub hash: String,
    pub caption: String,
    /// The build script (`build.lua`) or the id of the parent job.
    pub builder: String,
    pub slices: usize,
    pub input_directory: String,
    pub starttime: f64,
    pub exax_version: String,
    pub lua_version: String,
    /// Copies of every hashed file besides `method.lua`: (name in the job dir, original path).
    #[serde(default)]
    pub hashed_files: Vec<(String, String)>,
    pub options: serde_json::Map<String, serde_json::Value>,
    pub datasets: serde_json::Map<String, serde_json::Value>,
    pub jobs: serde_json::Map<String, serde_json::Value>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ExecTime {
    pub prepare: f64,
    pub analysis: f64,
    pub per_slice: Vec<f64>,
    pub synthesis: f64,
    pub total: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Post {
    pub version: u32,
    /// The reuse key, as in setup.json: a lookup trusts an index entry only when the job's own
    /// complete post.json carries the key (job numbers can come back after jobs are deleted).
    #[serde(default)]
    pub hash: String,
    pub starttime: f64,
    pub endtime: f64,
    pub exectime: ExecTime,
    pub files: Vec<String>,
    pub subjobs: Vec<String>,
    /// The input files the job read, as they were when it finished (spec section 9).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub inputs: Vec<InputFile>,
    /// Whether the job left a result file (None in jobs from before this was recorded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<bool>,
    /// Length and xxh3 per block of the result, each listed file and each dataset's
    /// `dataset.json`, by name in the job directory (`job::verify`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub checksums: BTreeMap<String, crate::checksum::Sums>,
    /// Anything later features record (datasets, ...), kept as is.
    #[serde(default, flatten)]
    pub extra: BTreeMap<String, serde_json::Value>,
}

/// Why a job failed: the failure of the job itself, or of a subjob it built.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Failure {
    pub message: String,
    /// The job that failed (this job, or one of its subjobs).
    pub job: String,
    pub phase: String,
    pub slice: Option<usize>,
    pub traceback: Vec<String>,
    pub output_tail: Vec<String>,
    pub time: f64,
}

/// Reads a job's post.json; a missing or incomplete one is None (the job did not finish).
pub fn read_post(dir: &Utf8Path) -> Option<Post> {
    read_json::<Post>(&dir.join(POST)).ok()
}

pub fn write_json_atomic<T: Serialize>(dir: &Utf8Path, name: &str, value: &T) -> Result<()> {
    let bytes = serde_json::to_vec_pretty(value).map_err(|e| Error::Value(format!("{name}: {e}")))?;
    write_atomic(dir, name, &bytes)
}

/// Writes `dir/name` directly, for files that only count once post.json exists.
pub fn write_json<T: Serialize>(dir: &Utf8Path, name: &str, value: &T) -> Result<()> {
    let bytes = serde_json::to_vec_pretty(value).map_err(|e| Error::Value(format!("{name}: {e}")))?;
    std::fs::write(dir.join(name), bytes).at(dir.join(name))
}

/// Writes `dir/name` through `dir/.name.<pid>.tmp` and a rename.
pub fn write_atomic(dir: &Utf8Path, name: &str, bytes: &[u8]) -> Result<()> {
    // Unique per process: two runs creating a workdir write its `.slices` at the same time.
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let path = dir.join(name);
    let mut f = std::fs::File::create(&tmp).at(&tmp)?;
    f.write_all(bytes).at(&tmp)?;
    drop(f);
    std::fs::rename(&tmp, &path).at(&path)
}

pub fn read_json<T: for<'de> Deserialize<'de>>(path: &Utf8Path) -> Result<T> {
    let bytes = std::fs::read(path).at(path)?;
    serde_json::from_slice(&bytes).map_err(|e| Error::User(format!("{path}: not a valid exax record: {e}")))
}

pub fn now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}
