//! Where analysis slices run: the `Executor` trait that `job::analysis` starts its workers
//! through, and the executors (`local`: processes on this host; `slurm`: srun per slice).

pub mod local;
pub mod slurm;

use std::process::{Child, Command};

use camino::Utf8Path;

/// One attempt at running one slice's worker.
pub struct SliceLaunch<'a> {
    /// The exax binary.
    pub exe: &'a std::path::Path,
    /// The worker's arguments after the binary (`__analysis CONF JOB SLICE`).
    pub args: Vec<String>,
    /// The job directory (the worker's working directory).
    pub dir: &'a Utf8Path,
}

/// How a worker reaches the status tree of the process that runs its job.
pub enum StatusRoute<'a> {
    /// A socket pair, one end inherited by the worker (`status::link`).
    Inherited,
    /// The process's TCP endpoint (`status::remote`), on `address` when configured.
    Endpoint { address: Option<&'a str> },
}

/// How slice workers are started and stopped. Every executor gives back a local child process
/// (the worker itself, or the program that runs it elsewhere and passes its output and exit code
/// through), so watching and collecting are the same for all.
pub trait Executor {
    /// The command for one attempt; `job::analysis` adds the output pipes and spawns it.
    fn command(&self, launch: &SliceLaunch) -> Command;

    /// How a worker answers status questions: over a link it inherits (it is our child on this
    /// host), or over this process's TCP endpoint (it may run on another host).
    fn status_route(&self) -> StatusRoute<'_> {
        StatusRoute::Inherited
    }

    /// Whether slices wait for one of the run's worker slots (`job::slots`, `slices` of them
    /// across the builds of a `urd:build_all`). An executor that queues slices itself does not.
    fn uses_slots(&self) -> bool {
        true
    }

    /// Whether the started program's stderr holds its own messages (not the worker's output,
    /// which then all comes on stdout).
    fn own_stderr(&self) -> bool {
        false
    }

    /// How many times a slice that ended without an outcome (its node lost, the worker killed)
    /// runs again.
    fn retries(&self) -> u32 {
        0
    }

    /// Stops a running attempt (the analysis failed elsewhere).
    fn stop(&self, child: &mut Child) {
        let _ = child.kill();
    }

    /// Stops whatever of this run may still be running elsewhere.
    fn cancel_all(&self) {}

    /// For messages: how slices are run.
    fn describe(&self) -> String {
        "a local process".to_string()
    }
}

/// The executor for a project's configuration; `job` names the run's slices where the executor
/// names them.
pub fn for_config(config: &crate::config::Config, job: &str) -> Box<dyn Executor> {
    match &config.executor {
        crate::config::ExecutorConfig::Local => Box::new(local::Local),
        crate::config::ExecutorConfig::Slurm(c) => Box::new(slurm::Slurm::new(c, job)),
    }
}
