//! Everything Lua, in tiers without cycles: `table` (leaf helpers for Lua tables), `ffi` (the raw C
//! functions of the hot paths), `engine` (states, method loading, errors, conversion, the phases of
//! a job) and `api` (one file per Lua-facing object). The rest of exax reaches Lua only through
//! this facade; the core (config, jobs, hashing, records) knows nothing of it.

mod api;
mod engine;
mod ffi;
mod table;

pub use api::build_all::child as run_build_child;
pub use engine::convert::to_value;
pub use engine::method_loader::decl as method_decl;
pub use engine::runtime::Runtime;
pub use engine::script::run as run_build_script;
pub use engine::state::{new as new_state, Role};
pub use engine::worker::run as run_analysis_slice;

/// The runtime every state of this process shares, with the whole Lua API registered.
pub fn runtime(project: crate::project::Project, quiet: bool) -> std::rc::Rc<Runtime> {
    Runtime::new(project, api::MODULES, quiet)
}
