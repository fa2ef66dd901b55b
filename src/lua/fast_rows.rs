//! The hot paths between Lua and datasets, written against Lua's C API (`mlua::ffi`) because
//! mlua's conversions cost more than the work itself (see `lua-perf-probe.md`: a userdata method
//! is 64-155 ns a call, a raw `lua_CFunction` 13-47 ns). This is the only module in `src/lua/`
//! with `unsafe`; everything it offers the rest of exax is safe:
//!
//! - `WriteFn`: the `write` function of a DatasetWriter handle (`dw:write(a, b, c)`), reading
//!   each argument straight off the Lua stack into a `Cell`;
//! - `row_iterator`: the C closures behind `ds:iterate` (one row per call) and
//!   `ds:iterate_chunks` (tables of many values per call, built with `lua_rawseti`);
//! - dates, datetimes and times as small userdata (`exax.date(...)`), created and read here.
//!
//! # Errors and `longjmp`
//!
//! Lua raises errors with `longjmp`, which skips Rust destructors. So every C function here does
//! its work in an inner function that returns `Result<_, String>`, and only the outer function,
//! with nothing left to drop, calls `raise`, which frees the message before `lua_error`. The Lua
//! API calls made while Rust values with destructors are alive are ones that cannot raise (reading
//! the stack, `lua_rawgeti`) or that raise only when Lua runs out of memory.

use std::cell::{RefCell, UnsafeCell};
use std::ffi::{c_char, c_int, c_void};
use std::rc::Rc;

use mlua::ffi::{self, lua_State};
use mlua::{AnyUserData, IntoLua, Lua};

use crate::dataset::cell::Cell;
use crate::dataset::datetime::{self, Kind, Parts};
use crate::dataset::reader::{Block, ColumnReader, Dataset, Stored, Values};
use crate::dataset::types::ColType;
use crate::dataset::writer::DatasetWriter;
use crate::status::Progress;
use crate::value::Value;

/// Raises `msg` as a Lua error at the Lua caller's line (`methods/x.lua:5: msg`).
///
/// # Safety
///
/// `l` is the state of the running C function, and no frame between it and Lua may hold a value
/// with a destructor: `lua_error` does not return.
unsafe fn raise(l: *mut lua_State, msg: String) -> ! {
    // SAFETY: luaL_where and lua_pushlstring only push; the message is copied into Lua before
    // the String is dropped, so nothing with a destructor is left when lua_error jumps.
    unsafe {
        ffi::luaL_where(l, 1);
        ffi::lua_pushlstring(l, msg.as_ptr() as *const c_char, msg.len());
        drop(msg);
        ffi::lua_concat(l, 2);
        ffi::lua_error(l)
    }
}

/// The string at `idx`, or None when it is not a string (numbers are not converted).
///
/// # Safety
///
/// `idx` is a valid stack index of `l`; the slice lives as long as the value stays on the stack.
unsafe fn string_at<'a>(l: *mut lua_State, idx: c_int) -> Option<&'a [u8]> {
    // SAFETY: the type check comes first, so lua_tolstring does not convert (and cannot raise);
    // Lua strings are immutable and stay alive while they are on the stack.
    unsafe {
        if ffi::lua_type(l, idx) != ffi::LUA_TSTRING {
            return None;
        }
        let mut len = 0usize;
        let p = ffi::lua_tolstring(l, idx, &mut len);
        Some(std::slice::from_raw_parts(p as *const u8, len))
    }
}

fn type_name(t: c_int) -> &'static str {
    match t {
        ffi::LUA_TTABLE => "a table",
        ffi::LUA_TFUNCTION => "a function",
        ffi::LUA_TUSERDATA => "a userdata",
        ffi::LUA_TTHREAD => "a coroutine",
        ffi::LUA_TLIGHTUSERDATA => "a light userdata",
        _ => "an unknown value",
    }
}

// ---------------------------------------------------------------------------------------------
// Dates

#[repr(C)]
struct DateUd {
    kind: u8,
    value: i64,
}

