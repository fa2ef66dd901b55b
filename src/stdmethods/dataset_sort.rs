//! dataset_sort: a stable sort of a dataset (or a chain) on one or more columns, each slice on
//! its own or the whole dataset spread back over the slices (`sort_across_slices`, with
//! `trigger_column` moving the slice switches to where that column's value changes).
//!
//! Memory holds the sort keys and a permutation, never whole rows: every sort column becomes a
//! key (`Key`), the keys give the permutation (`sort`), then each column in turn is read and
//! written through it. Keys are order-preserving integer codes where the type allows (integers,
//! floats, dates, dictionary-encoded strings by rank): packed with the line number into one u64
//! they sort by an LSD radix sort, which is stable; other keys sort by comparison (a stable merge
//! sort). None and NaN sort where the original puts them: None as the smallest value (int, bool,
//! float, number), as '' (strings) or as the largest date/datetime/time; NaN as +inf.

use std::cmp::Ordering;
use std::ops::Range;

use rayon::prelude::*;

use super::columns::{self, cmp_int_float, Loaded, Part, Values2};
use super::{Ctx, Opts};
use crate::dataset::cell::Cell;
use crate::dataset::datetime::{MAX_DAYS, MICROS_PER_DAY};
use crate::dataset::types::ColType;
use crate::dataset::writer::SliceSink;
use crate::error::{did_you_mean, Error, Result};
use crate::status::Progress;
use crate::value::Value;

const METHOD: &str = "dataset_sort";
/// Lines gathered per block before they are written.
const GATHER: usize = 4096;

/// One sort column, ready to compare lines.
enum Key {
    /// Order-preserving codes below `1 << bits`; `base`: the codes are `value - base` of an
    /// integer column without None (so the sorted column comes back from the sorted codes).
    Codes { codes: Vec<u64>, bits: u32, base: Option<i64> },
    /// Strings compared bytewise, None as ''.
    Bytes(Loaded),
    /// Numbers compared by value, None as -inf, NaN as +inf.
    Num(Loaded),
}

pub fn run(ctx: &Ctx, o: &Opts) -> Result<Value> {
    let ids = o.datasets("source")?;
    let chain = columns::open_chain(ctx, METHOD, &ids, true)?;
    let Some(source) = chain.last() else {
        return Err(Error::User(format!("{METHOD}: no source dataset")));
    };
    let sort_columns = o.strings("sort_columns")?;
    if sort_columns.is_empty() {
        return Err(o.error("sort_columns", "must name at least one column"));
    }
    for name in &sort_columns {
        let i = source
            .column_index(name)
            .map_err(|e| Error::User(format!("{METHOD}: sort_columns: {e}")))?;
        if source.meta.columns[i].ty == ColType::Json {
            return Err(Error::User(format!("{METHOD}: cannot sort on json column `{name}`")));
        }
    }
    let descending = match o.string("sort_order")?.as_deref() {
        None | Some("ascending") => false,
        Some("descending") => true,
        Some(other) => return Err(o.error("sort_order", &format!("must be 'ascending' or 'descending', got '{other}'"))),
    };
    let across = o.bool("sort_across_slices")?.unwrap_or(false);
    let trigger = match o.string("trigger_column")? {
        None => None,
        Some(t) => {
            if !across {
                return Err(o.error("trigger_column", "is meaningless without sort_across_slices"));
            }
            match sort_columns.iter().position(|c| *c == t) {
                Some(i) => Some(i),
                None => {
                    return Err(o.error(
                        "trigger_column",
                        &format!(
                            "`{t}` is not one of sort_columns (it can only trigger on a column that is sorted on){}",
                            did_you_mean(&t, sort_columns.iter().map(|s| s.as_str()))
                        ),
                    ))
                }
            }
        }
    };
    let previous = o.dataset("previous")?;
    // A sort within slices keeps each line in its slice, so the hashlabel still holds.
    let hashlabel = if across || chain.iter().any(|d| d.meta.hashlabel != source.meta.hashlabel) {
        None
    } else {
        source.meta.hashlabel.clone()
    };
    let mut w = columns::writer_like(ctx, "default", &chain, hashlabel, previous, &source.meta.caption)?;
    let names: Vec<String> = source.meta.columns.iter().map(|c| c.name.clone()).collect();
    let mut sinks = w.sinks()?;
    let slices = ctx.slices();
    let progress = Progress::new(format!("{METHOD}: {}", source.id()), Some(names.len() as u64), "columns");
    if across {
        let all = columns::parts(&chain, None);
        let total: u64 = all.iter().map(|p| p.lines()).sum();
        check_size(total)?;
        let keys = sort_columns
            .iter()
            .map(|c| Ok(key_of(Loaded::load(&all, c)?)))
            .collect::<Result<Vec<_>>>()?;
        let mut sorted = sort(keys, total as usize, descending, trigger, true);
        let ranges = spread(&sorted, slices);
        for (ci, name) in names.iter().enumerate() {
            if let Some(values) = sorted.take_values(sort_columns.iter().position(|c| c == name)) {
                sinks
                    .par_iter_mut()
                    .zip(ranges.par_iter())
                    .try_for_each(|(sink, r)| write_ints(sink, ci, &values[r.clone()]))
                    .map_err(Error::User)?;
            } else {
                let col = Loaded::load(&all, name)?;
                sinks
                    .par_iter_mut()
                    .zip(ranges.par_iter())
                    .try_for_each(|(sink, r)| write_through(sink, ci, &col, &sorted.perm[r.clone()]))
                    .map_err(Error::User)?;
            }
            progress.set(ci as u64 + 1);
        }
        for sink in sinks {
            sink.finish()?;
        }
    } else {
        sinks.into_par_iter().enumerate().try_for_each(|(s, mut sink)| -> Result<()> {
            let parts = columns::parts(&chain, Some(s));
            let n: u64 = parts.iter().map(|p| p.lines()).sum();
            check_size(n)?;
            let keys = sort_columns
                .iter()
                .map(|c| Ok(key_of(Loaded::load(&parts, c)?)))
                .collect::<Result<Vec<_>>>()?;
            let sorted = sort(keys, n as usize, descending, None, false);
            write_slice(&mut sink, &parts, &names, &sort_columns, sorted, (s == 0).then_some(&progress))?;
            sink.finish()
        })?;
    }
    ctx.finish(&mut w)?;
    Ok(Value::Nil)
}

