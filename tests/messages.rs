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
    let out = Test::again(out).args(&["job", "test-1", "-O", "1"]).stdout("one\n").stderr("").run();
    let out = Test::again(out).args(&["job", "-O", "--", "test-1"]).stdout("one\n").stderr("").run();
    Test::again(out)
        .args(&["job", "test-1", "-O", "synthesis"])
        .stdout("")
        .stderr("job test-1 printed nothing in synthesis\n")
        .run();
}