// Distinct values, so the statics (used only for their addresses) cannot be merged.
static DATE_MT: u8 = 1;
static DATETIME_MT: u8 = 2;
static TIME_MT: u8 = 3;
/// A key every date metatable holds (its kind), so one lookup tells our userdata apart.
static DATE_KIND_KEY: u8 = 4;
/// `exax.null` is a light userdata with this address: written, it is None.
static NULL_SENTINEL: u8 = 5;

/// `exax.null`, the same value in every Lua state of the process.
pub fn null_value() -> mlua::Value {
    mlua::Value::LightUserData(mlua::LightUserData(&NULL_SENTINEL as *const u8 as *mut c_void))
}

/// True for `exax.null`.
pub fn is_null(v: &mlua::Value) -> bool {
    matches!(v, mlua::Value::LightUserData(p) if std::ptr::eq(p.0 as *const u8, &NULL_SENTINEL))
}

fn kind_code(k: Kind) -> u8 {
    match k {
        Kind::Date => 0,
        Kind::Datetime => 1,
        Kind::Time => 2,
    }
}

fn code_kind(c: i64) -> Option<Kind> {
    match c {
        0 => Some(Kind::Date),
        1 => Some(Kind::Datetime),
        2 => Some(Kind::Time),
        _ => None,
    }
}

fn mt_key(k: Kind) -> *const c_void {
    match k {
        Kind::Date => &DATE_MT as *const u8 as *const c_void,
        Kind::Datetime => &DATETIME_MT as *const u8 as *const c_void,
        Kind::Time => &TIME_MT as *const u8 as *const c_void,
    }
}

/// The date, datetime or time at `idx`, if that is one of ours.
///
/// # Safety
///
/// `idx` is a valid stack index of `l`, with room for two more values on the stack.
unsafe fn date_at(l: *mut lua_State, idx: c_int) -> Option<(Kind, i64)> {
    // SAFETY: only reads; the userdata's block is a DateUd when its metatable carries our key,
    // which only `push_date` sets.
    unsafe {
        if ffi::lua_type(l, idx) != ffi::LUA_TUSERDATA || ffi::lua_getmetatable(l, idx) == 0 {
            return None;
        }
        ffi::lua_rawgetp(l, -1, &DATE_KIND_KEY as *const u8 as *const c_void);
        let kind = if ffi::lua_isinteger(l, -1) != 0 {
            code_kind(ffi::lua_tointeger(l, -1))
        } else {
            None
        };
        ffi::lua_pop(l, 2);
        let kind = kind?;
        let p = ffi::lua_touserdata(l, idx) as *const DateUd;
        Some((kind, (*p).value))
    }
}

/// Pushes a new date, datetime or time.
///
/// # Safety
///
/// `l` has room for two more values; `register` ran on this state (the metatables exist).
unsafe fn push_date(l: *mut lua_State, kind: Kind, value: i64) {
    // SAFETY: the block is sized for DateUd and fully written before anything reads it; DateUd
    // has no destructor, so the userdata needs no __gc.
    unsafe {
        let p = ffi::lua_newuserdatauv(l, std::mem::size_of::<DateUd>(), 0) as *mut DateUd;
        p.write(DateUd {
            kind: kind_code(kind),
            value,
        });
        ffi::lua_rawgetp(l, ffi::LUA_REGISTRYINDEX, mt_key(kind));
        ffi::lua_setmetatable(l, -2);
    }
}

unsafe extern "C-unwind" fn date_index(l: *mut lua_State) -> c_int {
    // SAFETY: a metamethod of our date userdata: argument 1 is one, argument 2 the key.
    unsafe {
        let Some((kind, v)) = date_at(l, 1) else { return 0 };
        let Some(key) = string_at(l, 2) else { return 0 };
        let p = datetime::decode(kind, v);
        let has_date = kind != Kind::Time;
        let has_time = kind != Kind::Date;
        let field = match key {
            b"year" if has_date => p.year,
            b"month" if has_date => p.month,
            b"day" if has_date => p.day,
            b"hour" if has_time => p.hour,
            b"minute" if has_time => p.minute,
            b"second" if has_time => p.second,
            b"microsecond" if has_time => p.microsecond,
            _ => {
                ffi::lua_pushnil(l);
                return 1;
            }
        };
        ffi::lua_pushinteger(l, field);
        1
    }
}

