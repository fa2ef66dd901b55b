//! The on-disk format. A dataset `J/NAME` lives in `J/DS/NAME/`:
//!
//! - `dataset.json`: the metadata (`DatasetMeta`, with `format` = `FORMAT_VERSION`), written last
//!   and atomically when the writing job succeeds; a dataset without it does not exist.
//! - one set of files per column per slice, named `<file>.<slice>.<part>` where `<file>` is the
//!   column's `file` (`c0`, `c1`, ... in `add` order; never the user's column name):
//!   - fixed-width types: `data`, raw little-endian values (int32/float32/date 4 bytes;
//!     int64/float64/number/datetime/time 8; bool 1 byte 0/1); a None stores 0;
//!   - `number` also has `isfloat`, a bitmap saying which values are f64 bits (the rest are i64);
//!   - plain strings and json: `offsets`, lines + 1 little-endian u64 (the first is 0; value i is
//!     `data[offsets[i]..offsets[i+1]]`), and `data`, the bytes;
//!   - dictionary-encoded strings: `codes`, one little-endian u16 per line, and `dict`, the
//!     distinct values: u64 count, count + 1 u64 offsets, then the bytes;
//!   - `valid`: a bitmap of which values are not None, present only when the slice has a None.
//!
//!   Bitmaps are one bit per line, least significant bit first.
//!
//!   Each slice column lists the part files it has (`parts`: name to length and xxh3-64 per
//!   1 MiB block, `checksum::Sums`); a reader opens exactly those and checks each block the first
//!   time it reads it, so a missing, shortened or altered part is an error, never a wrong value.
//!   Format 1 (before checksums) is refused.
//! - while the job runs: `writer.json` (the writer's definition, so analysis workers can reopen
//!   it) and `slice.<n>.json` (what each slice's writer recorded); both go when it finishes.
//!
//! A column's files can live in another dataset (`location`): `link_to_here` and `parent` make
//! datasets that reuse files instead of copying them.

use std::collections::BTreeMap;

use camino::{Utf8Path, Utf8PathBuf};
use serde::{Deserialize, Serialize};

use super::cell::{MinMax, Scalar};
use super::types::ColType;
use crate::checksum::Sums;
use crate::error::{Error, Result};
use crate::job::records;

pub const FORMAT_VERSION: u32 = 2;
pub const DS_DIR: &str = "DS";
pub const META: &str = "dataset.json";
pub const WRITER: &str = "writer.json";
/// The part files a slice column can have.
pub const PARTS: [&str; 6] = ["data", "isfloat", "offsets", "codes", "dict", "valid"];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Encoding {
    Plain,
    Dict,
}

/// One column in one slice.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SliceColumn {
    pub encoding: Encoding,
    pub has_none: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<serde_json::Value>,
    /// The part files (`data`, `isfloat`, `offsets`, `codes`, `dict`, `valid`) this slice has,
    /// with their checksums. A slice without lines has none.
    #[serde(default)]
    pub parts: BTreeMap<String, Sums>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnMeta {
    pub name: String,
    #[serde(rename = "type")]
    pub ty: ColType,
    pub none_support: bool,
    /// The dataset (`job/name`) whose directory holds this column's files.
    pub location: String,
    /// File name prefix inside that directory.
    pub file: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<serde_json::Value>,
    pub slices: Vec<SliceColumn>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DatasetMeta {
    pub format: u32,
    pub job: String,
    pub name: String,
    #[serde(default)]
    pub caption: String,
    pub hashlabel: Option<String>,
    pub previous: Option<String>,
    pub parent: Option<String>,
    /// Lines per slice.
    pub lines: Vec<u64>,
    pub columns: Vec<ColumnMeta>,
}

impl DatasetMeta {
    pub fn id(&self) -> String {
        format!("{}/{}", self.job, self.name)
    }

    pub fn column(&self, name: &str) -> Option<(usize, &ColumnMeta)> {
        self.columns.iter().enumerate().find(|(_, c)| c.name == name)
    }
}

impl ColumnMeta {
    pub fn min(&self) -> Option<Scalar> {
        self.min.as_ref().and_then(|j| Scalar::from_json(self.ty, j))
    }

    pub fn max(&self) -> Option<Scalar> {
        self.max.as_ref().and_then(|j| Scalar::from_json(self.ty, j))
    }

    pub fn slice_minmax(&self, slice: usize) -> MinMax {
        let s = &self.slices[slice];
        let get = |j: &Option<serde_json::Value>| j.as_ref().and_then(|j| Scalar::from_json(self.ty, j));
        MinMax(get(&s.min).zip(get(&s.max)))
    }
}

/// `test-3/default` -> (`test-3`, `default`); a bare job id means its `default` dataset.
pub fn split_id(id: &str) -> (&str, &str) {
    id.split_once('/').unwrap_or((id, "default"))
}

/// Dataset names become directory names: letters, digits, `_`, `-`, `.`, not starting with `.`.
pub fn check_name(name: &str) -> std::result::Result<(), String> {
    let ok = !name.is_empty()
        && !name.starts_with('.')
        && name.len() <= 200
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'.');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "`{name}` is not a valid dataset name (use letters, digits, `_`, `-` and `.`, not first)"
        ))
    }
}

