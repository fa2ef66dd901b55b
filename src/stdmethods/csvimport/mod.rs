//! The csvimport kernel: a CSV file from the input directory (gzip read by content) into a
//! dataset of `bytes` columns, with the original's options and slicing: data lines (good and bad)
//! go round robin over the slices, line n to slice n % slices, and skipped lines (comments,
//! `skip_lines`, skipped empty lines) round robin of their own in the `skipped` dataset.
//!
//! The file is mapped (or decompressed into memory) whole. Threads find the records of chunks
//! of it (`split`), then one thread per slice parses its own records (`parse`) and writes its
//! slice of each dataset.

mod parse;
mod split;

use std::fs::File;
use std::io::Read;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::dataset::cell::Cell;
use crate::dataset::mmap::WholeFile;
use crate::dataset::types::ColType;
use crate::dataset::writer::{DatasetWriter, SliceSink};
use crate::error::{Error, Result};
use crate::status::Progress;
use crate::value::Value;

use super::{Ctx, Opts};
use parse::{check_count, fields, Bad, Span};
use split::{Chunk, Format, Quotes, Step, SKIPPED};

/// The options after checking.
pub(crate) struct Settings {
    /// The file as messages name it (csvimport_zip: `zipname:member`).
    pub(crate) filename: String,
    format: Format,
    label_lines: u64,
    label_encoding: Encoding,
    labels: Vec<String>,
    strip_labels: bool,
    rename: std::collections::BTreeMap<String, String>,
    discard: Vec<String>,
    lineno_label: Option<String>,
    allow_bad: bool,
    allow_extra_empty: bool,
    skip_lines: u64,
    pub(crate) previous: Option<String>,
}

#[derive(Clone, Copy)]
enum Encoding {
    Utf8,
    Latin1,
}

/// A single byte option: '' is None; one byte, or one character of iso-8859-1 written in UTF-8,
/// is that byte.
fn byte_option(o: &Opts, key: &str, empty_means: &str) -> Result<Option<u8>> {
    let b = o.bytes(key)?.unwrap_or_default();
    if b.len() <= 1 {
        return Ok(b.first().copied());
    }
    let s = String::from_utf8_lossy(b);
    let mut chars = s.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) if (c as u32) < 256 => Ok(Some(c as u32 as u8)),
        _ => Err(o.error(
            key,
            &format!("must be a single iso-8859-1 character (or '' for {empty_means}), got {s:?}"),
        )),
    }
}

pub(crate) fn settings(o: &Opts) -> Result<Settings> {
    let filename = o.string("filename")?.ok_or_else(|| o.error("filename", "is required"))?;
    let newline = byte_option(o, "newline", "\\n or \\r\\n")?;
    let sep = byte_option(o, "separator", "one field per line")?;
    let comment = byte_option(o, "comment", "no comments")?;
    let quotes = match o.bytes("quotes")? {
        None | Some(b"") | Some(b"False") | Some(b"false") => Quotes::None,
        Some(b"True") | Some(b"true") => Quotes::Both,
        Some(_) => match byte_option(o, "quotes", "no quotes; 'True' for both ' and \"")? {
            Some(q) => Quotes::One(q),
            None => Quotes::None,
        },
    };
    let format = Format {
        sep,
        newline: newline.unwrap_or(b'\n'),
        crlf: newline.is_none(),
        quotes,
        comment,
        skip_empty: o.bool("skip_empty_lines")?.unwrap_or(false),
    };
    if let Some(s) = format.sep {
        if s == format.newline {
            return Err(o.error("separator", "must differ from the newline"));
        }
        if format.quotes.is_quote(s) {
            return Err(o.error("separator", "must differ from the quote character"));
        }
    }
    if format.quotes.is_quote(format.newline) {
        return Err(o.error("quotes", "must differ from the newline"));
    }
    let labels = o.strings("labels")?;
    let label_lines = match o.count("label_lines")? {
        Some(n) => n,
        None => u64::from(labels.is_empty()),
    };
    let label_encoding = match o
        .string("label_encoding")?
        .unwrap_or_default()
        .to_ascii_lowercase()
        .replace('_', "-")
        .as_str()
    {
        "" | "utf-8" | "utf8" => Encoding::Utf8,
        "iso-8859-1" | "latin-1" | "latin1" | "iso8859-1" => Encoding::Latin1,
        other => {
            return Err(o.error(
                "label_encoding",
                &format!("must be utf-8 or iso-8859-1 (labels in other encodings: give `labels`), got {other:?}"),
            ))
        }
    };
    if let Some(c) = o.int("compression")? {
        if !(1..=9).contains(&c) {
            return Err(o.error("compression", &format!("must be 1 to 9, got {c}")));
        }
    }
    Ok(Settings {
        filename,
        format,
        label_lines,
        label_encoding,
        labels,
        strip_labels: o.bool("strip_labels")?.unwrap_or(false),
        rename: o.string_map("rename")?,
        discard: o.strings("discard")?,
        lineno_label: o.string("lineno_label")?.filter(|s| !s.is_empty()),
        allow_bad: o.bool("allow_bad")?.unwrap_or(false),
        allow_extra_empty: o.bool("allow_extra_empty")?.unwrap_or(false),
        skip_lines: o.count("skip_lines")?.unwrap_or(0),
        previous: o.dataset("previous")?,
    })
}

