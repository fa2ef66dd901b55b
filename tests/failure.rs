//! Failures (issue: a failed job is unfinished, never reused, and reported with file:line, job,
//! phase, slice, traceback and output tail; exax itself never panics or dies with it).

use crate::test::Test;

#[test]
fn error_in_synthesis_names_file_line_job_and_phase() {
    Test::new()
        .method(
            "fail",
            "function synthesis()\n  print('about to fail')\n  local t = nil\n  return t.x\nend",
        )
        .build("function main(urd)\n  urd:build('fail')\nend")
        .stdout("about to fail\n")
        .status(1)
        .stderr(
            "
            error: methods/fail.lua:4: attempt to index a nil value (local 't')
              job:    test-0 (method fail)
              phase:  synthesis
              traceback:
                methods/fail.lua:4: in function 'synthesis'
              last output:
                | about to fail
            ",
        )
        .run();
}

#[test]
fn error_in_an_analysis_slice() {
    Test::new()
        .method(
            "fail",
            "function analysis(sliceno)\n  print('slice ' .. sliceno)\n  if sliceno == 1 then error('bad slice') end\nend",
        )
        .build("function main(urd)\n  urd:build('fail')\nend")
        .any_stdout()
        .status(1)
        .stderr(
            "
            error: methods/fail.lua:3: bad slice
              job:    test-0 (method fail)
              phase:  analysis (slice 1)
              traceback:
                methods/fail.lua:3: in function 'analysis'
              last output:
                | slice 1
            ",
        )
        .run();
}

#[test]
fn os_exit_fails_only_the_job() {
    for phase in ["prepare", "synthesis"] {
        Test::new()
            .method("ex", &format!("function {phase}()\n  os.exit(3)\nend"))
            .build("function main(urd)\n  print(pcall(urd.build, urd, 'ex'))\n  print('still running')\nend")
            .stdout(
                "false\tmethods/ex.lua:2: os.exit(3) called in a method; return from the phase or call error() instead\nstill running\n",
            )
            .run();
    }
}

#[test]
fn a_crashing_worker_fails_only_the_job() {
    Test::new()
        .method(
            "crash",
            "function analysis(sliceno)\n  if sliceno == 0 then os.execute('kill -9 $PPID') end\nend",
        )
        .build("function main(urd)\n  urd:build('crash')\nend")
        .status(1)
        .stderr_contains(
            "error: the analysis worker was killed by signal 9\n  job:    test-0 (method crash)\n  phase:  analysis (slice 0)\n",
        )
        .run();
}

#[test]
fn a_broken_method_blocks_only_the_builds_that_use_it() {
    let warnings = "warning: methods/broken.lua:2: ')' expected near '=' (a build that uses methods/broken.lua fails)\nwarning: methods/half.lua:1: unexpected symbol near <eof> (a build that uses methods/half.lua fails)\n";
    let out = Test::new()
        .method("ok", "function synthesis() print('ran') end")
        .method("broken", "function synthesis(\n  x = \nend")
        .method("uses", "local h = require('half')\nfunction synthesis() end")
        .file("methods/half.lua", "return {")
        .build("function main(urd) urd:build('ok') end")
        .stdout("ran\n")
        .stderr(&format!(
            "{warnings}built  test-0 ok (TIME)\nbuild.lua: 1 job built, 0 reused in TIME\n"
        ))
        .run();
    let out = Test::again(out)
        .build("function main(urd) urd:build('broken') end")
        .status(1)
        .stderr(&format!("{warnings}error: build.lua:1: methods/broken.lua:2: ')' expected near '='\n  traceback:\n    build.lua:1: in function 'main'\n"))
        .run();
    let out = Test::again(out)
        .build("function main(urd) urd:build('uses') end")
        .status(1)
        .stderr_contains("error: build.lua:1: methods/uses.lua:1: methods/half.lua:1: unexpected symbol near <eof>")
        .run();
    assert!(!out.exists("workdirs/test/test-1"));
    Test::new()
        .build("function main(urd)\n  print('x'\nend")
        .status(1)
        .stderr("error: build.lua:3: ')' expected (to close '(' at line 2) near 'end'\n")
        .run();
}

