//! The machinery under the Lua API: making states (`state`, with their GC floor `gc_floor`), what they share (`runtime`), reading
//! a method's declarations (`method_loader`), Lua errors and tracebacks (`errors`, `prelude`),
//! values between Rust and Lua (`convert`), `os.execute` without `system()` (`os_execute`), and running a job's phases (`runner`, `worker`) or a
//! build script (`script`).

pub mod convert;
pub mod errors;
pub mod gc_floor;
pub mod method_loader;
pub mod os_execute;
pub mod prelude;
pub mod runner;
pub mod runtime;
pub mod script;
pub mod state;
pub mod worker;
