//! Finding datasets in a project: `job/name` to a directory, and opening a finished dataset (one
//! whose job finished, or the job running right now in this process).

use std::rc::Rc;

use camino::Utf8PathBuf;

use super::format;
use super::reader::Dataset;
use crate::error::{did_you_mean, Error, Result};
use crate::job::id::JobId;
use crate::job::records;
use crate::project::Project;

/// The job and directories of dataset `job/name` (which need not exist).
pub struct Location {
    pub job: JobId,
    pub job_path: Utf8PathBuf,
    pub dir: Utf8PathBuf,
}

pub fn locate(project: &Project, id: &str) -> Result<Location> {
    let (job, name) = format::split_id(id);
    let jid =
        JobId::parse(job).ok_or_else(|| Error::User(format!("`{}` is not a dataset id (like `demo-3/default`)", id.escape_debug())))?;
    format::check_name(name).map_err(|m| Error::User(format!("dataset `{}`: {m}", id.escape_debug())))?;
    let workdir = project.workdir(&jid.workdir)?;
    let job_path = workdir.job_path(jid.number);
    let dir = format::dataset_dir(&job_path, name);
    // A job directory or dataset directory that is a symlink out of the workdir is no dataset of it.
    let rel = Utf8PathBuf::from(format!("{jid}/{}/{name}", format::DS_DIR));
    if !crate::confine::stays_inside(&workdir.path, &rel) {
        return Err(Error::User(format!(
            "dataset {jid}/{name} leads out of workdir `{}` ({})",
            workdir.name, workdir.path
        )));
    }
    Ok(Location { job: jid, job_path, dir })
}

/// Opens dataset `id`; `running` is the job running in this process, whose datasets may be read
/// before it finishes.
pub fn open(project: &Project, id: &str, running: Option<&JobId>) -> Result<Rc<Dataset>> {
    let loc = locate(project, id)?;
    let (_, name) = format::split_id(id);
    let jid = &loc.job;
    if !loc.dir.join(format::META).is_file() {
        if !loc.job_path.is_dir() {
            return Err(Error::User(format!("dataset {id}: job {jid} does not exist")));
        }
        if loc.dir.join(format::WRITER).is_file() {
            return Err(Error::User(format!(
                "dataset {jid}/{name} is not finished (a dataset is finished when its job succeeds, or by dw:finish())"
            )));
        }
        let names = format::dataset_names(&loc.job_path);
        return Err(Error::User(format!(
            "job {jid} has no dataset `{name}`{}{}",
            did_you_mean(name, names.iter().map(String::as_str)),
            if names.is_empty() {
                " (it has no datasets)".to_string()
            } else {
                format!(" (datasets: {})", names.join(", "))
            }
        )));
    }
    if running != Some(jid) && !loc.job_path.join(records::POST).is_file() {
        return Err(Error::User(format!("dataset {id}: job {jid} did not finish")));
    }
    let find = |other: &str| -> Result<Utf8PathBuf> { Ok(locate(project, other)?.dir) };
    Ok(Rc::new(Dataset::open(&loc.dir, &find)?))
}
