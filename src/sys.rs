//! The operating-system calls std does not wrap: duplicating file descriptors onto stdout and
//! stderr, flushing C stdio, the terminal mode and signal handlers of `exax run` (CTRL+T,
//! SIGUSR1, restoring the terminal on CTRL+C), and a few descriptor queries. Every `unsafe`
//! block for them lives here.

use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::sync::OnceLock;

/// A new descriptor (3 or above, closed on exec) for the same open file as `fd`.
pub fn dup(fd: BorrowedFd<'_>) -> std::io::Result<OwnedFd> {
    Ok(rustix::io::fcntl_dupfd_cloexec(fd, 3)?)
}

/// Makes descriptor `target` (1 or 2) refer to the same file as `src`.
pub fn dup2(src: BorrowedFd<'_>, target: i32) -> std::io::Result<()> {
    let call = || match target {
        1 => rustix::stdio::dup2_stdout(src),
        2 => rustix::stdio::dup2_stderr(src),
        _ => Err(rustix::io::Errno::BADF),
    };
    Ok(rustix::io::retry_on_intr(call)?)
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
    if let Ok(fd) = rustix::fs::memfd_create(c"exax-output", rustix::fs::MemfdFlags::CLOEXEC) {
        return Ok(std::fs::File::from(fd));
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
    byte_lock(file, offset, if lock { LockCall::Wait } else { LockCall::Release }).map(|_| ())
}

/// Takes the lock on the byte at `offset` if nobody holds it; false when somebody does.
pub fn try_lock_byte(file: &std::fs::File, offset: i64) -> std::io::Result<bool> {
    byte_lock(file, offset, LockCall::Try)
}

enum LockCall {
    Wait,
    Try,
    Release,
}

fn byte_lock(file: &std::fs::File, offset: i64, call: LockCall) -> std::io::Result<bool> {
    #[cfg(target_os = "linux")]
    let (wait, try_) = (libc::F_OFD_SETLKW, libc::F_OFD_SETLK);
    #[cfg(not(target_os = "linux"))]
    let (wait, try_) = (libc::F_SETLKW, libc::F_SETLK);
    let cmd = if matches!(call, LockCall::Wait) { wait } else { try_ };
    let lock = !matches!(call, LockCall::Release);
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
            return Ok(true);
        }
        let e = std::io::Error::last_os_error();
        match e.raw_os_error() {
            Some(libc::EAGAIN) | Some(libc::EACCES) if matches!(call, LockCall::Try) => return Ok(false),
            _ if e.kind() == std::io::ErrorKind::Interrupted => {}
            _ => return Err(e),
        }
    }
}

