//! Reuse (spec section 9): same source, modules, depend_extra and parameters after defaults reuse
//! a finished job; anything else builds anew; failed jobs are never reused.

use crate::test::Test;

const COUNTER: &str = "options = {x = 3}\nfunction synthesis() return options.x end";

#[test]
fn same_key_reuses_without_running() {
    let out = Test::new()
        .method("m", COUNTER)
        .build("function main(urd) local a = urd:build('m') local b = urd:build('m', {x = 3}) local c = urd:build('m', {x = 3.0}) print(a.id, b.id, c.id) end")
        .stdout("test-0\ttest-0\ttest-0\n")
        .stderr("built  test-0 m (TIME)\nreused test-0 m\nreused test-0 m\nbuild.lua: 1 job built, 2 reused in TIME\n")
        .run();
    Test::again(out)
        .build("function main(urd) print(urd:build('m', {x = 4}).id, urd:build('m', {x = 4, force_build = true}).id, urd:build('m', {x = 4}).id) end")
        .stdout("test-1\ttest-2\ttest-2\n")
        .run();
}

#[test]
fn name_and_caption_do_not_join_the_key() {
    Test::new()
        .method("m", COUNTER)
        .build("function main(urd) print(urd:build('m').id, urd:build('m', {name = 'other', caption = 'c'}).id) end")
        .stdout("test-0\ttest-0\n")
        .run();
}

#[test]
fn source_module_and_depend_extra_changes_rebuild() {
    let run = |t: Test, want: &str| t.build("function main(urd) print(urd:build('m').id) end").stdout(want).run();
    let out = run(
        Test::new()
            .method(
                "m",
                "local h = require('lib.helper')\ndepend_extra = {'data.txt'}\nfunction synthesis() return h end",
            )
            .file("methods/lib/helper.lua", "return 1")
            .file("methods/data.txt", "one"),
        "test-0\n",
    );
    assert_eq!(out.read("workdirs/test/test-0/hashed/methods/lib/helper.lua"), "return 1");
    assert_eq!(out.read("workdirs/test/test-0/hashed/methods/data.txt"), "one");
    assert!(out
        .read("workdirs/test/test-0/method.lua")
        .starts_with("local h = require('lib.helper')"));
    let out = run(Test::again(out), "test-0\n");
    let out = run(Test::again(out).file("methods/lib/helper.lua", "return 2"), "test-1\n");
    let out = run(Test::again(out).file("methods/data.txt", "two"), "test-2\n");
    let out = run(
        Test::again(out).method(
            "m",
            "local h = require('lib.helper')\ndepend_extra = {'data.txt'}\nfunction synthesis() return h  end",
        ),
        "test-3\n",
    );
    run(Test::again(out).file("methods/lib/helper.lua", "return 1"), "test-4\n");
}

#[test]
fn missing_depend_extra_is_an_error() {
    Test::new()
        .method("m", "depend_extra = {'nope.txt'}\nfunction synthesis() end")
        .build("function main(urd) urd:build('m') end")
        .status(1)
        .stderr_contains("methods/m.lua: depend_extra file `nope.txt` cannot be read")
        .run();
}

#[test]
fn dynamic_require_warns() {
    Test::new()
        .method("m", "local name = 'string'\nlocal s = require(name)\nfunction synthesis() end")
        .build("function main(urd) urd:build('m') end")
        .stderr_contains(
            "warning: methods/m.lua:2: this require's argument is not a string literal, so the module cannot join the reuse key",
        )
        .run();
}

#[test]
fn failed_jobs_are_never_reused() {
    let out = Test::new()
        .method(
            "m",
            "options = {fail = true}\nfunction synthesis() if options.fail then error('boom') end return 1 end",
        )
        .build("function main(urd) urd:build('m', {fail = true}) end")
        .status(1)
        .any_stdout()
        .run();
    assert!(out.exists("workdirs/test/test-0/setup.json"));
    assert!(!out.exists("workdirs/test/test-0/post.json"));
    let out = Test::again(out).status(1).any_stdout().run();
    assert!(out.exists("workdirs/test/test-1/setup.json"));
    Test::again(out)
        .build("function main(urd) print(urd:build('m', {fail = false}).id) end")
        .stdout("test-2\n")
        .run();
}

