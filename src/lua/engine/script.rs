//! Running a build script: compile it and every project method first (so a syntax error is
//! reported before anything runs), then call `main(urd)`.

use std::rc::Rc;
use std::time::Instant;

use camino::Utf8Path;

use crate::console;
use crate::console::format_seconds;
use crate::error::{Error, IoContext, Result};
use crate::lua::api::urd;
use crate::lua::engine::errors::{chunk, pcall, script_error};
use crate::lua::engine::runtime::Runtime;
use crate::lua::engine::state::{self, Role};
use crate::project::Project;

pub fn run(project: Project, script: &Utf8Path, args: &[String], quiet: bool, why: bool) -> Result<()> {
    let started = Instant::now();
    let start_text = crate::urd::now_text();
    let rt = Runtime::new(project, crate::lua::api::MODULES, quiet);
    rt.why.set(why);
    let display = rt.project.display_path(script);
    *rt.builder_name.borrow_mut() = display.clone();
    let source = std::fs::read_to_string(script).at(script)?;
    for wd in &rt.project.workdirs {
        if wd.path.exists() || wd.name == rt.project.config.target_workdir {
            wd.ensure(rt.project.config.slices)?;
        }
    }
    let lua = state::new(rt.clone(), Role::BuildScript).map_err(script_error)?;
    let chunk = chunk(&lua, &source, &display).into_function().map_err(script_error)?;
    check_methods_compile(&rt, &lua)?;
    pcall(&lua, &chunk, ())?;
    let main = match lua.globals().get::<mlua::Value>("main") {
        Ok(mlua::Value::Function(f)) => f,
        _ => return Err(Error::User(format!("{display} defines no function main(urd)"))),
    };
    let urd = urd::create(&lua, args).map_err(script_error)?;
    let result = pcall(&lua, &main, urd);
    crate::sys::flush_c_stdio();
    record_run(&rt, &lua, &display, args, start_text, result.is_ok());
    result?;
    if !quiet {
        let (built, reused) = *rt.counts.borrow();
        console::err_line(&format!(
            "{display}: {built} job{} built, {reused} reused in {}",
            if built == 1 { "" } else { "s" },
            format_seconds(started.elapsed().as_secs_f64())
        ));
    }
    Ok(())
}

/// Appends this run to the project's run history (`exax urd --runs`); a failure to record is a
/// warning, never a reason to fail a build that worked.
fn record_run(rt: &Rc<Runtime>, lua: &mlua::Lua, script: &str, args: &[String], start: String, ok: bool) {
    let jobs = rt.run_jobs.borrow();
    let rec = crate::urd::runs::RunRecord {
        script: script.to_string(),
        args: args.to_vec(),
        start,
        end: crate::urd::now_text(),
        status: if ok { "ok" } else { "failed" }.to_string(),
        built: jobs.iter().filter(|j| j.1).map(|j| j.0.clone()).collect(),
        reused: jobs.iter().filter(|j| !j.1).map(|j| j.0.clone()).collect(),
        sessions: lua
            .app_data_ref::<urd::SessionHandle>()
            .map(|s| s.0.borrow().finished.clone())
            .unwrap_or_default(),
    };
    if let Err(e) = crate::urd::runs::record(&crate::urd::local_dir(&rt.project), &rec) {
        console::warn(&format!("could not record this run in urd: {e}"));
    }
}

/// Compiles (without running) every .lua file in the method directories, and warns about each
/// one that does not compile.
fn check_methods_compile(rt: &Rc<Runtime>, lua: &mlua::Lua) -> Result<()> {
    for (_, path) in rt.project.project_lua_files()? {
        let src = std::fs::read_to_string(&path).at(&path)?;
        let display = rt.project.display_path(&path);
        if let Err(e) = chunk(lua, &src, &display).into_function() {
            let message = match script_error(e) {
                Error::Script { message, .. } => message,
                other => other.to_string(),
            };
            // One broken file must not block unrelated work: a build that uses it (or a module
            // it requires) fails when it is called, before any job of it runs.
            console::warn(&format!("{message} (a build that uses {display} fails)"));
        }
    }
    Ok(())
}
