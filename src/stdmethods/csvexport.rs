//! csvexport: datasets (a chain, or several) to a CSV file of the job, as the original's
//! `a_csvexport.py`: columns `labels` (default: the first dataset's, sorted), values in the
//! original's text forms (`text.rs`), `none_as` for None, quoting by `quote_fields` and
//! `lazy_quotes`, gzip when the name has `.gz` at the end or `.gz.` inside, one file per slice
//! with `sliced`. Every slice is formatted on its own thread into a hidden file; unsliced, the
//! slices are then joined in slice order (a gzip file is one member per slice).

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::sync::atomic::{AtomicU64, Ordering};

use camino::{Utf8Path, Utf8PathBuf};
use flate2::write::GzEncoder;
use flate2::Compression;
use rayon::prelude::*;

use super::read::Col;
use super::text;
use super::{Ctx, Opts};
use crate::dataset::datetime::Kind;
use crate::dataset::reader::{Dataset, Stored};
use crate::dataset::types::ColType;
use crate::error::{Error, Result};
use crate::job::files::{self, Event};
use crate::status::Progress;
use crate::value::Value;

const FLUSH: usize = 1 << 20;

pub fn run(ctx: &Ctx, o: &Opts) -> Result<Value> {
    let ids = o.datasets("sources")?;
    if ids.is_empty() {
        return Err(o.error("source", "names no dataset"));
    }
    let sources = ids.iter().map(|id| ctx.dataset(id)).collect::<Result<Vec<Dataset>>>()?;
    let filename = o.string("filename")?.unwrap_or_else(|| "result.csv".into());
    let sep = o.bytes("separator")?.unwrap_or(b",").to_vec();
    let line_sep = o.bytes("line_separator")?.unwrap_or(b"\n").to_vec();
    let q = o.bytes("quote_fields")?.unwrap_or(b"\"").to_vec();
    let lazy = o.bool("lazy_quotes")?.unwrap_or(true);
    let sliced = o.bool("sliced")?.unwrap_or(false);
    let labels_first = o.bool("labelsonfirstline")?.unwrap_or(true);
    let level = o.count("compression")?.unwrap_or(6);
    if level > 9 {
        return Err(o.error("compression", &format!("is a gzip level, 0 to 9, not {level}")));
    }
    let mut labels = o.strings("labels")?;
    if labels.is_empty() {
        labels = sources[0].meta.columns.iter().map(|c| c.name.clone()).collect();
        labels.sort();
    }
    for ds in &sources {
        for l in &labels {
            ds.column_index(l)?;
        }
        if ds.slices() != ctx.slices() {
            return Err(Error::User(format!(
                "csvexport: dataset {} has {} slices, this project has {}",
                ds.id(),
                ds.slices(),
                ctx.slices()
            )));
        }
    }
    let none_all = o.bytes("none_as")?.map(<[u8]>::to_vec);
    let none_cols = o.string_map("none_as_columns")?;
    if let Some(bad) = none_cols.keys().find(|k| !labels.contains(k)) {
        return Err(o.error(
            "none_as_columns",
            &format!("names `{bad}`, which is not one of the exported columns ({})", labels.join(", ")),
        ));
    }
    let quoter = Quoter::new(q, sep, line_sep, lazy);
    let gz = {
        let lower = filename.to_lowercase();
        (lower.ends_with(".gz") || lower.contains(".gz.")).then(|| Compression::new(level as u32))
    };
    let plan = Plan {
        sources: &sources,
        labels: &labels,
        quoter: &quoter,
        none_all: none_all.as_deref(),
        none_cols: &none_cols,
        gz,
    };

    let names: Vec<String> = if sliced {
        (0..ctx.slices()).map(|s| slice_name(&filename, s)).collect::<Result<_>>()?
    } else {
        vec![filename.clone()]
    };
    for n in &names {
        let clean = files::writable_name(ctx.job, n)?;
        if ctx.job_dir.join(&clean).exists() {
            return Err(Error::User(format!("csvexport: job {} already has a file `{clean}`", ctx.job)));
        }
    }
    let total: u64 = sources.iter().map(|d| d.lines(None)).sum();
    let progress = Progress::new(format!("exporting {}", filename), Some(total), "lines");
    let done = AtomicU64::new(0);
    let tmp: Vec<Utf8PathBuf> = (0..ctx.slices())
        .map(|s| ctx.job_dir.join(format!(".csvexport.{s}.{}.exax-tmp", std::process::id())))
        .collect();
    let result = (0..ctx.slices())
        .into_par_iter()
        .map(|s| {
            plan.slice(s, &tmp[s], labels_first && (sliced || s == 0), &|n| {
                progress.set(done.fetch_add(n, Ordering::Relaxed) + n)
            })
        })
        .collect::<Result<Vec<()>>>()
        .and_then(|_| {
            if sliced {
                for (t, n) in tmp.iter().zip(&names) {
                    finish_file(ctx, t, n)?;
                }
                Ok(())
            } else {
                join(&tmp).and_then(|_| finish_file(ctx, &tmp[0], &filename))
            }
        });
    for t in &tmp {
        let _ = std::fs::remove_file(t);
    }
    result?;
    Ok(Value::Nil)
}

