//! `exax gc`: failed and unfinished jobs, and finished jobs nothing keeps, are listed (with size
//! and age), deleted with --yes; kept jobs (urd sessions, result links, the newest job of a reuse
//! key, and everything those need) and jobs being built are never touched.

use crate::status::gated_project;
use crate::test::Test;

/// Each listed line without its `  SIZE, AGE old` tail, which varies from run to run.
fn listed(stdout: &str) -> String {
    stdout
        .lines()
        .map(|l| {
            let (head, tail) = l.rsplit_once("  ").unwrap_or((l, ""));
            assert!(tail.ends_with(" old"), "no size and age in `{l}`");
            format!("{head}\n")
        })
        .collect()
}

#[test]
fn lists_then_deletes_failed_jobs_only() {
    let out = Test::new()
        .method("ok", "function synthesis() end")
        .method("bad", "function synthesis()\n  error('broken')\nend")
        .build("function main(urd) urd:build('ok') urd:build('bad') end")
        .status(1)
        .run();
    let out = Test::again(out).args(&["gc"]).any_stdout().run();
    assert_eq!(listed(&out.stdout), "test-1  bad  failed: methods/bad.lua:2: broken\n");
    assert!(out.stderr.starts_with("1 job can be deleted ("), "{}", out.stderr);
    assert!(out.exists("workdirs/test/test-1"));
    let out = Test::again(out).args(&["gc", "--yes"]).any_stdout().run();
    assert_eq!(listed(&out.stdout), "test-1  bad  deleted (failed: methods/bad.lua:2: broken)\n");
    assert!(out.stderr.starts_with("deleted 1 job, "), "{}", out.stderr);
    assert!(!out.exists("workdirs/test/test-1"));
    assert!(out.exists("workdirs/test/test-0/post.json"));
    Test::again(out).args(&["gc"]).stderr("nothing to delete\n").run();
}

const CHAIN: &str = "
    function main(urd)
      local a = urd:build('a', {x = tonumber(urd.args[1])})
      local b = urd:build('b', {src = a})
      if urd.args[2] == 'link' then b:link_result('g') end
      if urd.args[2] == 'urd' then urd:begin('l', '2024-01-01') urd:build('c', {x = tonumber(urd.args[1])}) urd:finish('l') end
    end
";

fn chain_project() -> Test {
    Test::new()
        .method(
            "a",
            "options = {x = 0}\nfunction synthesis(job) job:save(1, 'f') return options.x end",
        )
        .method("b", "jobs = {'src'}\nfunction synthesis(job) job:save(2, 'g') return 1 end")
        .method("c", "options = {x = 0}\nfunction synthesis() return options.x end")
}

#[test]
fn finished_jobs_nothing_keeps_go_with_keep_days_0() {
    // x = 1 then x = 2: test-0 (a) and test-1 (b) are superseded by test-2 and test-3.
    let out = chain_project().build(CHAIN).args(&["run", "--", "1"]).any_stdout().run();
    let out = Test::again(out).args(&["run", "--", "2"]).any_stdout().run();
    // The default keeps the newest job of each reuse key built within 7 days: all of them.
    let out = Test::again(out).args(&["gc"]).stderr("nothing to delete\n").run();
    let out = Test::again(out).args(&["gc", "--keep-days", "0"]).any_stdout().run();
    assert_eq!(
        listed(&out.stdout),
        "test-0  a  finished, nothing keeps it\ntest-1  b  finished, nothing keeps it\ntest-2  a  finished, nothing keeps it\ntest-3  b  finished, nothing keeps it\n"
    );
    assert!(out.stderr.starts_with("4 jobs can be deleted ("), "{}", out.stderr);
    // A result link keeps b (test-3) and, through its parameter, a (test-2).
    let out = Test::again(out).args(&["run", "--", "2", "link"]).any_stdout().run();
    let out = Test::again(out).args(&["gc", "--keep-days", "0", "--yes"]).any_stdout().run();
    assert_eq!(
        listed(&out.stdout),
        "test-0  a  deleted (finished, nothing keeps it)\ntest-1  b  deleted (finished, nothing keeps it)\n"
    );
    assert!(!out.exists("workdirs/test/test-0") && !out.exists("workdirs/test/test-1"));
    assert!(out.exists("workdirs/test/test-2/post.json") && out.exists("workdirs/test/test-3/post.json"));
    // The kept jobs still work: the same build reuses them.
    Test::again(out)
        .args(&["run", "--", "2", "link"])
        .any_stdout()
        .stderr("reused test-2 a\nreused test-3 b\nbuild.lua: 0 jobs built, 2 reused in TIME\n")
        .run();
}

#[test]
fn urd_sessions_keep_their_jobs() {
    let out = chain_project().build(CHAIN).args(&["run", "--", "5", "urd"]).any_stdout().run();
    let out = Test::again(out).args(&["gc", "--keep-days", "0"]).any_stdout().run();
    // c (test-2) is in the urd session `l`; a and b are not.
    assert_eq!(
        listed(&out.stdout),
        "test-0  a  finished, nothing keeps it\ntest-1  b  finished, nothing keeps it\n"
    );
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
