//! urd's events, database and logs, compiled here as they are.
#[path = "../../src/urd/db.rs"]
pub mod db;
#[path = "../../src/urd/entry.rs"]
pub mod entry;
#[path = "../../src/urd/error.rs"]
pub mod error;
#[path = "../../src/urd/log.rs"]
pub mod log;
#[path = "../../src/urd/timestamp.rs"]
pub mod timestamp;
