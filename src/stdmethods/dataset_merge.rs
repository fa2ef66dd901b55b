//! dataset_merge: the columns of two or more datasets side by side, as a dataset of this job
//! whose columns are the sources' own files. The sources must have the same lines in every
//! slice; a later source's column replaces an earlier one of the same name. The hashlabel is the
//! last source's that has one, unless a later source replaces its column. Datasets that share no
//! root (following parents and the datasets holding their columns) are refused unless
//! `allow_unrelated`, as in the original. `previous` is the given one.

use std::collections::BTreeSet;

use super::{Ctx, Opts};
use crate::dataset::format::DatasetMeta;
use crate::dataset::link;
use crate::error::{Error, Result};
use crate::value::Value;

pub fn run(ctx: &Ctx, o: &Opts) -> Result<Value> {
    let ids = o.datasets("sources")?;
    if ids.len() < 2 {
        return Err(Error::User(format!(
            "dataset_merge: give at least two datasets to merge in source (got {})",
            ids.len()
        )));
    }
    let previous = o.dataset("previous")?;
    if let Some(p) = &previous {
        ctx.dataset(p)?;
    }
    let unrelated_ok = o.bool("allow_unrelated")?.unwrap_or(false);
    let metas = ids
        .iter()
        .map(|id| Ok(ctx.dataset(id)?.meta))
        .collect::<Result<Vec<DatasetMeta>>>()?;
    let open = |id: &str| -> Result<DatasetMeta> { Ok(ctx.dataset(id)?.meta) };
    let first = &metas[0];
    let mut meta = link::derive(first, &ctx.job.to_string(), "default");
    let mut roots: BTreeSet<String> = if unrelated_ok {
        BTreeSet::new()
    } else {
        link::roots(first, &open)?
    };
    for (i, other) in metas.iter().enumerate().skip(1) {
        if let Some(j) = ids[..i].iter().position(|x| *x == ids[i]) {
            return Err(Error::User(format!(
                "dataset_merge: dataset {} is in source twice (items {} and {})",
                ids[i],
                j + 1,
                i + 1
            )));
        }
        if other.lines != first.lines {
            return Err(Error::User(format!(
                "dataset_merge: {} and {} do not have the same lines in every slice ({:?} and {:?})",
                first.id(),
                other.id(),
                first.lines,
                other.lines
            )));
        }
        if !unrelated_ok {
            let theirs = link::roots(other, &open)?;
            if roots.is_disjoint(&theirs) {
                return Err(Error::User(format!(
                    "dataset_merge: {} has no ancestor in common with {} (set allow_unrelated = true to merge them anyway)",
                    other.id(),
                    ids[..i].join(", ")
                )));
            }
            roots.extend(theirs);
        }
        if other.hashlabel.is_some() {
            meta.hashlabel = other.hashlabel.clone();
        } else if meta.hashlabel.as_ref().is_some_and(|h| other.column(h).is_some()) {
            meta.hashlabel = None;
        }
        for c in &other.columns {
            match meta.columns.iter_mut().find(|m| m.name == c.name) {
                Some(m) => *m = c.clone(),
                None => meta.columns.push(c.clone()),
            }
        }
    }
    meta.previous = previous;
    meta.caption = String::new();
    link::save(&ctx.job_dir, &meta)?;
    Ok(Value::Nil)
}
