//! `exax gc [--yes] [--keep-days N] [--workdir NAME]`: lists, and with `--yes` deletes, the jobs
//! that `crate::job::gc` finds nothing keeps, with the size and age of each and the total. A job whose
//! build lock is held (it is being built right now) is skipped.

use std::process::ExitCode;
use std::time::{Duration, SystemTime};

use crate::console;
use crate::error::{Error, Result};
use crate::job::gc;
use crate::job::reuse_key::ReuseKey;
use crate::project::Project;

/// Delete jobs nothing keeps: unfinished and failed jobs, and finished jobs that no urd session,
/// result link or kept job refers to, except the newest job of each reuse key built within
/// --keep-days.
///
/// Without --yes it only lists them. Jobs being built right now are skipped.
#[derive(clap::Args)]
pub struct Args {
    /// Delete what is listed.
    #[arg(long)]
    yes: bool,
    /// Keep the newest finished job of each reuse key built within this many days (0: only what
    /// urd, result links and kept jobs refer to).
    #[arg(long, default_value_t = 7.0, value_name = "DAYS")]
    keep_days: f64,
    /// Only this workdir (default: every workdir in accelerator.conf).
    #[arg(long)]
    workdir: Option<String>,
}

pub fn run(a: Args) -> Result<ExitCode> {
    let project = Project::from_cwd()?;
    if let Some(w) = &a.workdir {
        project.workdir(w)?;
    }
    if a.keep_days.is_nan() || a.keep_days < 0.0 {
        return Err(Error::User(format!("--keep-days must be 0 or more, not {}", a.keep_days)));
    }
    let mut out = String::new();
    let (mut found, mut bytes) = (0usize, 0u64);
    for c in gc::candidates(&project, a.keep_days, a.workdir.as_deref())? {
        let key = c.hash.as_deref().and_then(ReuseKey::parse);
        let young = std::fs::metadata(&c.dir)
            .and_then(|m| m.modified())
            .map(|t| SystemTime::now().duration_since(t).unwrap_or_default() < Duration::from_secs(60))
            .unwrap_or(false);
        let guard = match key {
            Some(k) => match project.locks.try_lock(k)? {
                Some(g) => Some(g),
                None => {
                    out.push_str(&format!("{}  being built now, skipped\n", c.id));
                    continue;
                }
            },
            // A directory without setup.json may be a job being allocated this very moment.
            None if young => {
                out.push_str(&format!("{}  being created now, skipped\n", c.id));
                continue;
            }
            None => None,
        };
        found += 1;
        bytes += c.bytes;
        let size_age = format!("{}, {} old", human_bytes(c.bytes), human_age(c.age));
        if a.yes {
            std::fs::remove_dir_all(&c.dir).map_err(|e| Error::io(&c.dir, e))?;
            out.push_str(&format!("{}  {}  deleted ({})  {size_age}\n", c.id, c.method, c.reason));
        } else {
            out.push_str(&format!("{}  {}  {}  {size_age}\n", c.id, c.method, c.reason));
        }
        drop(guard);
    }
    super::stdout::print(&out)?;
    let jobs = |n: usize| format!("{n} job{}", if n == 1 { "" } else { "s" });
    if a.yes {
        console::err_line(&format!("deleted {}, {} freed", jobs(found), human_bytes(bytes)));
    } else if found > 0 {
        console::err_line(&format!(
            "{} can be deleted ({}); run `exax gc --yes` to delete them",
            jobs(found),
            human_bytes(bytes)
        ));
    } else {
        console::err_line("nothing to delete");
    }
    Ok(ExitCode::SUCCESS)
}

fn human_bytes(b: u64) -> String {
    match b {
        b if b < 1024 => format!("{b} B"),
        b if b < 1024 * 1024 => format!("{:.1} KiB", b as f64 / 1024.0),
        b if b < 1024 * 1024 * 1024 => format!("{:.1} MiB", b as f64 / 1048576.0),
        b => format!("{:.1} GiB", b as f64 / 1073741824.0),
    }
}

fn human_age(s: f64) -> String {
    match s {
        s if s < 120.0 => format!("{:.0} s", s),
        s if s < 7200.0 => format!("{:.0} min", s / 60.0),
        s if s < 172800.0 => format!("{:.0} h", s / 3600.0),
        s => format!("{:.0} days", s / 86400.0),
    }
}
