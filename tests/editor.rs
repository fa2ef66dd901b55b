//! Editor support (issue 15, item 5): the LuaLS stubs in `lua-stdlib/types/` name exactly what
//! the runtime registers. A build script and a method (`tests/editor/probe_*.lua`) walk the live
//! objects (mlua's field and method tables behind each handle's `__index`, the keys of the
//! tables exax hands out, the option names each call's error lists) and print `CLASS<TAB>name`;
//! this file parses the stubs and compares, both ways. Also: `exax init` writes the stubs and
//! `.luarc.json`, `exax init --types` refreshes them, and the stubs are the binary's own.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::test::Test;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Lua 5.4's own globals (exax replaces `pcall`, `xpcall` and parts of `os`, under the same names).
const LUA_GLOBALS: &[&str] = &[
    "_G",
    "_VERSION",
    "assert",
    "collectgarbage",
    "coroutine",
    "debug",
    "dofile",
    "error",
    "getmetatable",
    "io",
    "ipairs",
    "load",
    "loadfile",
    "math",
    "next",
    "os",
    "package",
    "pairs",
    "pcall",
    "print",
    "rawequal",
    "rawget",
    "rawlen",
    "rawset",
    "require",
    "select",
    "setmetatable",
    "string",
    "table",
    "tonumber",
    "tostring",
    "type",
    "utf8",
    "warn",
    "xpcall",
];

/// Globals the user defines and exax reads (the stubs document them; the runtime need not set
/// them). Each must appear quoted in the engine source that reads it.
const USER_DEFINED: &[(&str, &str)] = &[
    ("main", "src/lua/engine/script.rs"),
    ("description", "src/lua/engine/method_loader.rs"),
    ("options", "src/lua/engine/method_loader.rs"),
    ("datasets", "src/lua/engine/method_loader.rs"),
    ("jobs", "src/lua/engine/method_loader.rs"),
    ("depend_extra", "src/lua/engine/method_loader.rs"),
    ("prepare", "src/lua/engine/method_loader.rs"),
    ("analysis", "src/lua/engine/method_loader.rs"),
    ("synthesis", "src/lua/engine/method_loader.rs"),
];

/// Stub classes the probes do not walk, and how each is held to the runtime instead.
const CHECKED_ELSEWHERE: &[(&str, &str)] = &[
    ("exax.BuildParams", "each field is a key src/lua/api/build_call.rs consumes"),
    ("exax.OptionType", "no members (a marker)"),
    ("exax.Required", "no members"),
    ("exax.StatusUpdate", "no members (called and closed)"),
    ("exax.params.*", "`exax method NAME`'s options, datasets and jobs"),
];

#[derive(Default, Debug)]
struct Stubs {
    globals: BTreeSet<String>,
    /// class -> (own fields and functions, parent classes)
    classes: BTreeMap<String, (BTreeSet<String>, Vec<String>)>,
    text: String,
}

impl Stubs {
    fn members(&self, class: &str) -> BTreeSet<String> {
        let Some((own, parents)) = self.classes.get(class) else {
            return BTreeSet::new();
        };
        let mut all = own.clone();
        for p in parents {
            all.extend(self.members(p));
        }
        all
    }
}

fn stub_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            stub_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "lua") {
            out.push(p);
        }
    }
}

