//! `exax why METHOD [KEY=VALUE ...]`: why `urd:build(METHOD, {KEY = VALUE, ...})` would build
//! rather than reuse: the nearest finished jobs of the method and what differs from each.

use std::process::ExitCode;

use crate::error::{Error, Result};
use crate::method::BuildArgs;
use crate::project::Project;
use crate::value::Value;

/// Explain why building METHOD with these parameters would build rather than reuse.
#[derive(clap::Args)]
pub struct Args {
    /// The method.
    method: String,
    /// Parameters as in urd:build, VALUE a Lua literal: `x=3 key='a' l={1,2}`,
    /// `source='demo-3'`, `options={x=1}`.
    params: Vec<String>,
    /// How many of the nearest finished jobs to show.
    #[arg(short = 'n', long, default_value_t = 1)]
    nearest: usize,
}

pub fn run(a: Args) -> Result<ExitCode> {
    let project = Project::from_cwd()?;
    let rt = crate::lua::runtime(project, true);
    let literals = crate::lua::Literals::new(rt.clone())?;
    let mut args = BuildArgs::default();
    let mut force = false;
    for p in &a.params {
        let Some((key, text)) = p.split_once('=') else {
            return Err(Error::User(format!(
                "`{p}`: parameters are KEY=VALUE with VALUE a Lua literal (x=3 s='text' l={{1,2}})"
            )));
        };
        let v = literals.eval(key, text).map_err(|e| match e {
            crate::lua::LiteralError::Syntax(e) => Error::User(format!("`{p}`: VALUE is not a Lua literal: {e}")),
            crate::lua::LiteralError::Value(e) => Error::User(e),
        })?;
        match key {
            "name" | "caption" | "workdir" => {}
            "force_build" => force = v == Value::Bool(true),
            "options" | "datasets" | "jobs" => {
                let Value::Map(m) = v else {
                    return Err(Error::User(format!("`{key}` must be a table of name = value")));
                };
                let section: Vec<(String, Value)> = m
                    .into_iter()
                    .map(|(k, v)| (k.as_str().unwrap_or_default().to_string(), v))
                    .collect();
                match key {
                    "options" => args.options = section,
                    "datasets" => args.datasets = section,
                    _ => args.jobs = section,
                }
            }
            _ => args.loose.push((key.to_string(), v)),
        }
    }
    let decl = crate::lua::method_decl(&rt, &a.method)?;
    let params = decl.resolve(args)?;
    let w = crate::job::why::explain(
        &rt.project,
        &decl,
        &params,
        force,
        (a.nearest.max(1), crate::job::why::MAX_COMPARED),
    )?;
    crate::console::out(w.render().as_bytes());
    Ok(ExitCode::SUCCESS)
}
