//! The bad-input corpus (`tests/bad_input/`, issue 14): every case is a directory holding a small
//! project (accelerator.conf, methods, build scripts; the two-slice `test` project when it has no
//! accelerator.conf) and `expected`, the exact `error:` line (`DIR` stands for the project's
//! directory). Optionally `first.lua`, a build script that must succeed first, then `damage`, a
//! shell script run in the project (to damage the finished jobs), and `args`, the command to check
//! (default `run`). Every case must exit 1 with one `error:` line, no panic and no backtrace, and
//! leave every finished job as it was before the command.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::test::{exax_bin, CONF};

const SPECIAL: &[&str] = &["expected", "damage", "args"];

fn copy_tree(from: &Path, to: &Path, top: bool) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let name = e.file_name().to_string_lossy().into_owned();
        if top && SPECIAL.contains(&name.as_str()) {
            continue;
        }
        if e.file_type().unwrap().is_dir() {
            copy_tree(&e.path(), &to.join(&name), false);
        } else {
            std::fs::copy(e.path(), to.join(&name)).unwrap();
        }
    }
}

/// Every file of every finished job (one with post.json), by path.
fn finished_jobs(project: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    fn walk(dir: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
        let Ok(rd) = std::fs::read_dir(dir) else { return };
        for e in rd.flatten() {
            let p = e.path();
            match e.file_type() {
                Ok(t) if t.is_dir() => walk(&p, out),
                Ok(t) if t.is_file() => {
                    out.insert(p.clone(), std::fs::read(&p).unwrap_or_default());
                }
                _ => {}
            }
        }
    }
    let mut out = BTreeMap::new();
    let Ok(workdirs) = std::fs::read_dir(project.join("workdirs")) else {
        return out;
    };
    for wd in workdirs.flatten() {
        for job in std::fs::read_dir(wd.path()).into_iter().flatten().flatten() {
            if job.path().join("post.json").is_file() {
                walk(&job.path(), &mut out);
            }
        }
    }
    out
}

fn exax(project: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(exax_bin())
        .args(args)
        .current_dir(project)
        .stdin(Stdio::null())
        .env("RUST_BACKTRACE", "1")
        .output()
        .expect("run exax");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Runs one case; the reason it fails, if it does.
fn run_case(case: &Path) -> Result<(), String> {
    let tmp = tempfile::Builder::new().prefix("exax-bad").tempdir().unwrap();
    let project = tmp.path();
    copy_tree(case, project, true);
    if !project.join("accelerator.conf").exists() {
        std::fs::write(project.join("accelerator.conf"), CONF).unwrap();
    }
    if project.join("first.lua").exists() {
        let (status, _, stderr) = exax(project, &["run", "first.lua"]);
        if status != 0 {
            return Err(format!("first.lua failed:\n{stderr}"));
        }
    }
    if case.join("damage").exists() {
        let st = Command::new("sh").arg(case.join("damage")).current_dir(project).status().unwrap();
        if !st.success() {
            return Err("the damage script failed".into());
        }
    }
    let before = finished_jobs(project);
    let args = std::fs::read_to_string(case.join("args")).unwrap_or_else(|_| "run".into());
    let args: Vec<&str> = args.split_whitespace().collect();
    let (status, stdout, stderr) = exax(project, &args);
    let dir = project.to_string_lossy().into_owned();
    let stderr = stderr.replace(&dir, "DIR");
    let show = || format!("--- stdout:\n{stdout}--- stderr:\n{stderr}--- status {status}");
    let expected = std::fs::read_to_string(case.join("expected")).map_err(|e| format!("expected: {e}"))?;
    let expected = expected.trim_end_matches('\n');
    if stderr.contains("panicked") || stderr.contains("backtrace") {
        return Err(format!("a panic or backtrace reached the user\n{}", show()));
    }
    if status != 1 {
        return Err(format!("exit status {status}, not 1\n{}", show()));
    }
    let errors: Vec<&str> = stderr.lines().filter(|l| l.starts_with("error:")).collect();
    if errors != [expected] {
        return Err(format!("want the one error line\n{expected}\n{}", show()));
    }
    // Jobs the command itself finished may appear; the ones finished before must not change.
    let after: BTreeMap<PathBuf, Vec<u8>> = finished_jobs(project)
        .into_iter()
        .filter(|(p, _)| {
            before
                .keys()
                .any(|b| b.parent() == p.parent() || p.starts_with(job_dir(b, project)))
        })
        .collect();
    if after != before {
        return Err(format!("a finished job changed\n{}", show()));
    }
    Ok(())
}

/// The job directory (`workdirs/<wd>/<job>`) a file of the project lies in.
fn job_dir(file: &Path, project: &Path) -> PathBuf {
    let rel = file.strip_prefix(project).unwrap_or(file);
    project.join(rel.iter().take(3).collect::<PathBuf>())
}

pub fn cases() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/bad_input");
    let mut cases: Vec<PathBuf> = Vec::new();
    for group in std::fs::read_dir(&root).unwrap() {
        let group = group.unwrap().path();
        if !group.is_dir() {
            continue;
        }
        for case in std::fs::read_dir(&group).unwrap() {
            let case = case.unwrap().path();
            if case.is_dir() {
                cases.push(case);
            }
        }
    }
    cases.sort();
    cases
}

/// The whole corpus; every failing case is named.
#[test]
fn bad_input_corpus() {
    let cases = cases();
    assert!(cases.len() >= 20, "the corpus has {} cases", cases.len());
    let only = std::env::var("EXAX_BAD_INPUT").unwrap_or_default();
    let mut failures = Vec::new();
    for case in &cases {
        let name = case
            .strip_prefix(Path::new(env!("CARGO_MANIFEST_DIR")))
            .unwrap()
            .display()
            .to_string();
        if !only.is_empty() && !name.contains(&only) {
            continue;
        }
        if let Err(why) = run_case(case) {
            failures.push(format!("== {name}: {why}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
