//! Making a Lua state for a build script, a method's declarations, or a job: the standard
//! libraries, the Runtime in app data, `require` that finds project modules (chunks named
//! `@methods/x.lua`) and exax's own embedded modules, and every exax global from the runtime's module list (`api::MODULES`).

use std::rc::Rc;

use mlua::{Function, Lua, LuaOptions, StdLib, Table};

use crate::embedded;
use crate::lua::engine::errors::chunk;
use crate::lua::engine::runtime::Runtime;
use crate::method::find_module;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    BuildScript,
    Declarations,
    Job,
}

pub fn new(rt: Rc<Runtime>, role: Role) -> mlua::Result<Lua> {
    // SAFETY: the debug library is loaded because exax needs `debug.getlocal` (phase arguments by
    // name) and `debug.traceback`. It lets Lua code reach mlua's registry; the scripts run here
    // are the user's own trusted code, the same trust exax gives Python methods.
    let lua = unsafe { Lua::unsafe_new_with(StdLib::ALL_SAFE | StdLib::DEBUG, LuaOptions::new()) };
    let modules = rt.modules;
    // Below the process's own limit, so a script that runs out gets Lua's "not enough memory"
    // error (and its job a failure record) before Rust's allocations fail.
    if let Some(budget) = crate::memory::lua_budget() {
        lua.set_memory_limit(budget)?;
    }
    crate::lua::engine::gc_floor::install(&lua)?;
    lua.set_app_data(rt);
    install_searchers(&lua)?;
    for register in modules {
        register(&lua)?;
    }
    // Flushes C stdio first, and leaves CTRL+C to exax (system() would ignore it).
    crate::lua::engine::os_execute::install(&lua)?;
    if role == Role::Job {
        let os: Table = lua.globals().get("os")?;
        os.set("exit", crate::lua::engine::prelude::helper(&lua, "exit")?)?;
    }
    Ok(lua)
}

/// `require` looks in the method directories first, then in exax's embedded modules, then where
/// Lua itself would look.
fn install_searchers(lua: &Lua) -> mlua::Result<()> {
    let package: Table = lua.globals().get("package")?;
    let old: Table = package.get("searchers")?;
    let searchers = lua.create_table()?;
    searchers.raw_push(old.raw_get::<Function>(1)?)?;
    searchers.raw_push(lua.create_function(|lua, name: String| {
        let rt = Runtime::get(lua);
        match find_module(&rt.project, &name) {
            Some(path) => {
                let display = rt.project.display_path(&path);
                let src = std::fs::read_to_string(&path).map_err(|e| mlua::Error::runtime(format!("cannot read {display}: {e}")))?;
                let f = chunk(lua, &src, &display).into_function()?;
                Ok((mlua::Value::Function(f), mlua::Value::String(lua.create_string(&display)?)))
            }
            None => Ok((
                mlua::Value::String(lua.create_string(format!("\n\tno module '{name}' in the method directories"))?),
                mlua::Value::Nil,
            )),
        }
    })?)?;
    searchers.raw_push(lua.create_function(|lua, name: String| match embedded::stdlib_module(&name) {
        Some((rel, src)) => {
            let display = format!("<exax>/{rel}");
            let f = chunk(lua, src, &display).into_function()?;
            Ok((mlua::Value::Function(f), mlua::Value::String(lua.create_string(&display)?)))
        }
        None => Ok((
            mlua::Value::String(lua.create_string(format!("\n\tno module '{name}' in exax"))?),
            mlua::Value::Nil,
        )),
    })?)?;
    for i in 2..=old.raw_len() {
        searchers.raw_push(old.raw_get::<Function>(i)?)?;
    }
    package.set("searchers", searchers)?;
    Ok(())
}