/// Moves the finished temp file to its name and registers it.
fn finish_file(ctx: &Ctx, tmp: &Utf8Path, name: &str) -> Result<()> {
    let clean = files::writable_name(ctx.job, name)?;
    let dest = ctx.job_dir.join(&clean);
    std::fs::rename(tmp, &dest).map_err(|e| Error::io(&dest, e))?;
    files::record(
        &ctx.job_dir,
        &Event::Wrote {
            name: clean.clone(),
            disk: clean,
            temp: false,
        },
    )
}

/// Appends every later slice's file to the first.
fn join(parts: &[Utf8PathBuf]) -> Result<()> {
    let mut out = File::options().append(true).open(&parts[0]).map_err(|e| Error::io(&parts[0], e))?;
    for p in &parts[1..] {
        let mut f = File::open(p).map_err(|e| Error::io(p, e))?;
        std::io::copy(&mut f, &mut out).map_err(|e| Error::io(&parts[0], e))?;
        drop(f);
        let _ = std::fs::remove_file(p);
    }
    Ok(())
}

/// The file of slice `s` with `sliced`: the name `%`-formatted with the slice number as Python
/// does (`%d`, `%02d`, `%s`, `%x`, `%%`), or `name.s` when it has no `%`.
pub fn slice_name(name: &str, s: usize) -> Result<String> {
    if !name.contains('%') {
        return Ok(format!("{name}.{s}"));
    }
    let bad = |why: &str| {
        Error::User(format!(
            "csvexport: filename `{name}`: {why} (a sliced name takes one %d, like part%02d.csv)"
        ))
    };
    let mut out = String::new();
    let mut used = false;
    let mut chars = name.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        if chars.peek() == Some(&'%') {
            chars.next();
            out.push('%');
            continue;
        }
        let mut flags = String::new();
        while let Some(&f) = chars.peek().filter(|f| "-0 +#".contains(**f)) {
            flags.push(f);
            chars.next();
        }
        let mut width = String::new();
        while let Some(&d) = chars.peek().filter(|d| d.is_ascii_digit()) {
            width.push(d);
            chars.next();
        }
        let conv = chars.next().ok_or_else(|| bad("it ends in the middle of a % format"))?;
        let digits = match conv {
            'd' | 'i' | 'u' | 's' => s.to_string(),
            'x' => format!("{s:x}"),
            'X' => format!("{s:X}"),
            'o' => format!("{s:o}"),
            other => return Err(bad(&format!("%{other} is not a format for the slice number"))),
        };
        if used {
            return Err(bad("it has more than one % format"));
        }
        used = true;
        let width: usize = width.parse().unwrap_or(0);
        let pad = width.saturating_sub(digits.len());
        if flags.contains('-') {
            out.push_str(&digits);
            out.extend(std::iter::repeat_n(' ', pad));
        } else if flags.contains('0') && conv != 's' {
            out.extend(std::iter::repeat_n('0', pad));
            out.push_str(&digits);
        } else {
            out.extend(std::iter::repeat_n(' ', pad));
            out.push_str(&digits);
        }
    }
    if !used {
        return Err(bad("it has no % format for the slice number"));
    }
    Ok(out)
}

/// When a value is quoted, and how.
struct Quoter {
    q: Vec<u8>,
    sep: Vec<u8>,
    line_sep: Vec<u8>,
    mode: Mode,
    /// `"` or `'`: a value starting or ending with either is quoted (as the original).
    both_quotes: bool,
}

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Never,
    Lazy,
    Always,
}

impl Quoter {
    fn new(q: Vec<u8>, sep: Vec<u8>, line_sep: Vec<u8>, lazy: bool) -> Quoter {
        let mode = if q.is_empty() {
            Mode::Never
        } else if lazy && !sep.is_empty() {
            Mode::Lazy
        } else {
            Mode::Always
        };
        Quoter {
            both_quotes: q == b"\"" || q == b"'",
            q,
            sep,
            line_sep,
            mode,
        }
    }

    /// Whether values of type `ty` may need quoting at all (lazily, a number never holds a
    /// quote or separator made of characters no number has).
    fn may_quote(&self, ty: ColType) -> bool {
        let possible: &[u8] = match (self.mode, ty) {
            (Mode::Never, _) => return false,
            (Mode::Always, _) => return true,
            (_, ColType::Int32 | ColType::Int64) => b"0123456789-",
            (_, ColType::Float32 | ColType::Float64 | ColType::Number) => b"0123456789-+einfa.",
            _ => return true,
        };
        let outside = |s: &[u8]| s.iter().any(|b| !possible.contains(b));
        !(outside(&self.q) && outside(&self.sep) && (self.line_sep.is_empty() || outside(&self.line_sep)))
    }