unsafe extern "C-unwind" fn date_tostring(l: *mut lua_State) -> c_int {
    // SAFETY: as date_index; the String is dropped before returning.
    unsafe {
        let Some((kind, v)) = date_at(l, 1) else { return 0 };
        let s = datetime::iso(kind, v);
        ffi::lua_pushlstring(l, s.as_ptr() as *const c_char, s.len());
        1
    }
}

unsafe extern "C-unwind" fn date_eq(l: *mut lua_State) -> c_int {
    // SAFETY: reads two stack values.
    unsafe {
        let eq = matches!((date_at(l, 1), date_at(l, 2)), (Some(a), Some(b)) if a == b);
        ffi::lua_pushboolean(l, eq as c_int);
        1
    }
}

/// `<` and `<=` between two values of one kind.
unsafe fn date_cmp(l: *mut lua_State, or_equal: bool) -> c_int {
    // SAFETY: reads two stack values; raise has nothing to drop here but the message.
    unsafe {
        match (date_at(l, 1), date_at(l, 2)) {
            (Some((ka, a)), Some((kb, b))) if ka == kb => {
                ffi::lua_pushboolean(l, (if or_equal { a <= b } else { a < b }) as c_int);
                1
            }
            (a, b) => {
                let name = |x: Option<(Kind, i64)>, idx| match x {
                    Some((k, _)) => format!("a {}", k.name()),
                    None => type_name(ffi::lua_type(l, idx)).to_string(),
                };
                let msg = format!("attempt to compare {} with {}", name(a, 1), name(b, 2));
                raise(l, msg)
            }
        }
    }
}

unsafe extern "C-unwind" fn date_lt(l: *mut lua_State) -> c_int {
    // SAFETY: see date_cmp.
    unsafe { date_cmp(l, false) }
}

unsafe extern "C-unwind" fn date_le(l: *mut lua_State) -> c_int {
    // SAFETY: see date_cmp.
    unsafe { date_cmp(l, true) }
}

/// An integer argument (integral floats accepted), or `default` when absent.
///
/// # Safety
///
/// `idx` is a stack index of `l` (possibly above the top: then it is absent).
unsafe fn int_arg(l: *mut lua_State, idx: c_int, name: &str, default: Option<i64>) -> Result<i64, String> {
    // SAFETY: type checks before conversions; nothing raises.
    unsafe {
        match ffi::lua_type(l, idx) {
            ffi::LUA_TNUMBER => {
                let mut ok = 0;
                let v = ffi::lua_tointegerx(l, idx, &mut ok);
                if ok != 0 {
                    Ok(v)
                } else {
                    Err(format!("{name} must be an integer, got {}", ffi::lua_tonumber(l, idx)))
                }
            }
            ffi::LUA_TNIL | ffi::LUA_TNONE if default.is_some() => Ok(default.unwrap_or(0)),
            ffi::LUA_TNIL | ffi::LUA_TNONE => Err(format!("{name} is missing")),
            t => Err(format!("{name} must be an integer, got {}", type_name(t).trim_start_matches("a "))),
        }
    }
}

/// `exax.date(y, m, d)`, `exax.datetime(y, m, d, h, mi, s, us)`, `exax.time(h, mi, s, us)`, or
/// any of them with one ISO string.
unsafe fn make_date(l: *mut lua_State, kind: Kind) -> Result<(), String> {
    // SAFETY: reads arguments, pushes one value.
    unsafe {
        let what = format!("exax.{}", kind.name());
        if let Some(s) = string_at(l, 1) {
            let s = std::str::from_utf8(s).map_err(|_| format!("{what}: the text is not UTF-8"))?;
            let v = datetime::parse_iso(kind, s).map_err(|e| format!("{what}: {e}"))?;
            push_date(l, kind, v);
            return Ok(());
        }
        let arg = |i: c_int, name: &str, d: Option<i64>| int_arg(l, i, name, d).map_err(|e| format!("{what}: {e}"));
        let mut p = Parts::default();
        let first_time = if kind == Kind::Time {
            1
        } else {
            p.year = arg(1, "year", None)?;
            p.month = arg(2, "month", None)?;
            p.day = arg(3, "day", None)?;
            4
        };
        if kind != Kind::Date {
            p.hour = arg(first_time, "hour", Some(0))?;
            p.minute = arg(first_time + 1, "minute", Some(0))?;
            p.second = arg(first_time + 2, "second", Some(0))?;
            p.microsecond = arg(first_time + 3, "microsecond", Some(0))?;
        }
        let v = datetime::encode(kind, &p).map_err(|e| format!("{what}: {e}"))?;
        ffi::lua_checkstack(l, 3);
        push_date(l, kind, v);
        Ok(())
    }
}

