//! Dates, datetimes and times as small userdata (`exax.date(...)`): created, compared, printed
//! and read here, and `exax.null`.

use crate::dataset::datetime::{self, Kind, Parts};
use mlua::ffi::{self, lua_State};
use mlua::Lua;
use std::ffi::{c_char, c_int, c_void};

use super::*;

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
pub(super) static NULL_SENTINEL: u8 = 5;

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
pub(super) unsafe fn date_at(l: *mut lua_State, idx: c_int) -> Option<(Kind, i64)> {
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
pub(super) unsafe fn push_date(l: *mut lua_State, kind: Kind, value: i64) {
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

/// The fields a value of `kind` has, each with its place in `[year, month, day, hour, minute,
/// second, microsecond]`: the one list `__index` answers from (and the editor stubs are checked
/// against).
pub fn fields(kind: Kind) -> &'static [(&'static str, usize)] {
    const ALL: [(&str, usize); 7] = [
        ("year", 0),
        ("month", 1),
        ("day", 2),
        ("hour", 3),
        ("minute", 4),
        ("second", 5),
        ("microsecond", 6),
    ];
    match kind {
        Kind::Date => &ALL[..3],
        Kind::Datetime => &ALL,
        Kind::Time => &ALL[3..],
    }
}

unsafe extern "C-unwind" fn date_index(l: *mut lua_State) -> c_int {
    // SAFETY: a metamethod of our date userdata: argument 1 is one, argument 2 the key.
    unsafe {
        let Some((kind, v)) = date_at(l, 1) else { return 0 };
        let Some(key) = string_at(l, 2) else { return 0 };
        let p = datetime::decode(kind, v);
        let values = [p.year, p.month, p.day, p.hour, p.minute, p.second, p.microsecond];
        match fields(kind).iter().find(|(name, _)| name.as_bytes() == key) {
            Some((_, i)) => ffi::lua_pushinteger(l, values[*i]),
            None => ffi::lua_pushnil(l),
        }
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
