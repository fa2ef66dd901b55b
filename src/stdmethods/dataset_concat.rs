//! dataset_concat: a chain of datasets (the method's Lua walks it, oldest first, and passes
//! `sources`) copied into one dataset, slice by slice: slice s holds slice s of every dataset in
//! chain order. Every dataset must have the same columns with the same types, and the same
//! hashlabel; a column allows None when any dataset's does. Slices are copied in parallel.

use rayon::prelude::*;

use super::read::{to_cell, Col};
use super::{Ctx, Opts};
use crate::dataset::cell::Cell;
use crate::dataset::reader::Dataset;
use crate::dataset::types::ColType;
use crate::error::{Error, Result};
use crate::status::Progress;
use crate::value::Value;

pub fn run(ctx: &Ctx, o: &Opts) -> Result<Value> {
    let ids = o.datasets("sources")?;
    let Some(last) = ids.last() else {
        return Err(Error::User(
            "dataset_concat: the chain is empty (source is previous's source?)".into(),
        ));
    };
    let chain = ids.iter().map(|id| ctx.dataset(id)).collect::<Result<Vec<Dataset>>>()?;
    let source = &chain[chain.len() - 1];
    let mut columns: Vec<(String, ColType, bool)> = source.meta.columns.iter().map(|c| (c.name.clone(), c.ty, false)).collect();
    columns.sort_by(|a, b| a.0.cmp(&b.0));
    let types = |ds: &Dataset| {
        let mut t: Vec<(String, ColType)> = ds.meta.columns.iter().map(|c| (c.name.clone(), c.ty)).collect();
        t.sort_by(|a, b| a.0.cmp(&b.0));
        t
    };
    let want = types(source);
    let show = |t: &[(String, ColType)]| t.iter().map(|(n, ty)| format!("{n} {ty}")).collect::<Vec<_>>().join(", ");
    for ds in &chain {
        let got = types(ds);
        if got != want {
            return Err(Error::User(format!(
                "dataset_concat: dataset {} does not have the same columns as {last} ({} against {})",
                ds.id(),
                show(&got),
                show(&want)
            )));
        }
        if ds.meta.hashlabel != source.meta.hashlabel {
            return Err(Error::User(format!(
                "dataset_concat: dataset {} has hashlabel {:?}, {last} has {:?}",
                ds.id(),
                ds.meta.hashlabel,
                source.meta.hashlabel
            )));
        }
        if ds.slices() != ctx.slices() {
            return Err(Error::User(format!(
                "dataset_concat: dataset {} has {} slices, this project has {}",
                ds.id(),
                ds.slices(),
                ctx.slices()
            )));
        }
        for (name, _, none) in columns.iter_mut() {
            *none |= ds.meta.column(name).is_some_and(|(_, c)| c.none_support);
        }
    }
    let mut w = ctx.writer("default", source.meta.hashlabel.clone(), o.dataset("previous")?, "")?;
    for (name, ty, none) in &columns {
        w.add(name, *ty, *none)?;
    }
    let names: Vec<&str> = columns.iter().map(|c| c.0.as_str()).collect();
    let total: u64 = chain.iter().map(|d| d.lines(None)).sum();
    let progress = Progress::new(format!("concatenating {} datasets", chain.len()), Some(total), "lines");
    let done = std::sync::atomic::AtomicU64::new(0);
    let sinks = w.sinks()?;
    let sinks = sinks
        .into_par_iter()
        .map(|mut sink| -> Result<_> {
            let s = sink.slice();
            let mut want = 0;
            for ds in &chain {
                let mut cols = names.iter().map(|n| Col::open(ds, n, s)).collect::<Result<Vec<Col>>>()?;
                let lines = ds.lines(Some(s));
                for row in 0..lines {
                    // A row's cells borrow its columns' mapped files, so they live one row.
                    let mut cells = cols.iter_mut().map(|c| Ok(to_cell(c.get(row)?))).collect::<Result<Vec<Cell>>>()?;
                    sink.write(&mut cells).map_err(Error::User)?;
                }
                let n = done.fetch_add(lines, std::sync::atomic::Ordering::Relaxed) + lines;
                progress.set(n);
                want += lines;
            }
            if sink.lines() != want {
                return Err(Error::User(format!(
                    "dataset_concat: slice {s} got {} lines, expected {want}",
                    sink.lines()
                )));
            }
            Ok(sink)
        })
        .collect::<Result<Vec<_>>>()?;
    for sink in sinks {
        sink.finish()?;
    }
    ctx.finish(&mut w)?;
    Ok(Value::Nil)
}
