//! `/status`: what every running `exax run` of the project is doing, as a table (a row per job
//! with method, phase, slice, elapsed time, host and pid; a row per status message; in tree
//! order, indented by depth), kept current in the
//! page by polling its JSON once a second without a reload. The rows are read from the status
//! tree each run answers on its socket (`exax status`'s text), so the board and `exax status`
//! always show the same thing.

use serde::Serialize;

use super::super::html::esc;
use super::super::{Board, Reply};
use crate::job::id::JobId;
use crate::job::records::{self, Setup};

/// One line of a run's status tree.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Row {
    pub pid: u32,
    pub host: String,
    /// Nesting in the tree (0: outermost).
    pub depth: usize,
    #[serde(flatten)]
    pub what: What,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum What {
    /// `test-3 wordcount  analysis(1) (2.5 seconds)`: a job in a phase (one row per running
    /// analysis slice), with the job's slice count when its setup.json says and, in analysis,
    /// how many of its slices have ended (the outcome files its workers left).
    Job {
        job: String,
        method: String,
        phase: String,
        slice: Option<usize>,
        slices: Option<usize>,
        done: Option<usize>,
        elapsed: f64,
    },
    /// A `status()` message, a progress line, or a build of `urd:build_all` not yet in a job.
    Message { message: String },
}

/// `ID METHOD  PHASE (S seconds)` as (id, method, phase, slice, seconds).
fn parse_job(line: &str) -> Option<(String, String, String, Option<usize>, f64)> {
    let rest = line.strip_suffix(" seconds)")?;
    let (head, secs) = rest.rsplit_once(" (")?;
    let elapsed: f64 = secs.parse().ok()?;
    let (name, phase) = head.split_once("  ")?;
    let (id, method) = name.split_once(' ')?;
    JobId::parse(id)?;
    if method.is_empty() || method.contains(' ') {
        return None;
    }
    let (phase, slice) = match phase.strip_prefix("analysis(").and_then(|p| p.strip_suffix(')')) {
        Some(n) => ("analysis", Some(n.parse().ok()?)),
        None if matches!(phase, "starting" | "prepare" | "analysis" | "synthesis") => (phase, None),
        None => return None,
    };
    Some((id.to_string(), method.to_string(), phase.to_string(), slice, elapsed))
}

/// What the job's directory says: (slices, slices ended) for (job, phase).
type JobInfo<'a> = &'a dyn Fn(&str, &str) -> (Option<usize>, Option<usize>);

/// The rows of one run's tree.
pub fn rows(pid: u32, host: &str, tree: &str, info: JobInfo) -> Vec<Row> {
    tree.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let text = l.trim_start_matches(' ');
            let depth = (l.len() - text.len()) / 2;
            let what = match parse_job(text) {
                Some((job, method, phase, slice, elapsed)) => {
                    let (slices, done) = info(&job, &phase);
                    What::Job {
                        slices,
                        done,
                        job,
                        method,
                        phase,
                        slice,
                        elapsed,
                    }
                }
                None => What::Message { message: text.to_string() },
            };
            Row {
                pid,
                host: host.to_string(),
                depth,
                what,
            }
        })
        .collect()
}

struct Snapshot {
    text: String,
    rows: Vec<Row>,
}

/// What the runs answer now; never removes a stale socket.
fn snapshot(board: &Board) -> Snapshot {
    let answers = crate::status::socket::query_pids(&board.project.root, false);
    let host = crate::sys::host_name();
    let info = |id: &str, phase: &str| {
        let Some(dir) = JobId::parse(id).and_then(|j| board.project.job_path(&j).ok()) else {
            return (None, None);
        };
        let slices = records::read_json::<Setup>(&dir.join(records::SETUP)).ok().map(|s| s.slices);
        let done = (phase == "analysis").then(|| crate::job::analysis::slices_done(&dir));
        (slices, done)
    };
    let mut rows = Vec::new();
    for (pid, tree) in &answers {
        rows.extend(self::rows(*pid, host, tree, &info));
    }
    let text = if answers.is_empty() {
        "no build running\n".to_string()
    } else {
        answers.into_iter().map(|(_, t)| t).collect()
    };
    Snapshot { text, rows }
}

/// The trees of the running builds as `exax status` prints them, or `no build running`.
pub fn text(board: &Board) -> String {
    snapshot(board).text
}

/// `slice 1 of 2 (1 done)`, `2 slices (2 done)`, or nothing.
fn slice_text(phase: &str, slice: Option<usize>, slices: Option<usize>, done: Option<usize>) -> String {
    let mut t = match (slice, slices) {
        (Some(s), Some(n)) => format!("slice {s} of {n}"),
        (Some(s), None) => format!("slice {s}"),
        (None, Some(n)) if phase == "analysis" => format!("{n} slices"),
        _ => return String::new(),
    };
    if let Some(d) = done {
        t.push_str(&format!(" ({d} done)"));
    }
    t
}

fn row_html(r: &Row) -> String {
    let pad = format!(" style=\"padding-left:{:.1}em\"", 0.6 + 1.2 * r.depth as f64);
    let host = format!("{} ({})", esc(&r.host), r.pid);
    match &r.what {
        What::Job {
            job,
            method,
            phase,
            slice,
            slices,
            done,
            elapsed,
        } => format!(
            "<tr class=\"job\"><td{pad}>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"num\">{elapsed:.1} s</td><td>{host}</td></tr>\n",
            super::super::html::job_link(job),
            super::super::html::link(&format!("/method/{}", super::super::html::seg(method)), method),
            esc(phase),
            esc(&slice_text(phase, *slice, *slices, *done)),
        ),
        What::Message { message } => format!(
            "<tr class=\"message\"><td colspan=\"5\"{pad}>{}</td><td>{host}</td></tr>\n",
            esc(message)
        ),
    }
}

