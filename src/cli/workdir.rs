//! `exax workdir [NAME]`: the jobs in a workdir (the target workdir by default).

use std::process::ExitCode;

use crate::error::Result;
use crate::project::Project;
use crate::records::{self, Setup};

/// List the jobs in a workdir: id, method, status, start time.
#[derive(clap::Args)]
pub struct Args {
    /// Workdir name (default: the target workdir).
    name: Option<String>,
}

pub fn run(a: Args) -> Result<ExitCode> {
    let project = Project::from_cwd()?;
    let wd = project.workdir(a.name.as_deref().unwrap_or(&project.config.target_workdir))?;
    let mut out = String::new();
    for n in wd.job_numbers()? {
        let dir = wd.job_path(n);
        let id = format!("{}-{n}", wd.name);
        let finished = dir.join(records::POST).is_file();
        match records::read_json::<Setup>(&dir.join(records::SETUP)) {
            Ok(s) => out.push_str(&format!(
                "{id}  {}  {}  {}\n",
                s.method,
                if finished { "finished  " } else { "unfinished" },
                super::format_time(s.starttime)
            )),
            Err(_) => out.push_str(&format!("{id}  ?  unfinished (no setup.json)\n")),
        }
    }
    print!("{out}");
    Ok(ExitCode::SUCCESS)
}