/// Reads the annotations: `---@class NAME[: PARENT, ...]` then `---@field name` lines, a class
/// bound to the variable assigned right after it (`local Job = {}`, `exax = {}`), `function
/// VAR:name(` / `function VAR.name(` members of VAR's class, and top-level `function name(` /
/// `name = ...` globals.
fn parse_stubs() -> Stubs {
    let mut files = vec![];
    stub_files(&repo().join("lua-stdlib/types"), &mut files);
    let mut s = Stubs::default();
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        let file = f.display().to_string();
        assert!(text.starts_with("---@meta"), "{file} does not start with ---@meta");
        let mut vars: BTreeMap<String, String> = BTreeMap::new();
        let mut class: Option<String> = None;
        for line in text.lines() {
            if let Some(rest) = line.strip_prefix("---@class ") {
                let (name, parents) = match rest.split_once(':') {
                    Some((n, p)) => (n.trim(), p.split(',').map(|x| x.trim().to_string()).collect()),
                    None => (rest.split_whitespace().next().unwrap(), vec![]),
                };
                let entry = s.classes.entry(name.to_string()).or_default();
                entry.1.extend(parents);
                class = Some(name.to_string());
            } else if let Some(rest) = line.strip_prefix("---@field ") {
                let name = rest.split_whitespace().next().unwrap().trim_end_matches('?');
                let c = class.as_ref().unwrap_or_else(|| panic!("{file}: `{line}` outside a class"));
                if !name.starts_with('[') {
                    s.classes.get_mut(c).unwrap().0.insert(name.to_string());
                }
            } else if line.starts_with("---") || line.starts_with("--") || line.trim().is_empty() {
                continue;
            } else if let Some(rest) = line.strip_prefix("function ") {
                let name = rest.split('(').next().unwrap();
                match name.split_once([':', '.']) {
                    Some((var, member)) => {
                        let c = vars
                            .get(var)
                            .unwrap_or_else(|| panic!("{file}: `{line}`: {var} is no class's variable"));
                        s.classes.get_mut(c).unwrap().0.insert(member.to_string());
                    }
                    None => {
                        s.globals.insert(name.to_string());
                    }
                }
                class = None;
            } else {
                let (lhs, local) = match line.strip_prefix("local ") {
                    Some(r) => (r, true),
                    None => (line, false),
                };
                if let Some((var, _)) = lhs.split_once(" = ") {
                    if !local && !var.contains('.') {
                        s.globals.insert(var.to_string());
                    }
                    if let Some(c) = class.take() {
                        vars.insert(var.to_string(), c);
                    }
                }
                class = None;
            }
        }
        s.text.push_str(&text);
    }
    s
}

/// exax's own modules (`lua-stdlib/**.lua` but the stubs), as `require` names them.
fn modules() -> Vec<String> {
    let mut files = vec![];
    stub_files(&repo().join("lua-stdlib"), &mut files);
    let root = repo().join("lua-stdlib");
    files
        .iter()
        .map(|f| f.strip_prefix(&root).unwrap().to_string_lossy().into_owned())
        .filter(|r| !r.starts_with("types/"))
        .map(|r| r.trim_end_matches(".lua").trim_end_matches("/init").replace('/', "."))
        .collect()
}