macro_rules! date_constructor {
    ($name:ident, $kind:expr) => {
        unsafe extern "C-unwind" fn $name(l: *mut lua_State) -> c_int {
            // SAFETY: the work is in make_date; raise gets the only value with a destructor.
            unsafe {
                match make_date(l, $kind) {
                    Ok(()) => 1,
                    Err(msg) => raise(l, msg),
                }
            }
        }
    };
}

date_constructor!(new_date_c, Kind::Date);
date_constructor!(new_datetime_c, Kind::Datetime);
date_constructor!(new_time_c, Kind::Time);

/// Makes the three date metatables; returns `(date, datetime, time)` constructors.
pub fn date_constructors(lua: &Lua) -> mlua::Result<(mlua::Function, mlua::Function, mlua::Function)> {
    // SAFETY: exec_raw runs the closure in protected mode on this state; it creates tables and
    // stores them in the registry under keys only this module knows.
    unsafe {
        lua.exec_raw::<()>((), |l| {
            for kind in [Kind::Date, Kind::Datetime, Kind::Time] {
                let name = format!("exax.{}\0", kind.name());
                ffi::luaL_newmetatable(l, name.as_ptr() as *const c_char);
                let set = |f: ffi::lua_CFunction, field: &[u8]| {
                    ffi::lua_pushcfunction(l, f);
                    ffi::lua_setfield(l, -2, field.as_ptr() as *const c_char);
                };
                set(date_index, b"__index\0");
                set(date_tostring, b"__tostring\0");
                set(date_eq, b"__eq\0");
                set(date_lt, b"__lt\0");
                set(date_le, b"__le\0");
                ffi::lua_pushinteger(l, kind_code(kind) as i64);
                ffi::lua_rawsetp(l, -2, &DATE_KIND_KEY as *const u8 as *const c_void);
                ffi::lua_rawsetp(l, ffi::LUA_REGISTRYINDEX, mt_key(kind));
            }
        })?;
        Ok((
            lua.create_c_function(new_date_c)?,
            lua.create_c_function(new_datetime_c)?,
            lua.create_c_function(new_time_c)?,
        ))
    }
}

/// A new date, datetime or time value.
pub fn new_date(lua: &Lua, kind: Kind, value: i64) -> mlua::Result<mlua::Value> {
    // SAFETY: pushes exactly one value, which exec_raw returns.
    unsafe { lua.exec_raw::<mlua::Value>((), |l| push_date(l, kind, value)) }
}

// ---------------------------------------------------------------------------------------------
// Writing

/// Marks the user-value table of a writer handle as ours.
static WRITER_TAG: u8 = 5;

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

const MAX_DEPTH: usize = 100;

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

// ---------------------------------------------------------------------------------------------
// Reading

/// What an iterator walks: (dataset, slice) segments in order, and the columns it yields.
pub struct RowSource {
    pub segments: Vec<(Rc<Dataset>, usize)>,
    pub columns: Vec<String>,
    /// `{none = v}`: every None is read as `v` instead of nil.
    pub none: Option<mlua::Value>,
    /// The Lua name of the call, for errors (`ds:iterate`).
    pub what: &'static str,
}

/// Lines decoded at a time.
const BLOCK: usize = 4096;

struct Cursor {
    readers: Vec<ColumnReader>,
    blocks: Vec<Block>,
    lines: u64,
    row: u64,
    block_start: u64,
    block_len: usize,
}

impl Cursor {
    /// Decodes the next `n` lines of every column (from `row`).
    fn fill(&mut self, n: usize) -> Result<(), String> {
        for (r, b) in self.readers.iter_mut().zip(&mut self.blocks) {
            r.read_block(self.row, n, b).map_err(|e| format!("reading a dataset: {e}"))?;
        }
        self.block_start = self.row;
        self.block_len = n;
        Ok(())
    }
}

