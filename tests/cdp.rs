//! A small client of the Chrome DevTools protocol for the browser tests: starts headless Chromium
//! (Debian's `chromium`, installed by `scripts/setup/chromium.sh`) on a free port, killed with its
//! whole process group when dropped, and drives its page over a websocket: navigate, click a link
//! with real mouse events at its box, wait for the page to load, read the text shown
//! (`document.body.innerText`), take a screenshot. The websocket side (RFC 6455: a handshake,
//! masked text frames out, text frames in) is written here in a few lines rather than taken from
//! a crate: the tests need nothing else of it.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

/// How long one wait (start, load, text to appear) may take on a loaded machine.
pub const WAIT: Duration = Duration::from_secs(15);

/// Whether `chromium` runs here; prints a `SKIP:` line for `what` when not.
pub fn available(what: &str) -> bool {
    let ok = Command::new("chromium")
        .arg("--version")
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !ok {
        let _ = writeln!(
            std::io::stderr(),
            "SKIP: {what}: chromium is not installed (`scripts/setup/chromium.sh` installs it from Debian's packages)"
        );
    }
    ok
}

/// A headless Chromium and a websocket to its one page.
pub struct Chromium {
    child: Child,
    ws: Option<TcpStream>,
    next_id: u64,
    profile: tempfile::TempDir,
}

impl Drop for Chromium {
    fn drop(&mut self) {
        self.ws = None;
        // The browser, its zygote and renderers share the group made at spawn (pgid = its pid).
        let pgid = self.child.id() as libc::pid_t;
        // SAFETY: kill(2) with a negative pid signals that process group; no memory is involved.
        unsafe {
            libc::kill(-pgid, libc::SIGKILL);
        }
        let _ = self.child.wait();
    }
}

/// The body of a GET to Chromium's DevTools HTTP side (which keeps the connection open: the
/// body is read by its Content-Length).
fn http_get(port: u16, path: &str) -> Option<String> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(WAIT)).ok()?;
    write!(s, "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n").ok()?;
    let head = read_head(&mut s)?;
    let len: usize = head
        .lines()
        .find_map(|l| l.split_once(':').filter(|(k, _)| k.eq_ignore_ascii_case("content-length")))?
        .1
        .trim()
        .parse()
        .ok()?;
    let mut body = vec![0u8; len];
    s.read_exact(&mut body).ok()?;
    String::from_utf8(body).ok()
}

/// An HTTP head, up to and with its empty line.
fn read_head(s: &mut TcpStream) -> Option<String> {
    let mut head = Vec::new();
    let mut b = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        s.read_exact(&mut b).ok()?;
        head.push(b[0]);
    }
    Some(String::from_utf8_lossy(&head).into_owned())
}

/// Processes of the group `pgid` that are not zombies.
fn live_in_group(pgid: u32) -> Vec<u32> {
    let Ok(rd) = std::fs::read_dir("/proc") else { return Vec::new() };
    rd.flatten()
        .filter_map(|e| {
            let pid: u32 = e.file_name().to_str()?.parse().ok()?;
            let stat = std::fs::read_to_string(e.path().join("stat")).ok()?;
            let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
            (fields.first() != Some(&"Z") && fields.get(2)?.parse::<u32>().ok()? == pgid).then_some(pid)
        })
        .collect()
}

