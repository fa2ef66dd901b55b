//! Lua values to `Value` and back. Saving names the path of anything that cannot be saved
//! (`result.items[3]: cannot save a function`); handles come back as live userdata.

use mlua::{Lua, Table};

use crate::lua::api::dataset_writer;
use crate::lua::api::handles::LuaDataset;
use crate::lua::api::handles::LuaDatasetWriter;
use crate::lua::api::handles::LuaJob;
use crate::lua::table::{readonly, readonly_inner};
use crate::value::{path_push, Value};

const MAX_DEPTH: usize = 100;

pub fn to_value(v: &mlua::Value, path: &str) -> Result<Value, String> {
    to_value_at(v, path, &mut Vec::new())
}

/// `open` holds the tables being converted on the path from the root, to find cycles.
fn to_value_at(v: &mlua::Value, path: &str, open: &mut Vec<usize>) -> Result<Value, String> {
    use mlua::Value as L;
    Ok(match v {
        L::Nil => Value::Nil,
        L::Boolean(b) => Value::Bool(*b),
        L::Integer(i) => Value::Int(*i),
        L::Number(x) => Value::Float(*x),
        L::String(s) => Value::Str(s.as_bytes().to_vec()),
        L::Table(t) => {
            let t = readonly_inner(t).unwrap_or_else(|| t.clone());
            let ptr = t.to_pointer() as usize;
            if open.contains(&ptr) {
                return Err(format!("{path}: cannot save a table that contains itself"));
            }
            if open.len() >= MAX_DEPTH {
                return Err(format!("{path}: cannot save tables nested more than {MAX_DEPTH} deep"));
            }
            open.push(ptr);
            let r = table_to_value(&t, path, open);
            open.pop();
            r?
        }
        L::UserData(ud) => {
            if let Ok(j) = ud.borrow::<LuaJob>() {
                Value::Job(j.id.clone())
            } else if let Ok(d) = ud.borrow::<LuaDataset>() {
                Value::Dataset(d.id.clone())
            } else if let Ok(w) = ud.borrow::<LuaDatasetWriter>() {
                Value::Writer(w.id())
            } else {
                return Err(format!("{path}: cannot save a userdata ({})", userdata_name(ud)));
            }
        }
        L::Function(_) => return Err(format!("{path}: cannot save a function")),
        L::Thread(_) => return Err(format!("{path}: cannot save a coroutine")),
        L::LightUserData(_) if crate::lua::ffi::is_null(v) => Value::Nil,
        L::LightUserData(_) => return Err(format!("{path}: cannot save a light userdata")),
        L::Error(e) => return Err(format!("{path}: cannot save an error ({e})")),
        other => return Err(format!("{path}: cannot save {}", crate::lua::table::a_type(other))),
    })
}

fn userdata_name(ud: &mlua::AnyUserData) -> String {
    ud.metatable()
        .ok()
        .and_then(|mt| mt.get::<String>("__name").ok())
        .unwrap_or_else(|| "unknown type".to_string())
}

fn table_to_value(t: &Table, path: &str, open: &mut Vec<usize>) -> Result<Value, String> {
    let mut pairs: Vec<(Value, mlua::Value)> = Vec::new();
    let mut sequence = true;
    for kv in t.pairs::<mlua::Value, mlua::Value>() {
        let (k, v) = kv.map_err(|e| format!("{path}: {e}"))?;
        let key = match &k {
            mlua::Value::Integer(_) | mlua::Value::Number(_) | mlua::Value::String(_) | mlua::Value::Boolean(_) => {
                to_value_at(&k, path, open)?
            }
            other => return Err(format!("{path}: cannot save a table key of type {}", other.type_name())),
        };
        if !matches!(key, Value::Int(i) if i >= 1) {
            sequence = false;
        }
        pairs.push((key, v));
    }
    if sequence {
        let n = pairs.len() as i64;
        let mut items: Vec<Option<mlua::Value>> = vec![None; pairs.len()];
        let mut ok = true;
        for (k, v) in &pairs {
            match k {
                Value::Int(i) if *i <= n => items[(*i - 1) as usize] = Some(v.clone()),
                _ => ok = false,
            }
        }
        if ok {
            let mut out = Vec::with_capacity(items.len());
            for (i, v) in items.into_iter().enumerate() {
                let v = v.unwrap_or(mlua::Value::Nil);
                out.push(to_value_at(&v, &path_push(path, &Value::Int(i as i64 + 1)), open)?);
            }
            return Ok(Value::Array(out));
        }
    }
    let mut out = Vec::with_capacity(pairs.len());
    for (k, v) in pairs {
        let p = path_push(path, &k);
        out.push((k, to_value_at(&v, &p, open)?));
    }
    Ok(Value::Map(out))
}

pub fn to_lua(lua: &Lua, v: &Value) -> mlua::Result<mlua::Value> {
    Ok(match v {
        Value::Nil => mlua::Value::Nil,
        Value::Bool(b) => mlua::Value::Boolean(*b),
        Value::Int(i) => mlua::Value::Integer(*i),
        Value::Float(x) => mlua::Value::Number(*x),
        Value::Str(b) => mlua::Value::String(lua.create_string(b)?),
        Value::Array(a) => {
            let t = lua.create_table_with_capacity(a.len(), 0)?;
            for (i, x) in a.iter().enumerate() {
                t.raw_set(i + 1, to_lua(lua, x)?)?;
            }
            mlua::Value::Table(t)
        }
        Value::Map(m) => {
            let t = lua.create_table_with_capacity(0, m.len())?;
            for (k, x) in m {
                t.raw_set(to_lua(lua, k)?, to_lua(lua, x)?)?;
            }
            mlua::Value::Table(t)
        }
        Value::Job(id) => mlua::Value::UserData(LuaJob::handle(lua, id.clone())?),
        Value::Dataset(id) => mlua::Value::UserData(LuaDataset::handle(lua, id)?),
        Value::Writer(id) => dataset_writer::reopen(lua, id)?,
    })
}

/// A read-only table of a `Value` (records such as `job.params`), nested tables read-only too.
pub fn readonly_value(lua: &Lua, v: &Value, what: &str) -> mlua::Result<mlua::Value> {
    match v {
        Value::Map(m) => {
            let t = lua.create_table()?;
            for (k, x) in m {
                let p = path_push(what, k);
                t.raw_set(to_lua(lua, k)?, readonly_value(lua, x, &p)?)?;
            }
            Ok(mlua::Value::Table(readonly(lua, t, what)?))
        }
        Value::Array(a) => {
            let t = lua.create_table()?;
            for (i, x) in a.iter().enumerate() {
                let p = path_push(what, &Value::Int(i as i64 + 1));
                t.raw_set(i + 1, readonly_value(lua, x, &p)?)?;
            }
            Ok(mlua::Value::Table(readonly(lua, t, what)?))
        }
        other => to_lua(lua, other),
    }
}
