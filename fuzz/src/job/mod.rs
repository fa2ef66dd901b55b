//! The part of exax's `src/job/` the readers need, compiled from there unchanged.

#[path = "../../../src/job/id.rs"]
pub mod id;
#[path = "../../../src/job/inputs.rs"]
pub mod inputs;
#[path = "../../../src/job/records.rs"]
pub mod records;
