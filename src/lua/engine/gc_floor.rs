//! The GC floor: every Lua state holds about 1 MiB of untouched blocks that Lua counts as in
//! use, so a state with a small heap does not run a collection cycle every few kilobytes.
//!
//! Lua 5.4 starts the next cycle when its heap reaches `pause` (200%) of what the last one left
//! alive. A job's state holds about 50 KiB, so a loop that makes short-lived strings (W2's
//! `'k' .. i % 1000`) ran a full cycle every few hundred rows, and every cycle freed the strings
//! the next rows made again: GC and `malloc`/`free` were a third of such a loop. With the floor a
//! small state lets about 1 MiB of garbage build up between cycles, and strings that are made
//! again are found alive in Lua's string table. A large heap is collected as before.
//!
//! The blocks are full userdata that Lua never initialises, so they cost address space (and
//! their size of the state's memory budget), not resident memory: malloc touches only their
//! headers. Each is below glibc's `mmap` threshold (128 KiB): one block above it, freed when the
//! state closes, would raise that threshold for the rest of the process (glibc adapts it to freed
//! `mmap` chunks), and later large `calloc`s would then be zeroed by hand from the heap instead
//! of arriving as fresh zero pages.

use mlua::{Lua, Table};

/// Blocks, and bytes in each: 960 KiB in all.
const BLOCKS: i64 = 8;
const BLOCK: usize = 120 << 10;

const KEY: &str = "exax.gc_floor";

/// Gives `lua` its floor (kept in the registry for the life of the state).
pub fn install(lua: &Lua) -> mlua::Result<()> {
    // SAFETY: the closure pushes a new table and new userdata, each stored into the table at
    // once (allocation may raise "not enough memory"; exec_raw runs it protected), and leaves the
    // table as the only result. The userdata's bytes are never read or written.
    let blocks: Table = unsafe {
        lua.exec_raw((), |l| {
            mlua::ffi::lua_createtable(l, BLOCKS as i32, 0);
            for i in 1..=BLOCKS {
                mlua::ffi::lua_newuserdatauv(l, BLOCK, 0);
                mlua::ffi::lua_rawseti(l, -2, i);
            }
        })?
    };
    lua.set_named_registry_value(KEY, blocks)
}
