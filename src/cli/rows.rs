//! What `exax cat` and `exax grep` share: the output options, and printing the rows of a dataset
//! (or its chain) with every slice read at once and the output in slice order
//! (`dataset::scan`), each value shown as `dataset::show` says.

use std::process::ExitCode;
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};

use super::stdout;
use crate::dataset::locate;
use crate::dataset::reader::{ColumnReader, Dataset, Stored};
use crate::dataset::scan::{self, SliceEnd};
use crate::dataset::show::{self, Format};
use crate::dataset::types::ColType;
use crate::error::{Error, Result};
use crate::project::Project;
use crate::status;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FormatArg {
    /// Tab-separated, for reading: `None` for None, control characters and non-UTF-8 bytes escaped.
    Text,
    /// Comma-separated with a header line, quoted so it reads back (None is an empty field).
    Csv,
    /// One JSON object per line (None is null).
    Json,
}

#[derive(clap::Args)]
pub struct Output {
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = FormatArg::Text)]
    format: FormatArg,
    /// Only this slice (repeat for more).
    #[arg(short, long, value_name = "N")]
    slice: Vec<i64>,
    /// Also the datasets before this one (its `previous` chain), oldest first.
    #[arg(short, long)]
    chain: bool,
    /// Print the column names first (csv always has them).
    #[arg(short = 'H', long)]
    headers: bool,
}

/// What makes `exax grep` a grep: the pattern, and which rows it picks.
pub struct Matcher {
    pub regex: regex::bytes::Regex,
    pub invert: bool,
    /// Match only these of the printed columns (empty: all of them).
    pub columns: Vec<String>,
    pub max_count: Option<u64>,
}

/// One dataset of the chain, with the indices of the columns to print.
struct Source<'a> {
    ds: &'a Dataset,
    cols: Vec<usize>,
    /// Columns searched but not printed.
    extra: Vec<usize>,
}

pub fn run(dataset: &str, columns: &[String], out: &Output, matcher: Option<Matcher>) -> Result<ExitCode> {
    let project = Project::from_cwd()?;
    let newest = locate::open(&project, dataset, None)?;
    let mut chain: Vec<Rc<Dataset>> = vec![newest.clone()];
    if out.chain {
        let mut seen = vec![newest.id()];
        while let Some(prev) = chain.last().and_then(|d| d.meta.previous.clone()) {
            if seen.contains(&prev) {
                break;
            }
            seen.push(prev.clone());
            chain.push(locate::open(&project, &prev, None)?);
        }
        chain.reverse();
    }
    let names: Vec<String> = if columns.is_empty() {
        newest.meta.columns.iter().map(|c| c.name.clone()).collect()
    } else {
        columns.to_vec()
    };
    let mut sources = Vec::with_capacity(chain.len());
    for ds in &chain {
        let cols = names.iter().map(|n| ds.column_index(n)).collect::<Result<Vec<_>>>()?;
        sources.push(Source {
            ds,
            cols,
            extra: Vec::new(),
        });
    }
    let slices: Vec<usize> = if out.slice.is_empty() {
        (0..newest.slices()).collect()
    } else {
        let mut s = Vec::new();
        for &n in &out.slice {
            for src in &sources {
                src.ds.check_slice(n)?;
            }
            s.push(n as usize);
        }
        s
    };
    // Which printed columns are searched, and the searched columns that are not printed.
    let (grep_cols, extra): (Vec<bool>, Vec<String>) = match &matcher {
        Some(m) if !m.columns.is_empty() => (
            names.iter().map(|n| m.columns.contains(n)).collect(),
            m.columns.iter().filter(|c| !names.contains(c)).cloned().collect(),
        ),
        _ => (vec![true; names.len()], Vec::new()),
    };
    for src in &mut sources {
        for n in &extra {
            src.extra.push(src.ds.column_index(n)?);
        }
    }
    let format = match out.format {
        FormatArg::Text => Format::Text,
        FormatArg::Csv => Format::Csv,
        FormatArg::Json => Format::Json,
    };
    let spec = RowSpec {
        format,
        names: &names,
        matcher: matcher.as_ref(),
        grep_cols: &grep_cols,
        show_dataset: out.chain,
    };
    if format == Format::Csv || (out.headers && format == Format::Text) {
        stdout::write(&spec.header())?;
    }

    let total: u64 = sources
        .iter()
        .map(|s| slices.iter().map(|&n| s.ds.lines(Some(n))).sum::<u64>())
        .sum();
    let verb = if matcher.is_some() { "grep" } else { "cat" };
    let progress = status::Progress::new(format!("{verb} {}", newest.id()), Some(total), "lines");
    // `exax status` sees the position; a run too quick to be asked costs a socket file.
    let _server = status::socket::Server::start(&project.root, status::render).ok();
    let lines_read = AtomicU64::new(0);
    let mut printed = 0u64;
    let limit = matcher.as_ref().and_then(|m| m.max_count);
    for src in &sources {
        if limit.is_some_and(|l| printed >= l) {
            break;
        }
        let work = |slice: usize, rows: &mut scan::Rows| spec.slice(src, slice, limit, rows);
        let consume = |batch: scan::Batch| -> Result<bool> {
            progress.set(lines_read.load(Ordering::Relaxed));
            let mut end = batch.bytes.len();
            let mut more = true;
            if let Some(l) = limit {
                let room = (l - printed) as usize;
                if batch.ends.len() >= room {
                    end = if room == 0 { 0 } else { batch.ends[room - 1] };
                    more = false;
                    printed = l;
                } else {
                    printed += batch.ends.len() as u64;
                }
            }
            stdout::write(&batch.bytes[..end])?;
            Ok(more)
        };
        scan::ordered(&slices, &lines_read, work, consume)?;
    }
    Ok(ExitCode::SUCCESS)
}