/// Takes an exclusive `flock` on `file` if nobody holds one; false when somebody does. The lock
/// belongs to the open file description, so a child that inherits the descriptor keeps it after
/// this process closes its own copy, and it goes when the last copy is closed (the child exits).
pub fn try_flock(file: &std::fs::File) -> std::io::Result<bool> {
    let take = || rustix::fs::flock(file, rustix::fs::FlockOperation::NonBlockingLockExclusive);
    match rustix::io::retry_on_intr(take) {
        Ok(()) => Ok(true),
        Err(rustix::io::Errno::WOULDBLOCK) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// Sets or clears close-on-exec on a descriptor, so a child process inherits it or not.
pub fn set_cloexec(fd: BorrowedFd<'_>, on: bool) -> std::io::Result<()> {
    let mut flags = rustix::io::fcntl_getfd(fd)?;
    flags.set(rustix::io::FdFlags::CLOEXEC, on);
    Ok(rustix::io::fcntl_setfd(fd, flags)?)
}

/// Takes ownership of an inherited descriptor given by number (the worker's status link).
pub fn inherited_fd(fd: i32) -> Option<OwnedFd> {
    // SAFETY: F_GETFD on any number is harmless; it fails for a descriptor that is not open.
    if fd < 3 || unsafe { libc::fcntl(fd, libc::F_GETFD) } < 0 {
        return None;
    }
    // SAFETY: the parent passed this descriptor to this process for the worker link alone, and
    // the caller takes it exactly once, so nothing else owns it.
    Some(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// Ends the process at once, without running exit handlers or unwinding (a worker whose parent
/// is gone).
pub fn exit_now(code: i32) -> ! {
    flush_c_stdio();
    // SAFETY: _exit never returns and touches no Rust state.
    unsafe { libc::_exit(code) }
}

/// True when `fd` is a terminal and this process is in its foreground process group, so it may
/// change the terminal's settings and read from it without being stopped (SIGTTOU/SIGTTIN).
pub fn is_foreground_terminal(fd: BorrowedFd<'_>) -> bool {
    rustix::termios::isatty(fd) && rustix::termios::tcgetpgrp(fd).is_ok_and(|g| g == rustix::process::getpgrp())
}

/// Waits up to `timeout_ms` for `fd` to be readable (or at EOF).
pub fn poll_readable(fd: BorrowedFd<'_>, timeout_ms: i32) -> bool {
    use rustix::event::{PollFd, PollFlags, Timespec};
    let mut fds = [PollFd::new(&fd, PollFlags::IN)];
    let timeout = Timespec {
        tv_sec: i64::from(timeout_ms / 1000),
        tv_nsec: i64::from(timeout_ms % 1000) * 1_000_000,
    };
    let ready = rustix::event::poll(&mut fds, Some(&timeout)).unwrap_or(0);
    ready > 0 && fds[0].revents().intersects(PollFlags::IN | PollFlags::HUP | PollFlags::ERR)
}

/// Columns of the terminal `fd` refers to.
pub fn terminal_width(fd: BorrowedFd<'_>) -> Option<u16> {
    let ws = rustix::termios::tcgetwinsize(fd).ok()?;
    (ws.ws_col > 0).then_some(ws.ws_col)
}

// ---- The terminal while `exax run` reads CTRL+T ----------------------------------------------

/// The settings of stdin's terminal before `exax run` changed them, for the restore on exit and
/// in the fatal-signal handler (which may only read it: it is set once, before the handler).
static SAVED_TERMIOS: OnceLock<libc::termios> = OnceLock::new();
/// exax's key-at-a-time settings, to apply again after a stop (CTRL+Z) and `fg`: the shell puts
/// its own settings back when it takes the terminal.
static KEY_TERMIOS: OnceLock<libc::termios> = OnceLock::new();
/// Whether the terminal currently has exax's settings and needs restoring.
static TERMIOS_CHANGED: AtomicBool = AtomicBool::new(false);
/// Set by SIGCONT: the process was stopped and continued, the terminal may have other settings.
static CONTINUED: AtomicBool = AtomicBool::new(false);

extern "C" fn on_continue(_sig: libc::c_int) {
    CONTINUED.store(true, Ordering::SeqCst);
}

/// Stdin's terminal in key-at-a-time mode until dropped: no line buffering and no echo, so
/// CTRL+T reaches exax as a byte, while CTRL+C, CTRL+Z and CTRL+\ still send their signals.
pub struct KeyMode(());

impl KeyMode {
    /// None when stdin is not a terminal this process may change (not a tty, or in the background).
    pub fn enter() -> Option<KeyMode> {
        let stdin = std::io::stdin();
        if !is_foreground_terminal(stdin.as_fd()) {
            return None;
        }
        // SAFETY: termios is plain data; tcgetattr fills it or fails.
        let mut t: libc::termios = unsafe { std::mem::zeroed() };
        // SAFETY: the pointer is to a live termios.
        if unsafe { libc::tcgetattr(0, &mut t) } != 0 {
            return None;
        }
        let saved = *SAVED_TERMIOS.get_or_init(|| t);
        let mut raw = saved;
        raw.c_lflag &= !(libc::ICANON | libc::ECHO);
        raw.c_lflag |= libc::ISIG;
        raw.c_cc[libc::VMIN] = 1;
        raw.c_cc[libc::VTIME] = 0;
        let raw = *KEY_TERMIOS.get_or_init(|| raw);
        let _ = install(libc::SIGCONT, on_continue, libc::SA_RESTART);
        TERMIOS_CHANGED.store(true, Ordering::SeqCst);
        // SAFETY: the pointer is to a live termios built from the terminal's own settings.
        if unsafe { libc::tcsetattr(0, libc::TCSANOW, &raw) } != 0 {
            TERMIOS_CHANGED.store(false, Ordering::SeqCst);
            return None;
        }
        Some(KeyMode(()))
    }
}

impl KeyMode {
    /// After a stop and continue, puts exax's settings back if this process has the terminal
    /// again (in the background it must not touch it).
    pub fn resume(&self) {
        if CONTINUED.load(Ordering::SeqCst) && is_foreground_terminal(std::io::stdin().as_fd()) {
            CONTINUED.store(false, Ordering::SeqCst);
            if let Some(raw) = KEY_TERMIOS.get() {
                // SAFETY: the pointer is to a termios that lives forever.
                unsafe {
                    libc::tcsetattr(0, libc::TCSANOW, raw);
                }
            }
        }
    }
}

impl Drop for KeyMode {
    fn drop(&mut self) {
        restore_terminal();
    }
}

/// What every abrupt end does first: the terminal back as it was and the status socket removed
/// (idempotent; async-signal-safe, allocates nothing).
pub fn fatal_cleanup() {
    restore_terminal();
    if let Some(path) = CLEANUP_PATH.get() {
        // SAFETY: unlink is async-signal-safe; the path is a NUL-terminated string that lives forever.
        unsafe {
            libc::unlink(path.as_ptr());
        }
    }
}

/// Writes `bytes` to `fd` with plain `write` calls, allocating nothing (for the out-of-memory
/// path); errors are ignored, there is nobody left to tell.
pub fn write_raw(fd: i32, mut bytes: &[u8]) {
    while !bytes.is_empty() {
        // SAFETY: the pointer and length are those of a live slice.
        let n = unsafe { libc::write(fd, bytes.as_ptr().cast(), bytes.len()) };
        if n <= 0 {
            return;
        }
        bytes = &bytes[n as usize..];
    }
}

/// The process's address-space limit (`ulimit -v`, RLIMIT_AS) in bytes; None when unlimited.
pub fn address_space_limit() -> Option<usize> {
    let limit = rustix::process::getrlimit(rustix::process::Resource::As).current?;
    usize::try_from(limit).ok()
}

/// The bytes of address space this process has mapped now (what RLIMIT_AS counts).
pub fn mapped_bytes() -> Option<usize> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: usize = statm.split_whitespace().next()?.parse().ok()?;
    Some(pages.saturating_mul(page_size()))
}

/// The machine's physical memory in bytes.
pub fn physical_memory() -> Option<usize> {
    let info = rustix::system::sysinfo();
    // `totalram` is a C unsigned long: u64 here, u32 on 32-bit targets.
    #[allow(clippy::useless_conversion)]
    let total = u64::from(info.totalram).saturating_mul(u64::from(info.mem_unit.max(1)));
    usize::try_from(total).ok().filter(|&t| t > 0)
}

fn page_size() -> usize {
    rustix::param::page_size()
}

/// Puts stdin's terminal back as it was (idempotent; async-signal-safe).
fn restore_terminal() {
    if TERMIOS_CHANGED.swap(false, Ordering::SeqCst) {
        if let Some(saved) = SAVED_TERMIOS.get() {
            // SAFETY: tcsetattr is async-signal-safe and reads a termios that lives forever.
            unsafe {
                libc::tcsetattr(0, libc::TCSANOW, saved);
            }
        }
    }
}

// ---- Signals ---------------------------------------------------------------------------------

/// Where the status signals (SIGUSR1, and SIGINFO where the OS has it) write one byte.
static STATUS_PIPE: AtomicI32 = AtomicI32::new(-1);
/// A socket file to remove when a fatal signal ends the process.
static CLEANUP_PATH: OnceLock<std::ffi::CString> = OnceLock::new();

extern "C" fn on_status_signal(_sig: libc::c_int) {
    let fd = STATUS_PIPE.load(Ordering::Relaxed);
    if fd >= 0 {
        let byte = b's';
        // SAFETY: write is async-signal-safe; the buffer is a live local byte. errno is saved
        // and restored so the interrupted code does not see it change.
        unsafe {
            let errno = *errno_location();
            libc::write(fd, (&byte as *const u8).cast(), 1);
            *errno_location() = errno;
        }
    }
}

extern "C" fn on_fatal_signal(sig: libc::c_int) {
    fatal_cleanup();
    // SAFETY: the handler was installed with SA_RESETHAND, so the action is the default again;
    // raising the signal ends the process the way it would have ended without exax's handler.
    unsafe {
        libc::raise(sig);
    }
}

#[cfg(target_os = "linux")]
unsafe fn errno_location() -> *mut libc::c_int {
    // SAFETY: __errno_location returns this thread's errno slot.
    unsafe { libc::__errno_location() }
}

#[cfg(not(target_os = "linux"))]
unsafe fn errno_location() -> *mut libc::c_int {
    // SAFETY: __error returns this thread's errno slot on the BSDs and macOS.
    unsafe { libc::__error() }
}

fn install(sig: libc::c_int, handler: extern "C" fn(libc::c_int), flags: libc::c_int) -> std::io::Result<()> {
    // SAFETY: sigaction is plain data; zeroed is a valid empty action.
    let mut act: libc::sigaction = unsafe { std::mem::zeroed() };
    act.sa_sigaction = handler as usize;
    act.sa_flags = flags;
    // SAFETY: the mask pointer is to the live action; the handler is an `extern "C"` function
    // that only makes async-signal-safe calls.
    let rc = unsafe {
        libc::sigemptyset(&mut act.sa_mask);
        libc::sigaction(sig, &act, std::ptr::null_mut())
    };
    if rc != 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}

/// SIGUSR1 (and SIGINFO where it exists) write a byte to `pipe`, which must stay open.
pub fn on_status_signals(pipe: BorrowedFd<'_>) -> std::io::Result<()> {
    STATUS_PIPE.store(pipe.as_raw_fd(), Ordering::SeqCst);
    install(libc::SIGUSR1, on_status_signal, libc::SA_RESTART)?;
    #[cfg(any(
        target_os = "macos",
        target_os = "ios",
        target_os = "freebsd",
        target_os = "dragonfly",
        target_os = "openbsd",
        target_os = "netbsd"
    ))]
    install(libc::SIGINFO, on_status_signal, libc::SA_RESTART)?;
    Ok(())
}