/// The file's bytes: mapped, or decompressed when it starts with gzip's magic bytes.
fn load(ctx: &Ctx, name: &str) -> Result<WholeFile> {
    let path = ctx.input_file(name)?;
    let cannot = |e: std::io::Error| Error::User(format!("csvimport: cannot open {name} in the input directory: {e}"));
    let mut file = File::open(&path).map_err(cannot)?;
    let mut magic = [0u8; 2];
    let n = file.read(&mut magic).map_err(cannot)?;
    if n == 2 && magic == [0x1f, 0x8b] {
        let total = file.metadata().map(|m| m.len()).unwrap_or(0);
        let file = File::open(&path).map_err(cannot)?;
        return Ok(WholeFile::Read(gunzip(
            name,
            std::io::BufReader::with_capacity(1 << 20, file),
            total,
        )?));
    }
    WholeFile::open(file).map_err(cannot)
}

/// `bytes` as they are, or decompressed when they start with gzip's magic bytes.
pub(crate) fn maybe_gunzip(name: &str, bytes: Vec<u8>) -> Result<Vec<u8>> {
    if bytes.starts_with(&[0x1f, 0x8b]) {
        let total = bytes.len() as u64;
        gunzip(name, &bytes[..], total)
    } else {
        Ok(bytes)
    }
}

/// All of a gzip stream (`total` compressed bytes, for the progress).
fn gunzip(name: &str, input: impl Read, total: u64) -> Result<Vec<u8>> {
    let progress = Progress::new(format!("decompressing {name}"), Some(total >> 20), "MB");
    let counted = Counted {
        inner: input,
        n: 0,
        progress: &progress,
    };
    let mut out = Vec::with_capacity((total as usize).saturating_mul(4).min(1 << 30));
    flate2::read::MultiGzDecoder::new(counted)
        .read_to_end(&mut out)
        .map_err(|e| Error::User(format!("csvimport: {name}: cannot decompress (gzip): {e}")))?;
    Ok(out)
}

/// A reader that shows how much of it was read.
struct Counted<'a, R> {
    inner: R,
    n: u64,
    progress: &'a Progress,
}

impl<R: Read> Read for Counted<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let k = self.inner.read(buf)?;
        self.n += k as u64;
        self.progress.set(self.n >> 20);
        Ok(k)
    }
}

/// A line of the file that goes to the `skipped` dataset.
struct Skipped {
    lineno: u64,
    start: usize,
    end: usize,
}

/// The lines before the data: `skip_lines`, then the label lines and the skipped lines among them.
struct Header {
    skipped: Vec<Skipped>,
    labels: Vec<Vec<Vec<u8>>>,
    /// Where the data starts, and its first line number.
    data: usize,
    lineno: u64,
}

