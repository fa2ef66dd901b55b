//! The `dataset_type` kernel: text columns (bytes, ascii, unicode) of a dataset, or of its chain
//! back to `previous`'s source, to typed columns by the original's type names (`typing`).
//!
//! One output dataset per source dataset (`default` for the newest, `0`, `1`, ... before it),
//! each slice typed by a thread of its own. Columns that are not typed are linked (the new
//! dataset's metadata points at the source's files) unless rows move or disappear: with
//! `filter_bad` or a re-hash they are copied, with `discard_untyped` dropped. Under a hashlabel
//! that is typed (or a new one), rows change slices: a first pass computes every row's target
//! slice from the typed hashlabel value, then each output slice's thread reads, from every source
//! slice, the rows bound for it, in source order.

use std::collections::BTreeMap;
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};

use rayon::prelude::*;

use super::typing::{Conv, TypeSpec};
use super::{Ctx, Opts};
use crate::dataset::cell::Cell;
use crate::dataset::format::{self, ColumnMeta};
use crate::dataset::hash::slice_of;
use crate::dataset::interner::Dict;
use crate::dataset::reader::{Block, ColumnReader, Dataset, Stored, Values};
use crate::dataset::types::ColType;
use crate::dataset::writer::SliceSink;
use crate::error::{did_you_mean, Error, Result};
use crate::job::records;
use crate::status::Progress;
use crate::value::Value;

/// Rows converted together, column by column.
const BLOCK: usize = 512;

struct Options {
    column2type: BTreeMap<String, TypeSpec>,
    /// Per typed column: `Some(None)` is a None default, `Some(Some(text))` a text to convert.
    defaults: BTreeMap<String, Option<Vec<u8>>>,
    rename: BTreeMap<String, String>,
    caption: String,
    discard_untyped: bool,
    filter_bad: bool,
    numeric_comma: bool,
    /// None: inherit; Some(""): none; Some(name): re-hash on it.
    hashlabel: Option<String>,
}

pub fn run(ctx: &Ctx, o: &Opts) -> Result<Value> {
    let opts = read_options(o)?;
    let Some(source) = o.dataset("source")? else {
        return Err(o.error("source", "is required (the dataset to type)"));
    };
    let previous = o.dataset("previous")?;
    let length = o.int("length")?.unwrap_or(-1);
    let chain = source_chain(ctx, &source, previous.as_deref(), length)?;
    let mut prev_out = previous.clone();
    let mut prev_bad = match &previous {
        Some(p) => {
            let (job, _) = format::split_id(p);
            let id = format!("{job}/bad");
            ctx.dataset(&id).ok().map(|_| id)
        }
        None => None,
    };
    let mut total = Stats::default();
    for (ix, src) in chain.iter().enumerate() {
        let last = ix + 1 == chain.len();
        let name = if last { "default".to_string() } else { ix.to_string() };
        let bad_name = if last { "bad".to_string() } else { format!("{ix}.bad") };
        let ds = ctx.dataset(src)?;
        let stats = type_one(ctx, &opts, &ds, &name, prev_out.as_deref(), &bad_name, prev_bad.as_deref())?;
        prev_out = Some(format!("{}/{name}", ctx.job));
        if opts.filter_bad {
            prev_bad = Some(format!("{}/{bad_name}", ctx.job));
        }
        total.add(&stats);
    }
    total.print(&opts);
    let mut defaulted: Vec<(Value, Value)> = total.defaulted.iter().map(|(k, v)| (key(k), Value::Int(*v as i64))).collect();
    defaulted.sort_by(|a, b| a.0.as_str().cmp(&b.0.as_str()));
    Ok(Value::Map(vec![
        (key("lines"), Value::Int(total.lines as i64)),
        (key("bad_lines"), Value::Int(total.bad_lines as i64)),
        (key("defaulted"), Value::Map(defaulted)),
    ]))
}

fn key(k: &str) -> Value {
    Value::Str(k.as_bytes().to_vec())
}

fn read_options(o: &Opts) -> Result<Options> {
    let mut column2type = BTreeMap::new();
    for (col, name) in o.string_map("column2type")? {
        let spec = TypeSpec::parse(&name).map_err(|e| o.error("column2type", &format!("column `{col}`: {e}")))?;
        column2type.insert(col, spec);
    }
    if column2type.is_empty() {
        return Err(o.error("column2type", "names no column (give {column = 'type name'})"));
    }
    let numeric_comma = o.bool("numeric_comma")?.unwrap_or(false);
    let mut defaults = BTreeMap::new();
    for (col, v) in o.value_map("defaults")? {
        let Some(spec) = column2type.get(&col) else {
            return Err(o.error(
                "defaults",
                &format!(
                    "names column `{col}`, which column2type does not type{}",
                    did_you_mean(&col, column2type.keys().map(String::as_str))
                ),
            ));
        };
        let text = match v {
            Value::Bool(false) => None,
            Value::Str(b) => Some(b.clone()),
            Value::Int(i) => Some(i.to_string().into_bytes()),
            Value::Float(x) => Some(crate::value::format_float(*x).into_bytes()),
            other => {
                return Err(o.error(
                    "defaults",
                    &format!("column `{col}`: a default is a string (or false for None), got {}", other.kind()),
                ))
            }
        };
        if let Some(t) = &text {
            let mut scratch = Vec::new();
            if spec.convert(t, &mut scratch, numeric_comma).is_none() {
                return Err(o.error(
                    "defaults",
                    &format!("column `{col}`: {} is not a valid {}", Cell::Bytes(t).describe(), spec.name),
                ));
            }
        }
        defaults.insert(col, text);
    }
    Ok(Options {
        column2type,
        defaults,
        rename: o.string_map("rename")?,
        caption: o.string("caption")?.unwrap_or_else(|| "typed dataset".to_string()),
        discard_untyped: o.bool("discard_untyped")?.unwrap_or(false),
        filter_bad: o.bool("filter_bad")?.unwrap_or(false),
        numeric_comma,
        hashlabel: o.string("hashlabel")?,
    })
}

