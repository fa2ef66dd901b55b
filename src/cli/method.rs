//! `exax method [NAME]`: every method with the first line of its description, or one method in
//! full (description, options with types and defaults, datasets, jobs, file).

use std::process::ExitCode;

use crate::error::Result;
use crate::lua::runtime::Runtime;
use crate::method::MethodDecl;
use crate::project::Project;

/// List methods, or show one method's description and parameters.
#[derive(clap::Args)]
pub struct Args {
    /// A method to show in full.
    name: Option<String>,
}

pub fn run(a: Args) -> Result<ExitCode> {
    let project = Project::from_cwd()?;
    let rt = Runtime::new(project, true);
    match a.name {
        Some(name) => {
            let decl = rt.decl(&name)?;
            print!("{}", describe(&decl));
        }
        None => {
            let names = rt.project.all_method_names()?;
            let mut rows = Vec::new();
            for n in names {
                match rt.decl(&n) {
                    Ok(d) => rows.push((n, d.description.lines().next().unwrap_or("").to_string())),
                    Err(crate::error::Error::Build(m)) if m.contains("defines no phase") => {}
                    Err(e) => rows.push((n, format!("(cannot load: {e})"))),
                }
            }
            let w = rows.iter().map(|(n, _)| n.len()).max().unwrap_or(0);
            for (n, d) in rows {
                println!("{}", format!("{n:w$}  {d}").trim_end());
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn describe(d: &MethodDecl) -> String {
    let mut s = format!("{}  ({})\n", d.name(), d.source.display);
    if !d.description.is_empty() {
        s.push('\n');
        for l in d.description.lines() {
            s.push_str(&format!("  {l}\n").replace("  \n", "\n"));
        }
    }
    if !d.options.is_empty() {
        s.push_str("\noptions:\n");
        let w = d.options.iter().map(|(n, _)| n.len()).max().unwrap_or(0);
        let types: Vec<String> = d.options.iter().map(|(_, spec)| spec.describe()).collect();
        let tw = types.iter().map(String::len).max().unwrap_or(0);
        for ((n, spec), t) in d.options.iter().zip(&types) {
            let default = match spec.default_value() {
                None => "(required)".to_string(),
                Some(v) => format!("default {v}"),
            };
            s.push_str(&format!("  {n:w$}  {t:tw$}  {default}\n"));
        }
    }
    for (label, params) in [("datasets", &d.datasets), ("jobs", &d.jobs)] {
        if params.is_empty() {
            continue;
        }
        s.push_str(&format!("\n{label}:\n"));
        for p in params {
            s.push_str(&format!("  {}{}\n", p.name, if p.list { "  (list)" } else { "" }));
        }
    }
    if !d.depend_extra.is_empty() {
        s.push_str(&format!("\ndepend_extra: {}\n", d.depend_extra.join(", ")));
    }
    let phases: Vec<&str> = [("prepare", &d.prepare), ("analysis", &d.analysis), ("synthesis", &d.synthesis)]
        .iter()
        .filter(|(_, p)| p.is_some())
        .map(|(n, _)| *n)
        .collect();
    s.push_str(&format!("\nphases: {}\n", phases.join(", ")));
    s
}
