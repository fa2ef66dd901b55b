//! How `exax status` reaches a running `exax run` of the same project: each run listens on a unix
//! socket `.exax/status/<pid>.sock` and answers every connection with its status tree. Two runs in
//! one project have two sockets and `exax status` asks both. A socket left by a run that was
//! killed refuses connections; `exax status` removes it (and a run removes its own on exit and
//! on CTRL+C or SIGTERM).
//!
//! A unix socket path is limited to about 100 bytes. When the project's path is longer the socket
//! goes into the temporary directory and `.exax/status/<pid>.path` holds its path.

use std::io::{Read, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::time::Duration;

use camino::Utf8Path;

/// Longest socket path used as is (sun_path is 104 or 108 bytes with the terminating NUL).
const MAX_SOCKET_PATH: usize = 100;

pub fn dir(root: &Utf8Path) -> PathBuf {
    root.join(".exax").join("status").into_std_path_buf()
}

/// The listening side, for the duration of `exax run`.
pub struct Server {
    socket: PathBuf,
    pointer: Option<PathBuf>,
}

impl Server {
    /// Listens, answering each connection with `render()` on a thread of its own.
    pub fn start(root: &Utf8Path, render: fn() -> String) -> std::io::Result<Server> {
        let dir = dir(root);
        std::fs::create_dir_all(&dir)?;
        let pid = std::process::id();
        let mut socket = dir.join(format!("{pid}.sock"));
        let mut pointer = None;
        if socket.as_os_str().len() > MAX_SOCKET_PATH {
            let hash = xxhash_rust::xxh3::xxh3_64(root.as_str().as_bytes());
            socket = std::env::temp_dir().join(format!("exax-status-{hash:016x}-{pid}.sock"));
            let p = dir.join(format!("{pid}.path"));
            std::fs::write(&p, socket.as_os_str().as_encoded_bytes())?;
            pointer = Some(p);
        }
        // A socket of this pid can only be left by a killed run whose pid was reused.
        let _ = std::fs::remove_file(&socket);
        let listener = UnixListener::bind(&socket)?;
        std::thread::Builder::new().name("exax-status-socket".into()).spawn(move || {
            for conn in listener.incoming() {
                let Ok(mut conn) = conn else { continue };
                let _ = conn.set_write_timeout(Some(Duration::from_secs(5)));
                let _ = conn.write_all(render().as_bytes());
            }
        })?;
        Ok(Server { socket, pointer })
    }

    pub fn path(&self) -> &Path {
        &self.socket
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.socket);
        if let Some(p) = &self.pointer {
            let _ = std::fs::remove_file(p);
        }
    }
}

/// What each running `exax run` of the project answers, in pid order. Removes stale sockets.
pub fn query(root: &Utf8Path) -> Vec<String> {
    query_with(root, true)
}

/// As `query`, touching nothing when `remove_stale` is false (the board never writes).
pub fn query_with(root: &Utf8Path, remove_stale: bool) -> Vec<String> {
    query_pids(root, remove_stale).into_iter().map(|(_, text)| text).collect()
}

/// As `query_with`, each answer with the pid of the run that gave it.
pub fn query_pids(root: &Utf8Path, remove_stale: bool) -> Vec<(u32, String)> {
    let dir = dir(root);
    let mut entries: Vec<(u32, PathBuf)> = std::fs::read_dir(&dir)
        .map(|rd| {
            rd.filter_map(|e| {
                let path = e.ok()?.path();
                let name = path.file_name()?.to_str()?;
                let (pid, ext) = name.split_once('.')?;
                matches!(ext, "sock" | "path").then_some((pid.parse().ok()?, path))
            })
            .collect()
        })
        .unwrap_or_default();
    entries.sort();
    let mut answers = Vec::new();
    for (pid, entry) in entries {
        let (socket, pointer) = if entry.extension().is_some_and(|e| e == "path") {
            match std::fs::read_to_string(&entry) {
                Ok(p) => (PathBuf::from(p), Some(entry)),
                Err(_) => continue,
            }
        } else {
            (entry, None)
        };
        match ask(&socket) {
            Some(text) => answers.push((pid, text)),
            None => {
                // Nobody listens: the run that made it is gone.
                if remove_stale && !socket_is_live(&socket) {
                    let _ = std::fs::remove_file(&socket);
                    if let Some(p) = pointer {
                        let _ = std::fs::remove_file(p);
                    }
                }
            }
        }
    }
    answers
}

fn ask(socket: &Path) -> Option<String> {
    let mut conn = UnixStream::connect(socket).ok()?;
    conn.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    let mut text = String::new();
    conn.read_to_string(&mut text).ok()?;
    Some(text)
}

fn socket_is_live(socket: &Path) -> bool {
    match UnixStream::connect(socket) {
        Ok(_) => true,
        Err(e) => !matches!(e.kind(), std::io::ErrorKind::ConnectionRefused | std::io::ErrorKind::NotFound),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_and_stale_sockets() {
        let tmp = tempfile::tempdir().unwrap();
        let root = Utf8Path::from_path(tmp.path()).unwrap();
        assert!(query(root).is_empty());
        // A stale socket: bound, then its listener gone.
        std::fs::create_dir_all(dir(root)).unwrap();
        let stale = dir(root).join("1.sock");
        drop(UnixListener::bind(&stale).unwrap());
        assert!(stale.exists());
        let server = Server::start(root, || "demo-1 m  prepare (0.1 seconds)\n".to_string()).unwrap();
        assert_eq!(query(root), vec!["demo-1 m  prepare (0.1 seconds)\n".to_string()]);
        assert!(!stale.exists());
        let path = server.path().to_path_buf();
        drop(server);
        assert!(!path.exists());
        assert!(query(root).is_empty());
    }
}