fn write_slice(
    sink: &mut SliceSink,
    parts: &[Part],
    names: &[String],
    sort_columns: &[String],
    mut sorted: Sorted,
    progress: Option<&Progress>,
) -> Result<()> {
    for (ci, name) in names.iter().enumerate() {
        if let Some(values) = sorted.take_values(sort_columns.iter().position(|c| c == name)) {
            write_ints(sink, ci, &values).map_err(Error::User)?;
        } else {
            let col = Loaded::load(parts, name)?;
            write_through(sink, ci, &col, &sorted.perm).map_err(Error::User)?;
        }
        if let Some(p) = progress {
            p.set(ci as u64 + 1);
        }
    }
    Ok(())
}

/// Writes a sort column that came back from its keys.
fn write_ints(sink: &mut SliceSink, ci: usize, values: &[i64]) -> std::result::Result<(), String> {
    for &v in values {
        sink.write_cell(ci, &mut Cell::Int(v))?;
    }
    Ok(())
}

/// Writes lines `perm` of `col` as column `ci`, a block at a time.
fn write_through(sink: &mut SliceSink, ci: usize, col: &Loaded, perm: &[u32]) -> std::result::Result<(), String> {
    let mut cells = Vec::with_capacity(GATHER);
    for block in perm.chunks(GATHER) {
        col.gather(block, &mut cells);
        for c in &mut cells {
            sink.write_cell(ci, c)?;
        }
    }
    Ok(())
}

fn check_size(n: u64) -> Result<()> {
    if n > u32::MAX as u64 {
        return Err(Error::User(format!(
            "{METHOD}: {n} lines to sort at once; at most {} fit (sort within slices, or use more slices)",
            u32::MAX
        )));
    }
    Ok(())
}

/// Bits needed for values up to `max`.
fn bits_for(max: u64) -> u32 {
    64 - max.leading_zeros()
}

/// The order-preserving code of a float (after None/NaN/-0 are mapped).
#[inline]
fn float_code(x: f64) -> u64 {
    let b = x.to_bits();
    if b >> 63 == 1 {
        !b
    } else {
        b | 1 << 63
    }
}

