//! `/job/ID`: a job's method, state, parameters, times per phase and slice, files (text shown,
//! images drawn, others to download), datasets, subjobs, output per phase and slice, the method
//! source coloured, the graph of its inputs, and why it was built (fetched after the page, as it
//! may read many jobs); `/job/ID/why`, `/job/ID/output/PART`, `/job/ID/file/NAME`.

use camino::Utf8PathBuf;

use super::super::files::{self, Kind, Refused};
use super::super::html::{dataset_link, esc, job_link, link, path_segs, seg};
use super::super::{graph, highlight, Board, Reply};
use crate::dataset::format;
use crate::job::id::JobId;
use crate::job::records::{self, Failure, Post, Setup};

/// Bytes of a text file or an output part shown inline.
const SHOWN: usize = 64 * 1024;
/// Files shown inline (text or image) at most; the rest are links.
const INLINE_FILES: usize = 20;

fn find(board: &Board, text: &str) -> Result<(JobId, Utf8PathBuf), Reply> {
    crate::urd::existing_job(&board.project, text).map_err(|e| Reply::not_found(e.to_string()))
}

/// A parameter value: job and dataset ids as links, anything else as JSON text.
fn value_html(section: &str, v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) if section == "jobs" && JobId::parse(s).is_some() => job_link(s),
        serde_json::Value::String(s) if section == "datasets" && s.contains('/') => dataset_link(s),
        serde_json::Value::Array(a) if section != "options" => {
            format!("[{}]", a.iter().map(|x| value_html(section, x)).collect::<Vec<_>>().join(", "))
        }
        other => esc(&other.to_string()),
    }
}

fn output_parts(setup: &Setup) -> Vec<(String, String)> {
    std::iter::once(("prepare".to_string(), "prepare".to_string()))
        .chain((0..setup.slices).map(|s| (s.to_string(), format!("analysis slice {s}"))))
        .chain(std::iter::once(("synthesis".to_string(), "synthesis".to_string())))
        .collect()
}

