//! `exax board`: a read-only web view of a project (results, jobs, datasets, workdirs, methods,
//! urd, live status), HTML for browsers and JSON for `Accept: application/json`. Served by
//! tiny_http on a few threads; nothing here writes to the project, and no file outside it is
//! served (`request` refuses `..` and encoded slashes, `files` refuses symlinks that lead out).
//! No Lua here: what needs a method's declarations comes through the `Methods` trait, which the
//! command line implements.

pub mod files;
pub mod graph;
pub mod highlight;
pub mod html;
mod pages;
pub mod request;
pub mod results;

use std::sync::Arc;

use camino::Utf8PathBuf;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::project::Project;

/// Requests served at once.
const THREADS: usize = 4;

/// One line of `/methods`.
#[derive(Debug, Clone, Serialize)]
pub struct MethodSummary {
    pub name: String,
    /// The first line of its description (or why it cannot be loaded).
    pub summary: String,
    pub shipped: bool,
}

/// What `/method/NAME` shows.
#[derive(Debug, Clone, Serialize)]
pub struct MethodInfo {
    pub name: String,
    /// `methods/x.lua` or `<exax>/x.lua`.
    pub file: String,
    pub description: String,
    /// (name, type, default or `(required)`).
    pub options: Vec<(String, String, String)>,
    pub datasets: Vec<String>,
    pub jobs: Vec<String>,
    pub phases: Vec<String>,
    pub source: String,
}

/// Method declarations, which take Lua to read.
pub trait Methods: Send + Sync {
    fn list(&self) -> std::result::Result<Vec<MethodSummary>, String>;
    /// None for an unknown method.
    fn describe(&self, name: &str) -> std::result::Result<Option<MethodInfo>, String>;
}

pub struct Board {
    pub project: Project,
    pub methods: Box<dyn Methods>,
    roots: files::Roots,
    /// The project directory's name, in page titles.
    name: String,
}

impl Board {
    pub fn new(project: Project, methods: Box<dyn Methods>) -> Board {
        Board {
            roots: files::Roots::of(&project),
            name: project.root.file_name().unwrap_or("project").to_string(),
            project,
            methods,
        }
    }
}

/// What a page handler answers.
pub enum Reply {
    /// A page: HTML body for browsers, `json` for `Accept: application/json`.
    Page {
        title: String,
        json: serde_json::Value,
        body: String,
    },
    /// A file of the project, as it is.
    File(Utf8PathBuf),
    /// Plain text (a job's output part, ...).
    Text(String),
    Error(u16, String),
}

impl Reply {
    fn not_found(what: impl Into<String>) -> Reply {
        Reply::Error(404, what.into())
    }
}

/// Binds `listen` (`host:port`, or a port on 127.0.0.1) and serves until killed; `ready` gets
/// the address bound (so port 0 works).
pub fn serve(listen: &str, board: Board, ready: impl FnOnce(&str)) -> Result<()> {
    let addr = crate::urd::server::listen_addr(listen);
    let server = tiny_http::Server::http(&addr).map_err(|e| Error::User(format!("board: cannot listen on {addr}: {e}")))?;
    ready(&server.server_addr().to_string());
    let server = Arc::new(server);
    let board = Arc::new(board);
    // The first look at a big workdir reads every job's setup.json once (`exax why` on a job
    // page needs the jobs of its method): done now, so the first such page is not the one to wait.
    {
        let board = board.clone();
        std::thread::spawn(move || {
            for wd in &board.project.workdirs {
                board.project.jobs_of_method(wd, "");
            }
        });
    }
    let workers: Vec<_> = (0..THREADS)
        .map(|_| {
            let (server, board) = (server.clone(), board.clone());
            std::thread::spawn(move || {
                while let Ok(req) = server.recv() {
                    handle(&board, req);
                }
            })
        })
        .collect();
    for w in workers {
        let _ = w.join();
    }
    Ok(())
}

fn header(name: &str, value: &str) -> Option<tiny_http::Header> {
    tiny_http::Header::from_bytes(name.as_bytes(), value.as_bytes()).ok()
}

fn handle(board: &Board, req: tiny_http::Request) {
    use tiny_http::{Method, Response};
    let accept = req
        .headers()
        .iter()
        .find(|h| h.field.equiv("Accept"))
        .map(|h| h.value.as_str().to_string())
        .unwrap_or_default();
    let json = request::wants_json(&accept);
    let url = req.url().to_string();
    let (path, query) = url.split_once('?').unwrap_or((&url, ""));
    let reply = match req.method() {
        Method::Get | Method::Head => match request::segments(path) {
            Ok(segs) => std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| pages::route(board, &segs, &request::query(query))))
                .unwrap_or_else(|_| Reply::Error(500, "internal error in exax board (please report this)".into())),
            Err(request::BadPath(m)) => Reply::Error(400, m),
        },
        _ => Reply::Error(405, "the board only answers GET and HEAD".into()),
    };
    let common = [
        header("X-Content-Type-Options", "nosniff"),
        header("Cache-Control", "no-store"),
        // Nothing from outside the machine, no framing.
        header(
            "Content-Security-Policy",
            "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'",
        ),
    ];
    let text = |body: String, code: u16, ctype: &str| {
        let mut resp = Response::from_string(body).with_status_code(code);
        if let Some(h) = header("Content-Type", ctype) {
            resp.add_header(h);
        }
        resp.boxed()
    };
    const HTML: &str = "text/html; charset=utf-8";
    const JSON: &str = "application/json; charset=utf-8";
    const TEXT: &str = "text/plain; charset=utf-8";
    let mut resp = match reply {
        Reply::Page { title, json: j, body } => {
            if json {
                text(format!("{j:#}\n"), 200, JSON)
            } else {
                text(html::page(&board.name, &title, &body), 200, HTML)
            }
        }
        Reply::Text(t) => text(t, 200, TEXT),
        Reply::Error(code, msg) => {
            if json {
                text(format!("{}\n", serde_json::json!({ "error": msg, "status": code })), code, JSON)
            } else {
                let body = format!("<div class=\"error\">{}</div>", html::esc(&msg));
                text(html::page(&board.name, "error", &body), code, HTML)
            }
        }
        Reply::File(p) => {
            let head = files::head(&p, 4096).unwrap_or_default();
            match std::fs::File::open(&p) {
                Ok(f) => {
                    let mut resp = Response::from_file(f);
                    if let Some(h) = header("Content-Type", files::content_type(p.as_str(), &head)) {
                        resp.add_header(h);
                    }
                    if files::kind(p.as_str(), &head) == files::Kind::Other {
                        let name = p.file_name().unwrap_or("file").replace(['"', '\\', '\r', '\n'], "_");
                        if let Some(h) = header("Content-Disposition", &format!("attachment; filename=\"{name}\"")) {
                            resp.add_header(h);
                        }
                    }
                    resp.boxed()
                }
                Err(e) => text(format!("{p}: {e}"), 404, TEXT),
            }
        }
    };
    for h in common.into_iter().flatten() {
        resp.add_header(h);
    }
    let _ = req.respond(resp);
}