/// Codes relative to their minimum, so they need as few bits as the spread of values.
fn rebase(mut codes: Vec<u64>) -> Key {
    let lo = codes.iter().copied().min().unwrap_or(0);
    let mut hi = 0;
    for c in &mut codes {
        *c -= lo;
        hi = hi.max(*c);
    }
    Key::Codes {
        codes,
        bits: bits_for(hi),
        base: None,
    }
}

fn key_of(l: Loaded) -> Key {
    let ty = l.ty;
    let n = l.len();
    let none = l.none;
    let is_none = |i: usize| !none.is_empty() && none[i];
    let any_none = none.iter().any(|&b| b);
    match l.values {
        Values2::Int(v) => {
            // The original's stand-in for None: the largest date/datetime/time, or -inf.
            let none_value = match ty {
                ColType::Date => Some(MAX_DAYS),
                ColType::Datetime => Some((MAX_DAYS + 1) * MICROS_PER_DAY - 1),
                ColType::Time => Some(MICROS_PER_DAY - 1),
                _ => None,
            };
            match none_value {
                Some(nv) => rebase(
                    v.into_iter()
                        .enumerate()
                        .map(|(i, x)| (if is_none(i) { nv } else { x } as u64) ^ 1 << 63)
                        .collect(),
                ),
                None => int_key(v, &none, ty),
            }
        }
        Values2::Float(v) => rebase(
            v.into_iter()
                .enumerate()
                .map(|(i, x)| float_code(unsortable(is_none(i), x)))
                .collect(),
        ),
        Values2::Number(v, f) => {
            if f.iter().all(|&b| !b) {
                int_key(v, &none, ty)
            } else if (0..n).all(|i| f[i] || v[i].unsigned_abs() <= 1 << 53) {
                // Every integer is exact as a float: compare all as floats.
                rebase(
                    v.into_iter()
                        .enumerate()
                        .map(|(i, x)| {
                            let x = if f[i] { f64::from_bits(x as u64) } else { x as f64 };
                            float_code(unsortable(is_none(i), x))
                        })
                        .collect(),
                )
            } else {
                Key::Num(Loaded {
                    ty,
                    values: Values2::Number(v, f),
                    none,
                })
            }
        }
        Values2::Dict { codes, strings, .. } => {
            // Rank the distinct strings; None sorts as '' (below everything else).
            let mut order: Vec<u32> = (0..strings.len() as u32).collect();
            order.sort_unstable_by(|&a, &b| strings.get(a as usize).cmp(strings.get(b as usize)));
            let mut rank = vec![0u64; strings.len()];
            let empty_first = order.first().is_some_and(|&i| strings.get(i as usize).is_empty());
            let mut r = if any_none && !empty_first { 1 } else { 0 };
            for (j, &i) in order.iter().enumerate() {
                if j > 0 && strings.get(i as usize) != strings.get(order[j - 1] as usize) {
                    r += 1;
                }
                rank[i as usize] = r;
            }
            let codes: Vec<u64> = codes
                .iter()
                .enumerate()
                .map(|(i, &c)| if is_none(i) { 0 } else { rank[c as usize] })
                .collect();
            Key::Codes {
                codes,
                bits: bits_for(r),
                base: None,
            }
        }
        values @ Values2::Var(_) => Key::Bytes(Loaded { ty, values, none }),
    }
}

/// None and NaN as the original sorts them in float and number columns: -inf and +inf (and
/// -0.0 as 0.0, which Python holds equal).
#[inline]
fn unsortable(none: bool, x: f64) -> f64 {
    if none {
        f64::NEG_INFINITY
    } else if x.is_nan() {
        f64::INFINITY
    } else {
        x + 0.0
    }
}

