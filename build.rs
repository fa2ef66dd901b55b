//! Embeds exax's own Lua modules (`lua-stdlib/`), the editor stubs (`lua-stdlib/types/`, kept
//! apart so `require` never finds them) and the shipped methods (`methods/`) in the binary, so an
//! installed `exax` needs no repository.

use std::fmt::Write;
use std::path::Path;

fn collect(dir: &Path, prefix: &str, skip: Option<&Path>, out: &mut Vec<(String, String)>) {
    let Ok(rd) = std::fs::read_dir(dir) else { return };
    let mut entries: Vec<_> = rd.filter_map(|e| e.ok()).collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let path = e.path();
        let name = e.file_name().to_string_lossy().into_owned();
        if skip.is_some_and(|s| s == path) {
            continue;
        }
        if path.is_dir() {
            collect(&path, &format!("{prefix}{name}/"), skip, out);
        } else if name.ends_with(".lua") {
            out.push((format!("{prefix}{name}"), path.canonicalize().unwrap().display().to_string()));
        }
    }
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut code = String::new();
    let types = root.join("lua-stdlib/types");
    for (konst, dir, skip) in [
        ("LUA_STDLIB", "lua-stdlib", Some(types.as_path())),
        ("LUA_TYPES", "lua-stdlib/types", None),
        ("METHODS", "methods", None),
    ] {
        println!("cargo:rerun-if-changed={dir}");
        let mut files = Vec::new();
        collect(&root.join(dir), "", skip, &mut files);
        writeln!(code, "pub static {konst}: &[(&str, &str)] = &[").unwrap();
        for (rel, abs) in files {
            println!("cargo:rerun-if-changed={abs}");
            writeln!(code, "    ({rel:?}, include_str!({abs:?})),").unwrap();
        }
        writeln!(code, "];").unwrap();
    }
    let out = std::env::var("OUT_DIR").unwrap();
    std::fs::write(Path::new(&out).join("embedded.rs"), code).unwrap();
}
