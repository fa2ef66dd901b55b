//! The operating-system calls std does not wrap (duplicating file descriptors onto stdout and
//! stderr, flushing C stdio). Every `unsafe` block for them lives here.

use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd};

/// A new descriptor for the same open file as `fd`.
pub fn dup(fd: i32) -> std::io::Result<OwnedFd> {
    // SAFETY: dup has no memory effects; a negative result is an error, a non-negative one is a
    // fresh descriptor that nothing else owns, so OwnedFd may take it.
    let new = unsafe { libc::fcntl(fd, libc::F_DUPFD_CLOEXEC, 3) };
    if new < 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: see above.
    Ok(unsafe { OwnedFd::from_raw_fd(new) })
}

/// Makes descriptor `target` (1 or 2) refer to the same file as `src`.
pub fn dup2(src: BorrowedFd<'_>, target: i32) -> std::io::Result<()> {
    loop {
        // SAFETY: dup2 only changes the descriptor table; `src` is open for the call's duration.
        let rc = unsafe { libc::dup2(src.as_raw_fd(), target) };
        if rc >= 0 {
            return Ok(());
        }
        let e = std::io::Error::last_os_error();
        if e.kind() != std::io::ErrorKind::Interrupted {
            return Err(e);
        }
    }
}

/// Flushes every C stdio stream (Lua's `io.write` buffers in C's `stdout`).
pub fn flush_c_stdio() {
    // SAFETY: fflush(NULL) flushes all open output streams; it takes no pointers of ours.
    unsafe {
        libc::fflush(std::ptr::null_mut());
    }
}

/// A file with no name, for capturing output: `memfd` on Linux, an unlinked temporary file
/// elsewhere.
pub fn anonymous_file() -> std::io::Result<std::fs::File> {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: the name is a valid NUL-terminated C string; a non-negative result is a new
        // descriptor owned by nobody else.
        let fd = unsafe { libc::memfd_create(c"exax-output".as_ptr(), libc::MFD_CLOEXEC) };
        if fd >= 0 {
            // SAFETY: see above.
            return Ok(std::fs::File::from(unsafe { OwnedFd::from_raw_fd(fd) }));
        }
    }
    let path = std::env::temp_dir().join(format!("exax-output-{}-{:?}", std::process::id(), std::time::Instant::now()));
    let f = std::fs::File::options().read(true).write(true).create_new(true).open(&path)?;
    let _ = std::fs::remove_file(&path);
    Ok(f)
}

extern "C" {
    /// C's own `stdout` stream, where Lua's `print` and `io.write` go.
    #[cfg_attr(any(target_os = "macos", target_os = "ios", target_os = "freebsd"), link_name = "__stdoutp")]
    static mut stdout: *mut libc::FILE;
}

/// Makes C's stdout line-buffered even when it is a pipe, as it is while output is captured, so
/// a job's `io.write` lines keep their order with its stderr and its child processes' output.
/// Call at start-up, before anything is written to it.
pub fn line_buffer_c_stdout() {
    // SAFETY: `stdout` is the C library's stream pointer, set before main and read once here by
    // value; setvbuf with a null buffer lets C allocate its own, and nothing has used the stream
    // yet (the contract of this function).
    unsafe {
        let f = stdout;
        if !f.is_null() {
            libc::setvbuf(f, std::ptr::null_mut(), libc::_IOLBF, 0);
        }
    }
}

/// Takes (blocking) or releases an exclusive lock on the single byte at `offset` of `file`.
/// On Linux these are open-file-description locks, owned by the descriptor rather than the
/// process, so other descriptors in this process conflict too and closing one releases only its
/// own locks.
pub fn lock_byte(file: &std::fs::File, offset: i64, lock: bool) -> std::io::Result<()> {
    #[cfg(target_os = "linux")]
    let cmd = libc::F_OFD_SETLKW;
    #[cfg(not(target_os = "linux"))]
    let cmd = libc::F_SETLKW;
    // SAFETY: an all-zero `flock` is a valid value of this plain C struct; the fields set below
    // describe one byte; fcntl reads the struct for the duration of the call only.
    let mut fl: libc::flock = unsafe { std::mem::zeroed() };
    fl.l_type = if lock { libc::F_WRLCK } else { libc::F_UNLCK } as _;
    fl.l_whence = libc::SEEK_SET as _;
    fl.l_start = offset as _;
    fl.l_len = 1;
    loop {
        // SAFETY: `file` is open for this call and `fl` is a valid flock (see above).
        let rc = unsafe { libc::fcntl(file.as_raw_fd(), cmd, &fl) };
        if rc != -1 {
            return Ok(());
        }
        let e = std::io::Error::last_os_error();
        if e.kind() != std::io::ErrorKind::Interrupted {
            return Err(e);
        }
    }
}
