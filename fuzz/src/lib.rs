//! Fuzz targets for exax's readers of untrusted bytes: accelerator.conf, MessagePack, dataset
//! metadata, csvimport's splitter and parser, and urd log replay. exax is one binary crate, so
//! its modules are compiled here from `../src` unchanged (`#[path]`); each target feeds them bytes
//! and checks that they answer (a value or an error), never panic. `cargo fuzz run TARGET
//! --features libfuzzer` fuzzes one; `cargo test` runs the corpus in `corpus/TARGET/` and a
//! fixed number of mutations of it (`tests/corpus.rs`).
#![allow(dead_code, unused_imports, clippy::all)]

#[path = "../../src/checksum.rs"]
pub mod checksum;
#[path = "../../src/config.rs"]
pub mod config;
pub mod csvimport;
pub mod dataset;
#[path = "../../src/error.rs"]
pub mod error;
pub mod job;
/// The one call of exax's `sys.rs` the compiled modules make (`inputs.rs` names its log files
/// after the host); a stand-in, so the fuzz crate needs no libc.
pub mod sys {
    pub fn host_name() -> String {
        "fuzz".to_string()
    }
}
#[path = "../../src/msgpack.rs"]
pub mod msgpack;
pub mod urd;
#[path = "../../src/value.rs"]
pub mod value;

use camino::Utf8Path;

/// accelerator.conf: any text parses to a config or an error with a line.
pub fn config(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let env = |k: &str| (k == "HOME").then(|| "/home/u".to_string());
    if let Err(e) = config::Config::parse(Utf8Path::new("/p/accelerator.conf"), text, env) {
        let _ = e.to_string();
    }
}

/// MessagePack (results, saved files): decode; what decodes encodes and decodes to the same bytes.
pub fn msgpack(data: &[u8]) {
    if let Ok(v) = msgpack::decode(data, "fuzz") {
        let bytes = msgpack::encode(&v);
        let again = msgpack::decode(&bytes, "fuzz again").expect("an encoded value decodes");
        assert_eq!(msgpack::encode(&again), bytes, "encode, decode, encode is stable");
    }
}

/// dataset.json: what parses is checked the way the reader relies on it (every column has one
/// entry per slice), and every slice of every column can be asked for its min and max.
pub fn dataset_meta(data: &[u8]) {
    let Ok(meta) = dataset::format::parse_meta(Utf8Path::new("/w/t-1/DS/default"), data) else {
        return;
    };
    for c in &meta.columns {
        let _ = (c.min(), c.max());
        for s in 0..meta.lines.len() {
            let _ = c.slice_minmax(s);
        }
        for sums in c.slices.iter().flat_map(|s| s.parts.values()) {
            let _ = (sums.parse(), sums.block(sums.blocks()), sums.check(b"abc"));
        }
    }
    let _ = meta.column("a");
}

/// csvimport: the first bytes choose the format, the rest is the file; it is split into chunks
/// (1 to 4) and every record parsed, as the importer does.
pub fn csv(data: &[u8]) {
    use csvimport::split::{Format, Quotes};
    if data.len() < 3 {
        return;
    }
    let (head, buf) = data.split_at(3);
    let f = Format {
        sep: (head[0] != 0).then_some(head[0]),
        newline: if head[1] & 1 == 0 { b'\n' } else { b'\r' },
        crlf: head[1] & 2 != 0,
        quotes: match head[2] % 3 {
            0 => Quotes::None,
            1 => Quotes::One(b'"'),
            _ => Quotes::Both,
        },
        comment: (head[1] & 4 != 0).then_some(b'#'),
        skip_empty: head[1] & 8 != 0,
    };
    if f.sep == Some(f.newline) {
        return;
    }
    let n = 1 + (head[1] as usize >> 4) % 4;
    let Ok(chunks) = csvimport::split::chunks(&f, buf, 0, n, &|_| {}) else {
        return;
    };
    let mut spans = Vec::new();
    let mut scratch = Vec::new();
    for c in &chunks {
        for j in 0..c.recs.len() {
            let (start, next) = c.bounds(j);
            let rec = &buf[start..f.content_end(buf, start, next)];
            if csvimport::parse::fields(&f, rec, &mut spans, &mut scratch, true).is_ok() {
                let _ = csvimport::parse::check_count(&spans, 3, true, rec.is_empty());
                for s in &spans {
                    let _ = s.get(rec, &scratch);
                }
            }
        }
    }
}

/// urd log replay: a log file (complete lines are events, a torn tail is ignored) is read and its
/// events applied in order to a fresh database, then looked up.
pub fn urd_log(data: &[u8]) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("list.urd");
    std::fs::write(&path, data).expect("write");
    let Ok(mut events) = urd::log::read_events(&path) else { return };
    events.sort_by_key(|e| e.seq);
    let mut db = urd::db::Db::default();
    for e in &events {
        let _ = db.check(e);
        db.apply(e);
    }
    for list in db.lists() {
        if let Ok(ts) = urd::timestamp::Timestamp::parse("0") {
            let _ = db.since(&list, &ts);
        }
    }
}