/// Runs the probes; returns class -> names.
fn probe(stubs: &Stubs) -> BTreeMap<String, BTreeSet<String>> {
    let mut args = vec!["run".to_string(), "--".to_string()];
    for c in ["exax.Date", "exax.DateTime", "exax.Time"] {
        let names: Vec<String> = stubs.members(c).into_iter().collect();
        args.push(format!("{c}={}", names.join(",")));
    }
    for m in modules() {
        args.push(format!("module={m}"));
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = Test::new()
        .file("input/in.txt", "x\n")
        .method(
            "probe",
            &format!(
                "{}{}",
                include_str!("editor/probe_common.lua"),
                include_str!("editor/probe_method.lua")
            ),
        )
        .build(&format!(
            "{}{}",
            include_str!("editor/probe_common.lua"),
            include_str!("editor/probe_build.lua")
        ))
        .args(&args)
        .any_stdout()
        .run();
    let mut found: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for line in out.stdout.lines() {
        let (class, name) = line.split_once('\t').unwrap_or_else(|| panic!("probe printed {line:?}"));
        found.entry(class.to_string()).or_default().insert(name.to_string());
    }
    found
}

fn show(names: &BTreeSet<String>) -> String {
    names.iter().cloned().collect::<Vec<_>>().join(", ")
}

#[test]
fn the_stubs_name_exactly_what_the_runtime_registers() {
    let stubs = parse_stubs();
    let found = probe(&stubs);
    let mut problems = vec![];

    // Globals: every one the runtime sets is in the stubs; every one in the stubs is set by the
    // runtime or defined by the user and read by exax.
    let runtime: BTreeSet<String> = found["_G"].iter().filter(|g| !LUA_GLOBALS.contains(&g.as_str())).cloned().collect();
    let user: BTreeSet<String> = USER_DEFINED.iter().map(|(g, _)| g.to_string()).collect();
    let lacking: BTreeSet<_> = runtime.difference(&stubs.globals).cloned().collect();
    let extra: BTreeSet<_> = stubs.globals.difference(&runtime).filter(|g| !user.contains(*g)).cloned().collect();
    if !lacking.is_empty() {
        problems.push(format!("globals the runtime sets without a stub: {}", show(&lacking)));
    }
    if !extra.is_empty() {
        problems.push(format!("globals in the stubs the runtime lacks: {}", show(&extra)));
    }
    for (g, file) in USER_DEFINED {
        let src = std::fs::read_to_string(repo().join(file)).unwrap();
        assert!(src.contains(&format!("\"{g}\"")), "{file} no longer reads the global `{g}`");
        assert!(stubs.globals.contains(*g), "the stubs lack the global `{g}`");
    }

    // Every object the probes walked: the same names in the stub class.
    for (class, names) in &found {
        if class == "_G" {
            continue;
        }
        if !stubs.classes.contains_key(class) {
            problems.push(format!("no stub class {class} (the runtime has {})", show(names)));
            continue;
        }
        let stub = stubs.members(class);
        let lacking: BTreeSet<_> = names.difference(&stub).cloned().collect();
        let extra: BTreeSet<_> = stub.difference(names).cloned().collect();
        if !lacking.is_empty() {
            problems.push(format!("{class}: the runtime has {} without a stub", show(&lacking)));
        }
        if !extra.is_empty() {
            problems.push(format!("{class}: the stubs name {}, which the runtime lacks", show(&extra)));
        }
    }

    // The standard methods' parameters: `exax method NAME`'s options, datasets and jobs.
    let mut std_methods = vec![];
    for e in std::fs::read_dir(repo().join("methods")).unwrap() {
        let name = e.unwrap().file_name().to_string_lossy().trim_end_matches(".lua").to_string();
        std_methods.push(name);
    }
    std_methods.sort();
    for m in &std_methods {
        let out = Test::new().args(&["method", m]).any_stdout().run();
        let mut params = BTreeSet::new();
        let mut section = false;
        for line in out.stdout.lines() {
            if ["options:", "datasets:", "jobs:"].contains(&line) {
                section = true;
            } else if section && line.starts_with("  ") {
                params.insert(line.split_whitespace().next().unwrap().to_string());
            } else {
                section = false;
            }
        }
        let class = format!("exax.params.{m}");
        let stub = stubs.classes.get(&class).map(|c| c.0.clone()).unwrap_or_default();
        if stub != params {
            problems.push(format!(
                "{class}: `exax method {m}` has {}, the stubs {} (run scripts/std-stubs)",
                show(&params),
                show(&stub)
            ));
        }
        let overload = format!("---@overload fun(self: exax.Urd, method: '{m}', params: exax.params.{m}): exax.Job");
        if !stubs.text.contains(&overload) {
            problems.push(format!("urd:build has no overload for {m} (run scripts/std-stubs)"));
        }
    }
    // Date fields the other way round: `ffi/date.rs` answers from one list (`fields`), which a
    // live value cannot show; every field it has must be in the stub.
    let date_rs = std::fs::read_to_string(repo().join("src/lua/ffi/date.rs")).unwrap();
    let all = date_rs.split("const ALL").nth(1).unwrap().split("];").next().unwrap();
    let names: Vec<String> = all.split('"').skip(1).step_by(2).map(String::from).collect();
    for (class, arm, range) in [
        ("exax.Date", "Kind::Date => &ALL[..3],", 0..3),
        ("exax.DateTime", "Kind::Datetime => &ALL,", 0..7),
        ("exax.Time", "Kind::Time => &ALL[3..],", 3..7),
    ] {
        assert!(
            date_rs.contains(arm),
            "src/lua/ffi/date.rs: `fields` changed; update tests/editor.rs"
        );
        let runtime: BTreeSet<String> = names[range].iter().cloned().collect();
        let lacking: BTreeSet<_> = runtime.difference(&stubs.members(class)).cloned().collect();
        if !lacking.is_empty() {
            problems.push(format!("{class}: the runtime has {} without a stub", show(&lacking)));
        }
    }

    let kernels = found.get("exax.std").cloned().unwrap_or_default();
    assert!(kernels.len() > 10, "exax.std has kernels: {}", show(&kernels));

    // The classes nothing above walked are accounted for.
    let build_call = std::fs::read_to_string(repo().join("src/lua/api/build_call.rs")).unwrap();
    for f in stubs.members("exax.BuildParams") {
        if !build_call.contains(&format!("\"{f}\"")) {
            problems.push(format!("exax.BuildParams: `urd:build` does not consume `{f}`"));
        }
    }
    for class in ["exax.OptionType", "exax.Required", "exax.StatusUpdate"] {
        if !stubs.members(class).is_empty() {
            problems.push(format!("{class} has members, which nothing checks"));
        }
    }
    for class in stubs.classes.keys() {
        let covered = found.contains_key(class)
            || CHECKED_ELSEWHERE
                .iter()
                .any(|(c, _)| c == class || (c.ends_with('*') && class.starts_with(c.trim_end_matches('*'))));
        if !covered {
            problems.push(format!("stub class {class} is checked against nothing (probe it in tests/editor/)"));
        }
    }
    assert!(
        problems.is_empty(),
        "the stubs in lua-stdlib/types/ and the runtime differ:\n  {}",
        problems.join("\n  ")
    );
}

/// The embedded stubs, as `exax init` wrote them under `dir`.
fn assert_written(dir: &Path) {
    let mut want = vec![];
    stub_files(&repo().join("lua-stdlib/types"), &mut want);
    let mut got = vec![];
    stub_files(&dir.join(".exax/types"), &mut got);
    assert_eq!(got.len(), want.len(), "{got:?}");
    for w in want {
        let rel = w.strip_prefix(repo().join("lua-stdlib/types")).unwrap();
        let written = std::fs::read_to_string(dir.join(".exax/types").join(rel)).unwrap();
        assert_eq!(written, std::fs::read_to_string(&w).unwrap(), "{}", rel.display());
    }
}

const LUARC: &str =
    "{\n  \"runtime.version\": \"Lua 5.4\",\n  \"workspace.library\": [\".exax/types\"],\n  \"workspace.checkThirdParty\": false\n}\n";

#[test]
fn init_writes_the_stubs_and_luarc_and_types_refreshes_them() {
    let out = Test::empty()
        .args(&["init", "proj", "--slices", "2"])
        .stderr("created an exax project in proj (2 slices, workdir demo); run it with: cd proj && exax run\n")
        .run();
    let proj = out.path().join("proj");
    assert_written(&proj);
    assert_eq!(out.read("proj/.luarc.json"), LUARC);

    // A stale file goes, a changed one is restored, the user's own .luarc.json stays.
    std::fs::write(proj.join(".exax/types/old.lua"), "---@meta\n").unwrap();
    std::fs::write(proj.join(".exax/types/job.lua"), "edited").unwrap();
    std::fs::write(proj.join(".luarc.json"), "{}\n").unwrap();
    let n = std::fs::read_dir(repo().join("lua-stdlib/types"))
        .unwrap()
        .filter(|e| e.as_ref().unwrap().path().is_file())
        .count()
        + std::fs::read_dir(repo().join("lua-stdlib/types/exax")).unwrap().count();
    let out = Test::again(out)
        .cwd("proj")
        .args(&["init", "--types"])
        .stderr(&format!(
            "wrote {n} LuaLS stub files to ./.exax/types (exax {}); kept the existing .luarc.json (its workspace.library should list \".exax/types\")\n",
            env!("CARGO_PKG_VERSION")
        ))
        .run();
    assert_written(&proj);
    assert!(!proj.join(".exax/types/old.lua").exists());
    assert_eq!(out.read("proj/.luarc.json"), "{}\n");

    // Without a .luarc.json it writes one; outside a project it says where to run it.
    std::fs::remove_file(proj.join(".luarc.json")).unwrap();
    let out = Test::again(out)
        .args(&["init", "--types", "proj"])
        .stderr(&format!(
            "wrote {n} LuaLS stub files to proj/.exax/types (exax {}); wrote .luarc.json\n",
            env!("CARGO_PKG_VERSION")
        ))
        .run();
    assert_eq!(out.read("proj/.luarc.json"), LUARC);
    Test::again(out)
        .args(&["init", "--types"])
        .status(1)
        .stderr("error: . has no accelerator.conf: exax init --types works in a project's root (or give its path)\n")
        .run();
}

#[test]
fn require_does_not_find_the_stubs() {
    Test::new()
        .build("function main() print((pcall(require, 'types.job')), (pcall(require, 'job')), (pcall(require, 'exax.subjobs'))) end")
        .stdout("false\tfalse\ttrue\n")
        .run();
}

/// With lua-language-server installed (`scripts/setup/luals.sh`), a fresh project checks clean
/// against the stubs: they parse, and the example code uses them as they say.
#[test]
fn luals_finds_no_problem_in_a_fresh_project() {
    let Ok(version) = std::process::Command::new("lua-language-server").arg("--version").output() else {
        eprintln!("SKIP: lua-language-server is not installed (scripts/setup/luals.sh); the stubs were not checked by LuaLS");
        return;
    };
    assert!(version.status.success());
    let out = Test::empty().args(&["init", "proj"]).run();
    let check = std::process::Command::new("lua-language-server")
        .arg("--check")
        .arg(out.path().join("proj"))
        .arg("--checklevel=Warning")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&check.stdout);
    assert!(check.status.success() && text.contains("no problems found"), "{text}");
}
