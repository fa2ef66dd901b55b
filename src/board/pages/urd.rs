//! `/urd`: the urd lists; `/urd/LIST`: its sessions with captions; `/urd/LIST/TS` (TS also
//! `latest`, `first`, `<=TS`, `latest~1`, ...): one session with its deps and joblist, and what
//! differs from the session before it (`exax urd diff`).

use super::super::html::{esc, job_link, link, path_segs, seg};
use super::super::{Board, Reply};
use crate::error::Error;
use crate::urd::path::{self, UrdPath};
use crate::urd::{Entry, Timestamp, Urd};

fn open(board: &Board) -> Result<(Urd, bool), Reply> {
    let urd = Urd::open(&board.project).map_err(|e| Reply::Error(500, e.to_string()))?;
    let remote = matches!(urd, Urd::Remote(_));
    Ok((urd, remote))
}

fn list_href(list: &str) -> String {
    format!("/urd/{}", path_segs(list))
}

pub fn lists(board: &Board) -> Reply {
    let (mut urd, _) = match open(board) {
        Ok(u) => u,
        Err(r) => return r,
    };
    let lists = match urd.lists() {
        Ok(l) => l,
        Err(e) => return Reply::Error(500, e.to_string()),
    };
    let mut b = String::from("<h1>urd lists</h1>\n");
    if lists.is_empty() {
        b.push_str("<p class=\"muted\">no lists yet (<code>urd:begin(list)</code> ... <code>urd:finish(list)</code> in a build script makes one)</p>\n");
    }
    b.push_str("<ul id=\"lists\">\n");
    for l in &lists {
        b.push_str(&format!(
            "<li>{} <a href=\"{}/first\">first</a> <a href=\"{}/latest\">latest</a></li>\n",
            link(&list_href(l), l),
            esc(&list_href(l)),
            esc(&list_href(l))
        ));
    }
    b.push_str("</ul>\n");
    Reply::Page {
        title: "urd".into(),
        json: serde_json::json!(lists),
        body: b,
    }
}

pub fn path(board: &Board, rest: &[&str]) -> Reply {
    let (mut urd, remote) = match open(board) {
        Ok(u) => u,
        Err(r) => return r,
    };
    let p = rest.join("/");
    let parsed = match path::parse(&p, remote) {
        Ok(x) => x,
        Err(e) => return Reply::not_found(e.to_string()),
    };
    match parsed {
        UrdPath::Since(list) => since(&mut urd, &list),
        UrdPath::Session(list, q, back) => session(board, &mut urd, &list, &q, back, &p),
    }
}

fn zero() -> Timestamp {
    match Timestamp::parse("0") {
        Ok(t) => t,
        Err(_) => unreachable!("0 is a timestamp"),
    }
}

fn since(urd: &mut Urd, list: &str) -> Reply {
    let all = match urd.since(list, &zero()) {
        Ok(a) => a,
        Err(e) => return Reply::Error(500, e.to_string()),
    };
    if all.is_empty() {
        return Reply::not_found(format!("urd list `{list}` has no sessions"));
    }
    let mut b = format!("<h1>urd list {}</h1>\n<ul id=\"sessions\">\n", esc(list));
    for (ts, caption) in &all {
        b.push_str(&format!(
            "<li>{} <span class=\"muted\">{}</span></li>\n",
            link(&format!("{}/{}", list_href(list), seg(ts)), ts),
            esc(caption)
        ));
    }
    b.push_str("</ul>\n");
    Reply::Page {
        title: list.to_string(),
        json: serde_json::json!(all
            .iter()
            .map(|(t, c)| serde_json::json!({"timestamp": t, "caption": c}))
            .collect::<Vec<_>>()),
        body: b,
    }
}

fn joblist_html(e: &Entry) -> String {
    let mut s = String::from("<ol class=\"joblist\">\n");
    for (name, id) in &e.joblist {
        s.push_str(&format!("<li>{} {}</li>\n", esc(name), job_link(id)));
    }
    s.push_str("</ol>\n");
    s
}

