//! Dataset and job parameters (spec section 2): `required('name')` makes one mandatory (an error
//! at the build call naming method and parameter), and a Dataset or Job that does not exist is an
//! error at the build call, before any job starts.

use crate::test::Test;

const MAKER: &str = "function synthesis(job) local dw = job:datasetwriter() dw:add('a', 'int64') dw:set_slice(0) dw:write(1) end";
const USER: &str = "datasets = {required('source'), {required('more')}}\njobs = {required('previous'), 'other'}\nfunction synthesis() return datasets.source:lines() + #datasets.more end";

fn project() -> Test {
    Test::new().method("maker", MAKER).method("user", USER)
}

#[test]
fn required_parameters_must_be_given() {
    let call = |params: &str, want: &str| {
        project()
            .build(&format!(
                "function main(urd) local m = urd:build('maker') urd:build('user', {params}) end"
            ))
            .status(1)
            .stderr_contains(want)
            .run();
    };
    call(
        "{more = {m}, previous = m}",
        "error: build.lua:1: method `user`: required dataset `source` is not given\n",
    );
    call(
        "{source = m, more = {}, previous = m}",
        "error: build.lua:1: method `user`: required dataset `more` is not given (a list of at least one)\n",
    );
    call(
        "{source = m, more = {m}}",
        "error: build.lua:1: method `user`: required job `previous` is not given\n",
    );
    project()
        .build("function main(urd) local m = urd:build('maker') print(urd:build('user', {source = m, more = {m, m}, previous = m}):load()) end")
        .stdout("3\n")
        .run();
    let shown = project().args(&["method", "user"]).any_stdout().run().stdout;
    assert!(
        shown.contains("datasets:\n  source  (required)\n  more  (list, required)\n\njobs:\n  previous  (required)\n  other\n"),
        "{shown}"
    );
}

#[test]
fn parameters_that_do_not_exist_are_errors_at_the_build_call() {
    let call = |params: &str, want: &str| {
        let out = project()
            .build(&format!(
                "function main(urd) local m = urd:build('maker') urd:build('user', {params}) end"
            ))
            .status(1)
            .stderr_contains(want)
            .run();
        assert!(!out.exists("workdirs/test/test-1"), "no job started");
    };
    call(
        "{source = 'test-0/nope', more = {m}, previous = m}",
        "error: build.lua:1: method `user`, dataset `source`: job test-0 has no dataset `nope` (datasets: default)\n",
    );
    call(
        "{source = m, more = {m, 'test-0/defualt'}, previous = m}",
        "error: build.lua:1: method `user`, dataset `more`: job test-0 has no dataset `defualt` (did you mean `default`?) (datasets: default)\n",
    );
    call(
        "{source = 'test-7', more = {m}, previous = m}",
        "error: build.lua:1: method `user`: parameter `source` refers to job test-7, which does not exist\n",
    );
    call(
        "{source = m, more = {m}, previous = 'test-9'}",
        "error: build.lua:1: method `user`: parameter `previous` refers to job test-9, which does not exist\n",
    );
}
