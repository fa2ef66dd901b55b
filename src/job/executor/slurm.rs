//! The Slurm executor: each slice runs as `srun -n1 ... exax __analysis ...`, a step of the
//! current allocation when `exax run` runs inside one (`SLURM_JOB_ID` set, e.g. under `salloc`),
//! otherwise a job of its own. srun behaves like a local child: the worker's output comes through
//! its stdout and its exit code is srun's. The worker writes its stderr to its stdout, so srun's
//! own stderr holds only srun's messages, which never reach the job's output.
//!
//! Every srun of one run carries the same job name (`exax-<host>-<pid>-<job>`), so one
//! `scancel --name` stops them all; each srun also gets SIGTERM (which cancels its step) when
//! `exax run` dies, even by SIGKILL.

use std::process::{Child, Command};

use super::{Executor, SliceLaunch, StatusRoute};
use crate::config::SlurmConfig;

/// Set for a worker whose stderr must go to its stdout (`lua::worker` reads it).
pub const STDERR_TO_STDOUT: &str = "EXAX_STDERR_TO_STDOUT";

pub struct Slurm {
    config: SlurmConfig,
    /// The job name of every srun of this run.
    run_name: String,
    /// Inside an allocation: slices are steps of it.
    in_allocation: bool,
}

impl Slurm {
    pub fn new(config: &SlurmConfig, job: &str) -> Slurm {
        Slurm {
            config: config.clone(),
            run_name: format!("exax-{}-{}-{job}", crate::sys::host_name(), std::process::id()),
            in_allocation: std::env::var_os("SLURM_JOB_ID").is_some(),
        }
    }

    /// srun's arguments before the worker's command.
    pub fn srun_args(&self) -> Vec<String> {
        let c = &self.config;
        let mut args = vec![
            "--ntasks=1".to_string(),
            "--nodes=1".to_string(),
            format!("--job-name={}", self.run_name),
            "--quiet".to_string(),
        ];
        if self.in_allocation {
            // A step takes only what it asks for, so the other slices' steps start beside it.
            args.push("--exact".into());
        } else {
            if let Some(p) = &c.partition {
                args.push(format!("--partition={p}"));
            }
            if let Some(a) = &c.account {
                args.push(format!("--account={a}"));
            }
        }
        if let Some(t) = &c.time_limit {
            args.push(format!("--time={t}"));
        }
        if let Some(n) = c.cpus_per_slice {
            args.push(format!("--cpus-per-task={n}"));
        }
        if let Some(m) = &c.memory_per_slice {
            args.push(format!("--mem={m}"));
        }
        args.extend(c.extra.iter().cloned());
        args
    }
}

impl Executor for Slurm {
    fn command(&self, launch: &SliceLaunch) -> Command {
        let mut cmd = Command::new("srun");
        cmd.args(self.srun_args())
            .arg("--")
            .arg(launch.exe)
            .args(&launch.args)
            .current_dir(launch.dir)
            .env(STDERR_TO_STDOUT, "1");
        crate::sys::signal_when_parent_dies(&mut cmd, libc::SIGTERM);
        cmd
    }

    fn status_route(&self) -> StatusRoute<'_> {
        StatusRoute::Endpoint {
            address: self.config.status_address.as_deref(),
        }
    }

    fn uses_slots(&self) -> bool {
        // Slurm queues what does not fit: the cluster, not this host's `slices`, is the limit.
        false
    }

    fn own_stderr(&self) -> bool {
        true
    }

    fn retries(&self) -> u32 {
        self.config.retries
    }

    fn stop(&self, child: &mut Child) {
        // SIGTERM makes srun cancel its step; SIGKILL would leave the step running.
        let _ = crate::sys::terminate(child);
    }

    fn cancel_all(&self) {
        let _ = Command::new("scancel")
            .arg(format!("--name={}", self.run_name))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status();
    }

    fn describe(&self) -> String {
        format!("srun (job name {})", self.run_name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn srun_arguments() {
        let mut s = Slurm::new(
            &SlurmConfig {
                partition: Some("short".into()),
                account: Some("lab".into()),
                time_limit: Some("10".into()),
                cpus_per_slice: Some(2),
                memory_per_slice: Some("1G".into()),
                extra: vec!["--qos=low".into()],
                retries: 1,
                status_address: None,
            },
            "demo-3",
        );
        s.run_name = "exax-h-1-demo-3".into();
        s.in_allocation = false;
        assert_eq!(
            s.srun_args().join(" "),
            "--ntasks=1 --nodes=1 --job-name=exax-h-1-demo-3 --quiet --partition=short --account=lab --time=10 \
             --cpus-per-task=2 --mem=1G --qos=low"
        );
        s.in_allocation = true;
        assert_eq!(
            s.srun_args().join(" "),
            "--ntasks=1 --nodes=1 --job-name=exax-h-1-demo-3 --quiet --exact --time=10 --cpus-per-task=2 --mem=1G --qos=low"
        );
    }
}