pub fn dataset_dir(job_dir: &Utf8Path, name: &str) -> Utf8PathBuf {
    job_dir.join(DS_DIR).join(name)
}

pub fn part_path(dir: &Utf8Path, file: &str, slice: usize, part: &str) -> Utf8PathBuf {
    dir.join(format!("{file}.{slice}.{part}"))
}

pub fn slice_stats_name(slice: usize) -> String {
    format!("slice.{slice}.json")
}

pub fn read_meta(dir: &Utf8Path) -> Result<DatasetMeta> {
    let path = dir.join(META);
    let bytes = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
    parse_meta(dir, &bytes)
}

/// `dataset.json`'s bytes as a `DatasetMeta`, checked the way readers rely on it: its format,
/// one entry per slice in every column, and column files named by a plain file name.
pub fn parse_meta(dir: &Utf8Path, bytes: &[u8]) -> Result<DatasetMeta> {
    let meta: DatasetMeta =
        serde_json::from_slice(bytes).map_err(|e| Error::User(format!("{dir}/{META}: not a valid exax record: {e}")))?;
    for c in &meta.columns {
        if c.slices.len() != meta.lines.len() {
            return Err(Error::User(format!(
                "{dir}/{META}: column `{}` has {} slices but the dataset has {}",
                c.name,
                c.slices.len(),
                meta.lines.len()
            )));
        }
        if c.file.is_empty() || c.file.contains(['/', '\0']) || c.file.starts_with('.') {
            return Err(Error::User(format!("{dir}/{META}: column `{}` has a bad file name", c.name)));
        }
        if let Some(p) = c.slices.iter().flat_map(|s| s.parts.keys()).find(|p| !PARTS.contains(&p.as_str())) {
            return Err(Error::User(format!(
                "{dir}/{META}: column `{}` lists an unknown file part `{p}`",
                c.name
            )));
        }
    }
    if meta.format < FORMAT_VERSION {
        return Err(Error::User(format!(
            "dataset {} was written by an older exax (format {}, without checksums); rebuild job {} ({dir})",
            meta.id(),
            meta.format,
            meta.job
        )));
    }
    if meta.format != FORMAT_VERSION {
        return Err(Error::User(format!(
            "{dir}: dataset format {} is not one this exax reads (it reads format {FORMAT_VERSION})",
            meta.format
        )));
    }
    Ok(meta)
}

pub fn write_meta(dir: &Utf8Path, meta: &DatasetMeta) -> Result<()> {
    records::write_json_atomic(dir, META, meta)
}

/// The names of the finished datasets of a job, sorted.
pub fn dataset_names(job_dir: &Utf8Path) -> Vec<String> {
    let mut names = Vec::new();
    if let Ok(rd) = std::fs::read_dir(job_dir.join(DS_DIR)) {
        for e in rd.flatten() {
            if let Ok(n) = e.file_name().into_string() {
                if e.path().join(META).is_file() {
                    names.push(n);
                }
            }
        }
    }
    names.sort();
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(check_name("default").is_ok() && check_name("a.b-c_1").is_ok());
        assert!(check_name("").is_err() && check_name(".x").is_err() && check_name("a/b").is_err());
        assert_eq!(split_id("t-1/x"), ("t-1", "x"));
        assert_eq!(split_id("t-1"), ("t-1", "default"));
    }
}
