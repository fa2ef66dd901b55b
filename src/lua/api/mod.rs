//! One file per Lua-facing object (Job, Dataset, DatasetWriter, dates, option markers, status, urd,
//! the build call, `exax.std`), each registered into every new state from `MODULES`. Files here may
//! use the engine and `table`; the engine uses this tier only where a value becomes a handle.

pub mod build_all;
pub mod build_call;
pub mod dataset;
pub mod dataset_writer;
pub mod datetime;
pub mod handles;
pub mod job;
pub mod job_files;
pub mod markers;
pub mod native;
pub mod status;
pub mod urd;

/// Every Lua-facing concept, registered into each new state in this order.
pub const MODULES: &[crate::lua::engine::runtime::Register] = &[
    crate::lua::engine::prelude::register,
    markers::register,
    build_call::register,
    job_files::register,
    status::register,
    datetime::register,
    dataset::register,
    dataset_writer::register,
    native::register,
];
