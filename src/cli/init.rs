//! `exax init [DIR] [--slices N] [--name NAME]`: a project skeleton that `exax run` runs at once,
//! with editor support: the LuaLS stubs built into the binary (`lua-stdlib/types/`) written to
//! `.exax/types/` and a `.luarc.json` that points the language server at them. `exax init
//! --types` writes (refreshes) only those two in an existing project.

use std::process::ExitCode;

use camino::Utf8PathBuf;

use crate::console;
use crate::error::{Error, IoContext, Result};

/// Create a new project: accelerator.conf, build.lua, an example method, the directories, and
/// editor support (LuaLS stubs in .exax/types, .luarc.json).
///
/// The stubs describe every global, object and method exax gives Lua (urd, Job, Dataset,
/// DatasetWriter, status, dates, option types, the standard methods' parameters), for completion,
/// hover docs and type checks in any editor that runs lua-language-server. They come from this
/// exax binary; `exax init --types` in an existing project writes them again (after an upgrade,
/// or in a fresh clone: .exax/ is not committed).
#[derive(clap::Args)]
pub struct Args {
    /// Where to create the project (default: the current directory).
    dir: Option<Utf8PathBuf>,
    /// Number of slices (parallel analysis workers); default: the number of cores.
    #[arg(long)]
    slices: Option<usize>,
    /// Name of the workdir (job ids are NAME-0, NAME-1, ...).
    #[arg(long, default_value = "demo")]
    name: String,
    /// Only write the editor stubs (.exax/types, replacing what is there) and, unless it exists,
    /// .luarc.json, in the existing project DIR.
    #[arg(long, conflicts_with_all = ["slices", "name"])]
    types: bool,
}

/// Where the stubs go, relative to the project root.
pub const TYPES_DIR: &str = ".exax/types";

/// The language server's settings: Lua 5.4, and the stubs as a library.
pub const LUARC: &str = r#"{
  "runtime.version": "Lua 5.4",
  "workspace.library": [".exax/types"],
  "workspace.checkThirdParty": false
}
"#;

const BUILD: &str = r#"-- The build script: `exax run` calls main(urd).
---@param urd exax.Urd
function main(urd)
  local job = urd:build('example', {numbers = {3, 1, 4, 1, 5, 9, 2, 6}})
  local r = job:load()
  print(('sum of squares of %d numbers: %d (job %s)'):format(r.count, r.sum_of_squares, job))
end
"#;

const EXAMPLE: &str = r#"description = [[Sum the squares of some numbers, one share per slice.
Each analysis slice takes every slices-th number; synthesis merges the parts.]]

options = {numbers = {int}}

function analysis(sliceno, slices)
  local part = {count = 0, sum_of_squares = 0}
  local numbers = options.numbers or {}
  for i = sliceno + 1, #numbers, slices do
    local n = numbers[i]
    part.count = part.count + 1
    part.sum_of_squares = part.sum_of_squares + n * n
  end
  return part
end

---@param analysis_res exax.AnalysisResults
function synthesis(analysis_res)
  return analysis_res:merge_auto()
end
"#;

pub fn run(a: Args) -> Result<ExitCode> {
    let dir = a.dir.unwrap_or_else(|| Utf8PathBuf::from("."));
    if a.types {
        return refresh_types(&dir);
    }
    if !crate::config::valid_workdir_name(&a.name) {
        return Err(Error::User(format!("bad --name `{}`: use letters, digits, `_` and `-`", a.name)));
    }
    let slices = match a.slices {
        Some(n) if !(1..=1024).contains(&n) => return Err(Error::User(format!("--slices must be from 1 to 1024, got {n}"))),
        Some(n) => n,
        None => std::thread::available_parallelism().map_or(2, |n| n.get()),
    };
    let conf = dir.join(crate::config::FILE_NAME);
    if conf.exists() {
        return Err(Error::User(format!(
            "{conf} already exists; exax init will not overwrite a project"
        )));
    }
    for existing in ["build.lua", "methods/example.lua"] {
        if dir.join(existing).exists() {
            return Err(Error::User(format!(
                "{} already exists; exax init will not overwrite it",
                dir.join(existing)
            )));
        }
    }
    let name = &a.name;
    for d in ["methods", "input", "results"] {
        std::fs::create_dir_all(dir.join(d)).at(dir.join(d))?;
    }
    std::fs::create_dir_all(dir.join("workdirs").join(name)).at(dir.join("workdirs"))?;
    let conf_text = format!(
        "# exax project configuration\nslices: {slices}\nworkdirs:\n    {name} ./workdirs/{name}\ntarget workdir: {name}\nmethod directories:\n    ./methods\ninput directory: ./input\nresult directory: ./results\n"
    );
    let files: [(&str, &str); 4] = [
        ("accelerator.conf", &conf_text),
        ("build.lua", BUILD),
        ("methods/example.lua", EXAMPLE),
        (".gitignore", "/workdirs/\n/results/\n/.exax/\n"),
    ];
    for (rel, text) in files {
        let p = dir.join(rel);
        if rel == ".gitignore" && p.exists() {
            continue;
        }
        std::fs::write(&p, text).at(&p)?;
    }
    write_types(&dir)?;
    write_luarc(&dir)?;
    let how = if dir == "." {
        "exax run".to_string()
    } else {
        format!("cd {dir} && exax run")
    };
    console::err_line(&format!(
        "created an exax project in {dir} ({slices} slices, workdir {name}); run it with: {how}"
    ));
    Ok(ExitCode::SUCCESS)
}

/// `exax init --types DIR`: the stubs again, and `.luarc.json` if there is none.
fn refresh_types(dir: &camino::Utf8Path) -> Result<ExitCode> {
    if !dir.join(crate::config::FILE_NAME).is_file() {
        return Err(Error::User(format!(
            "{dir} has no {}: exax init --types works in a project's root (or give its path)",
            crate::config::FILE_NAME
        )));
    }
    let n = write_types(dir)?;
    let luarc = if write_luarc(dir)? {
        "wrote .luarc.json"
    } else {
        "kept the existing .luarc.json (its workspace.library should list \".exax/types\")"
    };
    console::err_line(&format!(
        "wrote {n} LuaLS stub files to {} (exax {}); {luarc}",
        dir.join(TYPES_DIR),
        env!("CARGO_PKG_VERSION")
    ));
    Ok(ExitCode::SUCCESS)
}

/// Writes the embedded stubs to `<dir>/.exax/types/`, replacing any there; returns how many.
fn write_types(dir: &camino::Utf8Path) -> Result<usize> {
    let types = dir.join(TYPES_DIR);
    if types.exists() {
        std::fs::remove_dir_all(&types).at(&types)?;
    }
    let stubs = crate::embedded::type_stubs();
    for (rel, text) in stubs {
        let p = types.join(rel);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).at(parent)?;
        }
        std::fs::write(&p, text).at(&p)?;
    }
    Ok(stubs.len())
}

/// Writes `.luarc.json` unless the project has one (it may hold the user's own settings).
fn write_luarc(dir: &camino::Utf8Path) -> Result<bool> {
    let p = dir.join(".luarc.json");
    if p.exists() {
        return Ok(false);
    }
    std::fs::write(&p, LUARC).at(&p)?;
    Ok(true)
}