/// `source` and the datasets before it, oldest first: back to (not including) the source that
/// the `previous` job typed, at most `length` datasets (-1: no limit).
fn source_chain(ctx: &Ctx, source: &str, previous: Option<&str>, length: i64) -> Result<Vec<String>> {
    let stop = match previous {
        Some(p) => {
            let (job, _) = format::split_id(p);
            let jid = crate::job::id::JobId::parse(job);
            let setup: Option<records::Setup> = match jid {
                Some(j) => ctx
                    .project
                    .job_path(&j)
                    .ok()
                    .and_then(|dir| records::read_json(&dir.join(records::SETUP)).ok()),
                None => None,
            };
            setup.and_then(|s| s.datasets.get("source").and_then(|v| v.as_str().map(String::from)))
        }
        None => None,
    };
    let stop = stop.map(|s| if s.contains('/') { s } else { format!("{s}/default") });
    let mut chain = vec![source.to_string()];
    let mut cur = ctx.dataset(source)?;
    while let Some(prev) = cur.meta.previous.clone() {
        if Some(&prev) == stop.as_ref() || (length >= 0 && chain.len() as i64 >= length) {
            break;
        }
        cur = ctx.dataset(&prev)?;
        chain.push(prev);
    }
    if length == 0 {
        chain.truncate(1);
    }
    chain.reverse();
    Ok(chain)
}

#[derive(Default)]
struct Stats {
    lines: u64,
    bad_lines: u64,
    /// Values that failed, per column (a bad line may count in several).
    bad: BTreeMap<String, u64>,
    defaulted: BTreeMap<String, u64>,
}

impl Stats {
    fn add(&mut self, o: &Stats) {
        self.lines += o.lines;
        self.bad_lines += o.bad_lines;
        for (k, v) in &o.bad {
            *self.bad.entry(k.clone()).or_default() += v;
        }
        for (k, v) in &o.defaulted {
            *self.defaulted.entry(k.clone()).or_default() += v;
        }
    }

    fn print(&self, opts: &Options) {
        if opts.filter_bad && self.bad_lines > 0 {
            let s = if self.bad_lines == 1 { "" } else { "s" };
            println!("{} bad line{s} (in the `bad` dataset); bad values per column:", self.bad_lines);
            for (col, n) in &self.bad {
                println!("  {col}: {n}");
            }
        }
        if self.defaulted.values().any(|&n| n > 0) {
            println!("defaulted values per column:");
            for (col, n) in &self.defaulted {
                if *n > 0 {
                    println!("  {col}: {n}");
                }
            }
        }
    }
}

/// How an output column gets its values.
#[derive(Clone, Copy, PartialEq)]
enum How {
    /// Converted by this type spec.
    Typed,
    /// Copied as stored (untyped columns when rows move or are filtered).
    Copy,
    /// The source's files, shared.
    Link,
}

struct OutCol {
    name: String,
    src: usize,
    how: How,
    spec: Option<TypeSpec>,
    /// For typed columns with a default: `Some(None)` is None.
    default: Option<Option<Vec<u8>>>,
    ty: ColType,
    none_support: bool,
}

/// Which column of the source each output name reads, after `rename` (renames are simultaneous;
/// a column renamed to a typed name is typed there and also kept under its old name, as the
/// original does, unless something else is renamed over that old name).
fn renamed_columns(opts: &Options, ds: &Dataset) -> Vec<(String, usize)> {
    let cols = &ds.meta.columns;
    let targets: Vec<&String> = opts.rename.values().collect();
    let mut just: BTreeMap<&str, &str> = BTreeMap::new();
    let mut dup: BTreeMap<&str, &str> = BTreeMap::new();
    for (k, v) in &opts.rename {
        if ds.meta.column(k).is_none() {
            continue;
        }
        if opts.column2type.contains_key(v) && !targets.contains(&k) {
            dup.insert(k, v);
        } else {
            just.insert(k, v);
        }
    }
    let mut out: Vec<(String, usize)> = Vec::new();
    let set = |out: &mut Vec<(String, usize)>, name: &str, src: usize| match out.iter_mut().find(|(n, _)| n == name) {
        Some(e) => e.1 = src,
        None => out.push((name.to_string(), src)),
    };
    let just_targets: Vec<&str> = just.values().copied().collect();
    for (i, c) in cols.iter().enumerate() {
        if let Some(v) = just.get(c.name.as_str()) {
            set(&mut out, v, i);
        } else if !just_targets.contains(&c.name.as_str()) {
            set(&mut out, &c.name, i);
        }
    }
    for (i, c) in cols.iter().enumerate() {
        if let Some(v) = dup.get(c.name.as_str()) {
            set(&mut out, v, i);
        }
    }
    out
}

