//! `exax board [--listen ADDR]`: serve the project's web board (`crate::board`). Method
//! declarations take Lua, which stays on one thread of its own here: the board's request
//! threads ask it through a channel, and it reads the method files afresh for every question.

use std::process::ExitCode;
use std::sync::mpsc::{channel, Sender};

use camino::Utf8PathBuf;
use parking_lot::Mutex;

use crate::board::{self, Board, MethodInfo, MethodSummary, Methods};
use crate::error::Result;
use crate::project::Project;

/// Serve a web view of this project: results, jobs, datasets, workdirs, methods, urd and the
/// live status. Read-only; HTML for browsers, JSON for `Accept: application/json`.
#[derive(clap::Args)]
pub struct Args {
    /// `host:port`, or a port on 127.0.0.1 (default: `board listen` in accelerator.conf, else
    /// 127.0.0.1:8520). Port 0 picks a free port.
    #[arg(long, value_name = "ADDR")]
    listen: Option<String>,
}

enum Ask {
    List(Sender<std::result::Result<Vec<MethodSummary>, String>>),
    Describe(String, Sender<std::result::Result<Option<MethodInfo>, String>>),
}

/// `Methods` answered by the Lua thread.
struct LuaMethods(Mutex<Sender<Ask>>);

impl Methods for LuaMethods {
    fn list(&self) -> std::result::Result<Vec<MethodSummary>, String> {
        let (tx, rx) = channel();
        self.0.lock().send(Ask::List(tx)).map_err(|e| e.to_string())?;
        rx.recv().map_err(|e| e.to_string())?
    }

    fn describe(&self, name: &str) -> std::result::Result<Option<MethodInfo>, String> {
        let (tx, rx) = channel();
        self.0.lock().send(Ask::Describe(name.to_string(), tx)).map_err(|e| e.to_string())?;
        rx.recv().map_err(|e| e.to_string())?
    }
}

fn list(conf: &Utf8PathBuf) -> Result<Vec<MethodSummary>> {
    let rt = crate::lua::runtime(Project::open(conf)?, true);
    let project: Vec<String> = rt.project.project_lua_files()?.into_iter().map(|(n, _)| n).collect();
    let mut out: Vec<MethodSummary> = project
        .iter()
        .filter_map(|n| {
            super::method::summary(&rt, n).map(|summary| MethodSummary {
                name: n.clone(),
                summary,
                shipped: false,
            })
        })
        .collect();
    for n in crate::embedded::shipped_method_names().filter(|n| !project.iter().any(|p| p == n)) {
        if let Some(summary) = super::method::summary(&rt, n) {
            out.push(MethodSummary {
                name: n.to_string(),
                summary,
                shipped: true,
            });
        }
    }
    Ok(out)
}

fn describe(conf: &Utf8PathBuf, name: &str) -> Result<Option<MethodInfo>> {
    let rt = crate::lua::runtime(Project::open(conf)?, true);
    if rt.project.method_source(name)?.is_none() {
        return Ok(None);
    }
    let d = crate::lua::method_decl(&rt, name)?;
    let phases = [("prepare", &d.prepare), ("analysis", &d.analysis), ("synthesis", &d.synthesis)]
        .iter()
        .filter(|(_, p)| p.is_some())
        .map(|(n, _)| n.to_string())
        .collect();
    Ok(Some(MethodInfo {
        name: name.to_string(),
        file: d.source.display.clone(),
        description: d.description.clone(),
        options: d
            .options
            .iter()
            .map(|(n, spec)| {
                let default = spec.default_value().map_or_else(|| "(required)".to_string(), |v| v.to_string());
                (n.clone(), spec.describe(), default)
            })
            .collect(),
        datasets: d.datasets.iter().map(|p| p.name.clone()).collect(),
        jobs: d.jobs.iter().map(|p| p.name.clone()).collect(),
        phases,
        source: d.source.source.clone(),
    }))
}

pub fn run(a: Args) -> Result<ExitCode> {
    let project = Project::from_cwd()?;
    let listen = a.listen.unwrap_or_else(|| project.config.board_listen.clone());
    let conf = project.config.path.clone();
    let (tx, rx) = channel::<Ask>();
    std::thread::Builder::new()
        .name("exax-board-methods".into())
        .spawn(move || {
            for ask in rx {
                match ask {
                    Ask::List(reply) => {
                        let _ = reply.send(list(&conf).map_err(|e| e.to_string()));
                    }
                    Ask::Describe(name, reply) => {
                        let _ = reply.send(describe(&conf, &name).map_err(|e| e.to_string()));
                    }
                }
            }
        })
        .map_err(|e| crate::error::Error::io("thread", e))?;
    let board = Board::new(project, Box::new(LuaMethods(Mutex::new(tx))));
    board::serve(&listen, board, |addr| {
        crate::console::err_line(&format!("exax board: serving http://{addr}/"));
    })?;
    Ok(ExitCode::SUCCESS)
}
