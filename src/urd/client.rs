//! The urd client for `urd: http://host:port`: the same operations as a local store, over HTTP
//! (ureq: a small blocking client, which suits exax's threads-not-async design). Writes carry an
//! idempotency key, so retrying after a lost connection never writes an event twice. The user
//! and password come from `$URD_AUTH` (`user:password`), else `$USER` with no password.

use std::time::Duration;

use base64::Engine;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde::{Deserialize, Serialize};

use super::entry::{AddOutcome, Entry, TruncateOutcome};
use super::error::UrdError;
use super::timestamp::{Lookup, Timestamp};
use crate::error::{Error, Result};

/// Path parts keep `-`, `_`, `.` and `:` readable; everything else (`<`, `=`, `+`, ...) is escaped.
pub const PART: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b':');

pub struct Client {
    base: String,
    user: String,
    auth: String,
    agent: ureq::Agent,
}

/// The body of `POST /add`.
#[derive(Serialize, Deserialize)]
pub struct AddRequest {
    pub key: String,
    pub list: String,
    pub entry: Entry,
    #[serde(default)]
    pub update: bool,
}

/// The body of `POST /truncate`.
#[derive(Serialize, Deserialize)]
pub struct TruncateRequest {
    pub key: String,
    pub list: String,
    pub timestamp: String,
}

/// Tries per request: waits of 0.1, 0.2, ... 6.4 s between them ride out a server restart.
const TRIES: u32 = 8;

impl Client {
    pub fn from_env(url: &str) -> Result<Client> {
        let (user, password) = match std::env::var("URD_AUTH") {
            Ok(a) => match a.split_once(':') {
                Some((u, p)) => (u.to_string(), p.to_string()),
                None => return Err(UrdError::AuthFormat.into()),
            },
            Err(_) => (std::env::var("USER").unwrap_or_else(|_| "NO-USER".into()), String::new()),
        };
        Client::new(url, &user, &password)
    }

    pub fn new(url: &str, user: &str, password: &str) -> Result<Client> {
        if !url.starts_with("http://") {
            return Err(UrdError::NotHttp(url.to_string()).into());
        }
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(30)))
            .build()
            .into();
        Ok(Client {
            base: url.trim_end_matches('/').to_string(),
            user: user.to_string(),
            auth: format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
            ),
            agent,
        })
    }

    pub fn full_name(&self, list: &str) -> String {
        if list.contains('/') {
            list.to_string()
        } else {
            format!("{}/{list}", self.user)
        }
    }

    fn path(&self, list: &str) -> String {
        self.full_name(list)
            .split('/')
            .map(|p| utf8_percent_encode(p, PART).to_string())
            .collect::<Vec<_>>()
            .join("/")
    }

    /// One request, retried on connection errors (never on an answer from the server).
    fn call(&self, method: &str, path: &str, body: Option<Vec<u8>>) -> Result<serde_json::Value> {
        let url = format!("{}/{path}", self.base);
        let mut last = String::new();
        for attempt in 0..TRIES {
            if attempt > 0 {
                std::thread::sleep(Duration::from_millis(50 << attempt));
            }
            let r = match (&body, method) {
                (Some(b), _) => self
                    .agent
                    .post(&url)
                    .header("Authorization", &self.auth)
                    .header("Content-Type", "application/json")
                    .send(&b[..]),
                (None, "POST") => self.agent.post(&url).header("Authorization", &self.auth).send_empty(),
                (None, _) => self.agent.get(&url).header("Authorization", &self.auth).call(),
            };
            let mut resp = match r {
                Ok(r) => r,
                Err(e) => {
                    last = e.to_string();
                    continue;
                }
            };
            let status = resp.status().as_u16();
            let text = match resp.body_mut().read_to_string() {
                Ok(t) => t,
                Err(e) => {
                    last = e.to_string();
                    continue;
                }
            };
            return match status {
                200 => serde_json::from_str(&text).map_err(|e| self.server_err(format!("a bad answer to {path}: {e}"))),
                401 | 403 => Err(UrdError::Refused {
                    server: self.base.clone(),
                    user: self.user.clone(),
                    message: text.trim().to_string(),
                }
                .into()),
                _ => Err(self.server_err(text.trim())),
            };
        }
        Err(UrdError::Unreachable {
            server: self.base.clone(),
            tries: TRIES,
            last,
        }
        .into())
    }

    fn server_err(&self, message: impl Into<String>) -> Error {
        UrdError::Server {
            server: self.base.clone(),
            message: message.into(),
        }
        .into()
    }

    fn parse<T: serde::de::DeserializeOwned>(&self, v: serde_json::Value) -> Result<T> {
        serde_json::from_value(v).map_err(|e| self.server_err(format!("a bad answer: {e}")))
    }

    pub fn add(&self, list: &str, entry: Entry, update: bool) -> Result<AddOutcome> {
        let req = AddRequest {
            key: super::new_key(),
            list: self.full_name(list),
            entry,
            update,
        };
        let body = serde_json::to_vec(&req).map_err(|e| Error::Value(format!("cannot encode an urd request: {e}")))?;
        let v = self.call("POST", "add", Some(body))?;
        self.parse(v)
    }

    pub fn truncate(&self, list: &str, ts: &Timestamp) -> Result<TruncateOutcome> {
        let req = TruncateRequest {
            key: super::new_key(),
            list: self.full_name(list),
            timestamp: ts.to_string(),
        };
        let body = serde_json::to_vec(&req).map_err(|e| Error::Value(format!("cannot encode an urd request: {e}")))?;
        let v = self.call("POST", "truncate", Some(body))?;
        self.parse(v)
    }

    pub fn lookup(&self, list: &str, q: &Lookup) -> Result<Option<Entry>> {
        let q = utf8_percent_encode(&q.to_string(), PART).to_string();
        let v = self.call("GET", &format!("{}/{q}", self.path(list)), None)?;
        self.parse(v)
    }

    pub fn since(&self, list: &str, ts: &Timestamp) -> Result<Vec<(String, String)>> {
        let ts = utf8_percent_encode(ts.as_str(), PART).to_string();
        let v = self.call("GET", &format!("{}/since/{ts}", self.path(list)), None)?;
        self.parse(v)
    }

    pub fn lists(&self) -> Result<Vec<String>> {
        let v = self.call("GET", "list", None)?;
        self.parse(v)
    }

    /// Checks the user and password (`POST /test/USER`).
    pub fn test_auth(&self) -> Result<()> {
        let user = utf8_percent_encode(&self.user, PART).to_string();
        self.call("POST", &format!("test/{user}"), None).map(|_| ())
    }
}
