//! csvimport's record splitter and field parser, compiled here as they are.
#[path = "../../src/stdmethods/csvimport/parse.rs"]
pub mod parse;
#[path = "../../src/stdmethods/csvimport/split.rs"]
pub mod split;