/// Moves the status line to the start of the block just decoded.
#[inline]
fn report(st: &IterState) {
    if let (Some(p), Some(c)) = (&st.progress, &st.cursor) {
        p.set(st.progress_base + c.row);
    }
}

struct IterState {
    src: RowSource,
    next_segment: usize,
    cursor: Option<Cursor>,
    /// Rows per call for chunked iteration; 0 for one row per call.
    chunk: usize,
    /// `reading demo-3/default (n of m lines)` in the status tree, per dataset read.
    progress: Option<Progress>,
    progress_id: String,
    /// Lines read in earlier segments of the dataset the progress shows.
    progress_base: u64,
    /// `{none = v}` was given (v is upvalue NONE_VALUE).
    none_set: bool,
}

impl Drop for IterState {
    fn drop(&mut self) {
        // Collected before it finished (the loop was left early): remove only its own line.
        if let Some(p) = self.progress.take() {
            p.discard();
        }
    }
}

/// An iterator's state; the C closure keeps it alive (boxed inside a userdata, so it never moves)
/// as an upvalue. `busy` guards against a call from inside a call (pushing a value can run a GC
/// step, and a `__gc` finalizer can run any Lua code): only a call that sets it touches `state`.
struct IterOwner {
    busy: std::cell::Cell<bool>,
    state: UnsafeCell<IterState>,
}

/// Upvalues of an iterator closure: 1 the IterOwner pointer, 2 its userdata, 3 what a None reads
/// as, 4.. one dictionary cache (a table of Lua strings) per column.
const NONE_VALUE: c_int = 3;
const FIRST_CACHE: c_int = 4;

/// A Lua function that returns the next row's values (`chunk == 0`), or the next chunk as
/// `n, table_1, ..., table_k`; nothing when done.
pub fn row_iterator(lua: &Lua, mut src: RowSource, chunk: usize) -> mlua::Result<mlua::Function> {
    let ncols = src.columns.len();
    let none = src.none.take().unwrap_or(mlua::Value::Nil);
    let none_set = !none.is_nil();
    let owner = Box::new(IterOwner {
        busy: std::cell::Cell::new(false),
        state: UnsafeCell::new(IterState {
            src,
            next_segment: 0,
            cursor: None,
            chunk,
            progress: None,
            progress_id: String::new(),
            progress_base: 0,
            none_set,
        }),
    });
    let ptr = &*owner as *const IterOwner as *mut c_void;
    let ud = lua.create_any_userdata(owner)?;
    // SAFETY: the closure gets the owner's address and the userdata that keeps the (boxed, so
    // never moving) owner alive for as long as the closure exists.
    unsafe {
        lua.exec_raw::<mlua::Function>((ud, none), |l| {
            ffi::lua_checkstack(l, ncols as c_int + 4);
            ffi::lua_pushlightuserdata(l, ptr);
            ffi::lua_rotate(l, 1, 1);
            for _ in 0..ncols {
                ffi::lua_pushnil(l);
            }
            let f: ffi::lua_CFunction = if chunk == 0 { rows_c } else { chunks_c };
            ffi::lua_pushcclosure(l, f, ncols as c_int + 3);
        })
    }
}

/// Runs `step` on the iterator state of the running closure, refusing a nested call.
///
/// # Safety
///
/// Called only from `rows_c`/`chunks_c`, whose upvalue 1 is an IterOwner kept alive by upvalue 2.
#[inline(always)]
unsafe fn with_state(l: *mut lua_State, step: unsafe fn(*mut lua_State, &mut IterState) -> Result<c_int, String>) -> c_int {
    // SAFETY: the owner outlives this call (its userdata is an upvalue of the running closure);
    // `busy` is only read and written through a shared reference (it is a Cell), and the state
    // is borrowed mutably only by the one call that set `busy`, so no two `&mut` ever overlap.
    unsafe {
        let owner = &*(ffi::lua_touserdata(l, ffi::lua_upvalueindex(1)) as *const IterOwner);
        if owner.busy.replace(true) {
            raise(
                l,
                "a dataset iterator was called from inside itself (from a __gc finalizer?)".to_string(),
            );
        }
        let r = step(l, &mut *owner.state.get());
        owner.busy.set(false);
        match r {
            Ok(n) => n,
            Err(msg) => raise(l, msg),
        }
    }
}

