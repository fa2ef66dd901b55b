//! cargo fuzz target: `exax_fuzz::msgpack`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| exax_fuzz::msgpack(data));
