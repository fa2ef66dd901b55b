//! `exax urd [PATH ...]`: the lists of the project's urd store, a list's sessions (`LIST`), one
//! session with its joblist (`LIST/latest`, `LIST/TS`), a job id (`:LIST:NAME`), the history of
//! runs (`--runs`), and `exax urd diff LIST TS1 TS2`.

use std::fmt::Write as _;
use std::process::ExitCode;

use crate::error::{Error, Result};
use crate::project::Project;
use crate::urd::path::{self, UrdPath};
use crate::urd::{Entry, Timestamp, Urd};

/// Show urd lists and sessions: no PATH lists the lists; `LIST` its sessions; `LIST/latest`,
/// `LIST/first`, `LIST/TS`, `LIST/<=TS` one session (add `~N` for N sessions earlier);
/// `:LIST:NAME` or `:LIST/TS:NAME` the id of that job. `exax urd diff LIST TS1 TS2` shows which
/// named jobs differ between two sessions, and why.
#[derive(clap::Args)]
pub struct Args {
    /// What to show (see above); `diff LIST TS1 TS2` compares two sessions.
    paths: Vec<String>,
    /// Show every `exax run` of this project: script, arguments, jobs built and reused, times.
    #[arg(long)]
    runs: bool,
    /// Print every job id an urd session refers to (its joblist, or that of a session it
    /// depended on; history included): the jobs `exax gc` must keep.
    #[arg(long)]
    referenced: bool,
}

pub fn run(a: Args) -> Result<ExitCode> {
    let project = Project::from_cwd()?;
    if a.runs {
        super::stdout::print(&runs(&project)?)?;
        return Ok(ExitCode::SUCCESS);
    }
    if a.referenced {
        let ids: String = crate::urd::referenced_jobs(&project)?.iter().map(|id| format!("{id}\n")).collect();
        super::stdout::print(&ids)?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut urd = Urd::open(&project)?;
    let remote = matches!(urd, Urd::Remote(_));
    if a.paths.first().map(String::as_str) == Some("diff") {
        let [_, list, t1, t2] = a.paths.as_slice() else {
            return Err(Error::User(
                "usage: exax urd diff LIST TS1 TS2 (TS: a timestamp, latest, latest~1, ...)".into(),
            ));
        };
        let text = diff(&project, &mut urd, list, t1, t2, remote)?;
        super::stdout::print(&text)?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut text = String::new();
    let mut code = ExitCode::SUCCESS;
    if a.paths.is_empty() {
        for l in urd.lists()? {
            let _ = writeln!(text, "{l}");
        }
    }
    for p in &a.paths {
        if p.starts_with(':') {
            let _ = writeln!(text, "{}", path::resolve_job(&mut urd, p, remote)?);
            continue;
        }
        match path::parse(p, remote)? {
            UrdPath::Since(list) => {
                let all = urd.since(&list, &Timestamp::parse("0")?)?;
                let w = all.iter().map(|(t, _)| t.len()).max().unwrap_or(0);
                for (t, c) in all {
                    if c.is_empty() {
                        let _ = writeln!(text, "{t}");
                    } else {
                        let _ = writeln!(text, "{t:<w$} : {}", c.replace('\n', " "));
                    }
                }
            }
            UrdPath::Session(list, q, back) => match path::session(&mut urd, &list, &q, back)? {
                Some(e) => text.push_str(&format_entry(&list, &e)),
                None => {
                    crate::console::err_line(&format!("error: urd list `{list}` has no session {p}"));
                    code = ExitCode::from(1);
                }
            },
        }
    }
    super::stdout::print(&text)?;
    Ok(code)
}

/// One session as the original prints it: header lines, then its joblist.
pub fn format_entry(list: &str, e: &Entry) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "list     : {list}");
    let _ = writeln!(s, "timestamp: {}", e.timestamp);
    let _ = writeln!(s, "build job: {}", e.build_job);
    let _ = writeln!(s, "caption  : {}", e.caption.replace('\n', "\n           "));
    let deps: Vec<String> = e
        .deps
        .iter()
        .map(|(l, d)| {
            if d.caption.is_empty() {
                format!("{l}/{}", d.timestamp)
            } else {
                format!("{l}/{} : {}", d.timestamp, d.caption)
            }
        })
        .collect();
    let _ = writeln!(s, "deps     : {}", deps.join("\n           "));
    let w = e.joblist.iter().map(|j| j.0.len()).max().unwrap_or(0);
    let _ = writeln!(s, "JobList(");
    for (i, (n, id)) in e.joblist.iter().enumerate() {
        let _ = writeln!(s, "   [{i:3}] {n:>w$} : {id}");
    }
    let _ = writeln!(s, ")");
    s
}

fn one(urd: &mut Urd, list: &str, ts: &str, remote: bool) -> Result<Entry> {
    let (l, q, back) = match path::parse(&format!("{list}/{ts}"), remote)? {
        UrdPath::Session(l, q, b) => (l, q, b),
        UrdPath::Since(_) => return Err(crate::urd::UrdError::NotASession(ts.to_string()).into()),
    };
    path::session(urd, &l, &q, back)?.ok_or_else(|| {
        crate::urd::UrdError::NoSession {
            spec: None,
            list: l,
            query: ts.to_string(),
        }
        .into()
    })
}

fn diff(project: &Project, urd: &mut Urd, list: &str, t1: &str, t2: &str, remote: bool) -> Result<String> {
    let (a, b) = (one(urd, list, t1, remote)?, one(urd, list, t2, remote)?);
    let diffs = crate::urd::diff::diff(project, &a, &b);
    let mut s = format!("{list}/{} -> {list}/{}\n", a.timestamp, b.timestamp);
    if diffs.is_empty() {
        s.push_str("the same jobs\n");
    }
    let w = diffs.iter().map(|d| d.name.len()).max().unwrap_or(0);
    for d in diffs {
        let ids = format!(
            "{} -> {}",
            d.old.as_deref().unwrap_or("(none)"),
            d.new.as_deref().unwrap_or("(none)")
        );
        let _ = writeln!(s, "  {:<w$}  {ids}: {}", d.name, d.reasons.join("; "));
    }
    Ok(s)
}

fn runs(project: &Project) -> Result<String> {
    let recs = crate::urd::runs::read(&crate::urd::local_dir(project)).map_err(crate::urd::UrdError::Store)?;
    let mut s = String::new();
    for r in recs {
        let start = r.start.split('.').next().unwrap_or(&r.start).replace('T', " ");
        let end = r.end.split('.').next().unwrap_or(&r.end).replace('T', " ");
        let args = if r.args.is_empty() {
            String::new()
        } else {
            format!(" -- {}", r.args.join(" "))
        };
        let _ = writeln!(s, "{start} .. {end}  {}  {}{args}", r.status, r.script);
        let _ = writeln!(s, "    built: {}", if r.built.is_empty() { "-".into() } else { r.built.join(" ") });
        let _ = writeln!(
            s,
            "    reused: {}",
            if r.reused.is_empty() { "-".into() } else { r.reused.join(" ") }
        );
        if !r.sessions.is_empty() {
            let _ = writeln!(s, "    sessions: {}", r.sessions.join(" "));
        }
    }
    Ok(s)
}