pub fn page(board: &Board, text: &str) -> Reply {
    let (id, dir) = match find(board, text) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let setup: Setup = match records::read_json(&dir.join(records::SETUP)) {
        Ok(s) => s,
        Err(e) => return Reply::not_found(format!("job {id}: {e}")),
    };
    let post: Option<Post> = records::read_post(&dir);
    let failure: Option<Failure> = records::read_json(&dir.join(records::FAILURE)).ok();
    let state = super::state(&dir);
    let sid = id.to_string();
    let mut b = String::new();

    // Title, neighbours, state.
    b.push_str(&format!(
        "<h1>{} <span class=\"muted\">{}</span> <span class=\"{state}\" id=\"state\">{state}</span></h1>\n<p>",
        esc(&sid),
        link(&format!("/method/{}", seg(&setup.method)), &setup.method)
    ));
    if id.number > 0 {
        b.push_str(&link(
            &format!("/job/{}", seg(&format!("{}-{}", id.workdir, id.number - 1))),
            "⇦ previous",
        ));
        b.push(' ');
    }
    if dir.with_file_name(format!("{}-{}", id.workdir, id.number + 1)).is_dir() {
        b.push_str(&link(
            &format!("/job/{}", seg(&format!("{}-{}", id.workdir, id.number + 1))),
            "next ⇨",
        ));
        b.push(' ');
    }
    b.push_str(&link(&format!("/workdir/{}", seg(&id.workdir)), &format!("workdir {}", id.workdir)));
    b.push_str("</p>\n");
    if state == "unfinished" {
        b.push_str("<div class=\"warning\">This job did not finish (killed, or still running): it is never reused.</div>\n");
    }
    if let Some(f) = &failure {
        let place = match f.slice {
            Some(n) => format!(" in {} (slice {n})", f.phase),
            None if f.phase.is_empty() => String::new(),
            None => format!(" in {}", f.phase),
        };
        b.push_str(&format!(
            "<div class=\"error\" id=\"failure\">failed{}: {}<pre>{}</pre></div>\n",
            esc(&place),
            esc(&f.message),
            esc(&f.traceback.join("\n"))
        ));
    }

    // Setup.
    b.push_str("<h2>setup</h2>\n<table class=\"grid\">\n");
    let row = |b: &mut String, k: &str, v: &str| b.push_str(&format!("<tr><th>{}</th><td>{v}</td></tr>\n", esc(k)));
    row(&mut b, "method file", &esc(&setup.method_file));
    if !setup.caption.is_empty() {
        row(&mut b, "caption", &esc(&setup.caption));
    }
    row(
        &mut b,
        "built by",
        &if JobId::parse(&setup.builder).is_some() {
            job_link(&setup.builder)
        } else {
            esc(&setup.builder)
        },
    );
    row(&mut b, "started", &format!("{} UTC", super::time(setup.starttime)));
    if let Some(p) = &post {
        row(&mut b, "ended", &format!("{} UTC", super::time(p.endtime)));
    }
    row(&mut b, "slices", &setup.slices.to_string());
    row(&mut b, "exax", &esc(&format!("{} ({})", setup.exax_version, setup.lua_version)));
    b.push_str("</table>\n");
    for (name, section) in [("options", &setup.options), ("datasets", &setup.datasets), ("jobs", &setup.jobs)] {
        if section.is_empty() {
            continue;
        }
        b.push_str(&format!("<h3>{name}</h3>\n<table class=\"grid params\">\n"));
        for (k, v) in section {
            b.push_str(&format!("<tr><th>{}</th><td>{}</td></tr>\n", esc(k), value_html(name, v)));
        }
        b.push_str("</table>\n");
    }

    // Times.
    if let Some(p) = &post {
        let e = &p.exectime;
        b.push_str("<h2>exectime</h2>\n<table class=\"grid\" id=\"exectime\">\n");
        let mut t = |k: &str, s: f64| b.push_str(&format!("<tr><th>{k}</th><td class=\"num\">{}</td></tr>\n", super::duration(s)));
        t("prepare", e.prepare);
        t("analysis", e.analysis);
        for (i, s) in e.per_slice.iter().enumerate() {
            t(&format!("&nbsp; slice {i}"), *s);
        }
        t("synthesis", e.synthesis);
        t("total", e.total);
        b.push_str("</table>\n");
    }

    // The graph of its inputs.
    let g = graph::job_inputs(&board.project, &id);
    if g.nodes > 1 {
        b.push_str("<h2>inputs</h2>\n");
        b.push_str(&g.svg);
    }

    // Why it was built: asked for after the page is shown.
    b.push_str(&format!(
        "<h2>why it was built</h2>\n<pre id=\"why\">asking...</pre>\n<script>\n\
         fetch('/job/{}/why', {{headers: {{Accept: 'application/json'}}}})\n  .then(r => r.json())\n  \
         .then(j => {{ document.getElementById('why').textContent = j.text || j.error; }})\n  \
         .catch(e => {{ document.getElementById('why').textContent = 'could not ask: ' + e; }});\n</script>\n",
        seg(&sid)
    ));

    // Datasets.
    let ds_names = format::dataset_names(&dir);
    let mut ds_json = Vec::new();
    if !ds_names.is_empty() {
        b.push_str("<h2>datasets</h2>\n<ul id=\"datasets\">\n");
        for n in &ds_names {
            let meta = format::read_meta(&format::dataset_dir(&dir, n)).ok();
            let (lines, cols) = meta.as_ref().map_or((0, 0), |m| (m.lines.iter().sum::<u64>(), m.columns.len()));
            b.push_str(&format!(
                "<li>{} <span class=\"muted\">{cols} columns, {lines} lines</span></li>\n",
                dataset_link(&format!("{sid}/{n}"))
            ));
            ds_json.push(serde_json::json!({"name": n, "columns": cols, "lines": lines}));
        }
        b.push_str("</ul>\n");
    }

    // Subjobs.
    if let Some(p) = post.as_ref().filter(|p| !p.subjobs.is_empty()) {
        b.push_str("<h2>subjobs</h2>\n<ul>\n");
        for s in &p.subjobs {
            let method = JobId::parse(s)
                .and_then(|j| board.project.job_path(&j).ok())
                .and_then(|d| records::read_json::<Setup>(&d.join(records::SETUP)).ok())
                .map(|s| s.method)
                .unwrap_or_default();
            b.push_str(&format!("<li>{} {}</li>\n", job_link(s), esc(&method)));
        }
        b.push_str("</ul>\n");
    }

    // Files.
    let mut files_json = Vec::new();
    if let Some(p) = post.as_ref().filter(|p| !p.files.is_empty()) {
        b.push_str("<h2>files</h2>\n<div id=\"files\">\n");
        for (i, name) in p.files.iter().enumerate() {
            let segs: Vec<String> = name.split('/').map(str::to_string).collect();
            let href = format!("/job/{}/file/{}", seg(&sid), path_segs(name));
            let Ok(path) = board.roots.resolve(&dir, &segs) else {
                b.push_str(&format!(
                    "<h3>{}</h3><p class=\"muted\">not a file in the job directory</p>\n",
                    esc(name)
                ));
                files_json.push(serde_json::json!({"name": name, "kind": "missing"}));
                continue;
            };
            let head = files::head(&path, 4096).unwrap_or_default();
            let kind = files::kind(name, &head);
            let len = std::fs::metadata(&path).map_or(0, |m| m.len());
            b.push_str(&format!(
                "<h3>{} <span class=\"muted\">{}</span></h3>\n",
                link(&href, name),
                super::size(len)
            ));
            let inline = i < INLINE_FILES;
            match kind {
                Kind::Image if inline => b.push_str(&format!("<img class=\"file\" src=\"{}\" alt=\"{}\">\n", esc(&href), esc(name))),
                Kind::Text if inline => {
                    if let Some((text, cut, _)) = super::read_text(&path, SHOWN) {
                        b.push_str(&format!("<pre class=\"file\">{}</pre>\n", esc(&text)));
                        if cut {
                            b.push_str(&format!(
                                "<p class=\"muted\">the first {} shown: {}</p>\n",
                                super::size(SHOWN as u64),
                                link(&href, "all of it")
                            ));
                        }
                    }
                }
                Kind::Other => b.push_str(&format!("<p>{}</p>\n", link(&href, "download"))),
                _ => {}
            }
            files_json.push(serde_json::json!({
                "name": name,
                "kind": match kind { Kind::Text => "text", Kind::Image => "image", Kind::Other => "other" },
                "size": len,
            }));
        }
        b.push_str("</div>\n");
    }

    // The result.
    let result_path = dir.join(records::RESULT);
    let result = std::fs::read(&result_path)
        .ok()
        .and_then(|bytes| crate::msgpack::decode(&bytes, records::RESULT).ok())
        .map(|v| {
            let mut t = v.to_string();
            if t.len() > 4000 {
                let cut = (0..=4000).rev().find(|&i| t.is_char_boundary(i)).unwrap_or(0);
                t.truncate(cut);
                t.push_str(" ...");
            }
            t
        });
    if let Some(r) = &result {
        b.push_str(&format!("<h2>result</h2>\n<pre id=\"result\">{}</pre>\n", esc(r)));
    }

    // Output.
    let out_dir = dir.join(records::OUTPUT_DIR);
    let mut output_json = serde_json::Map::new();
    let mut out_html = String::new();
    for (part, label) in output_parts(&setup) {
        let Some((text, cut, len)) = super::read_text(&out_dir.join(&part), SHOWN) else {
            continue;
        };
        out_html.push_str(&format!(
            "<h3>{}</h3>\n<pre class=\"output\" id=\"output-{}\">{}</pre>\n",
            esc(&label),
            esc(&part),
            esc(&text)
        ));
        if cut {
            out_html.push_str(&format!(
                "<p class=\"muted\">the first {} of {} shown: {}</p>\n",
                super::size(SHOWN as u64),
                super::size(len),
                link(&format!("/job/{}/output/{}", seg(&sid), seg(&part)), "all of it")
            ));
        }
        output_json.insert(part, serde_json::Value::String(text));
    }
    if !out_html.is_empty() {
        b.push_str("<h2>output</h2>\n");
        b.push_str(&out_html);
    }

    // Source.
    let source = std::fs::read_to_string(dir.join(records::METHOD_SOURCE)).unwrap_or_default();
    b.push_str(&format!(
        "<h2>source <span class=\"muted\">{} as it ran</span></h2>\n",
        esc(&setup.method_file)
    ));
    b.push_str(&highlight::lua(&source));
    if !setup.hashed_files.is_empty() {
        b.push_str("<p>also in its reuse key: ");
        let links: Vec<String> = setup
            .hashed_files
            .iter()
            .map(|(copy, orig)| link(&format!("/job/{}/file/{}", seg(&sid), path_segs(copy)), orig))
            .collect();
        b.push_str(&links.join(", "));
        b.push_str("</p>\n");
    }

    let json = serde_json::json!({
        "id": sid,
        "method": setup.method,
        "method_file": setup.method_file,
        "state": state,
        "caption": setup.caption,
        "builder": setup.builder,
        "starttime": setup.starttime,
        "endtime": post.as_ref().map(|p| p.endtime),
        "exectime": post.as_ref().map(|p| serde_json::to_value(&p.exectime).unwrap_or_default()),
        "options": setup.options,
        "datasets": setup.datasets,
        "jobs": setup.jobs,
        "files": files_json,
        "output_datasets": ds_json,
        "subjobs": post.as_ref().map(|p| p.subjobs.clone()).unwrap_or_default(),
        "failure": failure.as_ref().map(|f| serde_json::json!({"message": f.message, "phase": f.phase, "slice": f.slice})),
        "result": result,
        "output": output_json,
        "inputs": g.edges,
    });
    Reply::Page { title: sid, json, body: b }
}

