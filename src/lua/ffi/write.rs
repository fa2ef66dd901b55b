//! `dw:write(a, b, c)`: the `write` function of every DatasetWriter handle, reading each argument
//! straight off the Lua stack into a `Cell`.

use crate::dataset::cell::Cell;
use crate::dataset::datetime::Kind;
use crate::dataset::types::ColType;
use crate::dataset::writer::DatasetWriter;
use crate::value::Value;
use mlua::ffi::{self, lua_State};
use mlua::{AnyUserData, IntoLua, Lua};
use std::cell::RefCell;
use std::ffi::{c_int, c_void};
use std::rc::Rc;

use super::date::{date_at, NULL_SENTINEL};
use super::*;

/// Marks the user-value table of a writer handle as ours.
static WRITER_TAG: u8 = 6;

/// The `write` field of every DatasetWriter handle: a raw C function.
pub struct WriteFn;

impl IntoLua for WriteFn {
    fn into_lua(self, lua: &Lua) -> mlua::Result<mlua::Value> {
        // SAFETY: write_c follows the C function protocol and only raises through `raise`.
        unsafe { lua.create_c_function(write_c).map(mlua::Value::Function) }
    }
}

/// Ties a DatasetWriter handle to its core writer, for `write`. The handle must keep `core`
/// alive (it holds an `Rc` of it) for as long as it exists.
pub fn attach_writer(lua: &Lua, ud: &AnyUserData, core: &Rc<RefCell<DatasetWriter>>) -> mlua::Result<()> {
    let ptr = Rc::as_ptr(core) as *mut c_void;
    // SAFETY: the handle is the closure's argument 1; its first user value becomes a table
    // {tag, pointer} that only this module reads, and only while the handle is on the stack.
    unsafe {
        lua.exec_raw::<()>(ud.clone(), |l| {
            ffi::lua_createtable(l, 2, 0);
            ffi::lua_pushlightuserdata(l, &WRITER_TAG as *const u8 as *mut c_void);
            ffi::lua_rawseti(l, -2, 1);
            ffi::lua_pushlightuserdata(l, ptr);
            ffi::lua_rawseti(l, -2, 2);
            ffi::lua_setiuservalue(l, 1, 1);
            ffi::lua_pop(l, 1);
        })
    }
}

thread_local! {
    /// The last writer handle `write` saw: (its userdata block, its core writer). Cleared by
    /// `forget_writer` when any handle of that core is dropped, so it never outlives its handle.
    static LAST_WRITER: std::cell::Cell<(*const c_void, *const RefCell<DatasetWriter>)> =
        const { std::cell::Cell::new((std::ptr::null(), std::ptr::null())) };
}

/// Called when a writer handle is dropped (collected).
pub fn forget_writer(core: &Rc<RefCell<DatasetWriter>>) {
    LAST_WRITER.with(|c| {
        if c.get().1 == Rc::as_ptr(core) {
            c.set((std::ptr::null(), std::ptr::null()));
        }
    });
}

/// The core writer of the handle at `idx`.
///
/// # Safety
///
/// `idx` is a valid stack index with room for three more values; the handle stays on the stack
/// while the returned reference is used.
#[inline]
unsafe fn writer_at<'a>(l: *mut lua_State, idx: c_int) -> Option<&'a RefCell<DatasetWriter>> {
    // SAFETY: a full userdata whose block is the one cached in LAST_WRITER is the live handle it
    // was cached for (the entry is cleared when that handle is dropped); otherwise a userdata
    // whose first user value is a table tagged with WRITER_TAG was attached by attach_writer, so
    // entry 2 points at the RefCell its handle keeps alive.
    unsafe {
        if ffi::lua_type(l, idx) != ffi::LUA_TUSERDATA {
            return None;
        }
        let block = ffi::lua_touserdata(l, idx) as *const c_void;
        let (cached_block, cached) = LAST_WRITER.with(|c| c.get());
        if block == cached_block && !cached.is_null() {
            return Some(&*cached);
        }
        if ffi::lua_getiuservalue(l, idx, 1) != ffi::LUA_TTABLE {
            ffi::lua_pop(l, 1);
            return None;
        }
        ffi::lua_rawgeti(l, -1, 1);
        let tag = ffi::lua_touserdata(l, -1);
        ffi::lua_rawgeti(l, -2, 2);
        let ptr = ffi::lua_touserdata(l, -1) as *const RefCell<DatasetWriter>;
        ffi::lua_pop(l, 3);
        if !std::ptr::eq(tag as *const u8, &WRITER_TAG) || ptr.is_null() {
            return None;
        }
        LAST_WRITER.with(|c| c.set((block, ptr)));
        Some(&*ptr)
    }
}