/// Integers (and bools) with None below every value.
fn int_key(v: Vec<i64>, none: &[bool], ty: ColType) -> Key {
    let is_none = |i: usize| !none.is_empty() && none[i];
    let mut lo = i64::MAX;
    let mut hi = i64::MIN;
    for (i, &x) in v.iter().enumerate() {
        if !is_none(i) {
            lo = lo.min(x);
            hi = hi.max(x);
        }
    }
    let any_none = none.iter().any(|&b| b);
    if lo > hi {
        // Nothing but None.
        return Key::Codes {
            codes: vec![0; v.len()],
            bits: 0,
            base: None,
        };
    }
    let span = hi.wrapping_sub(lo) as u64;
    if any_none && span == u64::MAX {
        return Key::Num(Loaded {
            ty,
            values: Values2::Int(v),
            none: none.to_vec(),
        });
    }
    let off = any_none as u64;
    let codes: Vec<u64> = v
        .into_iter()
        .enumerate()
        .map(|(i, x)| if is_none(i) { 0 } else { x.wrapping_sub(lo) as u64 + off })
        .collect();
    let exact = !any_none && matches!(ty, ColType::Int32 | ColType::Int64 | ColType::Number);
    Key::Codes {
        codes,
        bits: bits_for(span + off),
        base: exact.then_some(lo),
    }
}

/// A number as the comparison sort sees it.
#[derive(Clone, Copy)]
enum Num {
    Int(i64),
    Float(f64),
}

#[inline]
fn num_at(l: &Loaded, i: usize) -> Num {
    if l.is_none(i) {
        return Num::Float(f64::NEG_INFINITY);
    }
    match &l.values {
        Values2::Number(v, f) if !f.is_empty() && f[i] => Num::Float(unsortable(false, f64::from_bits(v[i] as u64))),
        Values2::Number(v, _) | Values2::Int(v) => Num::Int(v[i]),
        Values2::Float(v) => Num::Float(unsortable(false, v[i])),
        _ => Num::Int(0),
    }
}

fn cmp_num(a: Num, b: Num) -> Ordering {
    match (a, b) {
        (Num::Int(x), Num::Int(y)) => x.cmp(&y),
        (Num::Float(x), Num::Float(y)) => x.total_cmp(&y),
        (Num::Int(x), Num::Float(y)) => cmp_int_float(x, y),
        (Num::Float(x), Num::Int(y)) => cmp_int_float(y, x).reverse(),
    }
}

#[inline]
fn bytes_at(l: &Loaded, i: usize) -> &[u8] {
    if l.is_none(i) {
        return b"";
    }
    match &l.values {
        Values2::Var(s) => s.get(i),
        Values2::Dict { codes, strings, .. } => strings.get(codes[i] as usize),
        _ => b"",
    }
}

impl Key {
    #[inline]
    fn cmp(&self, a: usize, b: usize) -> Ordering {
        match self {
            Key::Codes { codes, .. } => codes[a].cmp(&codes[b]),
            Key::Bytes(l) => bytes_at(l, a).cmp(bytes_at(l, b)),
            Key::Num(l) => cmp_num(num_at(l, a), num_at(l, b)),
        }
    }
}

struct Sorted {
    /// Line numbers in sorted order.
    perm: Vec<u32>,
    /// With a trigger column: whether its value at each sorted position equals the one before.
    same: Vec<bool>,
    /// Per sort column, its values in sorted order when the keys gave them back (integer
    /// columns without None): that column needs no reading and gathering.
    values: Vec<Option<Vec<i64>>>,
}

impl Sorted {
    /// The sorted values of sort column `key`, if the keys gave them back (taken: the memory
    /// goes once the column is written).
    fn take_values(&mut self, key: Option<usize>) -> Option<Vec<i64>> {
        self.values.get_mut(key?)?.take()
    }
}