unsafe extern "C-unwind" fn rows_c(l: *mut lua_State) -> c_int {
    // SAFETY: rows_c is only ever an iterator closure made by row_iterator.
    unsafe { with_state(l, next_row) }
}

unsafe extern "C-unwind" fn chunks_c(l: *mut lua_State) -> c_int {
    // SAFETY: as rows_c.
    unsafe { with_state(l, next_chunk) }
}

/// Makes sure a segment with rows left is open; false when every segment is done.
#[inline(always)]
unsafe fn ensure_cursor(l: *mut lua_State, st: &mut IterState) -> Result<bool, String> {
    if let Some(c) = &st.cursor {
        if c.row < c.lines {
            return Ok(true);
        }
    }
    // SAFETY: as open_next_segment.
    unsafe { open_next_segment(l, st) }
}

/// Opens the next segment that has lines, refreshing the dictionary caches.
#[cold]
unsafe fn open_next_segment(l: *mut lua_State, st: &mut IterState) -> Result<bool, String> {
    loop {
        if let Some(c) = &st.cursor {
            if c.row < c.lines {
                return Ok(true);
            }
        }
        if let Some(c) = st.cursor.take() {
            st.progress_base += c.lines;
        }
        let Some((ds, slice)) = st.src.segments.get(st.next_segment).cloned() else {
            // Done: the status line goes (with anything left open above it).
            st.progress = None;
            return Ok(false);
        };
        st.next_segment += 1;
        let id = ds.id();
        if st.progress.is_none() || st.progress_id != id {
            let total: u64 = st.src.segments[st.next_segment - 1..]
                .iter()
                .take_while(|(d, _)| Rc::ptr_eq(d, &ds))
                .map(|(d, s)| d.lines(Some(*s)))
                .sum();
            st.progress = None;
            st.progress = Some(Progress::new(format!("reading {id}"), Some(total), "lines"));
            st.progress_id = id;
            st.progress_base = 0;
        }
        let lines = ds.lines(Some(slice));
        if lines == 0 {
            continue;
        }
        let mut readers = Vec::with_capacity(st.src.columns.len());
        for name in &st.src.columns {
            let i = ds.column_index(name).map_err(|e| e.to_string())?;
            readers.push(ds.open_column(i, slice).map_err(|e| e.to_string())?);
        }
        // SAFETY: replaces this closure's cache upvalues with fresh tables of the slice's
        // dictionary strings (or nil); nothing with a destructor is pending but `readers`,
        // and only running out of memory could raise here.
        unsafe {
            ffi::lua_checkstack(l, 3);
            for (i, r) in readers.iter().enumerate() {
                match &r.dict {
                    Some(d) => {
                        ffi::lua_createtable(l, d.len() as c_int, 0);
                        for k in 0..d.len() {
                            let s = d.get(k).unwrap_or(b"");
                            ffi::lua_pushlstring(l, s.as_ptr() as *const c_char, s.len());
                            ffi::lua_rawseti(l, -2, k as i64 + 1);
                        }
                    }
                    None => ffi::lua_pushnil(l),
                }
                ffi::lua_replace(l, ffi::lua_upvalueindex(FIRST_CACHE + i as c_int));
            }
        }
        let blocks = readers.iter().map(|_| Block::default()).collect();
        st.cursor = Some(Cursor {
            readers,
            blocks,
            lines,
            row: 0,
            block_start: 0,
            block_len: 0,
        });
    }
}