    fn needs(&self, v: &[u8]) -> bool {
        match self.mode {
            Mode::Never => false,
            Mode::Always => true,
            Mode::Lazy => {
                if v.is_empty() {
                    return false;
                }
                let edge = |b: &[u8]| v.starts_with(b) || v.ends_with(b);
                if edge(&self.q) || (self.both_quotes && (edge(b"\"") || edge(b"'"))) {
                    return true;
                }
                let one = |s: &[u8]| (s.len() == 1).then(|| s[0]);
                let (sep1, ls1) = (one(&self.sep), one(&self.line_sep));
                if v.iter().any(|&b| b == b'\n' || b == b'\r' || Some(b) == sep1 || Some(b) == ls1) {
                    return true;
                }
                let has = |n: &[u8]| n.len() > 1 && v.windows(n.len()).any(|w| w == n);
                has(&self.sep) || has(&self.line_sep)
            }
        }
    }

    /// Appends `v`, quoted when it needs it (a quote inside is doubled).
    fn push(&self, v: &[u8], out: &mut Vec<u8>) {
        if !self.needs(v) {
            out.extend_from_slice(v);
            return;
        }
        out.extend_from_slice(&self.q);
        if self.q.len() == 1 {
            let q = self.q[0];
            for &b in v {
                out.push(b);
                if b == q {
                    out.push(q);
                }
            }
        } else {
            let mut rest = v;
            while !rest.is_empty() {
                if rest.starts_with(&self.q) {
                    out.extend_from_slice(&self.q);
                    out.extend_from_slice(&self.q);
                    rest = &rest[self.q.len()..];
                } else {
                    out.push(rest[0]);
                    rest = &rest[1..];
                }
            }
        }
        out.extend_from_slice(&self.q);
    }
}

struct Plan<'a> {
    sources: &'a [Dataset],
    labels: &'a [String],
    quoter: &'a Quoter,
    none_all: Option<&'a [u8]>,
    none_cols: &'a BTreeMap<String, String>,
    gz: Option<Compression>,
}

/// How one column of one dataset is written.
struct Field {
    col: Col,
    quote: bool,
    /// What a None becomes, quoted already; None for json without `none_as` (it writes `null`).
    none: Option<Vec<u8>>,
}

enum Out {
    Plain(File),
    Gz(Box<GzEncoder<BufWriter<File>>>),
}

impl Out {
    fn write(&mut self, b: &[u8]) -> std::io::Result<()> {
        match self {
            Out::Plain(f) => f.write_all(b),
            Out::Gz(g) => g.write_all(b),
        }
    }

    fn finish(self) -> std::io::Result<()> {
        match self {
            Out::Plain(_) => Ok(()),
            Out::Gz(g) => g.finish()?.flush(),
        }
    }
}

