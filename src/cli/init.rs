//! `exax init [DIR] [--slices N] [--name NAME]`: a project skeleton that `exax run` runs at once.

use std::process::ExitCode;

use camino::Utf8PathBuf;

use crate::console;
use crate::error::{Error, IoContext, Result};

/// Create a new project: accelerator.conf, build.lua, an example method and the directories.
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
}

const BUILD: &str = r#"-- The build script: `exax run` calls main(urd).
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

function synthesis(analysis_res)
  return analysis_res:merge_auto()
end
"#;

pub fn run(a: Args) -> Result<ExitCode> {
    let dir = a.dir.unwrap_or_else(|| Utf8PathBuf::from("."));
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