/// Stops the status signals from writing to the pipe (before it closes).
pub fn off_status_signals() {
    STATUS_PIPE.store(-1, Ordering::SeqCst);
}

/// Where SIGINT writes one byte while `exax run` handles CTRL+C itself (`status::interrupt`).
static INTERRUPT_PIPE: AtomicI32 = AtomicI32::new(-1);
/// Set by the first SIGINT: from then on exax writes nothing but the interrupt summary.
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

extern "C" fn on_interrupt_signal(sig: libc::c_int) {
    INTERRUPTED.store(true, Ordering::SeqCst);
    let fd = INTERRUPT_PIPE.load(Ordering::Relaxed);
    // SAFETY: write and sigaction are async-signal-safe; the byte is a live local; errno is saved
    // and restored. A second CTRL+C gets the plain fatal handler (the summary may be stuck).
    unsafe {
        let errno = *errno_location();
        if fd >= 0 {
            let byte = b'i';
            libc::write(fd, (&byte as *const u8).cast(), 1);
        }
        *errno_location() = errno;
    }
    let _ = install(sig, on_fatal_signal, libc::SA_RESETHAND);
}

/// SIGINT writes a byte to `pipe` (which must stay open) instead of ending the process, once.
pub fn on_interrupt(pipe: BorrowedFd<'_>) -> std::io::Result<()> {
    INTERRUPT_PIPE.store(pipe.as_raw_fd(), Ordering::SeqCst);
    install(libc::SIGINT, on_interrupt_signal, 0)
}

