//! `exax status`: the status tree of every `exax run` building in this project right now, as
//! CTRL+T in its terminal would print it, or `no build running`.

use std::process::ExitCode;

use crate::error::Result;
use crate::project::Project;

/// Show what the running builds of this project are doing: each running job with its phase,
/// slice and time, and the messages its methods set with status().
#[derive(clap::Args)]
pub struct Args {}

pub fn run(_: Args) -> Result<ExitCode> {
    let project = Project::from_cwd()?;
    let answers = crate::status::socket::query(&project.root);
    if answers.is_empty() {
        super::stdout::print("no build running\n")?;
    } else {
        super::stdout::print(&answers.concat())?;
    }
    Ok(ExitCode::SUCCESS)
}
