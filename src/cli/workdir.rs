//! `exax workdir [NAME]`: the jobs in a workdir (the target workdir by default).

use std::process::ExitCode;

use crate::error::Result;
use crate::project::Project;
use crate::records::{self, Setup};

/// List the jobs in a workdir: id, method, status (finished, failed, unfinished), start time.
#[derive(clap::Args)]
pub struct Args {
    /// Workdir name (default: the target workdir).
    name: Option<String>,
}

pub fn run(a: Args) -> Result<ExitCode> {
    let project = Project::from_cwd()?;
    let wd = project.workdir(a.name.as_deref().unwrap_or(&project.config.target_workdir))?;
    let mut rows: Vec<[String; 4]> = Vec::new();
    for n in wd.job_numbers()? {
        let dir = wd.job_path(n);
        let status = if records::read_post(&dir).is_some() {
            "finished"
        } else if dir.join(records::FAILURE).is_file() {
            "failed"
        } else {
            "unfinished"
        };
        let id = format!("{}-{n}", wd.name);
        rows.push(match records::read_json::<Setup>(&dir.join(records::SETUP)) {
            Ok(s) => [id, s.method, status.to_string(), super::format_time(s.starttime)],
            Err(_) => [id, "?".into(), "unfinished".into(), "(no readable setup.json)".into()],
        });
    }
    let widths: Vec<usize> = (0..3).map(|c| rows.iter().map(|r| r[c].len()).max().unwrap_or(0)).collect();
    let mut out = String::new();
    for r in rows {
        out.push_str(&format!(
            "{:w0$}  {:w1$}  {:w2$}  {}\n",
            r[0],
            r[1],
            r[2],
            r[3],
            w0 = widths[0],
            w1 = widths[1],
            w2 = widths[2]
        ));
    }
    super::stdout::print(&out)?;
    Ok(ExitCode::SUCCESS)
}
