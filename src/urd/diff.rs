//! `exax urd diff LIST TS1 TS2`: which named jobs of two sessions differ, and why: another
//! method, its source or a module it requires, a parameter, an upstream job of the session that
//! changed, or what the job recorded after it ran (inputs).

use std::collections::BTreeMap;

use super::Entry;
use crate::job::records::{self, Post, Setup};
use crate::project::Project;

pub struct JobDiff {
    pub name: String,
    pub old: Option<String>,
    pub new: Option<String>,
    pub reasons: Vec<String>,
}

/// The last job of each name, in order of first appearance.
fn by_name(e: &Entry) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for (n, id) in &e.joblist {
        match out.iter_mut().find(|(m, _)| m == n) {
            Some(slot) => slot.1 = id.clone(),
            None => out.push((n.clone(), id.clone())),
        }
    }
    out
}

struct Records {
    setup: Setup,
    source: Option<String>,
    post: Option<Post>,
    dir: camino::Utf8PathBuf,
}

fn load(project: &Project, id: &str) -> Option<Records> {
    let jid = crate::job::id::JobId::parse(id)?;
    let dir = project.job_path(&jid).ok()?;
    let setup: Setup = records::read_json(&dir.join(records::SETUP)).ok()?;
    Some(Records {
        source: std::fs::read_to_string(dir.join(records::METHOD_SOURCE)).ok(),
        post: records::read_post(&dir),
        setup,
        dir,
    })
}

fn show(v: Option<&serde_json::Value>) -> String {
    v.map_or_else(|| "(unset)".to_string(), |v| v.to_string())
}

/// Why job `a` became job `b`. `changed` maps old to new ids of the other jobs that changed.
fn reasons(project: &Project, a: &str, b: &str, changed: &BTreeMap<String, (String, String)>) -> Vec<String> {
    let (Some(ra), Some(rb)) = (load(project, a), load(project, b)) else {
        return vec!["one of the jobs is gone (its setup.json cannot be read)".into()];
    };
    let (sa, sb) = (&ra.setup, &rb.setup);
    let mut out = Vec::new();
    if sa.method != sb.method {
        out.push(format!("method {} -> {}", sa.method, sb.method));
        return out;
    }
    if ra.source != rb.source {
        let (la, lb) = (ra.source.unwrap_or_default(), rb.source.unwrap_or_default());
        let (la, lb): (Vec<&str>, Vec<&str>) = (la.lines().collect(), lb.lines().collect());
        let first = la.iter().zip(&lb).position(|(x, y)| x != y).unwrap_or(la.len().min(lb.len()));
        out.push(format!("source of {} changed (from line {})", sb.method_file, first + 1));
    }
    for (name, _) in &sb.hashed_files {
        let (fa, fb) = (std::fs::read(ra.dir.join(name)).ok(), std::fs::read(rb.dir.join(name)).ok());
        if fa != fb {
            out.push(format!("module {name} changed"));
        }
    }
    for (section, ma, mb) in [
        ("option", &sa.options, &sb.options),
        ("dataset", &sa.datasets, &sb.datasets),
        ("job", &sa.jobs, &sb.jobs),
    ] {
        let keys: std::collections::BTreeSet<&String> = ma.keys().chain(mb.keys()).collect();
        for k in keys {
            let (va, vb) = (ma.get(k), mb.get(k));
            if va == vb {
                continue;
            }
            // A dataset or job parameter that points at a job that changed in this session too.
            let upstream = match (va.and_then(|v| v.as_str()), vb.and_then(|v| v.as_str())) {
                (Some(x), Some(y)) => {
                    let job_of = |s: &str| s.split('/').next().unwrap_or(s).to_string();
                    changed
                        .get(&job_of(x))
                        .filter(|(_, n)| *n == job_of(y))
                        .map(|(label, _)| label.clone())
                }
                _ => None,
            };
            if let Some(label) = upstream {
                out.push(format!("upstream {label} changed ({section} {k}: {} -> {})", show(va), show(vb)));
            } else {
                out.push(format!("{section} {k}: {} -> {}", show(va), show(vb)));
            }
        }
    }
    if out.is_empty() {
        out.extend(input_changes(ra.post.as_ref(), rb.post.as_ref()));
    }
    if out.is_empty() {
        let ea = ra.post.map(|p| p.extra).unwrap_or_default();
        let eb = rb.post.map(|p| p.extra).unwrap_or_default();
        for k in ea.keys().chain(eb.keys()).collect::<std::collections::BTreeSet<_>>() {
            if ea.get(k) != eb.get(k) {
                out.push(format!("recorded {k} differ (an input changed)"));
            }
        }
    }
    if out.is_empty() {
        out.push("same source, parameters and input files (rebuilt with force_build)".into());
    }
    out
}

