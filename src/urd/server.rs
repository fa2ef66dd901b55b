//! `exax urd-server`: an urd store over HTTP for a team. tiny_http (a small, maintained,
//! synchronous HTTP server: no async runtime, which exax does not otherwise need) parses HTTP; a
//! few threads answer. Reads are open (as in the original); writes need HTTP Basic auth against
//! the `passwd` file in the store directory (`user:<argon2 PHC hash>` lines, verified by the
//! argon2 crate in constant time), and a user writes only its own lists (`user/name`). Bodies
//! are size-limited; every write is appended and fsynced before the reply; an event's key makes a
//! retried write a no-op that answers as the first one did.

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use base64::Engine;
use percent_encoding::percent_decode_str;
use tiny_http::{Header, Method, Request, Response};

use super::client::{AddRequest, TruncateRequest};
use super::entry::check_list_name;
use super::error::UrdError;
use super::local::{Store, WriteError};
use super::timestamp::{Lookup, Timestamp};
use crate::error::{Error, Result};

/// The largest request body accepted (a session with a joblist of tens of thousands of jobs).
pub const MAX_BODY: usize = 8 << 20;
const THREADS: usize = 8;

pub fn passwd_path(dir: &Path) -> PathBuf {
    dir.join("passwd")
}

/// `user:hash` lines; `#` comments and blank lines skipped.
fn read_passwd(path: &Path) -> Result<HashMap<String, String>> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(HashMap::new()),
        Err(e) => return Err(Error::io(path.display().to_string(), e)),
    };
    let mut out = HashMap::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((user, hash)) = line.split_once(':') else {
            return Err(UrdError::Passwd {
                path: path.display().to_string(),
                line: n + 1,
                message: "expected user:hash".into(),
            }
            .into());
        };
        if PasswordHash::new(hash).is_err() {
            return Err(UrdError::Passwd {
                path: path.display().to_string(),
                line: n + 1,
                message: format!("the password of `{user}` is not an argon2 hash (add users with `exax urd-server --add-user NAME`)"),
            }
            .into());
        }
        out.insert(user.to_string(), hash.to_string());
    }
    Ok(out)
}

/// Adds (or replaces) a user in the passwd file, the password hashed with argon2id.
pub fn add_user(dir: &Path, user: &str, password: &str) -> Result<()> {
    if user.is_empty() || user.contains(['/', ':']) || check_list_name(user).is_err() {
        return Err(UrdError::UserName(user.to_string()).into());
    }
    let mut salt = [0u8; 16];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut salt))
        .map_err(|e| Error::io("/dev/urandom", e))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| UrdError::Password(e.to_string()))?;
    let hash = Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map_err(|e| UrdError::Password(e.to_string()))?
        .to_string();
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir.display().to_string(), e))?;
    let path = passwd_path(dir);
    let old = std::fs::read_to_string(&path).unwrap_or_default();
    let mut text: String = old
        .lines()
        .filter(|l| l.split_once(':').map(|(u, _)| u) != Some(user))
        .map(|l| format!("{l}\n"))
        .collect();
    text.push_str(&format!("{user}:{hash}\n"));
    let tmp = dir.join("passwd.tmp");
    std::fs::write(&tmp, text).map_err(|e| Error::io(tmp.display().to_string(), e))?;
    std::fs::rename(&tmp, &path).map_err(|e| Error::io(path.display().to_string(), e))?;
    Ok(())
}

