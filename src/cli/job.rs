//! `exax job ID [-O [PART]] [-f FILE] [-P]` (`-O` may come first: `exax job -O ID`): a job's method, parameters, status, files and result;
//! or its captured output, one of its files, or its parameters.

use std::process::ExitCode;

use crate::error::{Error, Result};
use crate::job::records::{self, Post, Setup};
use crate::json::from_json;
use crate::msgpack;
use crate::project::Project;
use crate::value::Value;

/// Show a job: method, parameters, status, files and result.
#[derive(clap::Args)]
pub struct Args {
    /// The job id, like `demo-3`.
    #[arg(value_name = "ID")]
    id: Option<String>,
    /// Print the job's captured output: all of it, or one PART (`prepare`, `synthesis`, a slice number).
    #[arg(short = 'O', long = "output", num_args = 0..=1, value_name = "PART")]
    output: Option<Option<String>>,
    /// Print one file of the job.
    #[arg(short = 'f', long = "file", value_name = "FILE")]
    file: Option<String>,
    /// Print the job's parameters (options, datasets, jobs) as JSON.
    #[arg(short = 'P', long = "params")]
    params: bool,
}

fn out(s: &str) -> Result<()> {
    super::stdout::print(s)
}

/// `-O` takes the next word as its PART, so `exax job -O demo-3` gives no ID: a word that is no
/// part's name is the ID.
fn job_and_part(a: &mut Args) -> Result<String> {
    if let Some(id) = a.id.take() {
        return Ok(id);
    }
    match &a.output {
        Some(Some(p)) if p != "prepare" && p != "synthesis" && p.parse::<usize>().is_err() => {
            let id = p.clone();
            a.output = Some(None);
            Ok(id)
        }
        _ => Err(Error::User(
            "exax job: give the job's id, like `exax job demo-3` (`exax job --help` says more)".into(),
        )),
    }
}

pub fn run(mut a: Args) -> Result<ExitCode> {
    let project = Project::from_cwd()?;
    let wanted = job_and_part(&mut a)?;
    let (id, path) = crate::urd::existing_job(&project, &wanted)?;
    let setup: Setup = records::read_json(&path.join(records::SETUP))?;
    if let Some(part) = a.output {
        let dir = path.join(records::OUTPUT_DIR);
        let parts: Vec<String> = match part {
            Some(p) => {
                if p != "prepare" && p != "synthesis" && p.parse::<usize>().map_or(true, |n| n >= setup.slices) {
                    return Err(Error::User(format!(
                        "no output part `{p}`; parts are prepare, synthesis and slices 0 to {}",
                        setup.slices - 1
                    )));
                }
                vec![p]
            }
            None => std::iter::once("prepare".to_string())
                .chain((0..setup.slices).map(|s| s.to_string()))
                .chain(std::iter::once("synthesis".to_string()))
                .collect(),
        };
        let mut text = String::new();
        let what = match parts.as_slice() {
            [p] if p.parse::<usize>().is_ok() => format!(" in analysis slice {p}"),
            [p] => format!(" in {p}"),
            _ => String::new(),
        };
        for p in parts {
            if let Ok(b) = std::fs::read(dir.join(&p)) {
                text.push_str(&String::from_utf8_lossy(&b));
            }
        }
        if text.is_empty() {
            crate::console::err_line(&format!("job {id} printed nothing{what}"));
        }
        out(&text)?;
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(file) = a.file {
        let clean = crate::job::files::clean_name(&id, &file)?;
        let p = crate::job::files::inside_path(&id, &path, &clean)?;
        let bytes = std::fs::read(&p).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => Error::User(format!("job {id} has no file `{clean}`")),
            _ => Error::io(&p, e),
        })?;
        super::stdout::write(&bytes)?;
        return Ok(ExitCode::SUCCESS);
    }
    if a.params {
        let v = serde_json::json!({"options": setup.options, "datasets": setup.datasets, "jobs": setup.jobs});
        out(&format!("{}\n", serde_json::to_string_pretty(&v).unwrap_or_default()))?;
        return Ok(ExitCode::SUCCESS);
    }
    let post: Option<Post> = records::read_post(&path);
    let failure: Option<records::Failure> = if post.is_none() {
        records::read_json(&path.join(records::FAILURE)).ok()
    } else {
        None
    };
    let mut s = String::new();
    let status = match (&post, &failure) {
        (Some(_), _) => "finished",
        (None, Some(_)) => "failed (never reused)",
        (None, None) => "unfinished (killed or still running; never reused)",
    };
    s.push_str(&format!("{id}  {}  {status}\n", setup.method));
    if let Some(f) = &failure {
        let place = match (f.job.as_str(), f.slice) {
            ("", _) => String::new(),
            (j, Some(n)) if j == id.to_string() => format!(" in {} (slice {n})", f.phase),
            (j, None) if j == id.to_string() => format!(" in {}", f.phase),
            (j, _) => format!(" in subjob {j}"),
        };
        s.push_str(&format!("  failed{place}: {}\n", f.message));
        for l in &f.traceback {
            s.push_str(&format!("    {l}\n"));
        }
    }
    s.push_str(&format!("  method file: {}\n", setup.method_file));
    if !setup.caption.is_empty() {
        s.push_str(&format!("  caption:     {}\n", setup.caption));
    }
    s.push_str(&format!(
        "  started:     {} UTC, built by {}\n",
        super::format_time(setup.starttime),
        setup.builder
    ));
    if let Some(p) = &post {
        s.push_str(&format!("  exectime:    {}\n", crate::console::format_seconds(p.exectime.total)));
    }
    for (label, section) in [("options", &setup.options), ("datasets", &setup.datasets), ("jobs", &setup.jobs)] {
        if section.is_empty() {
            continue;
        }
        s.push_str(&format!("  {label}:\n"));
        for (k, v) in section.iter() {
            s.push_str(&format!("    {k} = {}\n", from_json(v)));
        }
    }
    if let Some(p) = &post {
        if !p.files.is_empty() {
            s.push_str(&format!("  files:       {}\n", p.files.join(", ")));
        }
        if !p.subjobs.is_empty() {
            s.push_str(&format!("  subjobs:     {}\n", p.subjobs.join(", ")));
        }
        let rp = path.join(records::RESULT);
        let result = match std::fs::read(&rp) {
            Ok(b) => {
                crate::job::verify::check_read(&path, &id.to_string(), records::RESULT, &b)?;
                msgpack::decode(&b, records::RESULT)?
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Value::Nil,
            Err(e) => return Err(Error::io(rp, e)),
        };
        // Sorted keys: a Lua table's own order differs from run to run.
        let mut text = result.canonical().to_string();
        if text.len() > 400 {
            let cut = (0..=400).rev().find(|&i| text.is_char_boundary(i)).unwrap_or(0);
            text.truncate(cut);
            text.push_str(" ...");
        }
        s.push_str(&format!("  result:      {text}\n"));
    }
    out(&s)?;
    Ok(ExitCode::SUCCESS)
}
