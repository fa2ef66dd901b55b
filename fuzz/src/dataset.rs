//! exax's dataset format modules, compiled here as they are.
#[path = "../../src/dataset/cell.rs"]
pub mod cell;
#[path = "../../src/dataset/datetime.rs"]
pub mod datetime;
#[path = "../../src/dataset/format.rs"]
pub mod format;
#[path = "../../src/dataset/types.rs"]
pub mod types;
