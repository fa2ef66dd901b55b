//! What urd stores: a session `Entry` (timestamp, caption, joblist, deps, build job) and the
//! `Event`s of a list's log (an add or a truncate), each with its idempotency key.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::error::UrdError;

/// One (name, job id) of a session's joblist, in build order.
pub type JobRef = (String, String);

/// A session another session looked up (`urd:latest`, `urd:get`, ...) while it ran.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dep {
    pub timestamp: String,
    pub caption: String,
    pub joblist: Vec<JobRef>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub timestamp: String,
    #[serde(default)]
    pub caption: String,
    pub joblist: Vec<JobRef>,
    #[serde(default)]
    pub deps: BTreeMap<String, Dep>,
    /// The build script that finished the session (not part of its content: the same session
    /// finished again by another script is not a conflict).
    #[serde(default)]
    pub build_job: String,
}

impl Entry {
    /// Same timestamp, caption, joblist and deps: re-adding it is a no-op, not a conflict.
    pub fn same_content(&self, other: &Entry) -> bool {
        self.timestamp == other.timestamp && self.caption == other.caption && self.joblist == other.joblist && self.deps == other.deps
    }

    pub fn as_dep(&self) -> Dep {
        Dep {
            timestamp: self.timestamp.clone(),
            caption: self.caption.clone(),
            joblist: self.joblist.clone(),
        }
    }

    /// The job of this name in the joblist (the last one of that name), or by 1-based index;
    /// no name: the last job.
    pub fn job(&self, name: Option<&str>) -> Option<&str> {
        match name {
            None | Some("") => self.joblist.last().map(|j| j.1.as_str()),
            Some(n) => {
                if let Ok(i) = n.parse::<usize>() {
                    return i.checked_sub(1).and_then(|i| self.joblist.get(i)).map(|j| j.1.as_str());
                }
                self.joblist.iter().rev().find(|j| j.0 == n).map(|j| j.1.as_str())
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Op {
    Add,
    Truncate,
}

/// One line of a list's log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// Order of writing across all lists (replay applies events in this order).
    pub seq: u64,
    /// Idempotency key: an event whose key was already applied is not applied or written again.
    pub key: String,
    /// UTC time of writing, for people reading the log.
    pub at: String,
    pub op: Op,
    pub list: String,
    /// The user who wrote it (the server's authenticated user; empty in a local store).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub user: String,
    /// For a truncate: entries at or after this timestamp go.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entry: Option<Entry>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub update: bool,
}

/// What an add did (the original's answer: new, changed, is_ghost, and how many dependent
/// sessions it turned into history).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddOutcome {
    pub new: bool,
    pub changed: bool,
    pub is_ghost: bool,
    pub deps: usize,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TruncateOutcome {
    pub count: usize,
    pub deps: usize,
}

/// A list name: one or two `/`-separated parts (the server's lists are `user/name`) of letters,
/// digits, `_`, `-` and `.`, not starting with a dot.
pub fn check_list_name(name: &str) -> Result<(), UrdError> {
    let parts: Vec<&str> = name.split('/').collect();
    let ok = parts.len() <= 2
        && parts.iter().all(|p| {
            !p.is_empty() && !p.starts_with('.') && p.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'.')
        });
    if ok {
        Ok(())
    } else {
        Err(UrdError::ListName(name.to_string()))
    }
}