fn header(s: &Settings, buf: &[u8], start: usize) -> Result<Header> {
    let f = &s.format;
    let mut h = Header {
        skipped: Vec::new(),
        labels: Vec::new(),
        data: start,
        lineno: 1,
    };
    let mut pos = start;
    for _ in 0..s.skip_lines {
        if pos >= buf.len() {
            break;
        }
        let next = f.line_end(buf, pos);
        h.skipped.push(Skipped {
            lineno: h.lineno,
            start: pos,
            end: f.content_end(buf, pos, next),
        });
        h.lineno += 1;
        pos = next;
    }
    let (mut spans, mut scratch) = (Vec::new(), Vec::new());
    let mut wanted = s.label_lines;
    while wanted > 0 && pos < buf.len() {
        let (next, extra, skipped) = match f.next_record(buf, pos) {
            Step::Rec { next, extra, skipped } => (next, extra, skipped),
            Step::Unclosed { quote_at } => return Err(unclosed(s, buf, start, quote_at)),
        };
        let end = f.content_end(buf, pos, next);
        if skipped {
            h.skipped.push(Skipped {
                lineno: h.lineno,
                start: pos,
                end,
            });
        } else {
            let rec = &buf[pos..end];
            if let Err(bad) = fields(f, rec, &mut spans, &mut scratch, false) {
                return Err(Error::User(format!(
                    "csvimport: {}:{}: label line: {}",
                    s.filename,
                    h.lineno,
                    bad_text(&bad, 0)
                )));
            }
            h.labels.push(spans.iter().map(|sp| sp.get(rec, &scratch).to_vec()).collect());
            wanted -= 1;
        }
        h.lineno += 1 + extra as u64;
        pos = next;
    }
    h.data = pos;
    Ok(h)
}

fn unclosed(s: &Settings, buf: &[u8], start: usize, quote_at: usize) -> Error {
    let lineno = 1 + memchr::memchr_iter(s.format.newline, &buf[start..quote_at]).count();
    Error::User(format!(
        "csvimport: {}:{lineno}: a quoted field starts here and is not closed before the end of the file",
        s.filename
    ))
}

fn bad_text(bad: &Bad, ncols: usize) -> String {
    match bad {
        Bad::Count(0) => format!("an empty line, expected {ncols} fields"),
        Bad::Count(n) => format!("{n} field{}, expected {ncols}", if *n == 1 { "" } else { "s" }),
        Bad::Quote(k) => format!(
            "field {k} opens a quote that is not closed by a quote followed by the separator or the end of the line (a quote inside a quoted field is written twice)"
        ),
    }
}

fn decode(b: &[u8], enc: Encoding) -> String {
    match enc {
        Encoding::Latin1 => b.iter().map(|&c| c as char).collect(),
        Encoding::Utf8 => {
            let mut out = String::new();
            for chunk in b.utf8_chunks() {
                out.push_str(chunk.valid());
                for x in chunk.invalid() {
                    out.push_str(&format!("\\x{x:02x}"));
                }
            }
            out
        }
    }
}