/// SIGINT back to its default action (the pipe is about to close).
pub fn off_interrupt() {
    INTERRUPT_PIPE.store(-1, Ordering::SeqCst);
    // SAFETY: sigaction is plain data; zeroed with SIG_DFL (0) is the default action.
    unsafe {
        let mut act: libc::sigaction = std::mem::zeroed();
        act.sa_sigaction = libc::SIG_DFL;
        libc::sigemptyset(&mut act.sa_mask);
        libc::sigaction(libc::SIGINT, &act, std::ptr::null_mut());
    }
}

/// True once CTRL+C was pressed during `exax run`.
pub fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}

/// What a fatal signal does before the process ends: the terminal back as it was, the status
/// socket removed.
pub fn clean_up_for_exit() {
    restore_terminal();
    if let Some(path) = CLEANUP_PATH.get() {
        let _ = std::fs::remove_file(std::ffi::OsStr::from_bytes(path.as_bytes()));
    }
}

/// SIGINT, SIGTERM, SIGHUP, SIGQUIT and SIGABRT (an abort anywhere, C code included) restore the
/// terminal and remove `path` (the status socket), then end the process as they would have.
pub fn on_fatal_signals(path: Option<&std::path::Path>) -> std::io::Result<()> {
    if let Some(p) = path {
        if let Ok(c) = std::ffi::CString::new(p.as_os_str().as_bytes()) {
            let _ = CLEANUP_PATH.set(c);
        }
    }
    for sig in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP, libc::SIGQUIT, libc::SIGABRT] {
        install(sig, on_fatal_signal, libc::SA_RESETHAND)?;
    }
    Ok(())
}