/// The Lua value at `idx` as a cell for a column of type `ty`, with fewer API calls for the
/// value the column expects; anything else goes through `cell_at`.
///
/// # Safety
///
/// As `cell_at`.
#[inline(always)]
unsafe fn cell_for<'a>(l: *mut lua_State, idx: c_int, ty: ColType) -> Cell<'a> {
    // SAFETY: each fast path checks the exact type before converting, so nothing coerces.
    unsafe {
        match ty {
            ColType::Int64 | ColType::Int32 | ColType::Number if ffi::lua_isinteger(l, idx) != 0 => {
                Cell::Int(ffi::lua_tointegerx(l, idx, std::ptr::null_mut()))
            }
            ColType::Float64 | ColType::Float32 if ffi::lua_type(l, idx) == ffi::LUA_TNUMBER => {
                Cell::Float(ffi::lua_tonumberx(l, idx, std::ptr::null_mut()))
            }
            ColType::Unicode | ColType::Ascii | ColType::Bytes => match string_at(l, idx) {
                Some(b) => Cell::Bytes(b),
                None => cell_at(l, idx),
            },
            _ => cell_at(l, idx),
        }
    }
}

/// The Lua value at `idx` as the cell `normalize` would make of it for a column of type `ty`
/// (and leave as it is), or None when only the general path can tell: nil, a value of another
/// type, a number out of range, a string the column cannot hold, a type without a direct read.
///
/// # Safety
///
/// As `cell_at`.
#[inline(always)]
unsafe fn direct_cell<'a>(l: *mut lua_State, idx: c_int, ty: ColType) -> Option<Cell<'a>> {
    // SAFETY: each read checks the exact type before converting, so nothing coerces or raises.
    unsafe {
        match ty {
            ColType::Int64 if ffi::lua_isinteger(l, idx) != 0 => Some(Cell::Int(ffi::lua_tointegerx(l, idx, std::ptr::null_mut()))),
            ColType::Int32 if ffi::lua_isinteger(l, idx) != 0 => {
                let v = ffi::lua_tointegerx(l, idx, std::ptr::null_mut());
                i32::try_from(v).is_ok().then_some(Cell::Int(v))
            }
            ColType::Number if ffi::lua_isinteger(l, idx) != 0 => Some(Cell::Int(ffi::lua_tointegerx(l, idx, std::ptr::null_mut()))),
            // An integer becomes the float `normalize` makes of it (the same C conversion).
            ColType::Float64 | ColType::Number if ffi::lua_type(l, idx) == ffi::LUA_TNUMBER => {
                Some(Cell::Float(ffi::lua_tonumberx(l, idx, std::ptr::null_mut())))
            }
            ColType::Unicode => string_at(l, idx)
                .filter(|b| b.is_ascii() || std::str::from_utf8(b).is_ok())
                .map(Cell::Bytes),
            ColType::Ascii => string_at(l, idx).filter(|b| b.is_ascii()).map(Cell::Bytes),
            ColType::Bytes => string_at(l, idx).map(Cell::Bytes),
            ColType::Bool if ffi::lua_type(l, idx) == ffi::LUA_TBOOLEAN => Some(Cell::Bool(ffi::lua_toboolean(l, idx) != 0)),
            _ => None,
        }
    }
}