/// The script that keeps the table current: it polls `/status` as JSON and rebuilds the rows
/// with DOM calls (text only, nothing parsed as HTML).
const SCRIPT: &str = r#"<script>
(function () {
  const table = document.getElementById('status-table');
  const body = document.getElementById('status-rows');
  const idle = document.getElementById('status-idle');
  const live = document.getElementById('status-live');
  const cell = function (tr, text, pad) {
    const td = document.createElement('td');
    if (text instanceof Node) { td.appendChild(text); } else { td.textContent = text; }
    if (pad !== undefined) { td.style.paddingLeft = (0.6 + 1.2 * pad).toFixed(1) + 'em'; }
    tr.appendChild(td);
    return td;
  };
  const link = function (href, text) {
    const a = document.createElement('a');
    a.href = href;
    a.textContent = text;
    return a;
  };
  const sliceText = function (r) {
    let t;
    if (r.slice !== null && r.slices !== null) { t = 'slice ' + r.slice + ' of ' + r.slices; }
    else if (r.slice !== null) { t = 'slice ' + r.slice; }
    else if (r.slices !== null && r.phase === 'analysis') { t = r.slices + ' slices'; }
    else { return ''; }
    return r.done !== null ? t + ' (' + r.done + ' done)' : t;
  };
  const show = function (rows) {
    const fresh = document.createElement('tbody');
    fresh.id = 'status-rows';
    for (const r of rows) {
      const tr = document.createElement('tr');
      const host = r.host + ' (' + r.pid + ')';
      if (r.job !== undefined) {
        tr.className = 'job';
        cell(tr, link('/job/' + encodeURIComponent(r.job), r.job), r.depth);
        cell(tr, link('/method/' + encodeURIComponent(r.method), r.method));
        cell(tr, r.phase);
        cell(tr, sliceText(r));
        cell(tr, r.elapsed.toFixed(1) + ' s').className = 'num';
        cell(tr, host);
      } else {
        tr.className = 'message';
        cell(tr, r.message, r.depth).colSpan = 5;
        cell(tr, host);
      }
      fresh.appendChild(tr);
    }
    document.getElementById('status-rows').replaceWith(fresh);
    table.hidden = rows.length === 0;
    idle.hidden = rows.length !== 0;
  };
  const poll = function () {
    fetch('/status', {headers: {Accept: 'application/json'}})
      .then(r => r.json())
      .then(j => { show(j.rows); live.textContent = 'live, updated ' + new Date().toLocaleTimeString(); })
      .catch(() => { live.textContent = 'board not reachable'; })
      .finally(() => setTimeout(poll, 1000));
  };
  poll();
})();
</script>
"#;

/// The status table with the script that keeps it current (on `/` and `/status`).
pub fn live_block(board: &Board) -> String {
    let snap = snapshot(board);
    let rows: String = snap.rows.iter().map(row_html).collect();
    let idle = !snap.rows.is_empty();
    format!(
        "<p id=\"status-idle\"{}>no build running</p>\n\
         <table class=\"grid\" id=\"status-table\"{}><thead><tr><th>job, status message</th><th>method</th>\
         <th>phase</th><th>slice</th><th>elapsed</th><th>host (pid)</th></tr></thead>\n<tbody id=\"status-rows\">\n{rows}</tbody></table>\n\
         <p class=\"muted\" id=\"status-live\">live updates need JavaScript</p>\n{SCRIPT}",
        if idle { " hidden" } else { "" },
        if idle { "" } else { " hidden" },
    )
}

pub fn page(board: &Board) -> Reply {
    let snap = snapshot(board);
    Reply::Page {
        title: "status".into(),
        json: serde_json::json!({
            "running": !snap.rows.is_empty(),
            "rows": snap.rows,
            "text": snap.text,
        }),
        body: format!("<h1>status</h1>\n{}", live_block(board)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_of_a_tree() {
        let tree = "building the gated job\n  test-0 gated  analysis(1) (2.5 seconds)\n    slice 1 waits\n  \
                    fanout-12 m2  synthesis (0.0 seconds)\nimp (1.0 seconds)\n";
        let info = |id: &str, phase: &str| ((id == "test-0").then_some(2), (phase == "analysis").then_some(1));
        let r = rows(7, "h", tree, &info);
        let msg = |depth, m: &str| Row {
            pid: 7,
            host: "h".into(),
            depth,
            what: What::Message { message: m.into() },
        };
        assert_eq!(r[0], msg(0, "building the gated job"));
        assert_eq!(
            r[1].what,
            What::Job {
                job: "test-0".into(),
                method: "gated".into(),
                phase: "analysis".into(),
                slice: Some(1),
                slices: Some(2),
                done: Some(1),
                elapsed: 2.5
            }
        );
        assert_eq!(r[1].depth, 1);
        assert_eq!(r[2], msg(2, "slice 1 waits"));
        assert!(
            matches!(&r[3].what, What::Job { job, phase, slice: None, slices: None, done: None, .. } if job == "fanout-12" && phase == "synthesis")
        );
        assert_eq!(r[4], msg(0, "imp (1.0 seconds)"));
        assert_eq!(slice_text("analysis", Some(1), Some(2), Some(1)), "slice 1 of 2 (1 done)");
        assert_eq!(slice_text("analysis", None, Some(2), Some(2)), "2 slices (2 done)");
        assert_eq!(slice_text("synthesis", None, Some(2), None), "");
        let json = serde_json::to_value(&r[1]).unwrap();
        assert_eq!(json["job"], "test-0");
        assert_eq!(json["slices"], 2);
        assert_eq!(serde_json::to_value(&r[0]).unwrap()["message"], "building the gated job");
    }
}
