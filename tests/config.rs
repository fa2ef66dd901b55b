//! accelerator.conf errors and project discovery, through the real binary.

use crate::test::Test;

#[test]
fn unknown_key_names_file_line_and_suggestion() {
    Test::empty()
        .file("accelerator.conf", "slices: 2\nworkdir:\n  a ./a\n")
        .build("function main(urd) end")
        .status(1)
        .stderr_contains("/accelerator.conf:2: unknown key `workdir` (did you mean `workdirs`?)\n")
        .run();
}

#[test]
fn bad_value() {
    Test::empty()
        .file("accelerator.conf", "slices: many\nworkdirs: a ./a\n")
        .build("function main(urd) end")
        .status(1)
        .stderr_contains("/accelerator.conf:1: slices: expected a whole number from 1 to 1024, got `many`\n")
        .run();
}

#[test]
fn project_found_from_a_subdirectory() {
    Test::new()
        .file("sub/deeper/x.txt", "")
        .build("function main(urd) print('root build') end")
        .cwd("sub/deeper")
        .stdout("root build\n")
        .run();
}

#[test]
fn no_project() {
    Test::empty().status(1).stderr_contains("error: no accelerator.conf in ").run();
}

#[test]
fn slices_mismatch_with_an_existing_workdir() {
    let out = Test::new()
        .method("m", "function synthesis() end")
        .build("function main(urd) urd:build('m') end")
        .run();
    Test::again(out)
        .file("accelerator.conf", &crate::test::CONF.replace("slices: 2", "slices: 3"))
        .status(1)
        .stderr_contains("workdir `test` (")
        .stderr_contains(") was made for 2 slices, but accelerator.conf says 3")
        .run();
}