pub fn why(board: &Board, text: &str) -> Reply {
    let (id, _) = match find(board, text) {
        Ok(x) => x,
        Err(r) => return r,
    };
    match crate::job::why::explain_job(&board.project, &id) {
        Ok(w) => {
            let t = w.render();
            Reply::Page {
                title: format!("why {id}"),
                json: serde_json::json!({
                    "id": id.to_string(),
                    "method": w.method,
                    "nearest": w.nearest.as_ref().map(|n| n.id.to_string()),
                    "differences": w.nearest.as_ref().map(|n| n.diffs.iter().map(|d| d.short()).collect::<Vec<_>>()),
                    "compared": w.compared,
                    "text": t,
                }),
                body: format!(
                    "<h1>why {} was built</h1>\n<pre id=\"why\">{}</pre>",
                    job_link(&id.to_string()),
                    esc(&t)
                ),
            }
        }
        Err(e) => Reply::not_found(e.to_string()),
    }
}

pub fn output(board: &Board, text: &str, part: &str) -> Reply {
    let (id, dir) = match find(board, text) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let ok = part == "prepare" || part == "synthesis" || part.parse::<usize>().is_ok();
    if !ok {
        return Reply::not_found(format!("job {id} has no output part `{part}`"));
    }
    match std::fs::read(dir.join(records::OUTPUT_DIR).join(part)) {
        Ok(b) => Reply::Text(String::from_utf8_lossy(&b).into_owned()),
        Err(_) => Reply::Text(String::new()),
    }
}

pub fn file(board: &Board, text: &str, rest: &[&str]) -> Reply {
    let (id, dir) = match find(board, text) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let segs: Vec<String> = rest.iter().map(|s| s.to_string()).collect();
    match board.roots.resolve(&dir, &segs) {
        Ok(p) if p.is_file() => Reply::File(p),
        Ok(_) | Err(Refused::Missing) => Reply::not_found(format!("job {id} has no file {}", segs.join("/"))),
        Err(Refused::Outside) => Reply::Error(403, format!("job {id}: {} points outside the project", segs.join("/"))),
    }
}
