//! dataset_hashpart: rewrites a dataset (or a chain, one dataset per chain member) with a new
//! hashlabel, every line in the slice `hash::slice_of` picks for its value. Within a slice the
//! lines keep the source's order, source slice by source slice (as the original's merge of its
//! per-slice writers does). With `chain_slices`, each source slice becomes a dataset of its own
//! (`<ix>.<slice>`, chained) instead of being merged.
//!
//! Each column in turn: read (every source slice in parallel), then every output slice picks its
//! lines from it on a thread of its own; only one column and a slice number per line are in
//! memory.

use rayon::prelude::*;

use super::columns::{self, Loaded, Part};
use super::{Ctx, Opts};
use crate::dataset::hash::slice_of;
use crate::dataset::reader::Dataset;
use crate::error::{Error, Result};
use crate::value::Value;

const METHOD: &str = "dataset_hashpart";

pub fn run(ctx: &Ctx, o: &Opts) -> Result<Value> {
    let Some(hashlabel) = o.string("hashlabel")? else {
        return Err(o.error("hashlabel", "is required"));
    };
    let ids = o.datasets("source")?;
    if ids.is_empty() {
        return Err(Error::User(format!(
            "{METHOD}: previous had the same source, so there is nothing to hash (this job makes no sense)"
        )));
    }
    let chain = columns::open_chain(ctx, METHOD, &ids, false)?;
    let caption_fmt = o
        .string("caption")?
        .unwrap_or_else(|| "\"%(caption)s\" hashed on %(hashlabel)s".to_string());
    let chain_slices = o.bool("chain_slices")?.unwrap_or(false);
    let mut previous = o.dataset("previous")?;
    let slices = ctx.slices();
    for (ix, ds) in chain.iter().enumerate() {
        let hcol = ds
            .column_index(&hashlabel)
            .map_err(|e| Error::User(format!("{METHOD}: hashlabel: {e}")))?;
        let caption = caption_fmt
            .replace("%(caption)s", &ds.meta.caption)
            .replace("%(hashlabel)s", &hashlabel);
        let last = ix + 1 == chain.len();
        let one = std::slice::from_ref(ds);
        // Where each line goes, per source slice.
        let targets: Vec<Vec<u16>> = (0..slices)
            .into_par_iter()
            .map(|s| -> Result<Vec<u16>> {
                let col = Loaded::load(&[Part { ds, slice: s }], &ds.meta.columns[hcol].name)?;
                Ok((0..col.len()).map(|i| slice_of(&col.cell(i), slices) as u16).collect())
            })
            .collect::<Result<_>>()?;
        let groups: Vec<(String, Vec<usize>, String)> = if chain_slices {
            (0..slices)
                .map(|s| {
                    let name = if last && s + 1 == slices {
                        "default".to_string()
                    } else {
                        format!("{ix}.{s}")
                    };
                    (name, vec![s], format!("{caption} (slice {s})"))
                })
                .collect()
        } else {
            let name = if last { "default".to_string() } else { ix.to_string() };
            vec![(name, (0..slices).collect(), caption.clone())]
        };
        for (name, from, caption) in groups {
            let mut w = columns::writer_like(ctx, &name, one, Some(hashlabel.clone()), previous.clone(), &caption)?;
            let mut sinks = w.sinks()?;
            write(ds, &from, &targets, &mut sinks)?;
            for sink in sinks {
                sink.finish()?;
            }
            let meta = ctx.finish(&mut w)?;
            previous = Some(meta.id());
        }
    }
    Ok(Value::Nil)
}

/// Writes the lines of source slices `from` of `ds`, each to the sink its target says.
fn write(ds: &Dataset, from: &[usize], targets: &[Vec<u16>], sinks: &mut [crate::dataset::writer::SliceSink]) -> Result<()> {
    for (ci, c) in ds.meta.columns.iter().enumerate() {
        let parts: Vec<Loaded> = from
            .par_iter()
            .map(|&s| Loaded::load(&[Part { ds, slice: s }], &c.name))
            .collect::<Result<_>>()?;
        sinks
            .par_iter_mut()
            .enumerate()
            .try_for_each(|(t, sink)| -> std::result::Result<(), String> {
                for (col, &s) in parts.iter().zip(from) {
                    for (i, &to) in targets[s].iter().enumerate() {
                        if to as usize == t {
                            sink.write_cell(ci, &mut col.cell(i))?;
                        }
                    }
                }
                Ok(())
            })
            .map_err(Error::User)?;
    }
    Ok(())
}
