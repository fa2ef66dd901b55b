//! `exax.std.NAME(options)`: the standard methods' native kernels (`crate::stdmethods`), called
//! from their `.lua` files in prepare or synthesis of the running job. Options go in as a
//! `Value` (Dataset and Job handles as ids), the kernel's result comes back as a Lua value.

use mlua::{Lua, Table};

use crate::error::Error;
use crate::lua::api::datetime::exax_table;
use crate::lua::engine::convert::{to_lua, to_value};
use crate::lua::engine::errors::to_lua_err;
use crate::lua::engine::runtime::{JobScope, Runtime};
use crate::stdmethods::{self, Ctx, KERNELS};

pub fn register(lua: &Lua) -> mlua::Result<()> {
    let std: Table = lua.create_table()?;
    for (name, _) in KERNELS {
        let name: &'static str = name;
        std.set(
            name,
            lua.create_function(move |lua, options: mlua::Value| call(lua, name, &options))?,
        )?;
    }
    exax_table(lua)?.set("std", std)
}

fn call(lua: &Lua, name: &str, options: &mlua::Value) -> mlua::Result<mlua::Value> {
    let job = {
        let Some(scope) = lua.app_data_ref::<JobScope>() else {
            return Err(to_lua_err(Error::User(format!(
                "exax.std.{name} runs inside a job (a method's prepare or synthesis)"
            ))));
        };
        if *scope.phase.borrow() == "analysis" {
            return Err(to_lua_err(Error::User(format!(
                "exax.std.{name} runs in prepare or synthesis (it works on every slice at once), not in analysis"
            ))));
        }
        scope.id.clone()
    };
    let options = to_value(options, "options").map_err(|e| to_lua_err(Error::User(format!("exax.std.{name}: {e}"))))?;
    let rt = Runtime::get(lua);
    let job_dir = rt.project.job_path(&job).map_err(to_lua_err)?;
    let ctx = Ctx {
        project: &rt.project,
        job: &job,
        job_dir,
    };
    let result = stdmethods::run(&ctx, name, &options).map_err(to_lua_err)?;
    to_lua(lua, &result)
}
