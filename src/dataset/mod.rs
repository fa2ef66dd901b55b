//! Datasets: typed columns split into slices, written once by a job and read through memory
//! maps. This is plain Rust that knows nothing of Lua; `src/lua/dataset*.rs` wrap it.
//!
//! `types` (the column types), `cell` (a value checked against a column), `datetime`, `hash`
//! (which slice a value belongs in), `format` (the files on disk), `writer` (with `writer_def`,
//! `slice_writer` and `encode`), `reader`, `link`
//! (datasets made of other datasets' column files), `reduce` (native sums and counts), `scan`
//! (every slice at once, output in slice order), `show` (values as `exax cat` prints them),
//! `interner` (dictionaries), `locate` (datasets in a
//! project), and `mmap`, the only module
//! of `dataset/` with `unsafe`.

pub mod cell;
pub mod datetime;
pub mod encode;
pub mod format;
pub mod hash;
pub mod interner;
pub mod link;
pub mod locate;
pub mod mmap;
pub mod reader;
pub mod reduce;
pub mod scan;
pub mod show;
pub mod slice_writer;
pub mod types;
pub mod writer;
pub mod writer_def;

#[cfg(test)]
mod tests;