/// Pushes one stored value; `col` selects the dictionary cache.
///
/// # Safety
///
/// There is room on the stack for two more values.
#[inline]
unsafe fn push_stored(l: *mut lua_State, v: Stored, col: usize) -> Result<(), String> {
    // SAFETY: plain pushes; dictionary codes index this closure's cache table.
    unsafe {
        match v {
            Stored::Int(i) => ffi::lua_pushinteger(l, i),
            Stored::Float(x) => ffi::lua_pushnumber(l, x),
            Stored::Code(c) => {
                if ffi::lua_rawgeti(l, ffi::lua_upvalueindex(FIRST_CACHE + col as c_int), c as i64 + 1) == ffi::LUA_TNIL {
                    return Err("a dictionary code is out of range (damaged dataset?)".into());
                }
            }
            Stored::Bytes(b) => {
                ffi::lua_pushlstring(l, b.as_ptr() as *const c_char, b.len());
            }
            Stored::None => push_none(l),
            Stored::Bool(b) => ffi::lua_pushboolean(l, b as c_int),
            Stored::Date(d) => push_date(l, Kind::Date, d as i64),
            Stored::DateTime(v) => push_date(l, Kind::Datetime, v),
            Stored::Time(v) => push_date(l, Kind::Time, v),
            Stored::Json(t) => {
                let j: serde_json::Value = serde_json::from_slice(t).map_err(|e| format!("a json value is damaged: {e}"))?;
                push_value(l, &crate::json::from_json(&j), 0)?;
            }
        }
        Ok(())
    }
}

/// Pushes a `Value` (json columns) as Lua tables and scalars.
unsafe fn push_value(l: *mut lua_State, v: &Value, depth: usize) -> Result<(), String> {
    // SAFETY: checkstack before every nesting level; plain pushes and raw sets.
    unsafe {
        if depth > MAX_DEPTH || ffi::lua_checkstack(l, 4) == 0 {
            return Err("a json value is nested too deep".into());
        }
        match v {
            Value::Nil => ffi::lua_pushnil(l),
            Value::Bool(b) => ffi::lua_pushboolean(l, *b as c_int),
            Value::Int(i) => ffi::lua_pushinteger(l, *i),
            Value::Float(x) => ffi::lua_pushnumber(l, *x),
            Value::Str(b) => {
                ffi::lua_pushlstring(l, b.as_ptr() as *const c_char, b.len());
            }
            Value::Array(a) => {
                ffi::lua_createtable(l, a.len() as c_int, 0);
                for (i, x) in a.iter().enumerate() {
                    push_value(l, x, depth + 1)?;
                    ffi::lua_rawseti(l, -2, i as i64 + 1);
                }
            }
            Value::Map(m) => {
                ffi::lua_createtable(l, 0, m.len() as c_int);
                for (k, x) in m {
                    push_value(l, k, depth + 1)?;
                    push_value(l, x, depth + 1)?;
                    ffi::lua_rawset(l, -3);
                }
            }
            Value::Job(_) | Value::Dataset(_) | Value::Writer(_) => ffi::lua_pushnil(l),
        }
        Ok(())
    }
}

/// Pushes what a None reads as: nil, or the `none` option's value (an upvalue that is nil when
/// the option was not given).
///
/// # Safety
///
/// Called from an iterator closure, with room on the stack for one more value.
#[inline(always)]
unsafe fn push_none(l: *mut lua_State) {
    // SAFETY: pushes a copy of an upvalue.
    unsafe {
        ffi::lua_pushvalue(l, ffi::lua_upvalueindex(NONE_VALUE));
    }
}

/// The error for a None read as nil in the first column, which would end a generic `for`.
#[cold]
fn none_first(st: &IterState, row: u64) -> String {
    let (id, slice) = st
        .src
        .segments
        .get(st.next_segment.saturating_sub(1))
        .map(|(d, s)| (d.id(), *s))
        .unwrap_or_default();
    let col = st.src.columns.first().map(String::as_str).unwrap_or("");
    format!(
        "{}: dataset {id}, column `{col}`, slice {slice}, row {row}: a None in the first column would end the loop here; put a column without None first, or pass {{none = v}} (exax.null, for one) to read None as v",
        st.src.what
    )
}

