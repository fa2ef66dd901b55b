//! Everything Lua: the states exax makes, and one module per Lua-facing concept, each registered
//! from `MODULES`. The core (config, jobs, hashing, records) knows nothing of this.

pub mod build_all;
pub mod build_call;
pub mod convert;
pub mod dataset;
pub mod dataset_writer;
pub mod datetime;
pub mod errors;
pub mod fast_rows;
pub mod job;
pub mod job_files;
pub mod markers;
pub mod method_loader;
pub mod native;
pub mod prelude;
pub mod runner;
pub mod runtime;
pub mod script;
pub mod state;
pub mod status;
pub mod urd;
pub mod worker;

/// Every Lua-facing concept, registered into each new state in this order.
pub const MODULES: &[fn(&mlua::Lua) -> mlua::Result<()>] = &[
    prelude::register,
    markers::register,
    build_call::register,
    job_files::register,
    status::register,
    datetime::register,
    dataset::register,
    dataset_writer::register,
    native::register,
];
