//! The small messages of issue 15: each names what the user needs to act on.

use crate::test::Test;

#[test]
fn job_output_of_a_silent_job_says_so() {
    let out = Test::new()
        .method("quiet", "function synthesis() end")
        .method("loud", "function analysis(sliceno) if sliceno == 1 then print('one') end end")
        .build("function main(urd) urd:build('quiet') urd:build('loud') end")
        .any_stdout()
        .run();
    let out = Test::again(out)
        .args(&["job", "-O", "--", "test-0"])
        .stdout("")
        .stderr("job test-0 printed nothing\n")
        .run();
    let out = Test::again(out)
        .args(&["job", "test-1", "-O", "0"])
        .stdout("")
        .stderr("job test-1 printed nothing in analysis slice 0\n")
        .run();
    let out = Test::again(out)
        .args(&["job", "test-1", "-O", "1"])
        .stdout("one\n")
        .stderr("")
        .run();
    let out = Test::again(out)
        .args(&["job", "-O", "--", "test-1"])
        .stdout("one\n")
        .stderr("")
        .run();
    let out = Test::again(out)
        .args(&["job", "test-1", "-O", "synthesis"])
        .stdout("")
        .stderr("job test-1 printed nothing in synthesis\n")
        .run();
    // `-O` first: a word that names no part is the job.
    let out = Test::again(out).args(&["job", "-O", "test-1"]).stdout("one\n").stderr("").run();
    let out = Test::again(out)
        .args(&["job", "-O", "1", "test-1"])
        .stdout("one\n")
        .stderr("")
        .run();
    let out = Test::again(out)
        .args(&["job", "-O", "1"])
        .stderr("error: exax job: give the job's id, like `exax job demo-3` (`exax job --help` says more)\n")
        .status(1)
        .run();
    Test::again(out)
        .args(&["job", "-O", "test-9"])
        .stderr_contains("test-9")
        .status(1)
        .run();
}

#[test]
fn a_value_that_cannot_be_saved_names_the_function_that_returned_it() {
    Test::new()
        .method("m", "function synthesis()\n  local t = {f = print}\n  return t\nend")
        .build("function main(urd) urd:build('m') end")
        .status(1)
        .stderr_contains("error: methods/m.lua:1: result.f: cannot save a function (returned by synthesis(), which starts here)\n")
        .run();
    Test::new()
        .method(
            "m",
            "-- analysis starts on line 3\n\nfunction analysis(sliceno)\n  if sliceno == 0 then return {g = coroutine.create(print)} end\nend",
        )
        .build("function main(urd) urd:build('m') end")
        .status(1)
        .stderr_contains(
            "methods/m.lua:3: analysis result of slice 0.g: cannot save a coroutine (returned by analysis(), which starts here)",
        )
        .run();
}

#[test]
fn a_missing_job_names_the_parameter() {
    Test::new()
        .method("m", "jobs = {'source'}\nfunction synthesis() end")
        .build("function main(urd) urd:build('m', {source = 'test-999'}) end")
        .status(1)
        .stderr_contains("error: build.lua:1: method `m`: parameter `source` refers to job test-999, which does not exist")
        .run();
}

#[test]
fn a_method_directory_that_does_not_exist_is_named() {
    Test::empty()
        .file(
            "accelerator.conf",
            "slices: 2\nworkdirs:\n    test ./workdirs/test\nmethod directories:\n    ./methdos\n",
        )
        .method("m", "function synthesis() end")
        .build("function main(urd) urd:build('m') end")
        .status(1)
        .stderr_contains(
            "unknown method `m`; methods are the .lua files in methdos; method directory methdos (in accelerator.conf) does not exist",
        )
        .run();
}