#[allow(clippy::too_many_arguments)]
fn type_one(
    ctx: &Ctx,
    opts: &Options,
    ds: &Dataset,
    name: &str,
    previous: Option<&str>,
    bad_name: &str,
    bad_previous: Option<&str>,
) -> Result<Stats> {
    let src_id = ds.id();
    let vcols = renamed_columns(opts, ds);
    let mut typed = Vec::new();
    for (col, spec) in &opts.column2type {
        let Some(&(_, src)) = vcols.iter().find(|(n, _)| n == col) else {
            let names: Vec<&str> = vcols.iter().map(|(n, _)| n.as_str()).collect();
            return Err(Error::User(format!(
                "dataset_type: dataset {src_id} has no column `{col}`{} (columns: {})",
                did_you_mean(col, names.iter().copied()),
                names.join(", ")
            )));
        };
        let c = &ds.meta.columns[src];
        if !c.ty.is_string() {
            return Err(Error::User(format!(
                "dataset_type: column `{col}` of {src_id} is {}; only bytes, ascii and unicode columns can be typed",
                c.ty
            )));
        }
        let _ = spec;
        typed.push(col.clone());
    }
    // The hashlabel and whether rows move.
    let inherited = ds.meta.hashlabel.as_ref().and_then(|h| {
        let hi = ds.meta.column(h)?.0;
        vcols
            .iter()
            .find(|(n, s)| n == h && *s == hi)
            .or_else(|| vcols.iter().find(|(_, s)| *s == hi))
            .map(|(n, _)| n.clone())
    });
    let (hashlabel, rehash) = match opts.hashlabel.as_deref() {
        None => {
            let r = inherited.as_ref().is_some_and(|h| typed.contains(h));
            (inherited.clone(), r)
        }
        Some("") => (None, false),
        Some(h) => {
            if !vcols.iter().any(|(n, _)| n == h) || (opts.discard_untyped && !typed.iter().any(|t| t == h)) {
                return Err(Error::User(format!(
                    "dataset_type: cannot hash {src_id} on `{h}`: it is not a column{} of the result",
                    did_you_mean(h, vcols.iter().map(|(n, _)| n.as_str()))
                )));
            }
            (Some(h.to_string()), true)
        }
    };
    let untyped_how = if opts.discard_untyped {
        None
    } else if opts.filter_bad || rehash {
        Some(How::Copy)
    } else {
        Some(How::Link)
    };
    let mut cols = Vec::new();
    for (n, src) in &vcols {
        let c = &ds.meta.columns[*src];
        if let Some(spec) = opts.column2type.get(n) {
            let default = opts.defaults.get(n).cloned();
            cols.push(OutCol {
                name: n.clone(),
                src: *src,
                how: How::Typed,
                ty: spec.ty,
                none_support: spec.empty_is_none || c.none_support || matches!(default, Some(None)),
                spec: Some(spec.clone()),
                default,
            });
        } else if let Some(how) = untyped_how {
            cols.push(OutCol {
                name: n.clone(),
                src: *src,
                how,
                spec: None,
                default: None,
                ty: c.ty,
                none_support: c.none_support,
            });
        }
    }
    // A hashlabel on a column that is linked stays valid (rows stay put) but is not the writer's.
    let writer_hashlabel = hashlabel
        .clone()
        .filter(|h| cols.iter().any(|c| &c.name == h && c.how != How::Link));
    let link_hashlabel = hashlabel
        .clone()
        .filter(|h| cols.iter().any(|c| &c.name == h && c.how == How::Link));
    let caption = format!("{} (from {src_id})", opts.caption);
    let mut w = ctx.writer(name, writer_hashlabel, previous.map(String::from), &caption)?;
    let written: Vec<usize> = (0..cols.len()).filter(|&i| cols[i].how != How::Link).collect();
    for &i in &written {
        w.add(&cols[i].name, cols[i].ty, cols[i].none_support)?;
    }
    let mut bad_w = if opts.filter_bad {
        let mut bw = ctx.writer(bad_name, None, bad_previous.map(String::from), &format!("bad lines of {src_id}"))?;
        for i in &written {
            let c = &cols[*i];
            if c.how == How::Typed {
                let s = &ds.meta.columns[c.src];
                bw.add(&c.name, s.ty, s.none_support)?;
            }
        }
        Some(bw)
    } else {
        None
    };
    let sinks = w.sinks()?;
    let bad_sinks: Vec<Option<SliceSink>> = match &mut bad_w {
        Some(bw) => bw.sinks()?.into_iter().map(Some).collect(),
        None => (0..sinks.len()).map(|_| None).collect(),
    };
    let job = Job {
        opts,
        ds,
        cols: written.iter().map(|&i| &cols[i]).collect(),
        slices: sinks.len(),
        hash_col: hashlabel
            .as_ref()
            .filter(|_| rehash)
            .and_then(|h| written.iter().position(|&i| &cols[i].name == h)),
        done: AtomicU64::new(0),
    };
    if ds.slices() != job.slices {
        return Err(Error::User(format!(
            "dataset_type: {src_id} has {} slices, this project has {}",
            ds.slices(),
            job.slices
        )));
    }
    let progress = Progress::new(format!("typing {src_id}"), Some(ds.lines(None)), "lines");
    let targets: Option<Vec<Vec<u16>>> = match job.hash_col {
        Some(h) => Some(
            (0..job.slices)
                .into_par_iter()
                .map(|s| job.targets(s, h))
                .collect::<Result<Vec<_>>>()?,
        ),
        None => None,
    };
    let results: Vec<Result<SliceStats>> = sinks
        .into_par_iter()
        .zip(bad_sinks)
        .enumerate()
        .map(|(slice, (mut sink, mut bad))| {
            let st = job.write_slice(slice, targets.as_deref(), &mut sink, bad.as_mut(), &progress)?;
            sink.finish()?;
            if let Some(b) = bad {
                b.finish()?;
            }
            Ok(st)
        })
        .collect();
    drop(progress);
    let mut stats = Stats::default();
    for r in results {
        let st = r?;
        stats.lines += st.lines;
        stats.bad_lines += st.bad_lines;
        for (i, c) in job.cols.iter().enumerate() {
            if st.bad[i] > 0 {
                *stats.bad.entry(c.name.clone()).or_default() += st.bad[i];
            }
            if c.default.is_some() {
                *stats.defaulted.entry(c.name.clone()).or_default() += st.defaulted[i];
            }
        }
    }
    let mut meta = ctx.finish(&mut w)?;
    if let Some(bw) = &mut bad_w {
        ctx.finish(bw)?;
    }
    if cols.iter().any(|c| c.how == How::Link) {
        // Link the untyped columns: the new dataset's metadata names the files where they are.
        let mut all: Vec<ColumnMeta> = Vec::with_capacity(cols.len());
        for c in &cols {
            if c.how == How::Link {
                let mut m = ds.meta.columns[c.src].clone();
                m.name = c.name.clone();
                all.push(m);
            } else if let Some(m) = meta.columns.iter().find(|m| m.name == c.name) {
                all.push(m.clone());
            }
        }
        meta.columns = all;
        meta.parent = Some(src_id.clone());
        if link_hashlabel.is_some() {
            meta.hashlabel = link_hashlabel;
        }
        format::write_meta(&w.dir, &meta)?;
    }
    Ok(stats)
}

