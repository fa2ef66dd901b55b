//! CTRL+C during `exax run`: the progress lines go, one line says what the run did and what it
//! leaves unfinished (`interrupted: 2 jobs built, demo-7 wordcount left unfinished`), the terminal
//! is restored and the status socket removed, and exax exits with 130 (128 + SIGINT, as a shell
//! reports a program that CTRL+C ended). The signal handler only writes a byte to a pipe; this
//! module's thread does the rest. A second CTRL+C ends the process at once (`sys`).

use std::io::Read;
use std::os::fd::AsFd;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::{console, sys};

/// Jobs built (not reused) by this run so far.
static BUILT: AtomicUsize = AtomicUsize::new(0);

/// Counts a job this run built.
pub fn note_built() {
    BUILT.fetch_add(1, Ordering::Relaxed);
}

/// The exit code of an interrupted run.
pub const EXIT_CODE: i32 = 130;

/// The summary line: jobs built, and the jobs still running (outermost first).
pub fn summary(built: usize, running: &[String]) -> String {
    let mut s = format!("interrupted: {built} job{} built", if built == 1 { "" } else { "s" });
    if !running.is_empty() {
        s.push_str(", ");
        s.push_str(&running.join(", "));
        s.push_str(" left unfinished");
    }
    s
}

/// Starts the thread that answers CTRL+C, and routes SIGINT to it. Returns the pipe's write end,
/// which must stay open while the handler may fire.
pub fn start() -> Option<std::io::PipeWriter> {
    let (mut reader, writer) = std::io::pipe().ok()?;
    std::thread::Builder::new()
        .name("exax-interrupt".into())
        .spawn(move || {
            let mut byte = [0u8; 1];
            loop {
                match reader.read(&mut byte) {
                    Ok(0) => return,
                    Ok(_) => break,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(_) => return,
                }
            }
            super::display::clear_for_good();
            let running: Vec<String> = super::running_jobs();
            let line = summary(BUILT.load(Ordering::Relaxed), &running);
            console::err_raw(format!("{line}\n").as_bytes());
            sys::clean_up_for_exit();
            sys::exit_now(EXIT_CODE);
        })
        .ok()?;
    sys::on_interrupt(writer.as_fd()).ok()?;
    Some(writer)
}

/// Called by the main thread when it is done while a CTRL+C is being answered: the summary
/// thread ends the process; wait for it rather than exit with another code.
pub fn wait_if_interrupted() {
    if sys::interrupted() {
        std::thread::sleep(std::time::Duration::from_secs(5));
        sys::clean_up_for_exit();
        sys::exit_now(EXIT_CODE);
    }
}

#[cfg(test)]
mod tests {
    use super::summary;

    #[test]
    fn the_summary_line() {
        assert_eq!(summary(0, &[]), "interrupted: 0 jobs built");
        assert_eq!(
            summary(1, &["demo-7 wordcount".into()]),
            "interrupted: 1 job built, demo-7 wordcount left unfinished"
        );
        assert_eq!(
            summary(2, &["demo-7 outer".into(), "demo-8 inner".into()]),
            "interrupted: 2 jobs built, demo-7 outer, demo-8 inner left unfinished"
        );
    }
}
