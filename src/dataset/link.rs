//! Datasets made of other datasets' column files, without copying a byte: a dataset of the
//! running job whose columns keep their `location` (the dataset whose directory holds the files).
//! `ds:link_to_here`, dataset_filter_columns, dataset_rename_columns and dataset_merge are all
//! a new `DatasetMeta` saved by `save`.

use std::collections::BTreeSet;

use camino::Utf8Path;

use super::format::{self, DatasetMeta};
use crate::error::{did_you_mean, Error, Result};

/// `src` as dataset `name` of job `job`: the same columns, lines, hashlabel and previous, with
/// `src` as its parent (as the original's `link_to_here`).
pub fn derive(src: &DatasetMeta, job: &str, name: &str) -> DatasetMeta {
    let mut meta = src.clone();
    meta.parent = Some(src.id());
    meta.job = job.to_string();
    meta.name = name.to_string();
    meta
}

/// Writes `meta` as a finished dataset in the job directory `job_dir`; a dataset or writer of
/// that name already there is an error.
pub fn save(job_dir: &Utf8Path, meta: &DatasetMeta) -> Result<()> {
    format::check_name(&meta.name).map_err(Error::User)?;
    let dir = format::dataset_dir(job_dir, &meta.name);
    if dir.join(format::META).exists() || dir.join(format::WRITER).exists() {
        return Err(Error::User(format!("this job already has a dataset named `{}`", meta.name)));
    }
    std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
    format::write_meta(&dir, meta)
}

fn no_column(meta: &DatasetMeta, name: &str, what: &str) -> Error {
    let names: Vec<&str> = meta.columns.iter().map(|c| c.name.as_str()).collect();
    Error::User(format!(
        "{what} `{name}` is not a column of dataset {}{} (columns: {})",
        meta.id(),
        did_you_mean(name, names.iter().copied()),
        names.join(", ")
    ))
}

/// Keeps only the columns in `keep` (in the dataset's order); the hashlabel goes when its column
/// does. A name that is not a column is an error; keeping nothing is an error.
pub fn keep_columns(meta: &mut DatasetMeta, keep: &BTreeSet<String>, source: &DatasetMeta) -> Result<()> {
    for k in keep {
        if meta.column(k).is_none() {
            return Err(no_column(source, k, "column"));
        }
    }
    meta.columns.retain(|c| keep.contains(&c.name));
    if meta.columns.is_empty() {
        return Err(Error::User(format!("dataset {}: no columns are left", source.id())));
    }
    if meta.hashlabel.as_ref().is_some_and(|h| !keep.contains(h)) {
        meta.hashlabel = None;
    }
    Ok(())
}

/// Renames columns: `(old, Some(new))` renames (a column already called `new` that is not itself
/// renamed is replaced), `(old, None)` discards. The hashlabel follows its column, and is dropped
/// when its column is discarded or replaced. Renamed columns keep their place.
pub fn rename_columns(meta: &mut DatasetMeta, rename: &[(String, Option<String>)], source: &DatasetMeta) -> Result<()> {
    let id = source.id();
    let mut targets: Vec<(&str, &str)> = Vec::new();
    for (old, new) in rename {
        if meta.column(old).is_none() {
            return Err(no_column(source, old, "renamed column"));
        }
        if let Some(new) = new {
            if new.is_empty() {
                return Err(Error::User(format!(
                    "dataset {id}: column `{old}` cannot be renamed to an empty name"
                )));
            }
            if let Some((first, _)) = targets.iter().find(|(_, n)| n == new) {
                return Err(Error::User(format!(
                    "dataset {id}: both `{first}` and `{old}` are renamed to `{new}`"
                )));
            }
            targets.push((old, new));
        }
    }
    let renamed_from = |name: &str| rename.iter().find(|(o, _)| o == name).map(|(_, n)| n.as_deref());
    let is_target = |name: &str| targets.iter().any(|(_, n)| *n == name);
    let hashlabel = meta.hashlabel.clone();
    let mut columns = Vec::with_capacity(meta.columns.len());
    for mut c in std::mem::take(&mut meta.columns) {
        match renamed_from(&c.name) {
            Some(None) => continue,
            Some(Some(new)) => {
                c.name = new.to_string();
                columns.push(c);
            }
            // Not renamed, but another column takes its name: that one wins.
            None if is_target(&c.name) => continue,
            None => columns.push(c),
        }
    }
    if columns.is_empty() {
        return Err(Error::User(format!("dataset {id}: every column is discarded")));
    }
    meta.columns = columns;
    meta.hashlabel = match hashlabel {
        Some(h) => match renamed_from(&h) {
            Some(new) => new.map(str::to_string),
            None if is_target(&h) => None,
            None => Some(h),
        },
        None => None,
    };
    Ok(())
}

/// The datasets `meta` is built from at the root: following `parent` and the location of each
/// column, the datasets that have no parent. Two datasets sharing one are related (the original's
/// test before a merge). `open` reads another dataset's metadata.
pub fn roots(meta: &DatasetMeta, open: &dyn Fn(&str) -> Result<DatasetMeta>) -> Result<BTreeSet<String>> {
    let mut out = BTreeSet::new();
    let mut seen = BTreeSet::new();
    let mut todo: Vec<DatasetMeta> = vec![meta.clone()];
    seen.insert(meta.id());
    while let Some(m) = todo.pop() {
        let id = m.id();
        let mut next: Vec<String> = m.columns.iter().map(|c| c.location.clone()).filter(|l| *l != id).collect();
        match &m.parent {
            Some(p) => next.push(p.clone()),
            None => {
                out.insert(id.clone());
            }
        }
        for n in next {
            if seen.insert(n.clone()) {
                todo.push(open(&n)?);
            }
        }
    }
    Ok(out)
}
