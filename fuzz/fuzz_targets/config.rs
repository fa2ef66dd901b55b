//! cargo fuzz target: `exax_fuzz::config`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| exax_fuzz::config(data));