/// The column names, from the option or the label lines (joined by spaces).
fn labels(s: &Settings, h: &Header) -> Result<Vec<String>> {
    let mut labels = if !s.labels.is_empty() {
        s.labels.clone()
    } else {
        let Some(first) = h.labels.first() else {
            return Err(Error::User(format!(
                "csvimport: {} has no label line (give `labels`, or check `skip_lines` and `comment`)",
                s.filename
            )));
        };
        if let Some(other) = h.labels.iter().find(|l| l.len() != first.len()) {
            return Err(Error::User(format!(
                "csvimport: {}: the label lines have different numbers of fields ({} and {})",
                s.filename,
                first.len(),
                other.len()
            )));
        }
        (0..first.len())
            .map(|i| {
                h.labels
                    .iter()
                    .map(|l| decode(&l[i], s.label_encoding))
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect()
    };
    if s.allow_extra_empty {
        while labels.last().is_some_and(|l| l.is_empty()) {
            labels.pop();
        }
    }
    if labels.is_empty() {
        return Err(Error::User(format!("csvimport: {}: no labels", s.filename)));
    }
    if s.strip_labels {
        labels = labels.iter().map(|l| l.trim().to_string()).collect();
    }
    let labels: Vec<String> = labels.into_iter().map(|l| s.rename.get(&l).cloned().unwrap_or(l)).collect();
    for (i, l) in labels.iter().enumerate() {
        if let Some(j) = labels[..i].iter().position(|x| x == l) {
            return Err(Error::User(format!(
                "csvimport: {}: label {l:?} is there twice (fields {} and {}; `rename` or `discard` one)",
                s.filename,
                j + 1,
                i + 1
            )));
        }
    }
    Ok(labels)
}

/// Where each chunk's records start counting.
#[derive(Clone, Copy, Default)]
struct Base {
    normal: u64,
    skipped: u64,
    lineno: u64,
}

/// The first bad line a slice met (without `allow_bad`), or a write that failed.
struct Fail {
    lineno: u64,
    message: String,
}

struct Job<'a> {
    s: &'a Settings,
    buf: &'a [u8],
    chunks: &'a [Chunk],
    bases: &'a [Base],
    header_skipped: &'a [Skipped],
    ncols: usize,
    /// The fields that become columns, in column order.
    keep: Vec<usize>,
    slices: usize,
    /// The lowest line number a slice failed on: the others stop past it.
    failed_at: AtomicU64,
    /// Bytes done (by slice 0), for the status tree.
    pos: &'a AtomicU64,
}

impl Job<'_> {
    fn fail(&self, lineno: u64, message: String) -> Fail {
        self.failed_at.fetch_min(lineno, Ordering::Relaxed);
        Fail { lineno, message }
    }

    fn write_err(&self, lineno: u64, e: String) -> Fail {
        self.fail(lineno, format!("csvimport: {}:{lineno}: {e}", self.s.filename))
    }

    /// Writes slice `me`: its data lines to `main` (or `bad`), its skipped lines to `skipped`.
    fn slice(
        &self,
        me: usize,
        main: &mut SliceSink,
        mut bad: Option<&mut SliceSink>,
        mut skipped: Option<&mut SliceSink>,
    ) -> std::result::Result<(), Fail> {
        let f = &self.s.format;
        let buf = self.buf;
        let slices = self.slices as u64;
        let me64 = me as u64;
        let mut st = Scratch {
            spans: Vec::new(),
            bytes: Vec::new(),
        };

        let write_skipped = |sink: &mut SliceSink, lineno: u64, data: &[u8]| sink.write(&mut [Cell::Int(lineno as i64), Cell::Bytes(data)]);
        for (m, sk) in self.header_skipped.iter().enumerate() {
            if m as u64 % slices == me64 {
                if let Some(sink) = skipped.as_deref_mut() {
                    write_skipped(sink, sk.lineno, &buf[sk.start..sk.end]).map_err(|e| self.write_err(sk.lineno, e))?;
                }
            }
        }
        for (c, base) in self.chunks.iter().zip(self.bases) {
            if base.lineno > self.failed_at.load(Ordering::Relaxed) {
                break;
            }
            if me == 0 {
                self.pos.store(c.start as u64, Ordering::Relaxed);
            }
            if c.skipped == 0 && c.multi.is_empty() {
                // Every record is a data line of one line: take every slices-th.
                let mut j = ((me64 + slices - base.normal % slices) % slices) as usize;
                while j < c.recs.len() {
                    let (start, next) = c.bounds(j);
                    let rec = &buf[start..f.content_end(buf, start, next)];
                    self.data_line(&mut st, main, bad.as_deref_mut(), rec, base.lineno + j as u64)?;
                    j += self.slices;
                }
                continue;
            }
            // Counters that go round the slices (no division per line).
            let (mut n, mut m, mut lineno) = (base.normal % slices, base.skipped % slices, base.lineno);
            let mut multi = c.multi.iter().peekable();
            for j in 0..c.recs.len() {
                let this = lineno;
                lineno += 1;
                if let Some(&&(i, extra)) = multi.peek() {
                    if i as usize == j {
                        lineno += extra as u64;
                        multi.next();
                    }
                }
                let (slot, skip) = if c.recs[j] & SKIPPED != 0 {
                    (&mut m, true)
                } else {
                    (&mut n, false)
                };
                let mine = *slot == me64;
                *slot += 1;
                if *slot == slices {
                    *slot = 0;
                }
                if !mine {
                    continue;
                }
                let (start, next) = c.bounds(j);
                let rec = &buf[start..f.content_end(buf, start, next)];
                if skip {
                    if let Some(sink) = skipped.as_deref_mut() {
                        write_skipped(sink, this, rec).map_err(|e| self.write_err(this, e))?;
                    }
                } else {
                    self.data_line(&mut st, main, bad.as_deref_mut(), rec, this)?;
                }
            }
        }
        Ok(())
    }

    /// Parses a data line and writes it to `main`, or to `bad` (or fails) when it is bad.
    #[inline]
    fn data_line(
        &self,
        st: &mut Scratch,
        main: &mut SliceSink,
        bad: Option<&mut SliceSink>,
        rec: &[u8],
        this: u64,
    ) -> std::result::Result<(), Fail> {
        let parsed = fields(&self.s.format, rec, &mut st.spans, &mut st.bytes, true)
            .and_then(|()| check_count(&st.spans, self.ncols, self.s.allow_extra_empty, rec.is_empty()));
        match parsed {
            Ok(()) => {
                // A column at a time: every column is bytes, so no value can be refused.
                for (col, &k) in self.keep.iter().enumerate() {
                    main.write_bytes(col, st.spans[k].get(rec, &st.bytes))
                        .map_err(|e| self.write_err(this, e))?;
                }
                if self.s.lineno_label.is_some() {
                    main.write_cell(self.keep.len(), &mut Cell::Int(this as i64))
                        .map_err(|e| self.write_err(this, e))?;
                }
                Ok(())
            }
            Err(why) => match bad {
                Some(sink) => sink
                    .write(&mut [Cell::Int(this as i64), Cell::Bytes(rec)])
                    .map_err(|e| self.write_err(this, e)),
                None => Err(self.fail(
                    this,
                    format!("csvimport: {}:{this}: {}", self.s.filename, bad_text(&why, self.ncols)),
                )),
            },
        }
    }
}

