//! `/workdir`: the workdirs; `/workdir/NAME?page=N`: its jobs, newest first, with method, state,
//! start and run time and caption, a page at a time. Only the directory listing and the records
//! of the jobs on the page are read, so a workdir of any size pages as fast as a small one.

use super::super::html::{esc, job_link, link, seg};
use super::super::{Board, Reply};
use super::Query;
use crate::job::records::{self, Setup};

pub const PER_PAGE: usize = 100;

pub fn list(board: &Board) -> Reply {
    let mut b = String::from("<h1>workdirs</h1>\n<table class=\"grid\"><tr><th>name</th><th>path</th></tr>\n");
    for wd in &board.project.workdirs {
        b.push_str(&format!(
            "<tr><td>{}</td><td>{}</td></tr>\n",
            link(&format!("/workdir/{}", seg(&wd.name)), &wd.name),
            esc(wd.path.as_str())
        ));
    }
    b.push_str("</table>\n");
    let json = serde_json::json!(board
        .project
        .workdirs
        .iter()
        .map(|w| serde_json::json!({"name": w.name, "path": w.path}))
        .collect::<Vec<_>>());
    Reply::Page {
        title: "workdirs".into(),
        json,
        body: b,
    }
}

pub fn page(board: &Board, name: &str, q: &Query) -> Reply {
    let wd = match board.project.workdir(name) {
        Ok(w) => w,
        Err(e) => return Reply::not_found(e.to_string()),
    };
    let mut numbers = match wd.job_numbers() {
        Ok(n) => n,
        Err(e) => return Reply::Error(500, e.to_string()),
    };
    numbers.reverse();
    let pages = numbers.len().div_ceil(PER_PAGE).max(1);
    let page = q.get("page").and_then(|p| p.parse::<usize>().ok()).unwrap_or(1).clamp(1, pages);
    let shown = &numbers[((page - 1) * PER_PAGE).min(numbers.len())..(page * PER_PAGE).min(numbers.len())];
    let nav = {
        let mut s = String::from("<p class=\"pages\">");
        let href = |p: usize| format!("/workdir/{}?page={p}", seg(name));
        if page > 1 {
            s.push_str(&link(&href(1), "newest"));
            s.push_str(&link(&href(page - 1), "⇦ newer"));
        }
        s.push_str(&format!("<span>page {page} of {pages} ({} jobs)</span>", numbers.len()));
        if page < pages {
            s.push_str(&link(&href(page + 1), "older ⇨"));
            s.push_str(&link(&href(pages), "oldest"));
        }
        s.push_str("</p>\n");
        s
    };
    let mut b = format!("<h1>workdir {}</h1>\n{nav}", esc(name));
    b.push_str("<table class=\"grid\" id=\"jobs\"><tr><th>job</th><th>method</th><th>state</th><th>started (UTC)</th><th>time</th><th>caption</th></tr>\n");
    let mut jobs = Vec::with_capacity(shown.len());
    for &n in shown {
        let dir = wd.job_path(n);
        let id = format!("{}-{n}", wd.name);
        let setup = records::read_json::<Setup>(&dir.join(records::SETUP)).ok();
        let post = records::read_post(&dir);
        let state = if post.is_some() {
            "finished"
        } else if dir.join(records::FAILURE).is_file() {
            "failed"
        } else {
            "unfinished"
        };
        let method = setup.as_ref().map_or("?", |s| s.method.as_str());
        let total = post.as_ref().map(|p| p.exectime.total);
        b.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td class=\"{state}\">{state}</td><td>{}</td><td class=\"num\">{}</td><td>{}</td></tr>\n",
            job_link(&id),
            link(&format!("/method/{}", seg(method)), method),
            setup.as_ref().map(|s| super::time(s.starttime)).unwrap_or_default(),
            total.map(super::duration).unwrap_or_default(),
            esc(setup.as_ref().map_or("", |s| s.caption.as_str()))
        ));
        jobs.push(serde_json::json!({
            "id": id,
            "method": method,
            "state": state,
            "starttime": setup.as_ref().map(|s| s.starttime),
            "exectime": total,
            "caption": setup.as_ref().map(|s| s.caption.clone()),
        }));
    }
    b.push_str("</table>\n");
    b.push_str(&nav);
    let json = serde_json::json!({
        "name": name,
        "total": numbers.len(),
        "page": page,
        "pages": pages,
        "jobs": jobs,
    });
    Reply::Page {
        title: format!("workdir {name}"),
        json,
        body: b,
    }
}
