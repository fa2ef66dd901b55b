//! Leaf helpers on Lua values for every tier: a value's type for messages, and read-only tables.

use mlua::{Lua, Table};

/// "an integer", "a table": a Lua value's type with its article, for messages.
pub fn a_type(v: &mlua::Value) -> String {
    let t = v.type_name();
    let article = if t.starts_with(['a', 'e', 'i', 'o', 'u']) { "an" } else { "a" };
    format!("{article} {t}")
}

/// A read-only view of `inner`: reads, `pairs` and `#` work, writes are an error naming `what`.
pub fn readonly(lua: &Lua, inner: Table, what: &str) -> mlua::Result<Table> {
    let proxy = lua.create_table()?;
    let mt = lua.create_table()?;
    mt.raw_set("__index", inner.clone())?;
    let deny = crate::lua::engine::prelude::helper(lua, "deny_writes")?.call::<mlua::Function>(what)?;
    mt.raw_set("__newindex", deny)?;
    let inner2 = inner.clone();
    mt.raw_set(
        "__pairs",
        lua.create_function(move |lua, _: mlua::Value| {
            let next: mlua::Function = lua.globals().get("next")?;
            Ok((next, inner2.clone(), mlua::Value::Nil))
        })?,
    )?;
    mt.raw_set("__len", lua.create_function(move |_, _: mlua::Value| Ok(inner.raw_len()))?)?;
    mt.raw_set("__name", "exax.readonly")?;
    proxy.set_metatable(Some(mt))?;
    Ok(proxy)
}

/// The table behind a read-only view made by `readonly`.
pub fn readonly_inner(t: &Table) -> Option<Table> {
    let mt = t.metatable()?;
    if mt.raw_get::<String>("__name").ok()? != "exax.readonly" {
        return None;
    }
    mt.raw_get::<Table>("__index").ok()
}
