//! `/methods`: every method with the first line of its description; `/method/NAME`: one in full
//! (description, options with types and defaults, datasets, jobs, phases, source coloured).

use super::super::html::{esc, link, seg};
use super::super::{highlight, Board, Reply};

pub fn list(board: &Board) -> Reply {
    let methods = match board.methods.list() {
        Ok(m) => m,
        Err(e) => return Reply::Error(500, e),
    };
    let mut b = String::from("<h1>methods</h1>\n");
    for (title, shipped) in [("in the project", false), ("shipped with exax", true)] {
        let group: Vec<_> = methods.iter().filter(|m| m.shipped == shipped).collect();
        if group.is_empty() {
            continue;
        }
        b.push_str(&format!("<h2>{title}</h2>\n<table class=\"grid\">\n"));
        for m in group {
            b.push_str(&format!(
                "<tr><td>{}</td><td>{}</td></tr>\n",
                link(&format!("/method/{}", seg(&m.name)), &m.name),
                esc(&m.summary)
            ));
        }
        b.push_str("</table>\n");
    }
    Reply::Page {
        title: "methods".into(),
        json: serde_json::to_value(&methods).unwrap_or_default(),
        body: b,
    }
}

pub fn page(board: &Board, name: &str) -> Reply {
    let m = match board.methods.describe(name) {
        Ok(Some(m)) => m,
        Ok(None) => return Reply::not_found(format!("no method `{name}`")),
        Err(e) => return Reply::Error(500, e),
    };
    let mut b = format!("<h1>{} <span class=\"muted\">{}</span></h1>\n", esc(&m.name), esc(&m.file));
    if !m.description.is_empty() {
        b.push_str(&format!("<pre id=\"description\">{}</pre>\n", esc(&m.description)));
    }
    if !m.options.is_empty() {
        b.push_str("<h2>options</h2>\n<table class=\"grid\"><tr><th>name</th><th>type</th><th>default</th></tr>\n");
        for (n, t, d) in &m.options {
            b.push_str(&format!("<tr><td>{}</td><td>{}</td><td>{}</td></tr>\n", esc(n), esc(t), esc(d)));
        }
        b.push_str("</table>\n");
    }
    for (label, list) in [("datasets", &m.datasets), ("jobs", &m.jobs)] {
        if !list.is_empty() {
            b.push_str(&format!(
                "<h2>{label}</h2>\n<p>{}</p>\n",
                list.iter().map(|s| esc(s)).collect::<Vec<_>>().join(", ")
            ));
        }
    }
    b.push_str(&format!("<p>phases: {}</p>\n", esc(&m.phases.join(", "))));
    b.push_str("<h2>source</h2>\n");
    b.push_str(&highlight::lua(&m.source));
    Reply::Page {
        title: m.name.clone(),
        json: serde_json::to_value(&m).unwrap_or_default(),
        body: b,
    }
}
