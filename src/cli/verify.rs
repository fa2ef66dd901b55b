//! `exax verify [JOB ...] [--all]`: checks finished jobs whole against the checksums written with
//! them (`crate::job::verify`), one line per damaged item and a summary; exit 1 on damage.

use std::process::ExitCode;

use crate::error::{Error, Result};
use crate::job::id::JobId;
use crate::job::verify::{self, Verdict};
use crate::project::Project;

/// Check finished jobs whole: setup.json, post.json, the result, the job's files and every column
/// file of every dataset, block by block against the checksums written with them.
///
/// Prints one line per damaged item (job, dataset, column, slice, file and what is wrong), then
/// a summary. Exits 1 when anything is damaged. Unfinished jobs are counted, not checked.
#[derive(clap::Args)]
pub struct Args {
    /// Jobs to check, like `demo-3` (or `:LIST:NAME` from urd).
    #[arg(required_unless_present = "all", conflicts_with = "all")]
    jobs: Vec<String>,
    /// Check every job of every workdir.
    #[arg(long)]
    all: bool,
}

pub fn run(a: Args) -> Result<ExitCode> {
    let project = Project::from_cwd()?;
    let mut jobs: Vec<(JobId, camino::Utf8PathBuf)> = Vec::new();
    if a.all {
        for wd in &project.workdirs {
            for n in wd.job_numbers()? {
                jobs.push((JobId::new(&wd.name, n), wd.job_path(n)));
            }
        }
    } else {
        for j in &a.jobs {
            jobs.push(crate::urd::existing_job(&project, j)?);
        }
    }
    let (mut whole, mut damaged, mut unfinished, mut items) = (0usize, 0usize, 0usize, 0usize);
    let mut out = String::new();
    for (id, path) in &jobs {
        match verify::job(path) {
            Verdict::Unfinished if !a.all => {
                return Err(Error::User(format!(
                    "job {id} did not finish (it has no post.json); there is nothing to verify"
                )))
            }
            Verdict::Unfinished => unfinished += 1,
            Verdict::Checked(d) if d.is_empty() => whole += 1,
            Verdict::Checked(d) => {
                damaged += 1;
                items += d.len();
                for line in d {
                    out.push_str(&format!("{id}: {line}\n"));
                }
            }
        }
    }
    let plural = |n: usize, what: &str| format!("{n} {what}{}", if n == 1 { "" } else { "s" });
    out.push_str(&format!(
        "{} checked: {whole} whole, {damaged} damaged{}{}\n",
        plural(whole + damaged, "job"),
        if items > 0 {
            format!(" ({})", plural(items, "damaged item"))
        } else {
            String::new()
        },
        if unfinished > 0 {
            format!("; {unfinished} unfinished, not checked")
        } else {
            String::new()
        },
    ));
    super::stdout::print(&out)?;
    Ok(if damaged > 0 { ExitCode::from(1) } else { ExitCode::SUCCESS })
}
