//! `exax run [SCRIPT] [-- ARGS]`: run `build.lua`, `build_SCRIPT.lua`, or a build script by path.

use std::process::ExitCode;

use camino::Utf8PathBuf;

use crate::error::{Error, Result};
use crate::project::Project;

/// Run a build script: its main(urd) builds or reuses jobs.
#[derive(clap::Args)]
pub struct Args {
    /// `build.lua` when omitted; `foo` runs `build_foo.lua`; a path runs that file.
    script: Option<String>,
    /// Only print what the build script and its jobs print (no "built"/"reused" lines).
    #[arg(short, long)]
    quiet: bool,
    /// For every job built, explain why: what differs from the nearest finished job of its
    /// method (as `exax why` does).
    #[arg(long)]
    why: bool,
    /// Arguments for the build script, as `urd.args`.
    #[arg(last = true)]
    args: Vec<String>,
}

pub fn run(a: Args) -> Result<ExitCode> {
    let project = Project::from_cwd()?;
    let script = find_script(&project, a.script.as_deref())?;
    let _live = crate::status::live::Live::start(&project.root, &project.display_path(&script), a.quiet);
    crate::lua::run_build_script(project, &script, &a.args, a.quiet, a.why)?;
    Ok(ExitCode::SUCCESS)
}

fn find_script(project: &Project, name: Option<&str>) -> Result<Utf8PathBuf> {
    let candidate = match name {
        None => project.root.join("build.lua"),
        Some(s) if s.ends_with(".lua") || s.contains('/') => {
            let p = Utf8PathBuf::from(s);
            if p.is_absolute() {
                p
            } else {
                let cwd = std::env::current_dir()
                    .ok()
                    .and_then(|c| Utf8PathBuf::from_path_buf(c).ok())
                    .unwrap_or_default();
                cwd.join(p)
            }
        }
        Some(s) => project.root.join(format!("build_{s}.lua")),
    };
    if candidate.is_file() {
        return Ok(candidate);
    }
    let mut scripts: Vec<String> = std::fs::read_dir(&project.root)
        .map(|rd| {
            rd.filter_map(|e| e.ok()?.file_name().into_string().ok())
                .filter(|n| n.starts_with("build") && n.ends_with(".lua"))
                .collect()
        })
        .unwrap_or_default();
    scripts.sort();
    let names: Vec<String> = scripts
        .iter()
        .map(|s| {
            if s == "build.lua" {
                "(default)".to_string()
            } else {
                s.trim_start_matches("build_").trim_end_matches(".lua").to_string()
            }
        })
        .collect();
    let hint = if scripts.is_empty() {
        "the project has no build scripts".to_string()
    } else {
        format!("build scripts here: {}", scripts.join(", "))
    };
    let suggestion = name
        .map(|n| crate::error::did_you_mean(n, names.iter().map(String::as_str)))
        .unwrap_or_default();
    Err(Error::User(format!("no build script {candidate}{suggestion}; {hint}")))
}
