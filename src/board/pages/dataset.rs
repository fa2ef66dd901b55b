//! `/dataset/JOB/NAME`: a dataset's job, method, caption, hashlabel, previous chain, parent,
//! lines per slice, each column's type, None support, min and max, and its first rows (`?rows=N`,
//! read slice by slice and shown as `exax cat` shows them).

use super::super::html::{dataset_link, esc, job_link, link, seg};
use super::super::{Board, Reply};
use super::Query;
use crate::dataset::locate;
use crate::dataset::reader::ColumnReader;
use crate::dataset::show::{self, Format};
use crate::job::records::{self, Setup};

const DEFAULT_ROWS: u64 = 20;
const MAX_ROWS: u64 = 1000;
const MAX_CHAIN: usize = 100;

/// The first `n` rows, slice 0 first, each value as text.
fn first_rows(ds: &crate::dataset::reader::Dataset, n: u64) -> Result<Vec<Vec<String>>, String> {
    let mut rows = Vec::new();
    let mut scratch = Vec::new();
    for slice in 0..ds.slices() {
        if rows.len() as u64 >= n {
            break;
        }
        let mut readers: Vec<ColumnReader> = Vec::new();
        for c in 0..ds.meta.columns.len() {
            readers.push(ds.open_column(c, slice).map_err(|e| e.to_string())?);
        }
        for line in 0..ds.lines(Some(slice)) {
            if rows.len() as u64 >= n {
                break;
            }
            let mut row = Vec::with_capacity(readers.len());
            for (c, r) in readers.iter_mut().enumerate() {
                let ty = ds.meta.columns[c].ty;
                let v = r
                    .get_resolved(line)
                    .map_err(|e| format!("column {}, slice {slice}, line {line}: {e}", ds.meta.columns[c].name))?;
                let mut out = Vec::new();
                show::value(&mut out, Format::Text, ty, &v, &mut scratch);
                row.push(String::from_utf8_lossy(&out).into_owned());
            }
            rows.push(row);
        }
    }
    Ok(rows)
}

pub fn page(board: &Board, job: &str, name: &str, q: &Query) -> Reply {
    let id = format!("{job}/{name}");
    let project = &board.project;
    let ds = match locate::open(project, &id, None) {
        Ok(d) => d,
        Err(e) => return Reply::not_found(e.to_string()),
    };
    let meta = &ds.meta;
    let n = q
        .get("rows")
        .and_then(|r| r.parse::<u64>().ok())
        .unwrap_or(DEFAULT_ROWS)
        .min(MAX_ROWS);
    let method = locate::locate(project, &id)
        .ok()
        .and_then(|l| records::read_json::<Setup>(&l.job_path.join(records::SETUP)).ok())
        .map(|s| s.method)
        .unwrap_or_default();
    let mut chain = Vec::new();
    let mut prev = meta.previous.clone();
    while let Some(p) = prev {
        if chain.contains(&p) || chain.len() >= MAX_CHAIN {
            break;
        }
        prev = locate::open(project, &p, None).ok().and_then(|d| d.meta.previous.clone());
        chain.push(p);
    }
    let total: u64 = meta.lines.iter().sum();
    let mut b = format!("<h1>{}</h1>\n<table class=\"grid\">\n", dataset_link(&meta.id()));
    let mut row = |k: &str, v: String| b.push_str(&format!("<tr><th>{k}</th><td>{v}</td></tr>\n"));
    row(
        "job",
        format!("{} {}", job_link(&meta.job), link(&format!("/method/{}", seg(&method)), &method)),
    );
    if !meta.caption.is_empty() {
        row("caption", esc(&meta.caption));
    }
    row("hashlabel", meta.hashlabel.as_deref().map_or("-".into(), esc));
    row(
        "previous",
        if chain.is_empty() {
            "-".into()
        } else {
            chain.iter().map(|c| dataset_link(c)).collect::<Vec<_>>().join(" &larr; ")
        },
    );
    row("parent", meta.parent.as_deref().map_or("-".into(), dataset_link));
    row(
        "lines",
        format!(
            "{total} in {} slices: {}",
            meta.lines.len(),
            meta.lines.iter().map(u64::to_string).collect::<Vec<_>>().join(", ")
        ),
    );
    b.push_str("</table>\n<h2>columns</h2>\n<table class=\"grid\" id=\"columns\"><tr><th>name</th><th>type</th><th>None</th><th>min</th><th>max</th></tr>\n");
    let show = |s: Option<crate::dataset::cell::Scalar>| s.map(|s| s.describe()).unwrap_or_else(|| "-".into());
    let mut cols_json = Vec::new();
    for c in &meta.columns {
        let (min, max) = (show(c.min()), show(c.max()));
        b.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
            esc(&c.name),
            esc(&c.ty.to_string()),
            if c.none_support { "yes" } else { "no" },
            esc(&min),
            esc(&max)
        ));
        cols_json.push(serde_json::json!({
            "name": c.name, "type": c.ty.to_string(), "none_support": c.none_support, "min": min, "max": max,
        }));
    }
    b.push_str("</table>\n");
    let rows = first_rows(&ds, n);
    b.push_str(&format!("<h2>the first {} rows</h2>\n", n.min(total)));
    match &rows {
        Ok(rows) => {
            b.push_str("<table class=\"grid\" id=\"rows\"><tr>");
            for c in &meta.columns {
                b.push_str(&format!("<th>{}</th>", esc(&c.name)));
            }
            b.push_str("</tr>\n");
            for r in rows {
                b.push_str("<tr>");
                for v in r {
                    b.push_str(&format!("<td>{}</td>", esc(v)));
                }
                b.push_str("</tr>\n");
            }
            b.push_str("</table>\n");
            if (rows.len() as u64) < total {
                let more = (n * 5).min(MAX_ROWS);
                if more > n {
                    b.push_str(&format!(
                        "<p>{}</p>\n",
                        link(
                            &format!("/dataset/{}/{}?rows={more}", seg(&meta.job), seg(&meta.name)),
                            &format!("show {more} rows")
                        )
                    ));
                }
            }
        }
        Err(e) => b.push_str(&format!("<div class=\"error\">cannot read: {}</div>\n", esc(e))),
    }
    let json = serde_json::json!({
        "id": meta.id(),
        "job": meta.job,
        "method": method,
        "caption": meta.caption,
        "hashlabel": meta.hashlabel,
        "previous": chain,
        "parent": meta.parent,
        "lines": meta.lines,
        "columns": cols_json,
        "rows": rows.as_ref().ok(),
    });
    Reply::Page {
        title: meta.id(),
        json,
        body: b,
    }
}
