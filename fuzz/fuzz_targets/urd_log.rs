//! cargo fuzz target: `exax_fuzz::urd_log`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| exax_fuzz::urd_log(data));