/// The input files (in the input directory) the two jobs read that differ: changed content, or
/// read by one job only.
fn input_changes(a: Option<&Post>, b: Option<&Post>) -> Vec<String> {
    let (ia, ib) = (a.map_or(&[][..], |p| &p.inputs[..]), b.map_or(&[][..], |p| &p.inputs[..]));
    let names: std::collections::BTreeSet<&str> = ia.iter().chain(ib).map(|f| f.name.as_str()).collect();
    let mut out = Vec::new();
    for name in names {
        let (fa, fb) = (ia.iter().find(|f| f.name == name), ib.iter().find(|f| f.name == name));
        match (fa, fb) {
            (Some(x), Some(y)) if x.hash != y.hash => out.push(format!("input file {name} changed ({} -> {} bytes)", x.size, y.size)),
            (Some(_), None) => out.push(format!("input file {name} no longer read")),
            (None, Some(_)) => out.push(format!("input file {name} newly read")),
            _ => {}
        }
    }
    out
}

pub fn diff(project: &Project, a: &Entry, b: &Entry) -> Vec<JobDiff> {
    let (na, nb) = (by_name(a), by_name(b));
    let mut names: Vec<String> = na.iter().map(|j| j.0.clone()).collect();
    for (n, _) in &nb {
        if !names.contains(n) {
            names.push(n.clone());
        }
    }
    let get = |l: &[(String, String)], n: &str| l.iter().find(|j| j.0 == n).map(|j| j.1.clone());
    // Old id -> (how to name it, new id), for the jobs of this session and of the sessions it
    // depended on, so a parameter pointing at one of them reads as an upstream change.
    let mut changed: BTreeMap<String, (String, String)> = BTreeMap::new();
    let mut pairs = vec![(String::new(), na.clone(), nb.clone())];
    for (list, da) in &a.deps {
        if let Some(db) = b.deps.get(list) {
            let as_entry = |d: &super::Dep| {
                by_name(&Entry {
                    timestamp: d.timestamp.clone(),
                    caption: String::new(),
                    joblist: d.joblist.clone(),
                    deps: Default::default(),
                    build_job: String::new(),
                })
            };
            pairs.push((format!("{list}:"), as_entry(da), as_entry(db)));
        }
    }
    for (prefix, la, lb) in &pairs {
        for (n, x) in la {
            if let Some(y) = get(lb, n).filter(|y| y != x) {
                changed.insert(x.clone(), (format!("{prefix}{n}"), y));
            }
        }
    }
    let mut out = Vec::new();
    for n in names {
        let (old, new) = (get(&na, &n), get(&nb, &n));
        let reasons = match (&old, &new) {
            (Some(x), Some(y)) if x == y => continue,
            (Some(x), Some(y)) => reasons(project, x, y, &changed),
            (Some(_), None) => vec!["only in the first session".into()],
            _ => vec!["only in the second session".into()],
        };
        out.push(JobDiff {
            name: n,
            old,
            new,
            reasons,
        });
    }
    out
}
