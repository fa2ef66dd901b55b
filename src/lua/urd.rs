//! The `urd` a build script's `main(urd)` gets: `urd:build`, `urd.args`, and `urd.joblist` (one
//! entry per build call, in order, with `urd.joblist:get(name)` for the last of a name).

use mlua::{Lua, Table};

use super::build_call;

pub fn create(lua: &Lua, args: &[String]) -> mlua::Result<Table> {
    let urd = lua.create_table()?;
    urd.set("args", lua.create_sequence_from(args.iter().cloned())?)?;
    let joblist = lua.create_table()?;
    let names = lua.create_table()?;
    let methods = lua.create_table()?;
    {
        let (joblist2, names2) = (joblist.clone(), names.clone());
        methods.set(
            "get",
            lua.create_function(move |_, (_, name): (mlua::Value, String)| {
                for i in (1..=names2.raw_len()).rev() {
                    if names2.raw_get::<String>(i)? == name {
                        return joblist2.raw_get::<mlua::Value>(i);
                    }
                }
                Ok(mlua::Value::Nil)
            })?,
        )?;
    }
    let mt = lua.create_table()?;
    mt.set("__index", methods)?;
    joblist.set_metatable(Some(mt))?;
    urd.set("joblist", joblist.clone())?;
    urd.set(
        "build",
        lua.create_function(move |lua, (_, method, params): (mlua::Value, String, Option<Table>)| {
            let call = build_call::build(lua, method, params)?;
            joblist.raw_push(call.job.clone())?;
            names.raw_push(call.name)?;
            Ok(call.job)
        })?,
    )?;
    Ok(urd)
}