/// Makes writes to `fd` fail instead of block when the pipe is full (a signal handler writes to it).
pub fn set_nonblocking(fd: BorrowedFd<'_>) -> std::io::Result<()> {
    Ok(rustix::io::ioctl_fionbio(fd, true)?)
}

/// This host's name, for names that must not collide across hosts (pids do); `localhost` when
/// the system will not say.
pub fn host_name() -> &'static str {
    static NAME: OnceLock<String> = OnceLock::new();
    NAME.get_or_init(read_host_name)
}

fn read_host_name() -> String {
    let name = rustix::system::uname().nodename().to_string_lossy().into_owned();
    if name.is_empty() {
        "localhost".to_string()
    } else {
        name
    }
}

/// Sends `signal` to the process `cmd` starts when the thread that starts it ends (the whole
/// process dies, or the thread exits): a program that runs a slice elsewhere (`srun`) then
/// cancels it instead of outliving `exax run`. Linux only; elsewhere it does nothing.
pub fn signal_when_parent_dies(cmd: &mut std::process::Command, signal: i32) {
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::process::CommandExt;
        // SAFETY: the closure runs in the child between fork and exec and calls only prctl, which
        // is async-signal-safe and touches no memory of ours.
        unsafe {
            cmd.pre_exec(move || {
                if libc::prctl(libc::PR_SET_PDEATHSIG, signal as libc::c_ulong, 0, 0, 0) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = (cmd, signal);
}

/// Sends SIGTERM to `child` (std's `kill` sends SIGKILL).
pub fn terminate(child: &std::process::Child) -> std::io::Result<()> {
    // `child` is not yet reaped, so its pid is still ours.
    Ok(rustix::process::kill_process(
        rustix::process::Pid::from_child(child),
        rustix::process::Signal::TERM,
    )?)
}

/// Turns on TCP keepalive on a connected socket (probes after 30 s idle, every 10 s, 3 of them),
/// so a peer whose host vanished without closing the connection is noticed in about a minute.
pub fn keepalive(fd: BorrowedFd<'_>) -> std::io::Result<()> {
    use rustix::net::sockopt;
    sockopt::set_socket_keepalive(fd, true)?;
    #[cfg(target_os = "linux")]
    {
        sockopt::set_tcp_keepidle(fd, std::time::Duration::from_secs(30))?;
        sockopt::set_tcp_keepintvl(fd, std::time::Duration::from_secs(10))?;
        sockopt::set_tcp_keepcnt(fd, 3)?;
    }
    Ok(())
}

/// In a worker whose run is gone: when this process leads its own process group (a Slurm task
/// does), sends SIGTERM to the group, so that what a method started (`os.execute`) goes with it
/// and does not hold the Slurm step open. This process ignores the signal; it exits right after.
/// A worker in its parent's group (a local one) signals nobody.
pub fn end_own_group() {
    // SAFETY: getpgrp, getpid, signal and kill take no pointers; a failure only means no signal.
    unsafe {
        if libc::getpgrp() == libc::getpid() {
            libc::signal(libc::SIGTERM, libc::SIG_IGN);
            libc::kill(0, libc::SIGTERM);
        }
    }
}