/// A slice thread's buffers, reused from line to line.
struct Scratch {
    spans: Vec<Span>,
    /// Unquoted copies of fields with doubled quotes.
    bytes: Vec<u8>,
}

/// Where an import goes: its main dataset, the names of its `bad` and `skipped` datasets, and
/// what they chain to.
pub(crate) struct Target {
    /// The main dataset's name ("default" for csvimport).
    pub(crate) main: String,
    /// Put before "bad" and "skipped" ("" for csvimport).
    pub(crate) side_prefix: String,
    /// `{this}bad` / `{this}skipped` are the previous import's side datasets, when they exist.
    pub(crate) previous_sides: Option<String>,
}

pub fn csvimport(ctx: &Ctx, o: &Opts) -> Result<Value> {
    let s = settings(o)?;
    let file = load(ctx, &s.filename)?;
    let target = Target {
        main: "default".into(),
        side_prefix: String::new(),
        // Lines of the previous import's `bad` and `skipped` chain like its default dataset.
        previous_sides: s
            .previous
            .as_deref()
            .and_then(|p| p.strip_suffix("/default"))
            .map(|job| format!("{job}/")),
    };
    import(ctx, &s, &file, &target)
}

/// Imports the CSV in `buf` (already decompressed) as `target` says.
pub(crate) fn import(ctx: &Ctx, s: &Settings, buf: &[u8], target: &Target) -> Result<Value> {
    let start = if buf.starts_with(b"\xef\xbb\xbf") { 3 } else { 0 };
    let h = header(s, buf, start)?;
    let labels = labels(s, &h)?;
    let keep: Vec<usize> = (0..labels.len()).filter(|&i| !s.discard.contains(&labels[i])).collect();

    let caption = format!("csvimport of {}", s.filename);
    let mut main = ctx.writer(&target.main, None, s.previous.clone(), &caption)?;
    for &k in &keep {
        main.add(&labels[k], ColType::Bytes, false)?;
    }
    if let Some(l) = &s.lineno_label {
        main.add(l, ColType::Int64, false)?;
    }
    let previous_of = |name: &str| -> Option<String> {
        let id = format!("{}{name}", target.previous_sides.as_deref()?);
        ctx.dataset(&id).ok().map(|_| id)
    };
    let side = |name: &str, what: &str| -> Result<DatasetWriter> {
        let mut w = ctx.writer(
            &format!("{}{name}", target.side_prefix),
            None,
            previous_of(name),
            &format!("{what} lines from csvimport of {}", s.filename),
        )?;
        w.add("lineno", ColType::Int64, false)?;
        w.add("data", ColType::Bytes, false)?;
        Ok(w)
    };
    let mut bad = if s.allow_bad { Some(side("bad", "bad")?) } else { None };
    let mut skipped = if s.format.comment.is_some() || s.skip_lines > 0 || s.format.skip_empty {
        Some(side("skipped", "skipped")?)
    } else {
        None
    };

    let slices = ctx.slices();
    let threads = rayon::current_num_threads().max(1);
    let n_chunks = (buf.len() / (4 << 20)).clamp(threads * 4, 4096);
    let chunks = split::chunks(&s.format, buf, h.data, n_chunks, &|_| {}).map_err(|q| unclosed(s, buf, start, q))?;
    let mut bases = Vec::with_capacity(chunks.len());
    let mut b = Base {
        normal: 0,
        skipped: h.skipped.len() as u64,
        lineno: h.lineno,
    };
    for c in &chunks {
        bases.push(b);
        b.normal += c.normal;
        b.skipped += c.skipped;
        b.lineno += c.lines;
    }

    let pos = AtomicU64::new(0);
    let progress = Progress::new(format!("reading {}", s.filename), Some(buf.len() as u64 >> 20), "MB");
    let job = Job {
        s,
        buf,
        chunks: &chunks,
        bases: &bases,
        header_skipped: &h.skipped,
        ncols: labels.len(),
        keep,
        slices,
        failed_at: AtomicU64::new(u64::MAX),
        pos: &pos,
    };
    let mut main_sinks = main.sinks()?;
    let mut bad_sinks: Vec<Option<SliceSink>> = match &mut bad {
        Some(w) => w.sinks()?.into_iter().map(Some).collect(),
        None => (0..slices).map(|_| None).collect(),
    };
    let mut skipped_sinks: Vec<Option<SliceSink>> = match &mut skipped {
        Some(w) => w.sinks()?.into_iter().map(Some).collect(),
        None => (0..slices).map(|_| None).collect(),
    };
    let finished = &AtomicU64::new(0);
    let results: Vec<std::result::Result<(), Fail>> = std::thread::scope(|scope| {
        let job = &job;
        let me = std::thread::current();
        let handles: Vec<_> = main_sinks
            .iter_mut()
            .zip(bad_sinks.iter_mut())
            .zip(skipped_sinks.iter_mut())
            .map(|((m, b), k)| {
                let me = me.clone();
                scope.spawn(move || {
                    let r = job.slice(m.slice(), m, b.as_mut(), k.as_mut());
                    // Wakes the progress loop, which would otherwise sleep on after the end.
                    finished.fetch_add(1, Ordering::Release);
                    me.unpark();
                    r
                })
            })
            .collect();
        let mut done = false;
        while !done {
            done = finished.load(Ordering::Acquire) == handles.len() as u64 || handles.iter().all(|h| h.is_finished());
            progress.set(pos.load(Ordering::Relaxed) >> 20);
            if !done {
                std::thread::park_timeout(std::time::Duration::from_millis(20));
            }
        }
        handles
            .into_iter()
            .map(|h| {
                h.join().unwrap_or_else(|_| {
                    Err(Fail {
                        lineno: u64::MAX,
                        message: "csvimport: a slice thread panicked".into(),
                    })
                })
            })
            .collect()
    });
    drop(progress);
    let mut first_fail: Option<Fail> = None;
    for f in results.into_iter().filter_map(|r| r.err()) {
        if first_fail.as_ref().is_none_or(|x| f.lineno < x.lineno) {
            first_fail = Some(f);
        }
    }
    if let Some(f) = first_fail {
        return Err(Error::User(f.message));
    }
    let lines = |sinks: &[Option<SliceSink>]| -> Vec<u64> { sinks.iter().map(|s| s.as_ref().map_or(0, |s| s.lines())).collect() };
    let counts = [
        main_sinks.iter().map(|s| s.lines()).collect::<Vec<u64>>(),
        lines(&bad_sinks),
        lines(&skipped_sinks),
    ];
    for sink in main_sinks
        .into_iter()
        .chain(bad_sinks.into_iter().flatten())
        .chain(skipped_sinks.into_iter().flatten())
    {
        sink.finish()?;
    }
    ctx.finish(&mut main)?;
    for w in [&mut bad, &mut skipped].into_iter().flatten() {
        ctx.finish(w)?;
    }

    let list = |v: &[u64]| -> (Value, Value) {
        (
            Value::Int(v.iter().sum::<u64>() as i64),
            Value::Array(v.iter().map(|x| Value::Int(*x as i64)).collect()),
        )
    };
    let (good, good_per) = list(&counts[0]);
    let (broken, broken_per) = list(&counts[1]);
    let (skip, skip_per) = list(&counts[2]);
    Ok(Value::Map(vec![
        (Value::str("num_lines"), good),
        (Value::str("lines_per_slice"), good_per),
        (Value::str("num_broken_lines"), broken),
        (Value::str("broken_lines_per_slice"), broken_per),
        (Value::str("num_skipped_lines"), skip),
        (Value::str("skipped_lines_per_slice"), skip_per),
    ]))
}
