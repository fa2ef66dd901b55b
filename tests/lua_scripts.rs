//! Lua behaviour tests: each `tests/lua/<name>.lua` is run as the build script of a project whose
//! methods are `tests/lua/methods/`; it passes when it exits 0 (its `assert`s hold).

use crate::test::Test;

fn run_script(name: &str) {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/lua");
    let mut t = Test::new().any_stdout();
    for entry in std::fs::read_dir(root.join("methods")).unwrap() {
        let p = entry.unwrap().path();
        let file = p.file_name().unwrap().to_string_lossy().into_owned();
        t = t.file(&format!("methods/{file}"), &std::fs::read_to_string(&p).unwrap());
    }
    t.build(&std::fs::read_to_string(root.join(format!("{name}.lua"))).unwrap()).run();
}

macro_rules! lua_tests {
    ($($name:ident),* $(,)?) => {
        $(#[test] fn $name() { run_script(stringify!($name)); })*
        #[test]
        fn every_script_is_listed() {
            let listed = [$(stringify!($name)),*];
            let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/lua");
            for e in std::fs::read_dir(dir).unwrap() {
                let name = e.unwrap().file_name().to_string_lossy().into_owned();
                if let Some(stem) = name.strip_suffix(".lua") {
                    assert!(listed.contains(&stem), "tests/lua/{name} is not listed in lua_tests!");
                }
            }
        }
    };
}

lua_tests!(
    datasets_chains,
    datasets_none,
    datasets_reading,
    datasets_types,
    job_files,
    job_handle,
    merge_auto,
    reuse_and_params
);
