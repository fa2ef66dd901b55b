//! The job layer of the core: running a job's parts without Lua.

pub mod analysis;
pub mod executor;
