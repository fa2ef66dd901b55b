//! `/`: the result directory (the links `job:link_result` made, newest first, with the job,
//! file, method and build each came from), the workdirs, and the live status; `/results/PATH`
//! serves a file through its link.

use std::collections::HashMap;

use camino::Utf8Path;

use super::super::files::Refused;
use super::super::html::{esc, job_link, link, path_segs, seg};
use super::super::results::{self, ResultLink};
use super::super::{Board, Reply};

/// Entries listed at most, and how deep the listing goes into subdirectories.
const MAX_ENTRIES: usize = 1000;
const MAX_DEPTH: usize = 4;

struct Entry {
    /// Relative to the result directory.
    rel: String,
    /// Where the link points (None: a plain file).
    target: Option<String>,
    mtime: f64,
    record: Option<ResultLink>,
}

fn walk(dir: &Utf8Path, rel: &str, depth: usize, out: &mut Vec<Entry>, records: &HashMap<String, ResultLink>) {
    let Ok(rd) = dir.read_dir_utf8() else { return };
    let mut names: Vec<_> = rd.flatten().collect();
    names.sort_by(|a, b| a.file_name().cmp(b.file_name()));
    for e in names {
        if out.len() >= MAX_ENTRIES {
            return;
        }
        let name = e.file_name();
        if name.starts_with('.') {
            continue;
        }
        let r = if rel.is_empty() {
            name.to_string()
        } else {
            format!("{rel}/{name}")
        };
        let Ok(meta) = e.path().symlink_metadata() else { continue };
        if meta.is_dir() {
            if depth < MAX_DEPTH {
                walk(e.path(), &r, depth + 1, out, records);
            }
            continue;
        }
        let mtime = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0.0, |d| d.as_secs_f64());
        let target = meta
            .is_symlink()
            .then(|| std::fs::read_link(e.path()).ok())
            .flatten()
            .map(|t| t.to_string_lossy().into_owned());
        out.push(Entry {
            record: records.get(&r).cloned(),
            rel: r,
            target,
            mtime,
        });
    }
}

pub fn index(board: &Board) -> Reply {
    let project = &board.project;
    let records: HashMap<String, ResultLink> = results::latest(&project.root).into_iter().map(|r| (r.link.clone(), r)).collect();
    let mut entries = Vec::new();
    walk(&project.config.result_directory, "", 0, &mut entries, &records);
    let when = |e: &Entry| e.record.as_ref().map_or(e.mtime, |r| r.timestamp);
    entries.sort_by(|a, b| when(b).total_cmp(&when(a)).then(a.rel.cmp(&b.rel)));

    let mut body = String::from("<h1>results</h1>\n");
    if entries.is_empty() {
        body.push_str(&format!(
            "<p class=\"muted\">The result directory ({}) has nothing yet: <code>job:link_result(...)</code> in a build script puts links here.</p>\n",
            esc(&project.display_path(&project.config.result_directory))
        ));
    } else {
        body.push_str("<table class=\"grid\" id=\"results\"><tr><th>result</th><th>job</th><th>file</th><th>method</th><th>build</th><th>linked</th></tr>\n");
        for e in &entries {
            let href = format!("/results/{}", path_segs(&e.rel));
            let (job, file, method, build) = match &e.record {
                Some(r) => (
                    job_link(&r.job),
                    link(&format!("/job/{}/file/{}", seg(&r.job), path_segs(&r.file)), &r.file),
                    link(&format!("/method/{}", seg(&r.method)), &r.method),
                    esc(&r.build),
                ),
                None => (
                    String::new(),
                    e.target.as_deref().map(esc).unwrap_or_default(),
                    String::new(),
                    String::new(),
                ),
            };
            body.push_str(&format!(
                "<tr><td>{}</td><td>{job}</td><td>{file}</td><td>{method}</td><td>{build}</td><td>{}</td></tr>\n",
                link(&href, &e.rel),
                super::time(when(e))
            ));
        }
        body.push_str("</table>\n");
    }
    body.push_str("<h2>workdirs</h2>\n<ul id=\"workdirs\">\n");
    for wd in &project.workdirs {
        body.push_str(&format!("<li>{}</li>\n", link(&format!("/workdir/{}", seg(&wd.name)), &wd.name)));
    }
    body.push_str("</ul>\n<h2>status</h2>\n");
    body.push_str(&super::status::live_block(board));
    let json = serde_json::json!({
        "project": project.root.as_str(),
        "results": entries.iter().map(|e| serde_json::json!({
            "link": e.rel,
            "target": e.target,
            "job": e.record.as_ref().map(|r| &r.job),
            "file": e.record.as_ref().map(|r| &r.file),
            "method": e.record.as_ref().map(|r| &r.method),
            "build": e.record.as_ref().map(|r| &r.build),
            "timestamp": when(e),
        })).collect::<Vec<_>>(),
        "workdirs": project.workdirs.iter().map(|w| &w.name).collect::<Vec<_>>(),
        "status": super::status::text(board),
    });
    Reply::Page {
        title: "results".into(),
        json,
        body,
    }
}

/// A file of the result directory, through its link (which must land inside the project).
pub fn result_file(board: &Board, rest: &[&str]) -> Reply {
    let segs: Vec<String> = rest.iter().map(|s| s.to_string()).collect();
    match board.roots.resolve(&board.project.config.result_directory, &segs) {
        Ok(p) if p.is_file() => Reply::File(p),
        Ok(_) | Err(Refused::Missing) => Reply::not_found(format!("no result {}", segs.join("/"))),
        Err(Refused::Outside) => Reply::Error(403, format!("result {} points outside the project", segs.join("/"))),
    }
}
