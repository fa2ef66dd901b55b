//! The C closures behind `ds:iterate` (one row per call) and `ds:iterate_chunks` (tables of many
//! values per call, built with `lua_rawseti`).

use crate::dataset::datetime::Kind;
use crate::dataset::reader::{Block, ColumnReader, Dataset, Stored, Values};
use crate::status::Progress;
use crate::value::Value;
use mlua::ffi::{self, lua_State};
use mlua::Lua;
use std::cell::UnsafeCell;
use std::ffi::{c_char, c_int, c_void};
use std::rc::Rc;

use super::date::push_date;
use super::*;

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
