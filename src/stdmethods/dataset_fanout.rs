//! dataset_fanout: one dataset per value of a column. The method's Lua walks the chain (oldest
//! first, back to previous's source) and passes `sources`, the `column`, and the datasets of the
//! previous fanout job by name. Each value's dataset is named by the value as text (`None` for
//! None) and holds the other columns of the rows with that value, in chain order, slice by slice;
//! every dataset of the previous job gets one here too (empty if the value did not occur), chained
//! to it. Slices are read and written in parallel.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use rayon::prelude::*;

use super::columns::open_chain;
use super::read::{to_cell, Col};
use super::{Ctx, Opts};
use crate::dataset::cell::Cell;
use crate::dataset::datetime::{iso, Kind};
use crate::dataset::format;
use crate::dataset::reader::Stored;
use crate::dataset::writer::SliceSink;
use crate::error::{Error, Result};
use crate::value::{format_float, Value};

/// The dataset name a value of the split column gives.
fn name_of(v: Stored) -> String {
    match v {
        Stored::None | Stored::Code(_) => "None".into(),
        Stored::Int(i) => i.to_string(),
        Stored::Float(x) => format_float(x),
        Stored::Bool(b) => if b { "True" } else { "False" }.into(),
        Stored::Bytes(b) | Stored::Json(b) => String::from_utf8_lossy(b).into_owned(),
        Stored::Date(d) => iso(Kind::Date, d as i64),
        Stored::DateTime(t) => iso(Kind::Datetime, t),
        Stored::Time(t) => iso(Kind::Time, t),
    }
}

pub fn run(ctx: &Ctx, o: &Opts) -> Result<Value> {
    let ids = o.datasets("sources")?;
    let column = o
        .string("column")?
        .ok_or_else(|| o.error("column", "is required (the column to split on)"))?;
    let chain = open_chain(ctx, "dataset_fanout", &ids, true)?;
    let Some(source) = chain.last() else {
        return Err(Error::User("dataset_fanout: no source dataset".into()));
    };
    source
        .column_index(&column)
        .map_err(|e| Error::User(format!("dataset_fanout: column: {e}")))?;
    let mut previous = BTreeMap::new();
    for (name, v) in o.value_map("previous")? {
        match v {
            Value::Dataset(id) => {
                previous.insert(name, id.clone());
            }
            other => return Err(o.error("previous", &format!("must map names to datasets, got {}", other.kind()))),
        }
    }
    let slices = ctx.slices();
    // The values, from every slice at once.
    let found = (0..slices)
        .into_par_iter()
        .map(|s| -> Result<BTreeSet<String>> {
            let mut names = BTreeSet::new();
            for ds in &chain {
                let mut col = Col::open(ds, &column, s)?;
                for row in 0..ds.lines(Some(s)) {
                    names.insert(name_of(col.get(row)?));
                }
            }
            Ok(names)
        })
        .collect::<Result<Vec<_>>>()?;
    let mut names: BTreeSet<String> = found.into_iter().flatten().collect();
    names.extend(previous.keys().cloned());
    for n in &names {
        format::check_name(n).map_err(|e| {
            Error::User(format!(
                "dataset_fanout: column `{column}` has the value {n:?}, which cannot name a dataset: {e}"
            ))
        })?;
    }
    let others: Vec<_> = source.meta.columns.iter().filter(|c| c.name != column).collect();
    if others.is_empty() {
        return Err(Error::User(format!("dataset_fanout: the source has no column besides `{column}`")));
    }
    let hashlabel = source.meta.hashlabel.clone().filter(|h| *h != column);
    let mut writers = Vec::new();
    for n in &names {
        let mut w = ctx.writer(n, hashlabel.clone(), previous.get(n).cloned(), "")?;
        for c in &others {
            let none = chain.iter().any(|d| d.meta.column(&c.name).is_some_and(|(_, m)| m.none_support));
            w.add(&c.name, c.ty, none)?;
        }
        writers.push(w);
    }
    // One map of value -> sink per slice.
    let mut per_slice: Vec<HashMap<String, SliceSink>> = (0..slices).map(|_| HashMap::new()).collect();
    for (n, w) in names.iter().zip(writers.iter_mut()) {
        for (s, sink) in w.sinks()?.into_iter().enumerate() {
            per_slice[s].insert(n.clone(), sink);
        }
    }
    let filled = per_slice
        .into_par_iter()
        .enumerate()
        .map(|(s, mut sinks)| -> Result<HashMap<String, SliceSink>> {
            for ds in &chain {
                let mut key = Col::open(ds, &column, s)?;
                let mut cols = others.iter().map(|c| Col::open(ds, &c.name, s)).collect::<Result<Vec<Col>>>()?;
                for row in 0..ds.lines(Some(s)) {
                    let name = name_of(key.get(row)?);
                    let Some(sink) = sinks.get_mut(&name) else {
                        return Err(Error::User(format!("dataset_fanout: value {name:?} has no dataset (internal)")));
                    };
                    let mut cells = cols.iter_mut().map(|c| Ok(to_cell(c.get(row)?))).collect::<Result<Vec<Cell>>>()?;
                    sink.write(&mut cells).map_err(Error::User)?;
                }
            }
            Ok(sinks)
        })
        .collect::<Result<Vec<_>>>()?;
    for sinks in filled {
        for (_, sink) in sinks {
            sink.finish()?;
        }
    }
    for w in &mut writers {
        ctx.finish(w)?;
    }
    Ok(Value::Array(names.into_iter().map(|n| Value::Str(n.into_bytes())).collect()))
}
