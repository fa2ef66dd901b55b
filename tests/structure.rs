//! The shape of the code (issue 12): no module imports another that imports it back, and mlua
//! stays inside `src/lua/`. Reads the sources, so a change that breaks either fails here.

use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

#[test]
fn no_module_cycles() {
    let out = match Command::new("python3").arg("scripts/module_cycles.py").current_dir(repo()).output() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("SKIP: structure::no_module_cycles needs python3 ({e})");
            return;
        }
    };
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "", "module cycles in src/");
}

#[test]
fn mlua_only_in_the_lua_layer() {
    let mut files = Vec::new();
    rust_files(&repo().join("src"), &mut files);
    let lua_dir = repo().join("src/lua");
    let outside: Vec<String> = files
        .iter()
        .filter(|f| !f.starts_with(&lua_dir))
        .filter(|f| std::fs::read_to_string(f).unwrap().contains("mlua::"))
        .map(|f| f.strip_prefix(repo()).unwrap().display().to_string())
        .collect();
    assert_eq!(outside, Vec::<String>::new(), "files outside src/lua/ that use mlua");
}
