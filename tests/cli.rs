//! The other commands: init, method, job, workdir, --help, and bad command lines.

use crate::test::Test;

#[test]
fn init_makes_a_project_that_runs() {
    let out = Test::empty()
        .args(&["init", "proj", "--slices", "3", "--name", "dev"])
        .stderr("created an exax project in proj (3 slices, workdir dev); run it with: cd proj && exax run\n")
        .run();
    assert!(out
        .read("proj/accelerator.conf")
        .contains("slices: 3\nworkdirs:\n    dev ./workdirs/dev\n"));
    let out = Test::again(out)
        .cwd("proj")
        .args(&["run"])
        .stdout("sum of squares of 8 numbers: 173 (job dev-0)\n")
        .run();
    Test::again(out)
        .args(&["init", "proj"])
        .status(1)
        .stderr("error: proj/accelerator.conf already exists; exax init will not overwrite a project\n")
        .run();
}

#[test]
fn method_lists_and_describes() {
    let out = Test::new()
        .method("a_test", crate::build::A_TEST)
        .method("helper", "return {}")
        .method("plain", "function synthesis() end")
        .args(&["method"])
        .stdout("a_test  Double a number.\nplain\n\nshipped with exax:\ncsvimport  Import a CSV file from the input directory into a dataset.\n")
        .run();
    Test::again(out)
        .args(&["method", "a_test"])
        .stdout(
            "
            a_test  (methods/a_test.lua)

              Double a number.
              Longer text after the first line is shown by `exax method a_test`.

            options:
              f    float  default nil
              key  str    default 'protomolecule'
              x    int    default 3

            datasets:
              source

            jobs:
              previous
              earlier  (list)

            phases: synthesis
            ",
        )
        .run();
}

#[test]
fn job_shows_params_status_output_and_files() {
    let out = Test::new()
        .method("m", "options = {x = 1}\nfunction analysis(sliceno) print('hello from ' .. sliceno) end\nfunction synthesis() local f = io.open('out.txt', 'w') f:write('data\\n') f:close() return {x = options.x} end")
        .build("function main(urd) urd:build('m', {x = 5, caption = 'five'}) end")
        .any_stdout()
        .run();
    let out = Test::again(out).args(&["job", "test-0"]).any_stdout().run();
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines[0], "test-0  m  finished");
    assert_eq!(lines[1], "  method file: methods/m.lua");
    assert_eq!(lines[2], "  caption:     five");
    assert!(
        lines[3].starts_with("  started:     ") && lines[3].ends_with(" UTC, built by build.lua"),
        "{}",
        lines[3]
    );
    assert_eq!(
        &lines[5..],
        ["  options:", "    x = 5", "  files:       out.txt", "  result:      {x = 5}"]
    );
    let out = Test::again(out)
        .args(&["job", "test-0", "-O"])
        .stdout("hello from 0\nhello from 1\n")
        .run();
    let out = Test::again(out).args(&["job", "test-0", "-O", "1"]).stdout("hello from 1\n").run();
    let out = Test::again(out).args(&["job", "test-0", "-f", "out.txt"]).stdout("data\n").run();
    let out = Test::again(out)
        .args(&["job", "test-0", "-P"])
        .stdout("{\n  \"options\": {\n    \"x\": 5\n  },\n  \"datasets\": {},\n  \"jobs\": {}\n}\n")
        .run();
    let out = Test::again(out)
        .args(&["job", "test-9"])
        .status(1)
        .stderr_contains("error: job test-9 does not exist")
        .run();
    Test::again(out)
        .args(&["job", "nonsense"])
        .status(1)
        .stderr("error: `nonsense` is not a job id (expected `workdir-number`, like `demo-3`)\n")
        .run();
}

#[test]
fn workdir_lists_jobs() {
    let out = Test::new()
        .method("ok", "function synthesis() end")
        .method("bad", "function synthesis() error('x') end")
        .build("function main(urd) urd:build('ok') urd:build('bad') end")
        .status(1)
        .run();
    let out = Test::again(out).args(&["workdir"]).any_stdout().run();
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert!(lines[0].starts_with("test-1  bad  failed    "), "{}", out.stdout);
    assert!(lines[1].starts_with("test-0  ok   finished  "), "{}", out.stdout);
    let out = Test::again(out).args(&["job", "test-1"]).any_stdout().run();
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines[0], "test-1  bad  failed (never reused)");
    assert_eq!(lines[1], "  failed in synthesis: methods/bad.lua:1: x");
    assert_eq!(lines[2], "    methods/bad.lua:1: in function 'synthesis'");
}

#[test]
fn every_command_has_help() {
    for cmd in [
        "init",
        "run",
        "job",
        "method",
        "workdir",
        "ds",
        "status",
        "gc",
        "cat",
        "grep",
        "completions",
    ] {
        let out = Test::empty().args(&[cmd, "--help"]).any_stdout().run();
        assert!(out.stdout.contains("Usage: exax"), "{cmd}: {}", out.stdout);
    }
}

#[test]
fn unknown_command_is_a_user_error() {
    Test::empty()
        .args(&["rum"])
        .status(1)
        .stderr_contains("error: unrecognized subcommand 'rum'")
        .stderr_contains("tip: a similar subcommand exists: 'run'")
        .run();
}

#[test]
fn init_refuses_too_many_slices() {
    Test::empty()
        .args(&["init", "p", "--slices", "2000"])
        .status(1)
        .stderr("error: --slices must be from 1 to 1024, got 2000\n")
        .run();
}