/// What every slice's thread shares.
struct Job<'a> {
    opts: &'a Options,
    ds: &'a Dataset,
    /// The columns this job writes (typed and copied), in the writer's order.
    cols: Vec<&'a OutCol>,
    slices: usize,
    /// Re-hash on this column (an index into `cols`).
    hash_col: Option<usize>,
    done: AtomicU64,
}

struct SliceStats {
    lines: u64,
    bad_lines: u64,
    bad: Vec<u64>,
    defaulted: Vec<u64>,
}

/// One converted value: a cell that owns nothing, a string in the block's (or the dictionary
/// cache's) bytes, or a bad value.
#[derive(Clone, Copy)]
enum Slot {
    Val(Cell<'static>),
    Str { start: u32, end: u32, json: bool, dict: bool },
    Bad,
}

fn stash(cell: Cell, data: &mut Vec<u8>, dict: bool) -> Slot {
    let (b, json) = match cell {
        Cell::Bytes(b) => (b, false),
        Cell::Json(b) => (b, true),
        Cell::None => return Slot::Val(Cell::None),
        Cell::Int(i) => return Slot::Val(Cell::Int(i)),
        Cell::Float(x) => return Slot::Val(Cell::Float(x)),
        Cell::Bool(x) => return Slot::Val(Cell::Bool(x)),
        Cell::Date(x) => return Slot::Val(Cell::Date(x)),
        Cell::DateTime(x) => return Slot::Val(Cell::DateTime(x)),
        Cell::Time(x) => return Slot::Val(Cell::Time(x)),
        Cell::Other(w) => return Slot::Val(Cell::Other(w)),
    };
    let start = data.len() as u32;
    data.extend_from_slice(b);
    Slot::Str {
        start,
        end: data.len() as u32,
        json,
        dict,
    }
}

/// A source value as stored, as a cell (dictionary codes looked up).
fn stored_cell<'a>(v: Stored<'a>, dict: Option<&'a Dict>) -> Cell<'a> {
    match v {
        Stored::None => Cell::None,
        Stored::Int(i) => Cell::Int(i),
        Stored::Float(x) => Cell::Float(x),
        Stored::Bool(b) => Cell::Bool(b),
        Stored::Bytes(b) => Cell::Bytes(b),
        Stored::Code(c) => dict.and_then(|d| d.get(c as usize)).map_or(Cell::None, Cell::Bytes),
        Stored::Date(d) => Cell::Date(d),
        Stored::DateTime(x) => Cell::DateTime(x),
        Stored::Time(x) => Cell::Time(x),
        Stored::Json(b) => Cell::Json(b),
    }
}

/// One column of one source slice: its reader and, for a dictionary-encoded column, every
/// dictionary entry converted once.
struct ColState {
    reader: ColumnReader,
    dict: Option<Rc<Dict>>,
    cache: Vec<Slot>,
    cache_data: Vec<u8>,
    slots: Vec<Slot>,
    data: Vec<u8>,
    block: Block,
    /// For a typed int64, float64 or date column: the block's values as stored, when every one
    /// converted (`direct_ok`); then `slots` is not filled.
    direct: Option<Direct>,
    direct_ok: bool,
}

/// A block of one typed column converted straight to the values the column stores.
enum Direct {
    I64(Vec<i64>),
    F64(Vec<f64>),
    Date(Vec<i32>),
}

impl Direct {
    /// The buffer for a column of this type spec, when it has one.
    fn for_spec(spec: &TypeSpec) -> Option<Direct> {
        match (&spec.conv, spec.ty) {
            (Conv::Int { int32: false, .. }, ColType::Int64) => Some(Direct::I64(Vec::with_capacity(BLOCK))),
            (Conv::Float { f32: false, .. }, ColType::Float64) => Some(Direct::F64(Vec::with_capacity(BLOCK))),
            (Conv::Stamp { .. }, ColType::Date) => Some(Direct::Date(Vec::with_capacity(BLOCK))),
            _ => None,
        }
    }

