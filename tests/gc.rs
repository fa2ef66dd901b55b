//! `exax gc`: failed and unfinished jobs are listed, deleted with --yes; finished jobs and jobs
//! being built are never touched.

use crate::status::gated_project;
use crate::test::Test;

#[test]
fn lists_then_deletes_failed_jobs_only() {
    let out = Test::new()
        .method("ok", "function synthesis() end")
        .method("bad", "function synthesis()\n  error('broken')\nend")
        .build("function main(urd) urd:build('ok') urd:build('bad') end")
        .status(1)
        .run();
    let out = Test::again(out)
        .args(&["gc"])
        .stdout("test-1  bad  failed: methods/bad.lua:2: broken\n")
        .stderr("1 job can be deleted; run `exax gc --yes` to delete them\n")
        .run();
    assert!(out.exists("workdirs/test/test-1"));
    let out = Test::again(out)
        .args(&["gc", "--yes"])
        .stdout("test-1  bad  deleted (failed: methods/bad.lua:2: broken)\n")
        .stderr("deleted 1 job\n")
        .run();
    assert!(!out.exists("workdirs/test/test-1"));
    assert!(out.exists("workdirs/test/test-0/post.json"));
    Test::again(out).args(&["gc"]).stderr("nothing to delete\n").run();
}

#[test]
fn a_job_being_built_is_skipped() {
    let running = gated_project().env("GATE", "gate").spawn();
    running.wait_stdout("both slices ready", |s| s.matches("ready ").count() == 2);
    let gc = std::process::Command::new(crate::test::exax_bin())
        .args(["gc", "--yes"])
        .current_dir(running.path())
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&gc.stdout), "test-0  being built now, skipped\n");
    assert!(running.path().join("workdirs/test/test-0/setup.json").exists());
    std::fs::write(running.path().join("workdirs/test/test-0/gate"), "").unwrap();
    let out = running.finish();
    assert_eq!(out.status, 0, "{}", out.stderr);
}
