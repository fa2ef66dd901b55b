//! `Runtime`: what every Lua state of one exax process shares (the project, the method
//! declarations loaded so far, how chatty to be), and `JobScope`: what a state running a job
//! knows about that job. Both live in the Lua state's app data.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

use mlua::Lua;

use crate::builder::Built;
use crate::console;
use crate::error::{did_you_mean, Error, Result};
use crate::job_id::JobId;
use crate::method::MethodDecl;
use crate::project::Project;

pub struct Runtime {
    pub project: Project,
    decls: RefCell<HashMap<String, Rc<MethodDecl>>>,
    pub quiet: bool,
    pub counts: RefCell<(usize, usize)>,
    /// The build script (`build.lua`) recorded as the builder of the jobs it builds.
    pub builder_name: RefCell<String>,
    /// `exax run --why`: explain every job built, in full.
    pub why: Cell<bool>,
    /// Every job the build script itself built (true) or reused (false), for the run's urd record.
    pub run_jobs: RefCell<Vec<(String, bool)>>,
}

/// The job a Lua state runs (absent in a build script's state).
pub struct JobScope {
    pub id: JobId,
    pub method: String,
    /// Subjob nesting: 0 for a job built by the build script.
    pub depth: usize,
    /// Which phase runs now: "prepare", "analysis" or "synthesis".
    pub phase: RefCell<&'static str>,
    pub subjobs: RefCell<Vec<String>>,
}

pub const MAX_SUBJOB_DEPTH: usize = 50;

impl Runtime {
    pub fn new(project: Project, quiet: bool) -> Rc<Runtime> {
        Rc::new(Runtime {
            project,
            decls: RefCell::new(HashMap::new()),
            quiet,
            counts: RefCell::new((0, 0)),
            builder_name: RefCell::new("build script".to_string()),
            why: Cell::new(false),
            run_jobs: RefCell::new(Vec::new()),
        })
    }

    pub fn get(lua: &Lua) -> Rc<Runtime> {
        match lua.app_data_ref::<Rc<Runtime>>() {
            Some(rt) => rt.clone(),
            None => unreachable!("every exax Lua state has a Runtime"),
        }
    }

    /// The declarations of a method, loaded once per process.
    pub fn decl(self: &Rc<Self>, name: &str) -> Result<Rc<MethodDecl>> {
        if let Some(d) = self.decls.borrow().get(name) {
            return Ok(d.clone());
        }
        let Some(source) = self.project.method_source(name)? else {
            let names = self.project.all_method_names()?;
            return Err(Error::Build(
                format!(
                    "unknown method `{name}`{}; methods are the .lua files in {}",
                    did_you_mean(name, names.iter().map(String::as_str)),
                    self.project
                        .config
                        .method_directories
                        .iter()
                        .map(|d| self.project.display_path(d))
                        .collect::<Vec<_>>()
                        .join(", ")
                ) + &missing_method_directories(&self.project),
            ));
        };
        if source.file.is_some() && crate::embedded::shipped_method(name).is_some() {
            console::warn(&format!("{} replaces the method `{name}` shipped with exax", source.display));
        }
        let decl = Rc::new(super::method_loader::load(self, source, true)?);
        for w in &decl.warnings {
            console::warn(w);
        }
        self.decls.borrow_mut().insert(name.to_string(), decl.clone());
        Ok(decl)
    }

    /// One line per build call on stderr (unless quiet).
    pub fn report(&self, built: &Built, method: &str, depth: usize) {
        {
            let mut c = self.counts.borrow_mut();
            if built.fresh {
                c.0 += 1;
                crate::status::interrupt::note_built();
            } else {
                c.1 += 1
            }
        }
        if depth == 0 {
            self.run_jobs.borrow_mut().push((built.id.to_string(), built.fresh));
        }
        if self.quiet {
            return;
        }
        let indent = "  ".repeat(depth);
        if built.fresh {
            let reason = built
                .why
                .as_ref()
                .and_then(|w| w.reason())
                .map(|r| format!("; {r}"))
                .unwrap_or_default();
            console::err_line(&format!(
                "{indent}built  {} {method} ({}{reason})",
                built.id,
                format_seconds(built.seconds)
            ));
            if let (true, Some(w)) = (self.why.get(), &built.why) {
                let text: String = w.render().lines().map(|l| format!("{indent}  {l}\n")).collect();
                console::err_line(text.trim_end());
            }
        } else {
            console::err_line(&format!("{indent}reused {} {method}", built.id));
        }
    }
}

pub fn format_seconds(s: f64) -> String {
    if s < 1.0 {
        format!("{:.1} ms", s * 1000.0)
    } else {
        format!("{s:.2} s")
    }
}

/// `; method directory ./methdos (in accelerator.conf) does not exist` for each that does not.
fn missing_method_directories(project: &crate::project::Project) -> String {
    project
        .config
        .method_directories
        .iter()
        .filter(|d| !d.is_dir())
        .map(|d| {
            format!(
                "; method directory {} (in accelerator.conf) does not exist",
                project.display_path(d)
            )
        })
        .collect()
}