fn until<T>(what: &str, timeout: Duration, mut f: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out after {timeout:?} waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

impl Chromium {
    pub fn start() -> Chromium {
        let profile = tempfile::tempdir().expect("profile directory");
        let log = std::fs::File::create(profile.path().join("stderr.log")).expect("chromium log");
        let child = Command::new("chromium")
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-extensions",
                "--disable-background-networking",
                "--no-first-run",
                "--no-default-browser-check",
                "--hide-scrollbars",
                "--remote-debugging-port=0",
                "--window-size=1200,900",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg("about:blank")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .process_group(0)
            .spawn()
            .expect("start chromium");
        let mut c = Chromium {
            child,
            ws: None,
            next_id: 0,
            profile,
        };
        let active = c.profile.path().join("DevToolsActivePort");
        let port: u16 = until("chromium's DevToolsActivePort", WAIT, || {
            if let Ok(Some(status)) = c.child.try_wait() {
                panic!("chromium exited ({status}): {}", c.log());
            }
            std::fs::read_to_string(&active).ok()?.lines().next()?.trim().parse().ok()
        });
        let page = until("chromium's page target", WAIT, || {
            let list: Value = serde_json::from_str(&http_get(port, "/json/list")?).ok()?;
            let page = list.as_array()?.iter().find(|t| t["type"] == "page")?;
            let url = page["webSocketDebuggerUrl"].as_str()?;
            Some(url.split_once(&format!(":{port}"))?.1.to_string())
        });
        c.ws = Some(websocket(port, &page));
        c
    }

    /// Ends the browser and checks that none of its processes is left.
    pub fn close(self) {
        let pgid = self.child.id();
        drop(self);
        until("chromium's processes to end", WAIT, || live_in_group(pgid).is_empty().then_some(()));
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.profile.path().join("stderr.log")).unwrap_or_default()
    }

    fn ws(&mut self) -> &mut TcpStream {
        self.ws.as_mut().expect("connected")
    }

    fn send(&mut self, text: &str) {
        let payload = text.as_bytes();
        let mask = [0x5a, 0x17, 0xc3, 0x81];
        let mut frame = vec![0x81u8];
        match payload.len() {
            n if n < 126 => frame.push(0x80 | n as u8),
            n if n < 65536 => {
                frame.push(0x80 | 126);
                frame.extend((n as u16).to_be_bytes());
            }
            n => {
                frame.push(0x80 | 127);
                frame.extend((n as u64).to_be_bytes());
            }
        }
        frame.extend(mask);
        frame.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
        self.ws().write_all(&frame).expect("write to chromium");
    }

    /// The next whole text message (continuation frames joined; pings answered).
    fn recv(&mut self) -> String {
        let mut msg = Vec::new();
        loop {
            let ws = self.ws();
            let mut head = [0u8; 2];
            ws.read_exact(&mut head).expect("read from chromium");
            let mut len = u64::from(head[1] & 0x7f);
            if len == 126 {
                let mut b = [0u8; 2];
                ws.read_exact(&mut b).expect("read from chromium");
                len = u64::from(u16::from_be_bytes(b));
            } else if len == 127 {
                let mut b = [0u8; 8];
                ws.read_exact(&mut b).expect("read from chromium");
                len = u64::from_be_bytes(b);
            }
            let mut mask = [0u8; 4];
            if head[1] & 0x80 != 0 {
                ws.read_exact(&mut mask).expect("read from chromium");
            }
            let mut payload = vec![0u8; len as usize];
            ws.read_exact(&mut payload).expect("read from chromium");
            if head[1] & 0x80 != 0 {
                payload.iter_mut().enumerate().for_each(|(i, b)| *b ^= mask[i % 4]);
            }
            match head[0] & 0x0f {
                0x8 => panic!("chromium closed the DevTools connection: {}", self.log()),
                0x9 => {
                    // Pong with the same payload.
                    let mut pong = vec![0x8a, 0x80 | payload.len() as u8, 0, 0, 0, 0];
                    pong.extend(&payload);
                    self.ws().write_all(&pong).expect("write to chromium");
                }
                0xa => {}
                _ => {
                    msg.extend(payload);
                    if head[0] & 0x80 != 0 {
                        return String::from_utf8_lossy(&msg).into_owned();
                    }
                }
            }
        }
    }

    /// One DevTools command; its result, or its error.
    pub fn try_call(&mut self, method: &str, params: Value) -> Result<Value, String> {
        self.next_id += 1;
        let id = self.next_id;
        self.send(&json!({"id": id, "method": method, "params": params}).to_string());
        loop {
            let m: Value = serde_json::from_str(&self.recv()).expect("DevTools JSON");
            if m["id"] == id {
                return match m.get("error") {
                    Some(e) => Err(format!("{method}: {e}")),
                    None => Ok(m["result"].clone()),
                };
            }
        }
    }

    pub fn call(&mut self, method: &str, params: Value) -> Value {
        self.try_call(method, params).unwrap_or_else(|e| panic!("{e}"))
    }

    /// The value of a JavaScript expression in the page (promises awaited), or why not (the page
    /// is being replaced, the expression threw).
    pub fn try_eval(&mut self, expr: &str) -> Result<Value, String> {
        let r = self.try_call(
            "Runtime.evaluate",
            json!({"expression": expr, "returnByValue": true, "awaitPromise": true}),
        )?;
        match r.get("exceptionDetails") {
            Some(e) => Err(format!("{expr}: {e}")),
            None => Ok(r["result"]["value"].clone()),
        }
    }

    pub fn eval(&mut self, expr: &str) -> Value {
        self.try_eval(expr).unwrap_or_else(|e| panic!("{e}"))
    }

    /// Loads `url` by address (how a test opens its first page).
    pub fn navigate(&mut self, url: &str) {
        self.call("Page.navigate", json!({ "url": url }));
        self.wait_loaded(url);
    }

    /// Waits until the page at `url` (absolute) has loaded.
    pub fn wait_loaded(&mut self, url: &str) {
        let want = Value::String(url.to_string());
        until(&format!("{url} to load"), WAIT, || {
            let v = self.try_eval("[location.href, document.readyState]").ok()?;
            (v[0] == want && v[1] == "complete").then_some(())
        });
    }

    /// The text the page shows.
    pub fn text(&mut self) -> String {
        until("the page's text", WAIT, || {
            self.try_eval("document.body ? document.body.innerText : null")
                .ok()?
                .as_str()
                .map(str::to_string)
        })
    }

    /// Waits until the page's text satisfies `ok`; returns it.
    pub fn wait_text(&mut self, what: &str, ok: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + WAIT;
        loop {
            let t = self.text();
            if ok(&t) {
                return t;
            }
            assert!(Instant::now() < deadline, "timed out waiting for {what}; the page shows:\n{t}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Clicks the link whose text is `text` inside the element `scope` (a CSS selector) with
    /// the mouse, at the middle of its box, and waits for the page it leads to; returns its URL.
    pub fn click_link(&mut self, scope: &str, text: &str) -> String {
        let find = format!(
            "(() => {{\n\
               const scope = document.querySelector({scope});\n\
               if (!scope) return 'no element ' + {scope};\n\
               const a = [...scope.querySelectorAll('a')].find(e => e.textContent.trim() === {text});\n\
               if (!a) return 'no link ' + {text} + ' in ' + {scope};\n\
               a.scrollIntoView({{block: 'center'}});\n\
               const r = a.getBoundingClientRect();\n\
               const x = r.left + r.width / 2, y = r.top + r.height / 2;\n\
               const hit = document.elementFromPoint(x, y);\n\
               if (!hit || hit.closest('a') !== a) return 'link ' + {text} + ' is covered';\n\
               return {{x: x, y: y, href: new URL(a.getAttribute('href'), location.href).href}};\n\
             }})()",
            scope = json!(scope),
            text = json!(text),
        );
        // Where the link is once the page stops moving (a script may still be filling it in).
        let mut at = self.eval(&find);
        let deadline = Instant::now() + WAIT;
        loop {
            if let Some(why) = at.as_str() {
                let shown = self.text();
                panic!("cannot click: {why}; the page shows:\n{shown}");
            }
            std::thread::sleep(Duration::from_millis(100));
            let again = self.eval(&find);
            if again == at || Instant::now() > deadline {
                break;
            }
            at = again;
        }
        let (x, y) = (at["x"].as_f64().unwrap_or(0.0), at["y"].as_f64().unwrap_or(0.0));
        let href = at["href"].as_str().unwrap_or_default().to_string();
        self.call("Input.dispatchMouseEvent", json!({"type": "mouseMoved", "x": x, "y": y}));
        for kind in ["mousePressed", "mouseReleased"] {
            self.call(
                "Input.dispatchMouseEvent",
                json!({"type": kind, "x": x, "y": y, "button": "left", "buttons": 1, "clickCount": 1}),
            );
        }
        self.wait_loaded(&href);
        href
    }

    /// Back in the history, waiting for `url` to load.
    pub fn back(&mut self, url: &str) {
        self.eval("history.back()");
        self.wait_loaded(url);
    }

    /// The whole page (not only the window) as a PNG at `path`, 1200 pixels wide.
    pub fn screenshot(&mut self, path: &Path) {
        let height = self
            .eval("document.documentElement.scrollHeight")
            .as_u64()
            .unwrap_or(900)
            .clamp(300, 8000);
        self.call(
            "Emulation.setDeviceMetricsOverride",
            json!({"width": 1200, "height": height, "deviceScaleFactor": 1, "mobile": false}),
        );
        let shot = self.call("Page.captureScreenshot", json!({"format": "png"}));
        self.call("Emulation.clearDeviceMetricsOverride", json!({}));
        use base64::Engine as _;
        let png = base64::engine::general_purpose::STANDARD
            .decode(shot["data"].as_str().unwrap_or_default())
            .expect("screenshot base64");
        assert!(png.starts_with(b"\x89PNG"), "not a PNG");
        std::fs::write(path, png).expect("write screenshot");
    }
}

fn websocket(port: u16, path: &str) -> TcpStream {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect to chromium");
    s.set_read_timeout(Some(WAIT)).expect("timeout");
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
    )
    .expect("websocket handshake");
    let head = read_head(&mut s).expect("websocket handshake answer");
    assert!(head.starts_with("HTTP/1.1 101"), "websocket refused: {head}");
    s
}
