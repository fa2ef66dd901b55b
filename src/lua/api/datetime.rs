//! `exax.date(y, m, d)`, `exax.datetime(y, m, d, h, mi, s, us)` and `exax.time(h, mi, s, us)`
//! (each also takes one ISO string): the values of date, datetime and time columns. They are
//! small userdata made in `ffi` with fields `year month day hour minute second
//! microsecond`, comparison within a kind, and ISO `tostring`.

use mlua::{Lua, Table};

use crate::lua::ffi;

/// The global `exax` table (made by whichever module registers first).
pub fn exax_table(lua: &Lua) -> mlua::Result<Table> {
    match lua.globals().get::<Option<Table>>("exax")? {
        Some(t) => Ok(t),
        None => {
            let t = lua.create_table()?;
            lua.globals().set("exax", t.clone())?;
            Ok(t)
        }
    }
}

pub fn register(lua: &Lua) -> mlua::Result<()> {
    let (date, datetime, time) = ffi::date_constructors(lua)?;
    let exax = exax_table(lua)?;
    exax.set("date", date)?;
    exax.set("datetime", datetime)?;
    exax.set("time", time)?;
    Ok(())
}
