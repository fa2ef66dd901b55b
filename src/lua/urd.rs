//! The `urd` a build script's `main(urd)` gets: `urd:build`, `urd.args`, and `urd.joblist` (one
//! entry per build call, in order, with `urd.joblist:get(name)` for the last of a name).

use mlua::{Lua, Table};

use super::build_call;
use super::errors::raising;
use crate::error::Error;

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
    let raw = lua.create_function(move |lua, (this, method, params): (mlua::Value, mlua::Value, mlua::Value)| {
        let method = match (this, method) {
            (mlua::Value::Table(_), mlua::Value::String(m)) => m.to_string_lossy(),
            (mlua::Value::String(_), _) => {
                return build_call::failed(lua, Error::Build("call it as urd:build('method', params), with a colon".into()))
            }
            (_, other) => {
                return build_call::failed(
                    lua,
                    Error::Build(format!(
                        "urd:build: the method name must be a string, got {}",
                        crate::lua::convert::a_type(&other)
                    )),
                )
            }
        };
        match build_call::build(lua, method, params) {
            Ok(build_call::Call::Job { name, job }) => {
                joblist.raw_push(job.clone())?;
                names.raw_push(name)?;
                Ok((true, mlua::Value::UserData(job)))
            }
            Ok(why) => Ok((true, why.into_lua(lua)?)),
            Err(e) => build_call::failed_mlua(lua, e),
        }
    })?;
    urd.set("build", raising(lua, raw)?)?;
    Ok(urd)
}