impl Plan<'_> {
    fn none_text(&self, label: &str, ty: ColType, none_support: bool) -> Option<Vec<u8>> {
        let given = self.none_cols.get(label).map(|s| s.as_bytes()).or(self.none_all);
        let text = match given {
            Some(t) => t,
            None if ty == ColType::Json || !none_support => return None,
            None => b"None",
        };
        let mut out = Vec::new();
        self.quoter.push(text, &mut out);
        Some(out)
    }

    /// Writes slice `s` of every source to `path`.
    fn slice(&self, s: usize, path: &Utf8Path, labels: bool, report: &(dyn Fn(u64) + Sync)) -> Result<()> {
        let file = File::create(path).map_err(|e| Error::io(path, e))?;
        let mut out = match self.gz {
            Some(level) => Out::Gz(Box::new(GzEncoder::new(BufWriter::with_capacity(FLUSH, file), level))),
            None => Out::Plain(file),
        };
        let io = |e| Error::io(path, e);
        let q = self.quoter;
        let mut buf: Vec<u8> = Vec::with_capacity(FLUSH + 4096);
        if labels {
            for (i, l) in self.labels.iter().enumerate() {
                if i > 0 {
                    buf.extend_from_slice(&q.sep);
                }
                q.push(l.as_bytes(), &mut buf);
            }
            buf.extend_from_slice(&q.line_sep);
        }
        let mut scratch = zmij::Buffer::new();
        let mut value: Vec<u8> = Vec::new();
        for ds in self.sources {
            let lines = ds.lines(Some(s));
            if lines == 0 {
                continue;
            }
            let mut fields = Vec::with_capacity(self.labels.len());
            for l in self.labels {
                let col = Col::open(ds, l, s)?;
                let none_support = ds.meta.column(l).is_some_and(|(_, c)| c.none_support);
                fields.push(Field {
                    quote: q.may_quote(col.ty),
                    none: self.none_text(l, col.ty, none_support),
                    col,
                });
            }
            let mut reported = 0;
            for row in 0..lines {
                for (i, f) in fields.iter_mut().enumerate() {
                    if i > 0 {
                        buf.extend_from_slice(&q.sep);
                    }
                    let json = f.col.ty == ColType::Json;
                    let v = f.col.get(row)?;
                    if let (Stored::None, Some(t)) = (v, &f.none) {
                        buf.extend_from_slice(t);
                        continue;
                    }
                    let target = if f.quote {
                        value.clear();
                        &mut value
                    } else {
                        &mut buf
                    };
                    match v {
                        Stored::Bytes(b) if f.quote => q.push(b, &mut buf),
                        Stored::Bytes(b) => buf.extend_from_slice(b),
                        Stored::Int(i) => text::push_int(i, target),
                        Stored::Float(x) => text::push_float(x, target, &mut scratch),
                        Stored::Bool(b) => text::push_bool(b, target),
                        Stored::Date(d) => text::push_stamp(Kind::Date, d as i64, target),
                        Stored::DateTime(v) => text::push_stamp(Kind::Datetime, v, target),
                        Stored::Time(v) => text::push_stamp(Kind::Time, v, target),
                        Stored::Json(t) => text::push_json(t, target, &mut scratch),
                        Stored::None => target.extend_from_slice(if json { b"null" } else { b"None" }),
                        Stored::Code(_) => {}
                    }
                    if f.quote && !matches!(v, Stored::Bytes(_)) {
                        q.push(&value, &mut buf);
                    }
                }
                buf.extend_from_slice(&q.line_sep);
                if buf.len() >= FLUSH {
                    out.write(&buf).map_err(io)?;
                    buf.clear();
                    report(row + 1 - reported);
                    reported = row + 1;
                }
            }
            report(lines - reported);
        }
        out.write(&buf).map_err(io)?;
        out.finish().map_err(io)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slice_names_as_python_formats() {
        assert_eq!(slice_name("name", 1).unwrap(), "name.1");
        assert_eq!(slice_name("name%dend", 1).unwrap(), "name1end");
        assert_eq!(slice_name("a%02d.gz.b", 1).unwrap(), "a01.gz.b");
        assert_eq!(slice_name("100%% %3d", 7).unwrap(), "100%   7");
        assert_eq!(slice_name("x%-3s|", 7).unwrap(), "x7  |");
        assert!(slice_name("%d%d", 1).is_err());
        assert!(slice_name("%q", 1).is_err());
        assert!(slice_name("x%", 1).is_err());
        assert!(slice_name("100%%", 1).is_err(), "every slice would get the same name");
    }

    fn quoted(q: &str, sep: &str, lazy: bool, v: &str) -> String {
        let mut out = Vec::new();
        Quoter::new(q.into(), sep.into(), b"\n".to_vec(), lazy).push(v.as_bytes(), &mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn quoting() {
        assert_eq!(quoted("\"", ",", true, "plain"), "plain");
        assert_eq!(quoted("\"", ",", true, "a,b"), "\"a,b\"");
        assert_eq!(quoted("\"", ",", true, "a\"b"), "a\"b");
        assert_eq!(quoted("\"", ",", true, "\"a\"b"), "\"\"\"a\"\"b\"");
        assert_eq!(quoted("\"", ",", true, "'x"), "\"'x\"");
        assert_eq!(quoted("\"", ",", true, "two\nlines"), "\"two\nlines\"");
        assert_eq!(quoted("\"", ",", true, "cr\r"), "\"cr\r\"");
        assert_eq!(quoted("\"", ",", true, ""), "");
        assert_eq!(quoted("\"", "", true, "x"), "\"x\"");
        assert_eq!(quoted("\"", ",", false, ""), "\"\"");
        assert_eq!(quoted("", ",", true, "a,b"), "a,b");
        assert_eq!(quoted("qq", "::", true, "a::b"), "qqa::bqq");
        let q = Quoter::new(b"\"".to_vec(), b",".to_vec(), b"|".to_vec(), true);
        assert!(q.needs(b"a|b") && !q.needs(b"a;b"));
        assert_eq!(quoted("qq", ",", false, "qqq"), "qqqqqqqqq");
        let q = Quoter::new(b"\"".to_vec(), b",".to_vec(), b"\n".to_vec(), true);
        assert!(!q.may_quote(ColType::Int64) && !q.may_quote(ColType::Float64) && q.may_quote(ColType::Bytes));
        let q = Quoter::new(b"f".to_vec(), b"+".to_vec(), b"\n".to_vec(), true);
        assert!(!q.may_quote(ColType::Int32) && q.may_quote(ColType::Float64));
    }
}
