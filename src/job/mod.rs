//! Jobs on disk: ids and workdirs, the records a job directory holds (setup, post, files, inputs,
//! captured output), the reuse key and index, build locks, building or reusing a job, and the
//! questions asked of finished jobs (why built, gc).

pub mod analysis;
pub mod attempt;
pub mod builder;
pub mod capture;
pub mod damage;
pub mod diff;
pub mod executor;
pub mod files;
pub mod gc;
pub mod id;
pub mod inputs;
pub mod lock;
pub mod method_log;
pub mod parallel;
pub mod records;
pub mod reuse;
pub mod reuse_index;
pub mod reuse_key;
pub mod scratch;
pub mod slots;
pub mod verify;
pub mod why;
pub mod workdir;
