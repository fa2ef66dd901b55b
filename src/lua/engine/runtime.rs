//! `Runtime`: what every Lua state of one exax process shares (the project, the method
//! declarations loaded so far, how chatty to be), and `JobScope`: what a state running a job
//! knows about that job. Both live in the Lua state's app data.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

use mlua::Lua;

use crate::console;
use crate::job::builder::Built;
use crate::job::id::JobId;
use crate::method::MethodDecl;
use crate::project::Project;

/// Registers one Lua-facing concept into a new state.
pub type Register = fn(&Lua) -> mlua::Result<()>;

pub struct Runtime {
    pub project: Project,
    /// What every new state gets (the `api` tier's list, handed in so the engine need not know it).
    pub modules: &'static [Register],
    decls: RefCell<HashMap<String, Rc<MethodDecl>>>,
    pub quiet: bool,
    pub counts: RefCell<(usize, usize)>,
    /// The build script (`build.lua`) recorded as the builder of the jobs it builds.
    pub builder_name: RefCell<String>,
    /// `exax run --why`: explain every job built, in full.
    pub why: Cell<bool>,
    /// Every job the build script itself built (true) or reused (false), for the run's urd record.
    pub run_jobs: RefCell<Vec<(String, bool)>>,
    /// In a build process of `urd:build_all`: the `built`/`reused` lines, kept for the parent to
    /// print as one block (and the method warnings it already printed are not repeated).
    pub collected: RefCell<Option<Vec<String>>>,
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
    pub fn new(project: Project, modules: &'static [Register], quiet: bool) -> Rc<Runtime> {
        Rc::new(Runtime {
            project,
            modules,
            decls: RefCell::new(HashMap::new()),
            quiet,
            counts: RefCell::new((0, 0)),
            builder_name: RefCell::new("build script".to_string()),
            why: Cell::new(false),
            run_jobs: RefCell::new(Vec::new()),
            collected: RefCell::new(None),
        })
    }

    pub fn get(lua: &Lua) -> Rc<Runtime> {
        match lua.app_data_ref::<Rc<Runtime>>() {
            Some(rt) => rt.clone(),
            None => unreachable!("every exax Lua state has a Runtime"),
        }
    }

    /// A method's declarations if this process loaded them already.
    pub fn cached_decl(&self, name: &str) -> Option<Rc<MethodDecl>> {
        self.decls.borrow().get(name).cloned()
    }

    pub fn remember_decl(&self, name: &str, decl: Rc<MethodDecl>) {
        self.decls.borrow_mut().insert(name.to_string(), decl);
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
            self.say(&format!(
                "{indent}built  {} {method} ({}{reason})",
                built.id,
                crate::console::format_seconds(built.seconds)
            ));
            if let (true, Some(w)) = (self.why.get(), &built.why) {
                let text: String = w.render().lines().map(|l| format!("{indent}  {l}\n")).collect();
                self.say(text.trim_end());
            }
        } else {
            self.say(&format!("{indent}reused {} {method}", built.id));
        }
    }

    /// A line of the build report: to stderr, or kept (`collected`).
    fn say(&self, line: &str) {
        match self.collected.borrow_mut().as_mut() {
            Some(lines) => lines.push(line.to_string()),
            None => console::err_line(line),
        }
    }
}
