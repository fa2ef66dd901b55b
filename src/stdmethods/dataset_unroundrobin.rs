//! dataset_unroundrobin: undoes a round-robin spread (csvimport's): the new dataset read slice
//! by slice gives the lines in the order a round-robin read of the source gives them (line 0 of
//! slice 0, line 0 of slice 1, ..., line 1 of slice 0, ...), with as many lines per slice as the
//! source has. With `trigger_column`, a slice switch moves forward to where that column's value
//! changes, so equal neighbouring values stay in one slice.

use std::rc::Rc;

use rayon::prelude::*;

use super::columns::{self, cell_eq, Loaded};
use super::{Ctx, Opts};
use crate::dataset::cell::Cell;
use crate::dataset::interner::Dict;
use crate::dataset::reader::{ColumnReader, Stored};
use crate::error::{Error, Result};
use crate::value::Value;

const METHOD: &str = "dataset_unroundrobin";

/// Positions of a round-robin read: (slice, line) in the order that read visits them.
struct RoundRobin<'a> {
    lines: &'a [u64],
    round: u64,
    slice: usize,
}

impl<'a> RoundRobin<'a> {
    /// The read from position `pos` on.
    fn at(lines: &'a [u64], pos: u64) -> RoundRobin<'a> {
        let mut lens: Vec<u64> = lines.to_vec();
        lens.sort_unstable();
        lens.dedup();
        let mut left = pos;
        let mut round = 0;
        for len in lens {
            let active = lines.iter().filter(|&&l| l > round).count() as u64;
            let here = (len - round) * active;
            if left < here {
                let r = round + left / active;
                let k = (left % active) as usize;
                let slice = (0..lines.len()).filter(|&s| lines[s] > r).nth(k).unwrap_or(lines.len());
                return RoundRobin { lines, round: r, slice };
            }
            left -= here;
            round = len;
        }
        RoundRobin {
            lines,
            round,
            slice: lines.len(),
        }
    }
}

impl Iterator for RoundRobin<'_> {
    type Item = (usize, u64);

    fn next(&mut self) -> Option<(usize, u64)> {
        loop {
            if self.slice >= self.lines.len() {
                if !self.lines.iter().any(|&l| l > self.round + 1) {
                    return None;
                }
                self.round += 1;
                self.slice = 0;
            }
            let s = self.slice;
            self.slice += 1;
            if self.lines[s] > self.round {
                return Some((s, self.round));
            }
        }
    }
}

/// A stored value as a cell (dictionary codes looked up).
fn cell_of<'a>(st: Stored<'a>, dict: Option<&'a Dict>) -> Cell<'a> {
    match st {
        Stored::None => Cell::None,
        Stored::Int(i) => Cell::Int(i),
        Stored::Float(x) => Cell::Float(x),
        Stored::Bool(b) => Cell::Bool(b),
        Stored::Bytes(b) => Cell::Bytes(b),
        Stored::Code(c) => Cell::Bytes(dict.and_then(|d| d.get(c as usize)).unwrap_or(b"")),
        Stored::Date(d) => Cell::Date(d),
        Stored::DateTime(v) => Cell::DateTime(v),
        Stored::Time(v) => Cell::Time(v),
        Stored::Json(b) => Cell::Json(b),
    }
}

pub fn run(ctx: &Ctx, o: &Opts) -> Result<Value> {
    let Some(id) = o.dataset("source")? else {
        return Err(o.error("source", "is required"));
    };
    let chain = columns::open_chain(ctx, METHOD, &[id], true)?;
    let source = &chain[0];
    let lines = source.meta.lines.clone();
    let total: u64 = lines.iter().sum();
    let mut starts = Vec::with_capacity(lines.len());
    let mut at = 0;
    for l in &lines {
        starts.push(at);
        at += l;
    }
    let mut ranges: Vec<(u64, u64)> = starts.iter().zip(&lines).map(|(&s, &l)| (s, s + l)).collect();
    if let Some(t) = o.string("trigger_column")? {
        source
            .column_index(&t)
            .map_err(|e| Error::User(format!("{METHOD}: trigger_column: {e}")))?;
        let col = Loaded::load(&columns::parts(&chain, None), &t)?;
        let value = |p: u64| -> Cell {
            match RoundRobin::at(&lines, p).next() {
                Some((s, row)) => col.cell((starts[s] + row) as usize),
                None => Cell::None,
            }
        };
        for (s, r) in ranges.iter_mut().enumerate() {
            let (nominal_start, nominal_end) = (starts[s], starts[s] + lines[s]);
            if lines[s] == 0 {
                continue;
            }
            let mut start = nominal_start;
            if start > 0 {
                let before = value(start - 1);
                let mut rr = RoundRobin::at(&lines, start);
                while start < nominal_end {
                    let v = rr.next().map_or(Cell::None, |(s, row)| col.cell((starts[s] + row) as usize));
                    if !cell_eq(&v, &before) {
                        break;
                    }
                    start += 1;
                }
            }
            if start == nominal_end {
                *r = (start, start);
                continue;
            }
            let last = value(nominal_end - 1);
            let mut end = nominal_end;
            let mut rr = RoundRobin::at(&lines, end);
            while end < total {
                let v = rr.next().map_or(Cell::None, |(s, row)| col.cell((starts[s] + row) as usize));
                if !cell_eq(&v, &last) {
                    break;
                }
                end += 1;
            }
            *r = (start, end);
        }
    }
    let previous = o.dataset("previous")?;
    let mut w = columns::writer_like(ctx, "default", &chain, None, previous, &source.meta.caption)?;
    let mut sinks = w.sinks()?;
    sinks
        .par_iter_mut()
        .zip(ranges.par_iter())
        .try_for_each(|(sink, &(start, end))| -> Result<()> {
            for (ci, c) in source.meta.columns.iter().enumerate() {
                let mut readers: Vec<(ColumnReader, Option<Rc<Dict>>)> = (0..lines.len())
                    .map(|s| {
                        let r = source.open_column(ci, s)?;
                        let d = r.dict.clone();
                        Ok((r, d))
                    })
                    .collect::<Result<_>>()?;
                for (s, row) in RoundRobin::at(&lines, start).take((end - start) as usize) {
                    let (r, d) = &mut readers[s];
                    let st = r
                        .get(row)
                        .map_err(|e| Error::User(format!("dataset {}, column `{}`, slice {s}: {e}", source.id(), c.name)))?;
                    sink.write_cell(ci, &mut cell_of(st, d.as_deref())).map_err(Error::User)?;
                }
            }
            Ok(())
        })?;
    for sink in sinks {
        sink.finish()?;
    }
    let meta = ctx.finish(&mut w)?;
    let got: u64 = meta.lines.iter().sum();
    if got != total {
        return Err(Error::User(format!(
            "{METHOD}: wrote {got} lines of {total} (this is a bug in exax)"
        )));
    }
    Ok(Value::Nil)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_robin_positions() {
        let lines = [3, 1, 2];
        let all: Vec<(usize, u64)> = RoundRobin::at(&lines, 0).collect();
        assert_eq!(all, [(0, 0), (1, 0), (2, 0), (0, 1), (2, 1), (0, 2)]);
        for p in 0..6 {
            let from: Vec<_> = RoundRobin::at(&lines, p as u64).collect();
            assert_eq!(from, all[p..], "from {p}");
        }
        assert_eq!(RoundRobin::at(&[0, 0], 0).next(), None);
    }
}
