//! depend_extra (spec section 3): extra files, relative to the method's file, whose content joins
//! the reuse key; copied under `hashed/` in the job directory and never among the job's files.

use crate::test::Test;

#[test]
fn depend_extra_files_join_the_key_and_are_copied() {
    let build = "function main(urd) local j = urd:build('dx') print(j.id, #j:files()) end";
    let out = Test::new()
        .file(
            "accelerator.conf",
            "slices: 2\nworkdirs:\n    test ./workdirs/test\nmethod directories:\n    ./methods\n    ./more\n",
        )
        .file(
            "more/dx.lua",
            "depend_extra = {'sub/data.txt', '../methods/shared.txt'}\nfunction synthesis() end",
        )
        .file("more/sub/data.txt", "one")
        .file("methods/shared.txt", "shared")
        .build(build)
        .stdout("test-0\t0\n")
        .run();
    assert_eq!(out.read("workdirs/test/test-0/hashed/more/sub/data.txt"), "one");
    assert_eq!(out.read("workdirs/test/test-0/hashed/methods/shared.txt"), "shared");
    let setup: serde_json::Value = serde_json::from_str(&out.read("workdirs/test/test-0/setup.json")).unwrap();
    assert_eq!(
        setup["hashed_files"],
        serde_json::json!([
            ["hashed/more/sub/data.txt", "more/sub/data.txt"],
            ["hashed/methods/shared.txt", "methods/shared.txt"]
        ])
    );
    let out = Test::again(out).build(build).stdout("test-0\t0\n").run();
    let out = Test::again(out)
        .file("methods/shared.txt", "changed")
        .build(build)
        .stdout("test-1\t0\n")
        .run();
    let out = Test::again(out)
        .file("more/sub/data.txt", "two")
        .build(build)
        .stdout("test-2\t0\n")
        .run();
    Test::again(out)
        .file("methods/shared.txt", "shared")
        .file("more/sub/data.txt", "one")
        .build(build)
        .stdout("test-0\t0\n")
        .run();
}

#[test]
fn depend_extra_must_be_an_array_of_files() {
    Test::new()
        .method("ds", "depend_extra = 'data.txt'\nfunction synthesis() end")
        .file("methods/data.txt", "x")
        .build("function main(urd) urd:build('ds') end")
        .status(1)
        .stderr(
            "
            error: build.lua:1: methods/ds.lua: depend_extra: expected an array of file names, got a string
              traceback:
                build.lua:1: in function 'main'
            ",
        )
        .run();
}
