//! Whether a finished job can stand in for a build: the reuse index's candidates for a key,
//! checked against each job's post.json and the input files it and its subjobs read.

use crate::error::Result;
use crate::job::damage::{Damage, Depth};
use crate::job::id::JobId;
use crate::job::records::{self, Post};
use crate::job::reuse_key::ReuseKey;
use crate::project::Project;

/// The newest finished, reusable job with this key in any workdir.
pub fn find(project: &Project, key: ReuseKey) -> Result<Option<JobId>> {
    for wd in &project.workdirs {
        let found = project.with_index(wd, |index| {
            let find =
                |index: &crate::job::reuse_index::ReuseIndex| index.candidates(key).find(|&n| reusable(project, &wd.job_path(n), key));
            if let Some(n) = find(index) {
                return Ok(Some(n));
            }
            // The index is a cache: a job it lacks (a kill before its line, a damaged index) is
            // found in the job directories before anything builds.
            Ok(if index.catch_up(wd)? { find(index) } else { None })
        })?;
        if let Some(n) = found {
            return Ok(Some(JobId::new(&wd.name, n)));
        }
    }
    Ok(None)
}

/// True when the job directory has a complete post.json for exactly this key, is whole (`damage`)
/// and the input files it and its subjobs read are unchanged.
pub fn reusable(project: &Project, dir: &camino::Utf8Path, key: ReuseKey) -> bool {
    records::read_post(dir).is_some_and(|post| {
        ReuseKey::parse(&post.hash) == Some(key) && damage(dir, &post, Depth::Hash).is_none() && inputs_unchanged(project, &post, 0)
    })
}

/// What makes a finished job not whole (`job::damage::find`): setup.json that does not parse, a
/// result or listed file that is gone, and any file post.json or a dataset.json recorded (the
/// result, saved files, dataset.json, every column part the job holds) whose length differs, or
/// whose stamp changed and (`Depth::Hash`) whose bytes no longer match. None for a whole job.
pub fn damage(dir: &camino::Utf8Path, post: &Post, depth: Depth) -> Option<Damage> {
    crate::job::damage::find(dir, post, depth)
}

/// The input files recorded in `post` (and in its subjobs' post.json, recursively) are unchanged.
pub fn inputs_unchanged(project: &Project, post: &Post, depth: usize) -> bool {
    let input_dir = &project.config.input_directory;
    if !crate::job::inputs::changes(&project.input_hashes, input_dir, &post.inputs, false).is_empty() {
        return false;
    }
    if depth > crate::job::inputs::MAX_SUBJOB_DEPTH {
        return true;
    }
    post.subjobs.iter().all(|s| {
        let sub = JobId::parse(s)
            .and_then(|id| project.job_path(&id).ok())
            .and_then(|p| records::read_post(&p));
        // A subjob that is gone or unfinished does not make its parent's result wrong.
        sub.is_none_or(|sub| inputs_unchanged(project, &sub, depth + 1))
    })
}