/// Pushes value `i` of a decoded block (line `row` of the reader, for undecoded strings).
///
/// # Safety
///
/// There is room on the stack for two more values; `i < b.len`.
#[inline(always)]
unsafe fn push_block_value(l: *mut lua_State, b: &Block, r: &mut ColumnReader, i: usize, row: u64, col: usize) -> Result<(), String> {
    // SAFETY: plain pushes, and push_stored for what is not decoded.
    unsafe {
        if b.is_none(i) {
            push_none(l);
            return Ok(());
        }
        match &b.values {
            Values::Int(v) => ffi::lua_pushinteger(l, v[i]),
            Values::Float(v) => ffi::lua_pushnumber(l, v[i]),
            Values::Code(v) => {
                if ffi::lua_rawgeti(l, ffi::lua_upvalueindex(FIRST_CACHE + col as c_int), v[i] as i64 + 1) == ffi::LUA_TNIL {
                    return Err("a dictionary code is out of range (damaged dataset?)".into());
                }
            }
            Values::Bool(v) => ffi::lua_pushboolean(l, v[i] as c_int),
            Values::Number(v, f) => {
                if !f.is_empty() && f[i] {
                    ffi::lua_pushnumber(l, f64::from_bits(v[i] as u64))
                } else {
                    ffi::lua_pushinteger(l, v[i])
                }
            }
            Values::Stamp(k, v) => push_date(l, *k, v[i]),
            Values::Var => {
                let v = r.get(row).map_err(|e| format!("reading a dataset: {e}"))?;
                push_stored(l, v, col)?;
            }
        }
        Ok(())
    }
}

unsafe fn next_row(l: *mut lua_State, st: &mut IterState) -> Result<c_int, String> {
    // SAFETY: pushes one value per column after making room for them.
    unsafe {
        if !ensure_cursor(l, st)? {
            return Ok(0);
        }
        let Some(c) = st.cursor.as_mut() else { return Ok(0) };
        if c.row >= c.block_start + c.block_len as u64 {
            c.fill((c.lines - c.row).min(BLOCK as u64) as usize)?;
        }
        if let Some(p) = &st.progress {
            p.set(st.progress_base + c.row);
        }
        let n = c.readers.len();
        if n >= 16 {
            ffi::lua_checkstack(l, n as c_int + 4);
        }
        let row = c.row;
        let i = (row - c.block_start) as usize;
        let mut nil_first = false;
        for (k, (b, r)) in c.blocks.iter().zip(c.readers.iter_mut()).enumerate() {
            push_block_value(l, b, r, i, row, k)?;
            if k == 0 && ffi::lua_type(l, -1) == ffi::LUA_TNIL {
                nil_first = true;
                break;
            }
        }
        if nil_first {
            return Err(none_first(st, row));
        }
        c.row += 1;
        Ok(n as c_int)
    }
}

unsafe fn next_chunk(l: *mut lua_State, st: &mut IterState) -> Result<c_int, String> {
    // SAFETY: pushes the count and one table per column, each filled with lua_rawseti.
    unsafe {
        if !ensure_cursor(l, st)? {
            return Ok(0);
        }
        let chunk = st.chunk as u64;
        let Some(c) = st.cursor.as_mut() else { return Ok(0) };
        let ncols = c.readers.len();
        ffi::lua_checkstack(l, ncols as c_int + 4);
        let first = c.row;
        let n = chunk.min(c.lines - first);
        ffi::lua_pushinteger(l, n as i64);
        for _ in 0..ncols {
            ffi::lua_createtable(l, n as c_int, 0);
        }
        let mut done = 0u64;
        while done < n {
            let m = (n - done).min(BLOCK as u64) as usize;
            c.fill(m)?;
            for (k, (b, r)) in c.blocks.iter().zip(c.readers.iter_mut()).enumerate() {
                let t = -(ncols as c_int) + k as c_int;
                let base = done as i64 + 1;
                match (&b.values, b.none.is_empty()) {
                    (Values::Int(v), true) => {
                        for (j, x) in v.iter().enumerate() {
                            ffi::lua_pushinteger(l, *x);
                            ffi::lua_rawseti(l, t - 1, base + j as i64);
                        }
                    }
                    (Values::Float(v), true) => {
                        for (j, x) in v.iter().enumerate() {
                            ffi::lua_pushnumber(l, *x);
                            ffi::lua_rawseti(l, t - 1, base + j as i64);
                        }
                    }
                    _ => {
                        for j in 0..m {
                            if b.is_none(j) && !st.none_set {
                                continue;
                            }
                            push_block_value(l, b, r, j, c.row + j as u64, k)?;
                            ffi::lua_rawseti(l, t - 1, base + j as i64);
                        }
                    }
                }
            }
            c.row += m as u64;
            done += m as u64;
        }
        report(st);
        Ok(ncols as c_int + 1)
    }
}