/// The stable order of `n` lines by `keys` (descending: reversed, ties still in line order).
fn sort(mut keys: Vec<Key>, n: usize, descending: bool, trigger: Option<usize>, parallel: bool) -> Sorted {
    let idx_bits = bits_for(n.saturating_sub(1) as u64);
    let key_bits: Option<u32> = keys.iter().try_fold(0u32, |acc, k| match k {
        Key::Codes { bits, .. } => Some(acc + bits),
        _ => None,
    });
    if let Some(kb) = key_bits.filter(|kb| kb + idx_bits <= 64) {
        // Pack every key and the line number into one u64: its order is the stable order.
        let mut fields = Vec::new(); // (shift, mask) of each key
        let bases: Vec<Option<i64>> = keys
            .iter()
            .map(|k| match k {
                Key::Codes { base, .. } => *base,
                _ => None,
            })
            .collect();
        let mut shift = idx_bits + kb;
        for k in &keys {
            if let Key::Codes { bits, .. } = k {
                shift -= bits;
                fields.push((shift, if *bits == 0 { 0 } else { u64::MAX >> (64 - bits) }));
            }
        }
        let mut packed: Vec<u64> = match keys.len() {
            1 => match keys.pop() {
                Some(Key::Codes { codes, .. }) => codes,
                _ => vec![0; n],
            },
            _ => vec![0; n],
        };
        if fields.len() == 1 {
            let (sh, mask) = fields[0];
            for (i, c) in packed.iter_mut().enumerate() {
                let v = if descending { *c ^ mask } else { *c };
                *c = v << sh | i as u64;
            }
        } else {
            for (i, p) in packed.iter_mut().enumerate() {
                *p = i as u64;
            }
            for (k, &(sh, mask)) in keys.iter().zip(&fields) {
                if let Key::Codes { codes, .. } = k {
                    for (p, &c) in packed.iter_mut().zip(codes) {
                        let v = if descending { c ^ mask } else { c };
                        *p |= v << sh;
                    }
                }
            }
            keys.clear();
        }
        radix_sort(&mut packed, idx_bits, kb);
        let same = match trigger {
            Some(t) => {
                let (sh, mask) = fields[t];
                let f = |p: u64| p >> sh & mask;
                (0..n).map(|j| j > 0 && f(packed[j]) == f(packed[j - 1])).collect()
            }
            None => vec![],
        };
        let imask = if idx_bits == 0 { 0 } else { u64::MAX >> (64 - idx_bits) };
        let perm = packed.iter().map(|&p| (p & imask) as u32).collect();
        // The first integer sort column comes back from the codes, in place of them.
        let mut values: Vec<Option<Vec<i64>>> = vec![None; bases.len()];
        if let Some(k) = bases.iter().position(|b| b.is_some()) {
            let (sh, mask) = fields[k];
            let flip = if descending { mask } else { 0 };
            let lo = bases[k].unwrap_or(0) as u64;
            values[k] = Some(
                packed
                    .into_iter()
                    .map(|p| ((p >> sh & mask) ^ flip).wrapping_add(lo) as i64)
                    .collect(),
            );
        }
        return Sorted { perm, same, values };
    }
    let mut perm: Vec<u32> = (0..n as u32).collect();
    let cmp = |a: &u32, b: &u32| {
        let (a, b) = (*a as usize, *b as usize);
        for k in &keys {
            let o = k.cmp(a, b);
            if o != Ordering::Equal {
                return if descending { o.reverse() } else { o };
            }
        }
        Ordering::Equal
    };
    if parallel {
        perm.par_sort_by(cmp);
    } else {
        perm.sort_by(cmp);
    }
    let same = match trigger {
        Some(t) => (0..n)
            .map(|j| j > 0 && keys[t].cmp(perm[j] as usize, perm[j - 1] as usize) == Ordering::Equal)
            .collect(),
        None => vec![],
    };
    Sorted {
        perm,
        same,
        values: vec![],
    }
}

/// LSD radix sort of `v` on bits `lo .. lo + bits` (stable: the bits below keep their order).
fn radix_sort(v: &mut Vec<u64>, lo: u32, bits: u32) {
    const D: u32 = 11;
    const B: usize = 1 << D;
    let n = v.len();
    if n < 2 || bits == 0 {
        return;
    }
    if n < 256 {
        v.sort_unstable();
        return;
    }
    let passes = bits.div_ceil(D) as usize;
    let mut hist = vec![[0usize; B]; passes];
    for &x in v.iter() {
        for (p, h) in hist.iter_mut().enumerate() {
            h[(x >> (lo + p as u32 * D)) as usize & (B - 1)] += 1;
        }
    }
    let mut tmp: Vec<u64> = columns::huge(n);
    tmp.resize(n, 0);
    for (p, h) in hist.iter().enumerate() {
        if h.contains(&n) {
            continue; // one digit value everywhere: nothing moves
        }
        let mut off = [0usize; B];
        let mut sum = 0;
        for (o, &c) in off.iter_mut().zip(h.iter()) {
            *o = sum;
            sum += c;
        }
        let sh = lo + p as u32 * D;
        for &x in v.iter() {
            let d = (x >> sh) as usize & (B - 1);
            tmp[off[d]] = x;
            off[d] += 1;
        }
        std::mem::swap(v, &mut tmp);
    }
}