    fn clear(&mut self) {
        match self {
            Direct::I64(v) => v.clear(),
            Direct::F64(v) => v.clear(),
            Direct::Date(v) => v.clear(),
        }
    }

    /// Appends a converted value; false when it is not of this column's kind (None, say).
    #[inline]
    fn push(&mut self, cell: Cell) -> bool {
        match (self, cell) {
            (Direct::I64(v), Cell::Int(x)) => v.push(x),
            (Direct::F64(v), Cell::Float(x)) => v.push(x),
            (Direct::Date(v), Cell::Date(x)) => v.push(x),
            _ => return false,
        }
        true
    }
}

impl Job<'_> {
    fn open(&self, slice: usize) -> Result<Vec<ColState>> {
        let mut out = Vec::with_capacity(self.cols.len());
        let mut scratch = Vec::new();
        for c in &self.cols {
            let reader = self.ds.open_column(c.src, slice)?;
            let dict = reader.dict.clone();
            let mut cache = Vec::new();
            let mut cache_data = Vec::new();
            if let Some(d) = &dict {
                cache.reserve(d.len());
                for k in 0..d.len() {
                    let v = d.get(k).unwrap_or_default();
                    // Entries 16 bytes apart: the writer's dictionary recognises a string it saw
                    // by its address (bits 4 and up), so each needs an address of its own.
                    cache_data.resize(cache_data.len().next_multiple_of(16), 0);
                    let slot = match &c.spec {
                        Some(spec) => match spec.convert(v, &mut scratch, self.opts.numeric_comma) {
                            Some(cell) => stash(cell, &mut cache_data, true),
                            None => Slot::Bad,
                        },
                        None => stash(Cell::Bytes(v), &mut cache_data, true),
                    };
                    cache.push(slot);
                }
            }
            out.push(ColState {
                reader,
                dict,
                cache,
                cache_data,
                slots: Vec::with_capacity(BLOCK),
                data: Vec::new(),
                block: Block::default(),
                direct: c.spec.as_ref().filter(|_| c.how == How::Typed).and_then(Direct::for_spec),
                direct_ok: false,
            });
        }
        Ok(out)
    }

    fn fail(&self, c: &OutCol, slice: usize, row: u64, v: &[u8]) -> Error {
        let spec = c.spec.as_ref().map_or("", |s| s.name.as_str());
        Error::User(format!(
            "dataset_type: column `{}` ({spec}), slice {slice}, line {}: {} is not a valid {spec} (dataset {}; give a default or filter_bad)",
            c.name,
            row + 1,
            Cell::Bytes(v).describe(),
            self.ds.id()
        ))
    }

    fn read_error(&self, column: &str, slice: usize, e: std::io::Error) -> Error {
        Error::User(format!(
            "dataset_type: reading {} column `{column}` slice {slice}: {e}",
            self.ds.id()
        ))
    }

