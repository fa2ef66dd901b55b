//! CTRL+T on Linux, which has no SIGINFO: while `exax run` is the foreground job of a terminal,
//! the terminal is in key-at-a-time mode without echo (`sys::KeyMode`; CTRL+C and CTRL+Z still
//! send their signals) and a thread reads stdin for the CTRL+T byte. Other keys are dropped, as
//! the original exax does. The terminal is restored when this ends, and by the fatal-signal
//! handler on CTRL+C and SIGTERM; after CTRL+Z and `fg` the key mode is applied again.

use std::io::Read;
use std::os::fd::AsFd;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;

use crate::sys;

const CTRL_T: u8 = 0x14;
/// How often the reader looks at the stop flag (and at whether it went to the background).
const POLL_MS: i32 = 50;

pub struct Keys {
    mode: Option<Arc<sys::KeyMode>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Keys {
    /// None when stdin is not a terminal this process may read (not a tty, or in the background).
    pub fn start(on_ctrl_t: impl Fn() + Send + 'static) -> Option<Keys> {
        let stdin = sys::dup(std::io::stdin().as_fd()).ok()?;
        let mode = Arc::new(sys::KeyMode::enter()?);
        let mode2 = mode.clone();
        let stop = Arc::new(AtomicBool::new(false));
        let stop2 = stop.clone();
        let thread = std::thread::Builder::new()
            .name("exax-keys".into())
            .spawn(move || {
                let mut tty = std::fs::File::from(stdin);
                let mut buf = [0u8; 256];
                while !stop2.load(Ordering::Relaxed) {
                    mode2.resume();
                    if !sys::poll_readable(tty.as_fd(), POLL_MS) || stop2.load(Ordering::Relaxed) {
                        continue;
                    }
                    // Reading from the background would stop the whole process (SIGTTIN).
                    if !sys::is_foreground_terminal(tty.as_fd()) {
                        std::thread::sleep(std::time::Duration::from_millis(POLL_MS as u64));
                        continue;
                    }
                    match tty.read(&mut buf) {
                        Ok(0) => break,
                        Ok(n) => {
                            if buf[..n].contains(&CTRL_T) {
                                on_ctrl_t();
                            }
                        }
                        Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                        Err(_) => break,
                    }
                }
            })
            .ok()?;
        Some(Keys {
            mode: Some(mode),
            stop,
            thread: Some(thread),
        })
    }
}

impl Drop for Keys {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        // The thread held the other reference; this restores the terminal.
        drop(self.mode.take());
    }
}