struct RowSpec<'a> {
    format: Format,
    names: &'a [String],
    matcher: Option<&'a Matcher>,
    grep_cols: &'a [bool],
    show_dataset: bool,
}

impl RowSpec<'_> {
    fn header(&self) -> Vec<u8> {
        let mut h = Vec::new();
        let sep = self.format.separator();
        let mut scratch = Vec::new();
        let mut field = |h: &mut Vec<u8>, name: &str| {
            if !h.is_empty() {
                h.extend_from_slice(sep);
            }
            show::value(h, self.format, ColType::Unicode, &Stored::Bytes(name.as_bytes()), &mut scratch);
        };
        if self.matcher.is_some() {
            match (self.format, self.show_dataset) {
                (Format::Text, true) => field(&mut h, "dataset:slice:line"),
                (Format::Text, false) => field(&mut h, "slice:line"),
                (_, show_dataset) => {
                    if show_dataset {
                        field(&mut h, "dataset");
                    }
                    field(&mut h, "slice");
                    field(&mut h, "line");
                }
            }
        }
        for n in self.names {
            field(&mut h, n);
        }
        h.push(b'\n');
        h
    }

    /// Prints (the matching) rows of one slice.
    fn slice(&self, src: &Source<'_>, slice: usize, limit: Option<u64>, rows: &mut scan::Rows) -> SliceEnd {
        let ds = src.ds;
        let id = ds.id();
        let mut readers: Vec<ColumnReader> = Vec::with_capacity(src.cols.len());
        for &c in &src.cols {
            match ds.open_column(c, slice) {
                Ok(r) => readers.push(r),
                Err(e) => return e.into(),
            }
        }
        let mut extra: Vec<(ColumnReader, ColType, usize)> = Vec::with_capacity(src.extra.len());
        for &c in &src.extra {
            match ds.open_column(c, slice) {
                Ok(r) => extra.push((r, ds.meta.columns[c].ty, c)),
                Err(e) => return e.into(),
            }
        }
        let types: Vec<ColType> = src.cols.iter().map(|&c| ds.meta.columns[c].ty).collect();
        let mut keys = Vec::new();
        if self.format == Format::Json {
            for n in self.names {
                let mut k = Vec::new();
                show::json_string(&mut k, n.as_bytes());
                k.push(b':');
                keys.push(k);
            }
        }
        let mut id_json = Vec::new();
        show::json_string(&mut id_json, id.as_bytes());
        let sep = self.format.separator();
        let (mut scratch, mut match_scratch) = (Vec::new(), Vec::new());
        let mut found = 0u64;
        for line in 0..ds.lines(Some(slice)) {
            rows.read(1);
            let buf = rows.buf();
            if self.matcher.is_some() {
                match self.format {
                    Format::Text if self.show_dataset => {
                        buf.extend_from_slice(format!("{id}:{slice}:{line}\t").as_bytes());
                    }
                    Format::Text => buf.extend_from_slice(format!("{slice}:{line}\t").as_bytes()),
                    Format::Csv if self.show_dataset => {
                        show::value(buf, Format::Csv, ColType::Unicode, &Stored::Bytes(id.as_bytes()), &mut scratch);
                        buf.extend_from_slice(format!(",{slice},{line},").as_bytes());
                    }
                    Format::Csv => buf.extend_from_slice(format!("{slice},{line},").as_bytes()),
                    Format::Json => {
                        buf.extend_from_slice(b"{\"dataset\":");
                        buf.extend_from_slice(&id_json);
                        buf.extend_from_slice(format!(",\"slice\":{slice},\"line\":{line},\"row\":{{").as_bytes());
                    }
                }
            } else if self.format == Format::Json {
                buf.push(b'{');
            }
            let mut hit = false;
            if let Some(m) = self.matcher {
                for (r, ty, c) in &mut extra {
                    if hit {
                        break;
                    }
                    match r.get_resolved(line) {
                        Ok(v) => hit = show::plain(*ty, &v, &mut match_scratch).is_some_and(|t| m.regex.is_match(t)),
                        Err(e) => {
                            let name = &ds.meta.columns[*c].name;
                            return Error::User(format!("dataset {id}, column {name}, slice {slice}, line {line}: cannot read: {e}"))
                                .into();
                        }
                    }
                }
            }
            for (i, r) in readers.iter_mut().enumerate() {
                let v = match r.get_resolved(line) {
                    Ok(v) => v,
                    Err(e) => {
                        return Error::User(format!(
                            "dataset {id}, column {}, slice {slice}, line {line}: cannot read: {e}",
                            self.names[i]
                        ))
                        .into()
                    }
                };
                if let Some(m) = self.matcher {
                    if !hit && self.grep_cols[i] {
                        hit = show::plain(types[i], &v, &mut match_scratch).is_some_and(|t| m.regex.is_match(t));
                    }
                }
                if i > 0 {
                    buf.extend_from_slice(sep);
                }
                if self.format == Format::Json {
                    buf.extend_from_slice(&keys[i]);
                }
                show::value(buf, self.format, types[i], &v, &mut scratch);
            }
            if self.format == Format::Json {
                buf.extend_from_slice(if self.matcher.is_some() { b"}}" } else { b"}" });
            }
            buf.push(b'\n');
            if let Some(m) = self.matcher {
                if hit == m.invert {
                    rows.discard_row();
                    continue;
                }
            }
            if let Err(closed) = rows.end_row() {
                return closed.into();
            }
            found += 1;
            if limit.is_some_and(|l| found >= l) {
                break;
            }
        }
        SliceEnd::Done
    }
}
