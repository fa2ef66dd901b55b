//! Everything Lua, in tiers without cycles: `table` (leaf helpers for Lua tables), `ffi` (the raw C
//! functions of the hot paths), `engine` (states, method loading, errors, conversion, the phases of
//! a job) and `api` (one file per Lua-facing object). The rest of exax reaches Lua only through
//! this facade; the core (config, jobs, hashing, records) knows nothing of it.

mod api;
mod engine;
mod ffi;
mod table;

pub use api::build_all::serve as serve_build_process;
pub use engine::convert::to_value;
pub use engine::method_loader::decl as method_decl;
pub use engine::runtime::Runtime;
pub use engine::script::run as run_build_script;
pub use engine::worker::run as run_analysis_slice;

/// The runtime every state of this process shares, with the whole Lua API registered.
pub fn runtime(project: crate::project::Project, quiet: bool) -> std::rc::Rc<Runtime> {
    Runtime::new(project, api::MODULES, quiet)
}

/// What went wrong with a Lua literal typed on the command line.
pub enum LiteralError {
    /// Not a literal: the first line of Lua's message.
    Syntax(String),
    /// A literal that cannot be a parameter value (a function, ...).
    Value(String),
}

/// Lua literals typed on the command line (`exax why m x=3 l={1,2}`), read into values.
pub struct Literals(mlua::Lua);

impl Literals {
    pub fn new(rt: std::rc::Rc<Runtime>) -> crate::error::Result<Literals> {
        let lua = engine::state::new(rt, engine::state::Role::BuildScript).map_err(|e| crate::error::Error::User(e.to_string()))?;
        Ok(Literals(lua))
    }

    /// `text` as the value of parameter `key`.
    pub fn eval(&self, key: &str, text: &str) -> Result<crate::value::Value, LiteralError> {
        let v: mlua::Value = self
            .0
            .load(format!("return {text}"))
            .set_name(format!("={key}"))
            .eval()
            .map_err(|e| {
                let e = e.to_string();
                LiteralError::Syntax(e.lines().next().unwrap_or(&e).to_string())
            })?;
        to_value(&v, key).map_err(LiteralError::Value)
    }
}