struct Auth {
    path: PathBuf,
    users: HashMap<String, String>,
    mtime: Option<std::time::SystemTime>,
    /// Passwords already verified, so a busy client does not pay for argon2 on every request.
    verified: HashMap<String, Vec<u8>>,
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

impl Auth {
    fn check(&mut self, user: &str, password: &str) -> bool {
        let mtime = std::fs::metadata(&self.path).and_then(|m| m.modified()).ok();
        if mtime != self.mtime {
            if let Ok(u) = read_passwd(&self.path) {
                self.users = u;
                self.verified.clear();
            }
            self.mtime = mtime;
        }
        if let Some(p) = self.verified.get(user) {
            return constant_time_eq(p, password.as_bytes());
        }
        let Some(hash) = self.users.get(user) else {
            return false;
        };
        let Ok(parsed) = PasswordHash::new(hash) else {
            return false;
        };
        let ok = Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok();
        if ok {
            self.verified.insert(user.to_string(), password.as_bytes().to_vec());
        }
        ok
    }
}

struct State {
    store: Mutex<Store>,
    auth: Mutex<Auth>,
}

/// `host:port`, or a bare port on 127.0.0.1.
pub fn listen_addr(listen: &str) -> String {
    if listen.bytes().all(|b| b.is_ascii_digit()) {
        format!("127.0.0.1:{listen}")
    } else {
        listen.to_string()
    }
}

pub fn serve(listen: &str, dir: &Path, quiet: bool) -> Result<()> {
    let pw = passwd_path(dir);
    let users = read_passwd(&pw)?;
    if users.is_empty() {
        return Err(UrdError::NoUsers {
            passwd: pw.display().to_string(),
            dir: dir.display().to_string(),
        }
        .into());
    }
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir.display().to_string(), e))?;
    let mut store = Store::open(dir).map_err(UrdError::Store)?;
    store.set_exclusive();
    let addr = listen_addr(listen);
    let server = tiny_http::Server::http(&addr).map_err(|e| UrdError::Listen {
        addr: addr.clone(),
        message: e.to_string(),
    })?;
    let bound = server.server_addr().to_string();
    if !quiet {
        let db = {
            let mut s = Store::open(dir).map_err(UrdError::Store)?;
            s.db().map_err(UrdError::Store)?.lists().len()
        };
        crate::console::err_line(&format!(
            "urd-server: {db} list{} in {}, listening on http://{bound}",
            if db == 1 { "" } else { "s" },
            dir.display()
        ));
    }
    let state = Arc::new(State {
        store: Mutex::new(store),
        auth: Mutex::new(Auth {
            mtime: std::fs::metadata(&pw).and_then(|m| m.modified()).ok(),
            path: pw,
            users,
            verified: HashMap::new(),
        }),
    });
    let server = Arc::new(server);
    let workers: Vec<_> = (0..THREADS)
        .map(|_| {
            let (server, state) = (server.clone(), state.clone());
            std::thread::spawn(move || {
                while let Ok(req) = server.recv() {
                    handle(&state, req);
                }
            })
        })
        .collect();
    for w in workers {
        let _ = w.join();
    }
    Ok(())
}

type Reply = (u16, String);

fn json<T: serde::Serialize>(v: &T) -> Reply {
    match serde_json::to_string(v) {
        Ok(s) => (200, s),
        Err(e) => (500, e.to_string()),
    }
}

fn handle(state: &State, mut req: Request) {
    let (code, body) = route(state, &mut req);
    let ctype = if code == 200 {
        "application/json"
    } else {
        "text/plain; charset=utf-8"
    };
    let mut resp = Response::from_string(body).with_status_code(code);
    if let Ok(h) = Header::from_bytes("Content-Type", ctype) {
        resp = resp.with_header(h);
    }
    if code == 401 {
        if let Ok(h) = Header::from_bytes("WWW-Authenticate", "Basic realm=\"urd\"") {
            resp = resp.with_header(h);
        }
    }
    let _ = req.respond(resp);
}

fn authenticated(state: &State, req: &Request) -> Option<String> {
    let h = req.headers().iter().find(|h| h.field.equiv("Authorization"))?;
    let b64 = h.value.as_str().strip_prefix("Basic ")?;
    let raw = base64::engine::general_purpose::STANDARD.decode(b64.trim()).ok()?;
    let raw = String::from_utf8(raw).ok()?;
    let (user, password) = raw.split_once(':')?;
    let mut auth = state.auth.lock().ok()?;
    auth.check(user, password).then(|| user.to_string())
}

