//! cargo fuzz target: `exax_fuzz::csv`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| exax_fuzz::csv(data));
