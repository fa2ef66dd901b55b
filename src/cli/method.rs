//! `exax method [NAME]`: every method with the first line of its description, or one method in
//! full (description, options with types and defaults, datasets, jobs, file).

use std::process::ExitCode;

use crate::error::Result;
use crate::lua::Runtime;
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
    let rt = crate::lua::runtime(project, true);
    match a.name {
        Some(name) => {
            let decl = crate::lua::method_decl(&rt, &name)?;
            super::stdout::print(&describe(&decl))?;
        }
        None => {
            let project: Vec<String> = rt.project.project_lua_files()?.into_iter().map(|(n, _)| n).collect();
            let shipped: Vec<&str> = crate::embedded::shipped_method_names()
                .filter(|n| !project.iter().any(|p| p == n))
                .collect();
            let rows = |names: Vec<&str>| -> Vec<(String, String)> {
                names
                    .into_iter()
                    .filter_map(|n| summary(&rt, n).map(|d| (n.to_string(), d)))
                    .collect()
            };
            let project_rows = rows(project.iter().map(String::as_str).collect());
            super::stdout::print(&listing(&project_rows, &rows(shipped)))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The first line of a method's description; None for a module (a file without phases).
pub(super) fn summary(rt: &std::rc::Rc<Runtime>, name: &str) -> Option<String> {
    match crate::lua::method_decl(rt, name) {
        Ok(d) => {
            let mut line = d
                .description
                .lines()
                .map(str::trim)
                .find(|l| !l.is_empty())
                .unwrap_or("")
                .to_string();
            if d.source.file.is_some() && crate::embedded::shipped_method(name).is_some() {
                line = format!("{line} (replaces the method shipped with exax)").trim_start().to_string();
            }
            Some(line)
        }
        Err(crate::error::Error::NotAMethod(_)) => None,
        Err(e) => Some(format!("(cannot load: {e})")),
    }
}

/// The project's methods, then the methods shipped with exax, each with its summary.
fn listing(project: &[(String, String)], shipped: &[(String, String)]) -> String {
    let group = |rows: &[(String, String)]| -> String {
        let w = rows.iter().map(|(n, _)| n.len()).max().unwrap_or(0);
        rows.iter()
            .map(|(n, d)| format!("{}\n", format!("{n:w$}  {d}").trim_end()))
            .collect()
    };
    let mut s = group(project);
    if !shipped.is_empty() {
        if !s.is_empty() {
            s.push('\n');
        }
        s.push_str("shipped with exax:\n");
        s.push_str(&group(shipped));
    }
    s
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
            let what = match (p.list, p.required) {
                (false, false) => "",
                (true, false) => "  (list)",
                (false, true) => "  (required)",
                (true, true) => "  (list, required)",
            };
            s.push_str(&format!("  {}{what}\n", p.name));
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

#[cfg(test)]
mod tests {
    use super::listing;

    #[test]
    fn project_methods_then_shipped_ones() {
        let rows = |r: &[(&str, &str)]| -> Vec<(String, String)> { r.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect() };
        let project = rows(&[("a_test", "Double a number."), ("plain", "")]);
        let shipped = rows(&[("csvimport", "Import a CSV file."), ("x", "")]);
        assert_eq!(
            listing(&project, &shipped),
            "a_test  Double a number.\nplain\n\nshipped with exax:\ncsvimport  Import a CSV file.\nx\n"
        );
        assert_eq!(listing(&[], &shipped), "shipped with exax:\ncsvimport  Import a CSV file.\nx\n");
        assert_eq!(listing(&project, &[]), "a_test  Double a number.\nplain\n");
    }
}