fn read_body(req: &mut Request) -> Result<Vec<u8>, Reply> {
    if req.body_length().is_some_and(|n| n > MAX_BODY) {
        return Err((413, format!("request body larger than {MAX_BODY} bytes")));
    }
    let mut body = Vec::new();
    match req.as_reader().take(MAX_BODY as u64 + 1).read_to_end(&mut body) {
        Ok(_) if body.len() > MAX_BODY => Err((413, format!("request body larger than {MAX_BODY} bytes"))),
        Ok(_) => Ok(body),
        Err(e) => Err((400, format!("cannot read the request body: {e}"))),
    }
}

/// The list's owner must be the authenticated user.
fn owns(user: &str, list: &str) -> Result<(), Reply> {
    check_list_name(list).map_err(|e| (400, e.to_string()))?;
    match list.split_once('/') {
        Some((u, _)) if u == user => Ok(()),
        _ => Err((403, format!("user `{user}` may not write the list `{list}` (only {user}/...)"))),
    }
}

fn write_error(e: WriteError) -> Reply {
    match e {
        WriteError::Conflict(m) => (409, m),
        WriteError::Invalid(m) => (400, m),
        WriteError::Io(m) => (500, m),
    }
}

fn route(state: &State, req: &mut Request) -> Reply {
    let url = req.url().split('?').next().unwrap_or("").to_string();
    let parts: Vec<String> = url
        .trim_start_matches('/')
        .split('/')
        .map(|p| percent_decode_str(p).decode_utf8_lossy().into_owned())
        .collect();
    let parts: Vec<&str> = parts.iter().map(String::as_str).collect();
    let is_post = *req.method() == Method::Post;
    let lock = || state.store.lock().map_err(|_| (500, "urd store lock poisoned".to_string()));
    let r: Result<Reply, Reply> = (|| {
        if is_post {
            let Some(user) = authenticated(state, req) else {
                return Err((401, "wrong user or password".to_string()));
            };
            match parts.as_slice() {
                ["add"] => {
                    let body = read_body(req)?;
                    let a: AddRequest = serde_json::from_slice(&body).map_err(|e| (400, format!("bad add request: {e}")))?;
                    owns(&user, &a.list)?;
                    let out = lock()?.add(&a.list, a.entry, a.update, a.key, &user).map_err(write_error)?;
                    Ok(json(&out))
                }
                ["truncate"] => {
                    let body = read_body(req)?;
                    let t: TruncateRequest = serde_json::from_slice(&body).map_err(|e| (400, format!("bad truncate request: {e}")))?;
                    owns(&user, &t.list)?;
                    let ts = Timestamp::parse(&t.timestamp).map_err(|e| (400, e.to_string()))?;
                    let out = lock()?.truncate(&t.list, &ts, t.key, &user).map_err(write_error)?;
                    Ok(json(&out))
                }
                ["test", u] if *u == user => Ok(json(&true)),
                ["test", u] => Err((403, format!("authenticated as `{user}`, not `{u}`"))),
                _ => Err((404, format!("no such urd call: POST {url}"))),
            }
        } else {
            match parts.as_slice() {
                ["list"] => Ok(json(&lock()?.db().map_err(|e| (500, e))?.lists())),
                [u, l, "since", ts] => {
                    let list = format!("{u}/{l}");
                    let ts = Timestamp::parse(ts).map_err(|e| (404, e.to_string()))?;
                    let mut s = lock()?;
                    let db = s.db().map_err(|e| (500, e))?;
                    let v: Vec<(&str, &str)> = db
                        .since(&list, &ts)
                        .iter()
                        .map(|e| (e.timestamp.as_str(), e.caption.as_str()))
                        .collect();
                    Ok(json(&v))
                }
                [u, l, q] => {
                    let list = format!("{u}/{l}");
                    let q = Lookup::parse(q).map_err(|e| (404, e.to_string()))?;
                    Ok(json(&lock()?.lookup(&list, &q).map_err(|e| (500, e))?))
                }
                _ => Err((404, format!("no such urd call: GET {url}"))),
            }
        }
    })();
    r.unwrap_or_else(|e| e)
}