#[test]
fn a_lost_index_is_rebuilt_from_the_jobs() {
    let out = Test::new()
        .method("m", COUNTER)
        .build("function main(urd) print(urd:build('m').id) end")
        .stdout("test-0\n")
        .run();
    std::fs::remove_file(out.path().join("workdirs/test/.reuse-index")).unwrap();
    Test::again(out).stdout("test-0\n").run();
}

#[test]
fn two_runs_at_once_build_each_job_once() {
    let t = Test::new()
        .method(
            "slow",
            "options = {x = 0}\nfunction synthesis() os.execute('sleep 0.05') return options.x end",
        )
        .build("function main(urd) for x = 1, 6 do urd:build('slow', {x = x}) end end");
    let dir = t.path().to_path_buf();
    let spawn = || {
        std::process::Command::new(crate::test::exax_bin())
            .arg("run")
            .current_dir(&dir)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (a, b) = (spawn(), spawn());
    let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
    assert!(
        a.status.success() && b.status.success(),
        "{}{}",
        String::from_utf8_lossy(&a.stderr),
        String::from_utf8_lossy(&b.stderr)
    );
    let jobs: Vec<_> = std::fs::read_dir(dir.join("workdirs/test"))
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with("test-"))
        .collect();
    assert_eq!(jobs.len(), 6, "each job built exactly once");
    // `built  ...` lines (a waiting run's `being built by another exax run` line is not one).
    let built = |o: &std::process::Output| {
        String::from_utf8_lossy(&o.stderr)
            .lines()
            .filter(|l| l.starts_with("built "))
            .count()
    };
    assert_eq!(built(&a) + built(&b), 6);
    drop(t);
}

#[test]
fn a_reused_number_is_never_mistaken_for_an_old_job() {
    // Deleting jobs gives their numbers back; the index still names them for the old key.
    let out = Test::new()
        .method("dbl", "options = {x = 0}\nfunction synthesis() return options.x * 2 end")
        .build("function main(urd) for _, a in ipairs(urd.args) do local j = urd:build('dbl', {x = tonumber(a)}) print(a, j.id, j:load()) end end")
        .args(&["run", "-q", "--", "1", "2"])
        .stdout("1\ttest-0\t2\n2\ttest-1\t4\n")
        .run();
    for n in 0..2 {
        std::fs::remove_dir_all(out.path().join(format!("workdirs/test/test-{n}"))).unwrap();
    }
    let out = Test::again(out).args(&["run", "-q", "--", "3"]).stdout("3\ttest-0\t6\n").run();
    Test::again(out)
        .args(&["run", "-q", "--", "1", "3"])
        .stdout("1\ttest-1\t2\n3\ttest-0\t6\n")
        .run();
}

#[test]
fn an_incomplete_post_json_is_not_reused() {
    let out = Test::new()
        .method("m", COUNTER)
        .build("function main(urd) print(urd:build('m').id) end")
        .stdout("test-0\n")
        .run();
    std::fs::write(out.path().join("workdirs/test/test-0/post.json"), "{\"version\": 1, \"st").unwrap();
    let out = Test::again(out).stdout("test-1\n").run();
    Test::again(out).args(&["workdir"]).any_stdout().run();
}

#[test]
fn unstorable_parameters_leave_no_job_directory() {
    let out = Test::new()
        .method("f", "options = {f = 1.5}\nfunction synthesis() end")
        .build("function main(urd) urd:build('f', {f = 1/0}) end")
        .status(1)
        .stderr_contains("error: build.lua:1: options.f: JSON cannot hold the float inf")
        .run();
    assert!(!out.exists("workdirs/test/test-0"));
}

#[test]
fn an_unknown_workdir_is_an_error_even_when_reusing() {
    Test::new()
        .method("m", COUNTER)
        .build("function main(urd) urd:build('m') urd:build('m', {workdir = 'tset'}) end")
        .status(1)
        .stderr_contains("error: build.lua:1: unknown workdir `tset` (did you mean `test`?)")
        .run();
}