fn session(board: &Board, urd: &mut Urd, list: &str, q: &crate::urd::Lookup, back: usize, asked: &str) -> Reply {
    let e = match path::session(urd, list, q, back) {
        Ok(Some(e)) => e,
        Ok(None) => return Reply::not_found(format!("urd list `{list}` has no session {asked}")),
        Err(e) => return Reply::Error(500, e.to_string()),
    };
    // The session before it, for the diff.
    let prev = Timestamp::parse(&e.timestamp)
        .map_err(Error::from)
        .and_then(|t| path::session(urd, list, &crate::urd::Lookup::Exact(t), 1))
        .ok()
        .flatten();
    let mut b = format!(
        "<h1>urd {}/{}</h1>\n<table class=\"grid\">\n",
        link(&list_href(list), list),
        esc(&e.timestamp)
    );
    b.push_str(&format!(
        "<tr><th>timestamp</th><td id=\"urd-timestamp\">{}</td></tr>\n",
        esc(&e.timestamp)
    ));
    b.push_str(&format!("<tr><th>caption</th><td>{}</td></tr>\n", esc(&e.caption)));
    let build = if crate::job::id::JobId::parse(&e.build_job).is_some() {
        job_link(&e.build_job)
    } else {
        esc(&e.build_job)
    };
    b.push_str(&format!("<tr><th>build</th><td>{build}</td></tr>\n</table>\n"));
    if !e.deps.is_empty() {
        b.push_str("<h2>deps</h2>\n<ul>\n");
        for (dl, d) in &e.deps {
            b.push_str(&format!(
                "<li>{} {}</li>\n",
                link(
                    &format!("{}/{}", list_href(dl), seg(&d.timestamp)),
                    &format!("{dl}/{}", d.timestamp)
                ),
                esc(&d.caption)
            ));
        }
        b.push_str("</ul>\n");
    }
    b.push_str("<h2>joblist</h2>\n");
    b.push_str(&joblist_html(&e));
    let mut diff_json = serde_json::Value::Null;
    b.push_str("<h2>against the session before</h2>\n");
    match &prev {
        None => b.push_str("<p class=\"muted\" id=\"urd-diff\">the first session of the list</p>\n"),
        Some(p) => {
            let diffs = crate::urd::diff::diff(&board.project, p, &e);
            b.push_str(&format!(
                "<p>{} &rarr; {}</p>\n",
                link(
                    &format!("{}/{}", list_href(list), seg(&p.timestamp)),
                    &format!("{list}/{}", p.timestamp)
                ),
                esc(&format!("{list}/{}", e.timestamp))
            ));
            if diffs.is_empty() {
                b.push_str("<p id=\"urd-diff\">the same jobs</p>\n");
            } else {
                b.push_str("<table class=\"grid\" id=\"urd-diff\"><tr><th>name</th><th>before</th><th>now</th><th>why</th></tr>\n");
                for d in &diffs {
                    let id = |x: &Option<String>| x.as_deref().map_or("(none)".into(), job_link);
                    b.push_str(&format!(
                        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
                        esc(&d.name),
                        id(&d.old),
                        id(&d.new),
                        esc(&d.reasons.join("; "))
                    ));
                }
                b.push_str("</table>\n");
            }
            diff_json = serde_json::json!({
                "previous": p.timestamp,
                "jobs": diffs.iter().map(|d| serde_json::json!({
                    "name": d.name, "old": d.old, "new": d.new, "reasons": d.reasons,
                })).collect::<Vec<_>>(),
            });
        }
    }
    let json = serde_json::json!({
        "list": list,
        "timestamp": e.timestamp,
        "caption": e.caption,
        "build_job": e.build_job,
        "joblist": e.joblist,
        "deps": serde_json::to_value(&e.deps).unwrap_or_default(),
        "diff": diff_json,
    });
    Reply::Page {
        title: format!("{list}/{}", e.timestamp),
        json,
        body: b,
    }
}
