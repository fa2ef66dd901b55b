//! The local executor: each slice is a child process of `exax run` on this host.

use std::process::Command;

use super::{Executor, SliceLaunch};

pub struct Local;

impl Executor for Local {
    fn command(&self, launch: &SliceLaunch) -> Command {
        let mut cmd = Command::new(launch.exe);
        cmd.args(&launch.args).current_dir(launch.dir);
        cmd
    }
}
