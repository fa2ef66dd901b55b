//! Paths that must stay inside a directory (a job's own files inside its job directory, a dataset
//! inside its workdir): names are checked as text first (no NUL), then resolved on disk and
//! compared, so neither `..` nor a symlink leads out.

use camino::Utf8Path;

/// Whether `name` holds a NUL byte, which no file name on disk can (C's `fopen` would cut the
/// name there and make a different file than the one recorded).
pub fn has_nul(name: &str) -> bool {
    name.as_bytes().contains(&0)
}

/// Whether `rel` under `base` stays inside `base` once symlinks are followed: the deepest part of
/// the path that exists (a symlink counts, dangling or not) is resolved and must lie under the
/// resolved `base`. A dangling symlink cannot be resolved and is refused. A missing `base` has
/// nothing to lead out through.
pub fn stays_inside(base: &Utf8Path, rel: &Utf8Path) -> bool {
    let Ok(root) = base.canonicalize_utf8() else { return true };
    let full = base.join(rel);
    for part in full.ancestors() {
        if part.symlink_metadata().is_ok() {
            return part.canonicalize_utf8().is_ok_and(|real| real.starts_with(&root));
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symlinks_out_are_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let top = Utf8Path::from_path(tmp.path()).unwrap();
        let job = top.join("job");
        let outside = top.join("outside");
        std::fs::create_dir_all(job.join("sub")).unwrap();
        std::fs::create_dir_all(&outside).unwrap();
        std::fs::write(outside.join("secret"), "x").unwrap();
        std::fs::write(job.join("own"), "x").unwrap();
        std::os::unix::fs::symlink(&outside, job.join("out")).unwrap();
        std::os::unix::fs::symlink(outside.join("secret"), job.join("file")).unwrap();
        std::os::unix::fs::symlink(job.join("own"), job.join("sub/inside")).unwrap();
        std::os::unix::fs::symlink(top.join("nowhere"), job.join("dangling")).unwrap();
        for ok in ["own", "new", "sub/new/deeper", "sub/inside"] {
            assert!(stays_inside(&job, Utf8Path::new(ok)), "{ok}");
        }
        for bad in ["out", "out/secret", "out/new", "file", "dangling", "../outside/secret"] {
            assert!(!stays_inside(&job, Utf8Path::new(bad)), "{bad}");
        }
        assert!(stays_inside(&top.join("missing"), Utf8Path::new("x")));
        assert!(has_nul("a\0b") && !has_nul("ab"));
    }
}
