//! Embeds exax's own Lua modules (`lua-stdlib/`) and shipped methods (`methods/`) in the binary,
//! so an installed `exax` needs no repository.

use std::fmt::Write;
use std::path::Path;

fn collect(dir: &Path, prefix: &str, out: &mut Vec<(String, String)>) {
    let Ok(rd) = std::fs::read_dir(dir) else { return };
    let mut entries: Vec<_> = rd.filter_map(|e| e.ok()).collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let path = e.path();
        let name = e.file_name().to_string_lossy().into_owned();
        if path.is_dir() {
            collect(&path, &format!("{prefix}{name}/"), out);
        } else if name.ends_with(".lua") {
            out.push((format!("{prefix}{name}"), path.canonicalize().unwrap().display().to_string()));
        }
    }
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut code = String::new();
    for (konst, dir) in [("LUA_STDLIB", "lua-stdlib"), ("METHODS", "methods")] {
        println!("cargo:rerun-if-changed={dir}");
        let mut files = Vec::new();
        collect(&root.join(dir), "", &mut files);
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
