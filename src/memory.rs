//! Running out of memory: the budget a Lua state may allocate (below the process's own limit, so
//! a script that runs out gets a Lua error, "not enough memory", and its job a failure record),
//! and the global allocator, the system's own except that an allocation Rust cannot get ends exax
//! with one `error:` line (terminal restored, exit 1) instead of Rust's abort and backtrace.

use std::alloc::{GlobalAlloc, Layout, System};

/// The system allocator; a failed allocation is the end of the process (see the module doc).
pub struct ExitOnFailure;

// SAFETY: every method hands the call to `System` unchanged and returns its answer; a null answer
// never returns to the caller (the process ends), which the contract allows.
unsafe impl GlobalAlloc for ExitOnFailure {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller keeps GlobalAlloc::alloc's contract, which System shares.
        let p = unsafe { System.alloc(layout) };
        if p.is_null() {
            out_of_memory(layout.size());
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as for alloc.
        let p = unsafe { System.alloc_zeroed(layout) };
        if p.is_null() {
            out_of_memory(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from this allocator, that is from System, with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: `ptr` came from System with `layout`; the caller keeps realloc's contract.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if p.is_null() {
            out_of_memory(new_size);
        }
        p
    }
}

/// Writes the one line and ends the process. Allocates nothing (it runs when nothing can be
/// allocated): the number is formatted on the stack and written with one `write` to exax's own
/// stderr (not a job's output capture).
fn out_of_memory(size: usize) -> ! {
    let mut buf = [0u8; 160];
    let mut len = 0;
    let mut put = |bytes: &[u8]| {
        let n = bytes.len().min(buf.len() - len);
        buf[len..len + n].copy_from_slice(&bytes[..n]);
        len += n;
    };
    put(b"error: not enough memory: exax could not allocate ");
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    let mut n = size;
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    put(&digits[i..]);
    put(b" bytes (see `ulimit -v` and the memory of this machine)\n");
    crate::sys::fatal_cleanup();
    crate::sys::write_raw(crate::console::raw_err_fd(), &buf[..len]);
    crate::sys::exit_now(1)
}

/// How many bytes a new Lua state may allocate: half of what this process may still map under
/// its address-space limit (`ulimit -v`), or three quarters of the machine's memory when there
/// is no limit. The other half is for what Lua's count leaves out (malloc's own overhead, thread
/// stacks and arenas, exax's own data) and to record the failure. None when neither is known.
pub fn lua_budget() -> Option<usize> {
    let budget = match crate::sys::address_space_limit() {
        Some(limit) => limit.saturating_sub(crate::sys::mapped_bytes().unwrap_or(0)) / 2,
        None => crate::sys::physical_memory()? / 4 * 3,
    };
    Some(budget.max(16 << 20))
}