    /// Converts column `ci` of `rows` (consecutive) straight into `st.direct`; false (and
    /// nothing to use) when the column has no such buffer or a value does not convert, which
    /// `convert` then handles.
    fn convert_direct(&self, ci: usize, st: &mut ColState, slice: usize, rows: &[u64], scratch: &mut Vec<u8>) -> Result<bool> {
        let c = self.cols[ci];
        let (Some(spec), Some(out)) = (&c.spec, &mut st.direct) else {
            return Ok(false);
        };
        let consecutive = rows.last().zip(rows.first()).is_some_and(|(l, f)| l - f + 1 == rows.len() as u64);
        if !consecutive {
            return Ok(false);
        }
        out.clear();
        let io = |e: std::io::Error| self.read_error(&c.name, slice, e);
        if st.dict.is_some() {
            st.reader.read_block(rows[0], rows.len(), &mut st.block).map_err(io)?;
            let Values::Code(codes) = &st.block.values else {
                return Ok(false);
            };
            for (i, &k) in codes.iter().enumerate() {
                let ok = !st.block.is_none(i)
                    && match st.cache.get(k as usize) {
                        Some(Slot::Val(cell)) => out.push(*cell),
                        _ => false,
                    };
                if !ok {
                    return Ok(false);
                }
            }
            return Ok(codes.len() == rows.len());
        }
        if !st.reader.is_plain_var() {
            return Ok(false);
        }
        let comma = self.opts.numeric_comma;
        let done = st
            .reader
            .for_each_var(rows[0], rows.len(), |_, v| match v.and_then(|v| spec.convert(v, scratch, comma)) {
                Some(cell) if out.push(cell) => Ok(()),
                _ => Err(()),
            })
            .map_err(io)?;
        Ok(done.is_ok())
    }

    /// Converts column `ci` of `rows` (of source slice `slice`) into `st.slots`.
    fn convert(
        &self,
        ci: usize,
        st: &mut ColState,
        slice: usize,
        rows: &[u64],
        scratch: &mut Vec<u8>,
        stats: &mut SliceStats,
    ) -> Result<()> {
        let c = self.cols[ci];
        let comma = self.opts.numeric_comma;
        st.slots.clear();
        st.data.clear();
        let io = |e: std::io::Error| self.read_error(&c.name, slice, e);
        let consecutive = rows.last().zip(rows.first()).is_some_and(|(l, f)| l - f + 1 == rows.len() as u64);
        if consecutive && st.dict.is_some() {
            // Dictionary codes a block at a time; each entry was converted once.
            st.reader.read_block(rows[0], rows.len(), &mut st.block).map_err(io)?;
            let block = std::mem::take(&mut st.block);
            if let Values::Code(codes) = &block.values {
                for (i, &k) in codes.iter().enumerate() {
                    let slot = if block.is_none(i) {
                        Slot::Val(Cell::None)
                    } else {
                        match st.cache.get(k as usize) {
                            Some(Slot::Bad) | None => self.bad_value(ci, st, slice, rows[i], scratch, stats)?,
                            Some(s) => *s,
                        }
                    };
                    st.slots.push(slot);
                }
            }
            st.block = block;
            if st.slots.len() == rows.len() {
                return Ok(());
            }
            st.slots.clear();
            st.data.clear();
        }
        if consecutive && st.reader.is_plain_var() {
            if let Some(spec) = &c.spec {
                let (slots, data) = (&mut st.slots, &mut st.data);
                let mut failed = None;
                st.reader
                    .for_each_var(rows[0], rows.len(), |i, v| {
                        let slot = match v {
                            None => Slot::Val(Cell::None),
                            Some(v) => match spec.convert(v, scratch, comma) {
                                Some(cell) => stash(cell, data, false),
                                None => {
                                    failed = Some(i);
                                    return Err(());
                                }
                            },
                        };
                        slots.push(slot);
                        Ok(())
                    })
                    .map_err(io)?
                    .ok();
                let Some(i) = failed else { return Ok(()) };
                // A bad value: the rest of the block one row at a time.
                let slot = self.bad_value(ci, st, slice, rows[i], scratch, stats)?;
                st.slots.push(slot);
                return self.convert_rows(ci, st, slice, &rows[i + 1..], scratch, stats);
            }
        }
        self.convert_rows(ci, st, slice, rows, scratch, stats)
    }

    /// `convert` one row at a time (appending to `st.slots`).
    fn convert_rows(
        &self,
        ci: usize,
        st: &mut ColState,
        slice: usize,
        rows: &[u64],
        scratch: &mut Vec<u8>,
        stats: &mut SliceStats,
    ) -> Result<()> {
        let c = self.cols[ci];
        let comma = self.opts.numeric_comma;
        let io = |e: std::io::Error| self.read_error(&c.name, slice, e);
        for &row in rows {
            let stored = st.reader.get(row).map_err(io)?;
            let slot = match (stored, &c.spec) {
                (Stored::None, _) => Slot::Val(Cell::None),
                (Stored::Code(k), _) => st.cache.get(k as usize).copied().unwrap_or(Slot::Bad),
                (Stored::Bytes(v), Some(spec)) => match spec.convert(v, scratch, comma) {
                    Some(cell) => stash(cell, &mut st.data, false),
                    None => Slot::Bad,
                },
                (other, _) => stash(stored_cell(other, None), &mut st.data, false),
            };
            let slot = if let Slot::Bad = slot {
                self.bad_value(ci, st, slice, row, scratch, stats)?
            } else {
                slot
            };
            st.slots.push(slot);
        }
        Ok(())
    }