/// The Lua value at `idx` as a cell for a column of type `ty`.
///
/// # Safety
///
/// `idx` is a valid stack index; string cells borrow the Lua string, which stays on the stack.
#[inline]
unsafe fn cell_at<'a>(l: *mut lua_State, idx: c_int) -> Cell<'a> {
    // SAFETY: type checks come before each conversion, so nothing converts in place or raises.
    unsafe {
        match ffi::lua_type(l, idx) {
            ffi::LUA_TNUMBER => {
                if ffi::lua_isinteger(l, idx) != 0 {
                    Cell::Int(ffi::lua_tointeger(l, idx))
                } else {
                    Cell::Float(ffi::lua_tonumber(l, idx))
                }
            }
            ffi::LUA_TSTRING => Cell::Bytes(string_at(l, idx).unwrap_or(b"")),
            ffi::LUA_TNIL | ffi::LUA_TNONE => Cell::None,
            ffi::LUA_TBOOLEAN => Cell::Bool(ffi::lua_toboolean(l, idx) != 0),
            ffi::LUA_TLIGHTUSERDATA if std::ptr::eq(ffi::lua_touserdata(l, idx) as *const u8, &NULL_SENTINEL) => Cell::None,
            ffi::LUA_TUSERDATA => match date_at(l, idx) {
                Some((Kind::Date, v)) => Cell::Date(v as i32),
                Some((Kind::Datetime, v)) => Cell::DateTime(v),
                Some((Kind::Time, v)) => Cell::Time(v),
                None => Cell::Other("a userdata"),
            },
            t => Cell::Other(type_name(t)),
        }
    }
}

/// A Lua value as a `Value` (for json columns), reading tables with `lua_next` (no metamethods).
///
/// # Safety
///
/// `idx` is a valid absolute stack index.
unsafe fn value_at(l: *mut lua_State, idx: c_int, depth: usize) -> Result<Value, String> {
    // SAFETY: lua_next walks the table with its key kept on the stack and not converted (only
    // string keys are read as strings); checkstack keeps room for the walk.
    unsafe {
        Ok(match ffi::lua_type(l, idx) {
            ffi::LUA_TNIL | ffi::LUA_TNONE => Value::Nil,
            ffi::LUA_TBOOLEAN => Value::Bool(ffi::lua_toboolean(l, idx) != 0),
            ffi::LUA_TNUMBER if ffi::lua_isinteger(l, idx) != 0 => Value::Int(ffi::lua_tointeger(l, idx)),
            ffi::LUA_TNUMBER => Value::Float(ffi::lua_tonumber(l, idx)),
            ffi::LUA_TSTRING => Value::Str(string_at(l, idx).unwrap_or(b"").to_vec()),
            ffi::LUA_TTABLE => {
                if depth >= MAX_DEPTH || ffi::lua_checkstack(l, 3) == 0 {
                    return Err("tables nested too deep (does a table contain itself?)".into());
                }
                let mut pairs = Vec::new();
                ffi::lua_pushnil(l);
                while ffi::lua_next(l, idx) != 0 {
                    let top = ffi::lua_gettop(l);
                    let k = match ffi::lua_type(l, top - 1) {
                        ffi::LUA_TSTRING | ffi::LUA_TNUMBER | ffi::LUA_TBOOLEAN => value_at(l, top - 1, depth + 1),
                        t => Err(format!("a table key cannot be {}", type_name(t))),
                    };
                    let v = value_at(l, top, depth + 1);
                    ffi::lua_pop(l, 1);
                    match (k, v) {
                        (Ok(k), Ok(v)) => pairs.push((k, v)),
                        (Err(e), _) | (_, Err(e)) => {
                            ffi::lua_pop(l, 1);
                            return Err(e);
                        }
                    }
                }
                let n = pairs.len() as i64;
                let is_array = pairs.iter().all(|(k, _)| matches!(k, Value::Int(i) if *i >= 1 && *i <= n));
                if is_array {
                    pairs.sort_by_key(|(k, _)| if let Value::Int(i) = k { *i } else { 0 });
                    Value::Array(pairs.into_iter().map(|(_, v)| v).collect())
                } else {
                    Value::Map(pairs)
                }
            }
            t => return Err(format!("JSON cannot hold {}", type_name(t))),
        })
    }
}

