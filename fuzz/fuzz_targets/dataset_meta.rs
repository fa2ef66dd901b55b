//! cargo fuzz target: `exax_fuzz::dataset_meta`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| exax_fuzz::dataset_meta(data));
