//! Where analysis slices run: the `Executor` trait that `job::analysis` starts its workers
//! through, and the executors (`local`: processes on this host).

pub mod local;

use std::process::Command;

use camino::Utf8Path;

/// One attempt at running one slice's worker.
pub struct SliceLaunch<'a> {
    /// The exax binary.
    pub exe: &'a std::path::Path,
    /// The worker's arguments after the binary (`__analysis CONF JOB SLICE`).
    pub args: Vec<String>,
    /// The job directory (the worker's working directory).
    pub dir: &'a Utf8Path,
    pub sliceno: usize,
}

/// How slice workers are started and stopped. Every executor gives back a local child process
/// (the worker itself, or the program that runs it elsewhere and passes its output and exit code
/// through), so watching and collecting are the same for all.
pub trait Executor {
    /// The command for one attempt; `job::analysis` adds the output pipes and spawns it.
    fn command(&self, launch: &SliceLaunch) -> Command;

    /// Whether a worker's status link can be inherited (the worker is our child on this host).
    fn inherits_status_link(&self) -> bool {
        true
    }
}

/// The executor for a project's configuration.
pub fn for_config(_config: &crate::config::Config) -> Box<dyn Executor> {
    Box::new(local::Local)
}