#[test]
fn build_script_errors_have_tracebacks() {
    Test::new()
        .build("local function helper()\n  error('nope')\nend\nfunction main(urd)\n  helper()\nend")
        .status(1)
        .stderr("error: build.lua:2: nope\n  traceback:\n    build.lua:2: in upvalue 'helper'\n    build.lua:5: in function 'main'\n")
        .run();
    Test::new()
        .build("x = 1")
        .status(1)
        .stderr("error: build.lua defines no function main(urd)\n")
        .run();
}

#[test]
fn subjob_failure_is_reported_as_the_subjob() {
    Test::new()
        .method("inner", "function synthesis()\n  error('inner broke')\nend")
        .method(
            "outer",
            "local subjobs = require('exax.subjobs')\nfunction synthesis()\n  subjobs.build('inner')\nend",
        )
        .build("function main(urd) urd:build('outer') end")
        .status(1)
        .stderr_contains("error: methods/inner.lua:2: inner broke\n  job:    test-1 (method inner)\n  phase:  synthesis\n")
        .run();
}

#[test]
fn subjob_recursion_is_an_error() {
    Test::new()
        .method("rec", "local subjobs = require('exax.subjobs')\noptions = {n = 0}\nfunction synthesis()\n  return subjobs.build('rec', {n = options.n + 1}):load()\nend")
        .build("function main(urd) urd:build('rec') end")
        .status(1)
        .stderr_contains("subjobs nested more than 50 deep (does `rec` build itself?)")
        .run();
    Test::new()
        .method(
            "self",
            "local subjobs = require('exax.subjobs')\nfunction synthesis()\n  subjobs.build('self')\nend",
        )
        .build("function main(urd) urd:build('self') end")
        .status(1)
        .stderr_contains("method `self` with these parameters is already being built by an enclosing job")
        .run();
}

#[test]
fn bad_build_calls_say_what_is_wrong() {
    let cases = [
        (
            "urd:build('m', 5)",
            "error: build.lua:1: build('m', params): params must be a table, got an integer\n",
        ),
        (
            "urd:build(5)",
            "error: build.lua:1: urd:build: the method name must be a string, got an integer\n",
        ),
        (
            "urd.build('m')",
            "error: build.lua:1: call it as urd:build('method', params), with a colon\n",
        ),
        (
            "urd:build('m', {x = print})",
            "error: build.lua:1: params.x: cannot save a function\n",
        ),
        (
            "urd:build('m', {[1] = 2})",
            "error: build.lua:1: urd:build('m', params): parameter names must be strings, got an integer\n",
        ),
        (
            "urd:build('top')",
            "error: build.lua:1: methods/top.lua:2: attempt to index a nil value (local 'x')\n",
        ),
    ];
    for (call, want) in cases {
        Test::new()
            .method("m", "options = {x = 1}\nfunction synthesis() end")
            .method("top", "local x = nil\nlocal y = x.field\nfunction synthesis() end")
            .build(&format!("function main(urd) {call} end"))
            .status(1)
            .stderr_contains(want)
            .run();
    }
}

#[test]
fn handles_are_named_as_users_know_them() {
    Test::new()
        .method("ok", "function synthesis() end")
        .build("function main(urd)\n  local j = urd:build('ok')\n  j.x = 1\nend")
        .status(1)
        .stderr_contains("error: build.lua:3: attempt to index a Job value (local 'j')\n")
        .run();
    Test::new()
        .method("bad", "options = {x = {int, str}}\nfunction synthesis() end")
        .build("function main(urd) urd:build('bad') end")
        .status(1)
        .stderr_contains("cannot save a userdata (option type)")
        .run();
}
