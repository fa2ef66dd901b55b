//! dataset_filter_columns: the source with only some of its columns (`keep_columns`, or all but
//! `discard_columns`), as a dataset of this job whose columns are the source's own files. The
//! hashlabel goes when its column does; `previous` is the given one (none when not given, as in
//! the original).

use std::collections::BTreeSet;

use super::{Ctx, Opts};
use crate::dataset::link;
use crate::error::{Error, Result};
use crate::value::Value;

pub fn run(ctx: &Ctx, o: &Opts) -> Result<Value> {
    let Some(id) = o.dataset("source")? else {
        return Err(o.error("source", "is required"));
    };
    let src = ctx.dataset(&id)?;
    let previous = o.dataset("previous")?;
    if let Some(p) = &previous {
        ctx.dataset(p)?;
    }
    let keep = o.strings("keep_columns")?;
    let discard = o.strings("discard_columns")?;
    let keep: BTreeSet<String> = match (keep.is_empty(), discard.is_empty()) {
        (false, false) => {
            return Err(Error::User(
                "dataset_filter_columns: give keep_columns or discard_columns, not both".into(),
            ))
        }
        (true, true) => {
            return Err(Error::User(
                "dataset_filter_columns: give keep_columns (the columns to keep) or discard_columns (the columns to drop)".into(),
            ))
        }
        (false, true) => keep.into_iter().collect(),
        (true, false) => {
            for d in &discard {
                src.column_index(d)?;
            }
            src.meta
                .columns
                .iter()
                .map(|c| c.name.clone())
                .filter(|n| !discard.contains(n))
                .collect()
        }
    };
    let mut meta = link::derive(&src.meta, &ctx.job.to_string(), "default");
    link::keep_columns(&mut meta, &keep, &src.meta)?;
    meta.previous = previous;
    link::save(&ctx.job_dir, &meta)?;
    Ok(Value::Nil)
}