    /// A value that did not convert: the default, a bad line (filter_bad), or the error.
    #[cold]
    fn bad_value(
        &self,
        ci: usize,
        st: &mut ColState,
        slice: usize,
        row: u64,
        scratch: &mut Vec<u8>,
        stats: &mut SliceStats,
    ) -> Result<Slot> {
        let c = self.cols[ci];
        match (&c.default, &c.spec) {
            (Some(None), _) => {
                stats.defaulted[ci] += 1;
                Ok(Slot::Val(Cell::None))
            }
            (Some(Some(text)), Some(spec)) => {
                stats.defaulted[ci] += 1;
                let cell = spec.convert(text, scratch, self.opts.numeric_comma).unwrap_or(Cell::None);
                Ok(stash(cell, &mut st.data, false))
            }
            _ if self.opts.filter_bad => {
                stats.bad[ci] += 1;
                Ok(Slot::Bad)
            }
            _ => {
                let dict = st.dict.clone();
                let v = match st.reader.get(row) {
                    Ok(Stored::Code(k)) => dict.as_ref().and_then(|d| d.get(k as usize)).unwrap_or_default().to_vec(),
                    Ok(Stored::Bytes(b)) => b.to_vec(),
                    _ => Vec::new(),
                };
                Err(self.fail(c, slice, row, &v))
            }
        }
    }

    /// Under a re-hash: the slice each row of source slice `slice` goes to.
    fn targets(&self, slice: usize, h: usize) -> Result<Vec<u16>> {
        let lines = self.ds.lines(Some(slice));
        let mut out = Vec::with_capacity(lines as usize);
        if lines == 0 {
            return Ok(out);
        }
        let mut states = self.open_one(slice, h)?;
        let st = &mut states;
        let mut scratch = Vec::new();
        let mut rows = Vec::with_capacity(BLOCK);
        let mut start = 0;
        while start < lines {
            let n = (lines - start).min(BLOCK as u64);
            rows.clear();
            rows.extend(start..start + n);
            // Bad values (and their errors) are for the writing pass; here they hash as None.
            self.convert_lenient(h, st, &rows, &mut scratch)?;
            for s in &st.slots {
                let cell = slot_cell(s, st);
                out.push(slice_of(&cell, self.slices) as u16);
            }
            start += n;
        }
        Ok(out)
    }

    fn open_one(&self, slice: usize, ci: usize) -> Result<ColState> {
        let one = Job {
            opts: self.opts,
            ds: self.ds,
            cols: vec![self.cols[ci]],
            slices: self.slices,
            hash_col: None,
            done: AtomicU64::new(0),
        };
        let mut v = one.open(slice)?;
        v.pop().ok_or_else(|| Error::User("dataset_type: no column".into()))
    }

    /// As `convert`, with the default for bad values, or None.
    fn convert_lenient(&self, ci: usize, st: &mut ColState, rows: &[u64], scratch: &mut Vec<u8>) -> Result<()> {
        let c = self.cols[ci];
        let comma = self.opts.numeric_comma;
        st.slots.clear();
        st.data.clear();
        for &row in rows {
            let stored = st
                .reader
                .get(row)
                .map_err(|e| Error::User(format!("dataset_type: reading {} column `{}`: {e}", self.ds.id(), c.name)))?;
            let mut slot = match (stored, &c.spec) {
                (Stored::None, _) => Slot::Val(Cell::None),
                (Stored::Code(k), _) => st.cache.get(k as usize).copied().unwrap_or(Slot::Bad),
                (Stored::Bytes(v), Some(spec)) => match spec.convert(v, scratch, comma) {
                    Some(cell) => stash(cell, &mut st.data, false),
                    None => Slot::Bad,
                },
                (other, _) => stash(stored_cell(other, None), &mut st.data, false),
            };
            if let Slot::Bad = slot {
                slot = match (&c.default, &c.spec) {
                    (Some(Some(text)), Some(spec)) => {
                        let cell = spec.convert(text, scratch, comma).unwrap_or(Cell::None);
                        stash(cell, &mut st.data, false)
                    }
                    _ => Slot::Val(Cell::None),
                };
            }
            st.slots.push(slot);
        }
        Ok(())
    }

