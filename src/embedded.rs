//! The Lua files built into the binary: exax's own modules (`require('exax.subjobs')`), the
//! LuaLS editor stubs that `exax init` writes into a project (`type_stubs`), and the methods
//! shipped with exax. Paths are relative to `lua-stdlib/`, `lua-stdlib/types/` and `methods/`.

include!(concat!(env!("OUT_DIR"), "/embedded.rs"));

/// The embedded module for `require(name)`: `exax.subjobs` is `exax/subjobs.lua` or `exax/subjobs/init.lua`.
pub fn stdlib_module(name: &str) -> Option<(String, &'static str)> {
    let base = name.replace('.', "/");
    [format!("{base}.lua"), format!("{base}/init.lua")].into_iter().find_map(|p| {
        LUA_STDLIB
            .iter()
            .find(|(rel, _)| *rel == p)
            .map(|(rel, src)| (rel.to_string(), *src))
    })
}

pub fn shipped_method(name: &str) -> Option<&'static str> {
    let file = format!("{name}.lua");
    METHODS.iter().find(|(rel, _)| *rel == file).map(|(_, src)| *src)
}

pub fn shipped_method_names() -> impl Iterator<Item = &'static str> {
    METHODS
        .iter()
        .filter_map(|(rel, _)| rel.strip_suffix(".lua"))
        .filter(|n| !n.contains('/'))
}

/// The LuaLS annotation stubs (`lua-stdlib/types/`): (path relative to that folder, text).
pub fn type_stubs() -> &'static [(&'static str, &'static str)] {
    LUA_TYPES
}