/// The original's spread of sorted lines over slices: `total / slices` each, the remainder to
/// the slices picked by the first sorted positions' line numbers, then (with a trigger column)
/// each switch moved forward to where the trigger value changes.
fn spread(sorted: &Sorted, slices: usize) -> Vec<Range<usize>> {
    let total = sorted.perm.len();
    let mut per = vec![total / slices; slices];
    let extra = total % slices;
    if extra > 0 {
        let mut selector: Vec<usize> = (0..slices.min(total)).collect();
        selector.sort_by_key(|&j| sorted.perm[j]);
        for &s in &selector[..extra] {
            per[s] += 1;
        }
    }
    let mut ends = Vec::with_capacity(slices);
    let mut end = 0;
    for c in per {
        end += c;
        ends.push(end);
    }
    if !sorted.same.is_empty() {
        let mut prev = 0;
        for e in ends.iter_mut().take(slices - 1) {
            if *e > 0 {
                let mut cnt = (*e).max(prev);
                while cnt < total && sorted.same[cnt] {
                    cnt += 1;
                }
                *e = cnt;
                prev = cnt;
            }
        }
    }
    let mut start = 0;
    ends.into_iter()
        .map(|e| {
            let r = start..e;
            start = e;
            r
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(v: &[u64]) -> Key {
        Key::Codes {
            codes: v.to_vec(),
            bits: bits_for(v.iter().copied().max().unwrap_or(0)),
            base: Some(0),
        }
    }

    #[test]
    fn radix_is_stable_and_matches_a_sort() {
        let n = 5000;
        let v: Vec<u64> = (0..n as u64).map(|i| (i * 7919 + 13) % 37).collect();
        for desc in [false, true] {
            let s = sort(vec![codes(&v)], n, desc, None, false);
            let mut want: Vec<u32> = (0..n as u32).collect();
            want.sort_by(|&a, &b| {
                let o = v[a as usize].cmp(&v[b as usize]);
                if desc {
                    o.reverse()
                } else {
                    o
                }
            });
            assert_eq!(s.perm, want);
        }
        // Two keys packed; a comparison sort (a byte key) gives the same order.
        let w: Vec<u64> = (0..n as u64).map(|i| i % 3).collect();
        let packed = sort(vec![codes(&w), codes(&v)], n, true, Some(0), false);
        let big = Key::Codes {
            codes: w.clone(),
            bits: 40,
            base: None,
        };
        let unpacked = sort(vec![big, codes(&v)], n, true, Some(0), false);
        assert_eq!(packed.perm, unpacked.perm);
        assert_eq!(packed.same, unpacked.same);
        assert_eq!(packed.same.iter().filter(|&&b| !b).count(), 3);
    }

    #[test]
    fn spread_like_the_original() {
        let s = Sorted {
            perm: vec![4, 0, 3, 1, 2],
            same: vec![],
            values: vec![],
        };
        // 5 lines over 3 slices: 1 each, the extra 2 to the slices whose sorted position has
        // the smallest line numbers (positions 1 and 2: lines 0 and 3).
        assert_eq!(spread(&s, 3), vec![0..1, 1..3, 3..5]);
        let t = Sorted {
            perm: (0..6).collect(),
            same: vec![false, true, true, false, true, true],
            values: vec![],
        };
        assert_eq!(spread(&t, 2), vec![0..3, 3..6]);
        let u = Sorted {
            perm: (0..6).collect(),
            same: vec![false, true, true, true, true, true],
            values: vec![],
        };
        assert_eq!(spread(&u, 3), vec![0..6, 6..6, 6..6]);
    }
}

/// `cargo test --release --bin exax radix_speed -- --ignored --nocapture`: the sort of W6's
/// keys (5M lines of 31-bit values).
#[cfg(test)]
#[test]
#[ignore]
fn radix_speed() {
    let n = 5_000_000u64;
    for _ in 0..3 {
        let codes: Vec<u64> = (0..n).map(|g| (g * 1103515245 + 12345) & 0x7fffffff).collect();
        let t = std::time::Instant::now();
        let key = Key::Codes {
            codes,
            bits: 31,
            base: Some(0),
        };
        let s = sort(vec![key], n as usize, false, None, false);
        eprintln!("sort of {n}: {:?} ({})", t.elapsed(), s.perm[0]);
    }
}