    /// Writes output slice `out`: the rows of source slice `out`, or under a re-hash the rows of
    /// every source slice whose target is `out`.
    fn write_slice(
        &self,
        out: usize,
        targets: Option<&[Vec<u16>]>,
        sink: &mut SliceSink,
        mut bad: Option<&mut SliceSink>,
        progress: &Progress,
    ) -> Result<SliceStats> {
        let mut stats = SliceStats::new(self.cols.len());
        let sources: Vec<usize> = if targets.is_some() { (0..self.slices).collect() } else { vec![out] };
        let mut scratch = Vec::new();
        let mut rows: Vec<u64> = Vec::with_capacity(BLOCK);
        for src in sources {
            let lines = self.ds.lines(Some(src));
            if lines == 0 {
                continue;
            }
            let mut states = self.open(src)?;
            let mut start = 0u64;
            while start < lines {
                rows.clear();
                match targets {
                    None => {
                        let n = (lines - start).min(BLOCK as u64);
                        rows.extend(start..start + n);
                        start += n;
                    }
                    Some(t) => {
                        let t = &t[src];
                        while start < lines && rows.len() < BLOCK {
                            if t[start as usize] as usize == out {
                                rows.push(start);
                            }
                            start += 1;
                        }
                    }
                }
                if rows.is_empty() {
                    continue;
                }
                for (ci, st) in states.iter_mut().enumerate() {
                    st.direct_ok = targets.is_none() && self.convert_direct(ci, st, src, &rows, &mut scratch)?;
                    if !st.direct_ok {
                        self.convert(ci, st, src, &rows, &mut scratch, &mut stats)?;
                    }
                }
                let any_bad = states
                    .iter()
                    .any(|st| !st.direct_ok && st.slots.iter().any(|s| matches!(s, Slot::Bad)));
                if any_bad {
                    // Rows are dropped: every column as slots, written row by row.
                    for (ci, st) in states.iter_mut().enumerate() {
                        if st.direct_ok {
                            st.direct_ok = false;
                            self.convert(ci, st, src, &rows, &mut scratch, &mut stats)?;
                        }
                    }
                    self.write_block(&mut states, src, &rows, sink, bad.as_deref_mut(), &mut stats)?;
                } else {
                    write_columns(&states, sink).map_err(|e| Error::User(format!("dataset_type: {e}")))?;
                    stats.lines += rows.len() as u64;
                }
                if targets.is_none() {
                    progress.set(self.done.fetch_add(rows.len() as u64, Ordering::Relaxed) + rows.len() as u64);
                }
            }
        }
        Ok(stats)
    }

    fn write_block(
        &self,
        states: &mut [ColState],
        src: usize,
        rows: &[u64],
        sink: &mut SliceSink,
        bad: Option<&mut SliceSink>,
        stats: &mut SliceStats,
    ) -> Result<()> {
        let mut bad_rows = Vec::new();
        {
            let mut cells: Vec<Cell> = Vec::with_capacity(states.len());
            for (i, &row) in rows.iter().enumerate() {
                cells.clear();
                let mut is_bad = false;
                for st in states.iter() {
                    let s = &st.slots[i];
                    if let Slot::Bad = s {
                        is_bad = true;
                        break;
                    }
                    cells.push(slot_cell(s, st));
                }
                if is_bad {
                    bad_rows.push(row);
                    continue;
                }
                sink.write(&mut cells).map_err(|e| Error::User(format!("dataset_type: {e}")))?;
                stats.lines += 1;
            }
        }
        if bad_rows.is_empty() {
            return Ok(());
        }
        stats.bad_lines += bad_rows.len() as u64;
        let Some(bad) = bad else {
            return Ok(());
        };
        // The bad lines keep the typed columns' source values.
        let typed: Vec<usize> = (0..self.cols.len()).filter(|&i| self.cols[i].how == How::Typed).collect();
        for row in bad_rows {
            let mut data = Vec::new();
            let mut ranges = Vec::with_capacity(typed.len());
            for &ci in &typed {
                let st = &mut states[ci];
                let dict = st.dict.clone();
                let v = st
                    .reader
                    .get(row)
                    .map_err(|e| Error::User(format!("dataset_type: reading {} slice {src}: {e}", self.ds.id())))?;
                match stored_cell(v, dict.as_deref()) {
                    Cell::Bytes(b) => {
                        let s = data.len();
                        data.extend_from_slice(b);
                        ranges.push(Some((s, data.len())));
                    }
                    _ => ranges.push(None),
                }
            }
            let mut cells: Vec<Cell> = ranges
                .iter()
                .map(|r| r.map_or(Cell::None, |(s, e)| Cell::Bytes(&data[s..e])))
                .collect();
            bad.write(&mut cells).map_err(|e| Error::User(format!("dataset_type: {e}")))?;
        }
        Ok(())
    }
}

impl SliceStats {
    fn new(n: usize) -> SliceStats {
        SliceStats {
            lines: 0,
            bad_lines: 0,
            bad: vec![0; n],
            defaulted: vec![0; n],
        }
    }
}

/// Writes a block in which every row is good, a column at a time.
fn write_columns(states: &[ColState], sink: &mut SliceSink) -> std::result::Result<(), String> {
    for (ci, st) in states.iter().enumerate() {
        match (&st.direct, st.direct_ok) {
            (Some(Direct::I64(v)), true) => sink.write_i64s(ci, v)?,
            (Some(Direct::F64(v)), true) => sink.write_f64s(ci, v)?,
            (Some(Direct::Date(v)), true) => sink.write_dates(ci, v)?,
            _ => {
                for s in &st.slots {
                    match slot_cell(s, st) {
                        Cell::Bytes(b) => sink.write_bytes(ci, b)?,
                        mut cell => sink.write_cell(ci, &mut cell)?,
                    }
                }
            }
        }
    }
    Ok(())
}

#[inline]
fn slot_cell<'a>(s: &Slot, st: &'a ColState) -> Cell<'a> {
    match *s {
        Slot::Val(c) => c,
        Slot::Str { start, end, json, dict } => {
            let b = if dict {
                &st.cache_data[start as usize..end as usize]
            } else {
                &st.data[start as usize..end as usize]
            };
            if json {
                Cell::Json(b)
            } else {
                Cell::Bytes(b)
            }
        }
        Slot::Bad => Cell::None,
    }
}