/// The JSON text of the value at `idx`.
unsafe fn json_at(l: *mut lua_State, idx: c_int) -> Result<Vec<u8>, String> {
    // SAFETY: see value_at.
    let v = unsafe { value_at(l, idx, 0)? };
    let j = crate::json::to_json(&v, "value").map_err(|e| e.to_string())?;
    serde_json::to_vec(&j).map_err(|e| e.to_string())
}

unsafe extern "C-unwind" fn write_c(l: *mut lua_State) -> c_int {
    // SAFETY: all the work is in write_row, which returns before anything can raise.
    unsafe {
        match write_row(l) {
            Ok(()) => 0,
            Err(msg) => raise(l, msg),
        }
    }
}

const SMALL: usize = 16;

unsafe fn write_row(l: *mut lua_State) -> Result<(), String> {
    // SAFETY: argument 1 is checked to be a writer handle; the cells borrow strings from the
    // stack, which outlive this call; nothing here raises.
    unsafe {
        let Some(core) = writer_at(l, 1) else {
            return Err("write: call it on a dataset writer, as dw:write(a, b, ...)".into());
        };
        let mut w = core
            .try_borrow_mut()
            .map_err(|_| "write: the dataset writer is busy (write called from inside another writer call?)".to_string())?;
        let n = (ffi::lua_gettop(l) - 1).max(0) as usize;
        // The usual row: every value already what its column holds, in a writer with nothing
        // else to check. Anything else (or a row with a value that is not) takes the general
        // path below, which reads the row again and gives the errors.
        if let Some(slice) = w.direct_slice() {
            let cols = w.columns();
            if n == cols.len() && n <= SMALL {
                let mut cells = [Cell::None; SMALL];
                let mut all = true;
                for (i, (cell, c)) in cells.iter_mut().zip(cols).enumerate() {
                    match direct_cell(l, i as c_int + 2, c.ty) {
                        Some(v) => *cell = v,
                        None => {
                            all = false;
                            break;
                        }
                    }
                }
                if all {
                    return w.push_checked(slice, &cells[..n]);
                }
            }
        }
        let json_cols: Vec<usize> = if w.has_json() {
            (0..n.min(w.columns().len()))
                .filter(|&i| w.columns()[i].ty == ColType::Json)
                .collect()
        } else {
            Vec::new()
        };
        let mut texts: Vec<Option<Vec<u8>>> = Vec::new();
        for &i in &json_cols {
            let idx = i as c_int + 2;
            texts.resize(i + 1, None);
            if ffi::lua_type(l, idx) > ffi::LUA_TNIL {
                let name = &w.columns()[i].name;
                texts[i] = Some(json_at(l, idx).map_err(|e| format!("dataset {}, column `{name}` (json): {e}", w.id()))?);
            }
        }
        let mut small = [Cell::None; SMALL];
        let mut big;
        let cells: &mut [Cell] = if n <= SMALL {
            &mut small[..n]
        } else {
            big = vec![Cell::None; n];
            &mut big
        };
        let cols = w.columns();
        for (i, cell) in cells.iter_mut().enumerate() {
            *cell = match (texts.get(i), cols.get(i)) {
                (Some(Some(t)), _) => Cell::Json(t.as_slice()),
                (_, Some(c)) => cell_for(l, i as c_int + 2, c.ty),
                _ => cell_at(l, i as c_int + 2),
            };
        }
        w.write(cells)
    }
}
