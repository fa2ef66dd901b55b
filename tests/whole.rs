//! Reuse only whole jobs (issue 14 item 2): a finished job with setup.json, its result or a
//! listed file gone is built anew, and the reuse index is a cache the job directories correct.

use crate::test::{Output, Test};

const M: &str = "function synthesis() return 7 end";
const BUILD: &str = "function main(urd) print(urd:build('m').id) end";

fn first() -> Output {
    Test::new().method("m", M).build(BUILD).stdout("test-0\n").run()
}

fn write(out: &Output, rel: &str, text: &str) {
    std::fs::write(out.path().join(rel), text).unwrap();
}

#[test]
fn truncated_setup_json_rebuilds() {
    let out = first();
    let setup = out.read("workdirs/test/test-0/setup.json");
    write(&out, "workdirs/test/test-0/setup.json", &setup[..setup.len() / 2]);
    Test::again(out)
        .build(BUILD)
        .stdout("test-1\n")
        .stderr_contains("1 job built, 0 reused")
        .run();
}

#[test]
fn deleted_result_rebuilds_and_load_is_an_error() {
    let out = first();
    std::fs::remove_file(out.path().join("workdirs/test/test-0/result.msgpack")).unwrap();
    let out = Test::again(out)
        .build(BUILD)
        .stdout("test-1\n")
        .stderr("built  test-1 m (TIME; job test-0 not whole: result.msgpack missing)\nbuild.lua: 1 job built, 0 reused in TIME\n")
        .run();
    Test::again(out)
        .method("reader", "jobs = {'src'}\nfunction synthesis() return jobs.src:load() end")
        .build("function main(urd) print(urd:build('reader', {src = 'test-0'}):load()) end")
        .status(1)
        .stderr_contains("job:load: job test-0 is damaged: its result file result.msgpack is missing")
        .run();
}

#[test]
fn a_job_that_returned_nothing_still_loads_nil() {
    Test::new()
        .method("none", "function synthesis() end")
        .method(
            "reader",
            "jobs = {'src'}\nfunction synthesis() return tostring(jobs.src:load()) end",
        )
        .build("function main(urd) local n = urd:build('none') print(urd:build('reader', {src = n}):load(), urd:build('none').id) end")
        .stdout("nil\ttest-0\n")
        .run();
}

#[test]
fn index_without_its_last_line_still_reuses() {
    let out = first();
    let index = out.read("workdirs/test/.reuse-index");
    assert_eq!(index.lines().count(), 1);
    write(&out, "workdirs/test/.reuse-index", "");
    let out = Test::again(out)
        .build(BUILD)
        .stdout("test-0\n")
        .stderr_contains("0 jobs built, 1 reused")
        .run();
    // The job found in the directories is in the index again.
    assert_eq!(out.read("workdirs/test/.reuse-index"), index);
}

#[test]
fn garbage_in_the_index_still_reuses() {
    let out = Test::new()
        .method("m", M)
        .method("n", "function synthesis() return 8 end")
        .build("function main(urd) print(urd:build('m').id, urd:build('n').id) end")
        .stdout("test-0\ttest-1\n")
        .run();
    let index = out.read("workdirs/test/.reuse-index");
    // m's line torn and glued to garbage, n's line intact after it.
    let lines: Vec<&str> = index.lines().collect();
    write(
        &out,
        "workdirs/test/.reuse-index",
        &format!("garbage {}\u{1}\n{}\n", &lines[0][..10], lines[1]),
    );
    let out = Test::again(out)
        .build(BUILD)
        .stdout("test-0\n")
        .stderr_contains("0 jobs built, 1 reused")
        .run();
    // The damaged index was rewritten from the job directories.
    assert_eq!(out.read("workdirs/test/.reuse-index"), index);
}
