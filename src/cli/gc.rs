//! `exax gc [--yes]`: lists, and with `--yes` deletes, the job directories that can never be
//! reused: failed jobs and jobs that never finished (killed). Finished jobs are never touched,
//! and a job whose build lock is held (it is being built right now) is skipped.

use std::process::ExitCode;
use std::time::{Duration, SystemTime};

use crate::console;
use crate::error::{Error, Result};
use crate::hash::ReuseKey;
use crate::project::Project;
use crate::records::{self, Failure, Setup};

/// Delete failed and unfinished jobs (finished jobs are kept).
///
/// Without --yes it only lists them. Jobs being built right now are skipped. (Collecting finished
/// jobs that no urd session refers to waits for urd sessions.)
#[derive(clap::Args)]
pub struct Args {
    /// Delete what is listed.
    #[arg(long)]
    yes: bool,
    /// Only this workdir (default: every workdir in accelerator.conf).
    #[arg(long)]
    workdir: Option<String>,
}

pub fn run(a: Args) -> Result<ExitCode> {
    let project = Project::from_cwd()?;
    let workdirs: Vec<_> = match &a.workdir {
        Some(name) => vec![project.workdir(name)?],
        None => project.workdirs.iter().collect(),
    };
    let mut out = String::new();
    let (mut found, mut deleted) = (0usize, 0usize);
    for wd in workdirs {
        for n in wd.job_numbers()? {
            let dir = wd.job_path(n);
            if records::read_post(&dir).is_some() {
                continue;
            }
            let id = format!("{}-{n}", wd.name);
            let setup = records::read_json::<Setup>(&dir.join(records::SETUP)).ok();
            // A directory without setup.json may be a job being allocated this very moment.
            let young = std::fs::metadata(&dir)
                .and_then(|m| m.modified())
                .map(|t| SystemTime::now().duration_since(t).unwrap_or_default() < Duration::from_secs(60))
                .unwrap_or(false);
            let key = setup.as_ref().and_then(|s| ReuseKey::parse(&s.hash));
            let guard = match key {
                Some(k) => match project.locks.try_lock(k)? {
                    Some(g) => Some(g),
                    None => {
                        out.push_str(&format!("{id}  being built now, skipped\n"));
                        continue;
                    }
                },
                None if young => {
                    out.push_str(&format!("{id}  being created now, skipped\n"));
                    continue;
                }
                None => None,
            };
            let method = setup.as_ref().map_or("?", |s| s.method.as_str());
            let why = match records::read_json::<Failure>(&dir.join(records::FAILURE)) {
                Ok(f) => format!("failed: {}", f.message.lines().next().unwrap_or("")),
                Err(_) => "unfinished".to_string(),
            };
            found += 1;
            if a.yes {
                std::fs::remove_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
                deleted += 1;
                out.push_str(&format!("{id}  {method}  deleted ({why})\n"));
            } else {
                out.push_str(&format!("{id}  {method}  {why}\n"));
            }
            drop(guard);
        }
    }
    print!("{out}");
    if a.yes {
        console::err_line(&format!("deleted {deleted} job{}", if deleted == 1 { "" } else { "s" }));
    } else if found > 0 {
        console::err_line(&format!(
            "{found} job{} can be deleted; run `exax gc --yes` to delete them",
            if found == 1 { "" } else { "s" }
        ));
    } else {
        console::err_line("nothing to delete");
    }
    Ok(ExitCode::SUCCESS)
}
