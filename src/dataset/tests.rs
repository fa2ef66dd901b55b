//! Round trips through the writer and the reader: every type with None and extremes, min/max,
//! dictionary encoding and its overflow, hashlabel placement, parents, sums and counts.

use camino::{Utf8Path, Utf8PathBuf};

use super::cell::{Cell, Scalar};
use super::datetime::{self, Kind, Parts};
use super::encode::DICT_MAX;
use super::format::{self, Encoding};
use super::reader::{Dataset, Stored};
use super::reduce::{self, Key, Sum};
use super::types::ColType;
use super::writer::{DatasetWriter, WriterDef};
use crate::error::Result;

fn def(name: &str, slices: usize) -> WriterDef {
    WriterDef {
        job: "t-1".into(),
        name: name.into(),
        slices,
        columns: vec![],
        hashlabel: None,
        previous: None,
        parent: None,
        caption: String::new(),
        hash_discard: false,
        parent_columns: vec![],
    }
}

fn tmp() -> (tempfile::TempDir, Utf8PathBuf) {
    let d = tempfile::tempdir().unwrap();
    let p = Utf8PathBuf::from_path_buf(d.path().to_path_buf()).unwrap();
    (d, p)
}

fn no_parent(_: &str) -> Result<format::DatasetMeta> {
    unreachable!()
}

fn open(job: &Utf8Path, name: &str) -> Dataset {
    let job = job.to_path_buf();
    Dataset::open(&format::dataset_dir(&job, name), &|id: &str| {
        Ok(format::dataset_dir(&job, format::split_id(id).1))
    })
    .unwrap()
}

fn read_all(ds: &Dataset, col: &str, slice: usize) -> Vec<String> {
    let i = ds.column_index(col).unwrap();
    let mut r = ds.open_column(i, slice).unwrap();
    (0..ds.lines(Some(slice)))
        .map(|row| match r.get_resolved(row).unwrap() {
            Stored::None => "None".to_string(),
            Stored::Int(i) => format!("i{i}"),
            Stored::Float(x) => format!("f{x}"),
            Stored::Bool(b) => format!("{b}"),
            Stored::Bytes(b) | Stored::Json(b) => String::from_utf8_lossy(b).into_owned(),
            Stored::Date(d) => datetime::iso(Kind::Date, d as i64),
            Stored::DateTime(v) => datetime::iso(Kind::Datetime, v),
            Stored::Time(v) => datetime::iso(Kind::Time, v),
            Stored::Code(c) => format!("code{c}"),
        })
        .collect()
}

#[test]
fn every_type_round_trips() {
    let (_d, job) = tmp();
    let mut w = DatasetWriter::create(&job, def("default", 1)).unwrap();
    for ty in ColType::ALL {
        w.add(ty.name(), ty, true).unwrap();
    }
    let date = datetime::encode(
        Kind::Date,
        &Parts {
            year: 2024,
            month: 1,
            day: 31,
            ..Default::default()
        },
    )
    .unwrap() as i32;
    let rows: Vec<Vec<Cell>> = vec![
        vec![
            Cell::Int(i32::MIN as i64),
            Cell::Int(i64::MIN),
            Cell::Float(-1.5),
            Cell::Float(f64::MIN),
            Cell::Int(i64::MAX),
            Cell::Bool(false),
            Cell::Bytes(b"a"),
            Cell::Bytes("\u{e9}".as_bytes()),
            Cell::Bytes(b"\xff\x00"),
            Cell::Date(date),
            Cell::DateTime(-1),
            Cell::Time(0),
            Cell::Json(b"{\"a\":[1,2]}"),
        ],
        vec![Cell::None; 13],
        vec![
            Cell::Int(i32::MAX as i64),
            Cell::Int(i64::MAX),
            Cell::Float(f64::INFINITY),
            Cell::Float(f64::NAN),
            Cell::Float(2.5),
            Cell::Bool(true),
            Cell::Bytes(b""),
            Cell::Bytes(b"z"),
            Cell::Bytes(b""),
            Cell::Date(date + 1),
            Cell::DateTime(0),
            Cell::Time(datetime::MICROS_PER_DAY - 1),
            Cell::Json(b"null"),
        ],
    ];
    w.set_slice(0).unwrap();
    for row in rows {
        let mut row = row;
        w.write(&mut row).unwrap();
    }
    let meta = w.finish(&no_parent).unwrap();
    assert_eq!(meta.lines, [3]);
    let ds = open(&job, "default");
    assert_eq!(read_all(&ds, "int32", 0), ["i-2147483648", "None", "i2147483647"]);
    assert_eq!(
        read_all(&ds, "int64", 0),
        [format!("i{}", i64::MIN), "None".into(), format!("i{}", i64::MAX)]
    );
    assert_eq!(read_all(&ds, "float32", 0), ["f-1.5", "None", "finf"]);
    assert_eq!(read_all(&ds, "float64", 0)[0], format!("f{}", f64::MIN));
    assert_eq!(read_all(&ds, "float64", 0)[2], "fNaN");
    assert_eq!(read_all(&ds, "number", 0), [format!("i{}", i64::MAX), "None".into(), "f2.5".into()]);
    assert_eq!(read_all(&ds, "bool", 0), ["false", "None", "true"]);
    assert_eq!(read_all(&ds, "ascii", 0), ["a", "None", ""]);
    assert_eq!(read_all(&ds, "unicode", 0), ["\u{e9}", "None", "z"]);
    assert_eq!(read_all(&ds, "bytes", 0), ["\u{fffd}\0", "None", ""]);
    assert_eq!(read_all(&ds, "date", 0), ["2024-01-31", "None", "2024-02-01"]);
    assert_eq!(
        read_all(&ds, "datetime", 0),
        ["1969-12-31T23:59:59.999999", "None", "1970-01-01T00:00:00"]
    );
    assert_eq!(read_all(&ds, "time", 0), ["00:00:00", "None", "23:59:59.999999"]);
    assert_eq!(read_all(&ds, "json", 0), ["{\"a\":[1,2]}", "None", "null"]);
    let col = |n: &str| ds.meta.column(n).unwrap().1.clone();
    assert_eq!(col("int32").min(), Some(Scalar::Int(i32::MIN as i64)));
    assert_eq!(col("int64").max(), Some(Scalar::Int(i64::MAX)));
    assert_eq!(col("float32").max(), Some(Scalar::Float(f64::INFINITY)));
    assert_eq!(col("float64").max(), Some(Scalar::Float(f64::MIN)), "NaN is skipped");
    assert_eq!(col("number").min(), Some(Scalar::Float(2.5)));
    assert_eq!(col("bool").min(), Some(Scalar::Bool(false)));
    assert_eq!(col("date").max(), Some(Scalar::Date(date + 1)));
    assert_eq!(col("datetime").min(), Some(Scalar::DateTime(-1)));
    assert_eq!(col("unicode").min(), None);
    assert_eq!(col("unicode").slices[0].encoding, Encoding::Dict);
    assert!(col("unicode").slices[0].has_none);
    // Finished: the writer's working files are gone, the dataset is one metadata file plus data.
    assert!(!job.join("DS/default/writer.json").exists());
    assert!(!job.join("DS/default/slice.0.json").exists());
}

#[test]
fn bad_cells_name_everything() {
    let (_d, job) = tmp();
    let mut w = DatasetWriter::create(&job, def("x", 2)).unwrap();
    w.add("a", ColType::Int32, false).unwrap();
    w.add("s", ColType::Ascii, false).unwrap();
    w.fix_slice(1);
    let e = w.write(&mut [Cell::Int(1 << 40), Cell::Bytes(b"k")]).unwrap_err();
    assert_eq!(
        e,
        "dataset t-1/x, column `a` (int32), slice 1: 1099511627776 is out of range for int32"
    );
    let e = w.write(&mut [Cell::Int(1), Cell::Bytes("\u{e9}".as_bytes())]).unwrap_err();
    assert_eq!(e, "dataset t-1/x, column `s` (ascii), slice 1: '\u{e9}' is not ASCII");
    let e = w.write(&mut [Cell::Int(1)]).unwrap_err();
    assert_eq!(e, "dataset t-1/x: write got 1 value, but the writer has 2 columns (a, s)");
    let e = w.write(&mut [Cell::None, Cell::Bytes(b"k")]).unwrap_err();
    assert_eq!(
        e,
        "dataset t-1/x, column `a` (int32), slice 1: nil, but the column has no none_support"
    );
    let e = w.add("late", ColType::Bool, false).unwrap_err().to_string();
    assert!(e.contains("add every column before writing"), "{e}");
}

#[test]
fn hashlabel_places_rows() {
    let (_d, job) = tmp();
    let mut d = def("h", 3);
    d.hashlabel = Some("k".into());
    let mut w = DatasetWriter::create(&job, d).unwrap();
    w.add("k", ColType::Int64, false).unwrap();
    // Without set_slice, rows are placed by hash.
    for i in 0..300 {
        w.write(&mut [Cell::Int(i)]).unwrap();
    }
    w.finish(&no_parent).unwrap();
    let ds = open(&job, "h");
    assert_eq!(ds.lines(None), 300);
    for s in 0..3 {
        for v in read_all(&ds, "k", s) {
            let i: i64 = v[1..].parse().unwrap();
            assert_eq!(super::hash::slice_of(&Cell::Int(i), 3), s);
        }
    }
    // A fixed slice refuses rows of other slices, or drops them with hash discard.
    let mut d = def("h2", 3);
    d.hashlabel = Some("k".into());
    let mut w = DatasetWriter::create(&job, d).unwrap();
    w.add("k", ColType::Float64, false).unwrap();
    w.fix_slice(0);
    let wrong = (0..10).find(|i| super::hash::slice_of(&Cell::Int(*i), 3) != 0).unwrap();
    let target = super::hash::slice_of(&Cell::Int(wrong), 3);
    let e = w.write(&mut [Cell::Int(wrong)]).unwrap_err();
    assert_eq!(
        e,
        format!("dataset t-1/h2, slice 0: hashlabel `k` (float64) value {wrong}.0 belongs in slice {target}, not slice 0 (enable_hash_discard() drops such rows instead)")
    );
    w.enable_hash_discard().unwrap();
    for i in 0..30 {
        w.write(&mut [Cell::Int(i)]).unwrap();
    }
    w.finish(&no_parent).unwrap();
    let ds = open(&job, "h2");
    assert_eq!(
        ds.lines(Some(0)),
        (0..30).filter(|i| super::hash::slice_of(&Cell::Int(*i), 3) == 0).count() as u64
    );
}

#[test]
fn dictionary_overflows_to_plain_and_blocks_flush() {
    let (_d, job) = tmp();
    let mut w = DatasetWriter::create(&job, def("big", 1)).unwrap();
    w.add("s", ColType::Unicode, true).unwrap();
    w.add("few", ColType::Ascii, false).unwrap();
    w.add("n", ColType::Number, true).unwrap();
    w.set_slice(0).unwrap();
    let n = DICT_MAX as i64 + 70_000;
    for i in 0..n {
        let s = format!("v{i}");
        let few = format!("k{}", i % 7);
        let num = match i % 3 {
            0 => Cell::Int(i),
            1 => Cell::Float(i as f64 + 0.5),
            _ => Cell::None,
        };
        let s_cell = if i == 5 { Cell::None } else { Cell::Bytes(s.as_bytes()) };
        w.write(&mut [s_cell, Cell::Bytes(few.as_bytes()), num]).unwrap();
    }
    w.finish(&no_parent).unwrap();
    let ds = open(&job, "big");
    let s = ds.meta.column("s").unwrap().1;
    assert_eq!(s.slices[0].encoding, Encoding::Plain);
    assert_eq!(ds.meta.column("few").unwrap().1.slices[0].encoding, Encoding::Dict);
    let vals = read_all(&ds, "s", 0);
    assert_eq!(vals.len() as i64, n);
    assert_eq!(vals[5], "None");
    assert_eq!(vals[70_000], "v70000");
    assert_eq!(vals[n as usize - 1], format!("v{}", n - 1));
    let nums = read_all(&ds, "n", 0);
    assert_eq!(&nums[..4], ["i0", "f1.5", "None", "i3"]);
    let counts = reduce::counts(&ds, 1, &[0]).unwrap();
    assert_eq!(counts.keys.len(), 7);
    assert_eq!(counts.counts.iter().sum::<u64>(), n as u64);
    assert_eq!(counts.keys[0], Key::Bytes(b"k0".to_vec()));
    let exp_int: i128 = (0..n).filter(|i| i % 3 == 0).map(|i| i as i128).sum();
    let exp_float: f64 = (0..n).filter(|i| i % 3 == 1).map(|i| i as f64 + 0.5).sum();
    assert_eq!(reduce::sum(&ds, 2, &[0]).unwrap(), Sum::Float(exp_float + exp_int as f64));
}

#[test]
fn sums_and_counts() {
    let (_d, job) = tmp();
    let mut w = DatasetWriter::create(&job, def("s", 2)).unwrap();
    w.add("a", ColType::Int64, false).unwrap();
    w.add("b", ColType::Float64, true).unwrap();
    w.add("c", ColType::Int32, false).unwrap();
    w.add("d", ColType::Bool, false).unwrap();
    for s in 0..2 {
        w.set_slice(s).unwrap();
        for i in 0..100_000i64 {
            let b = if i == 7 { Cell::None } else { Cell::Float(i as f64 * 0.5) };
            w.write(&mut [Cell::Int(i64::MAX - i), b, Cell::Int(i % 10), Cell::Bool(i % 2 == 0)])
                .unwrap();
        }
    }
    w.finish(&no_parent).unwrap();
    let ds = open(&job, "s");
    let exp: i128 = (0..100_000i128).map(|i| i64::MAX as i128 - i).sum::<i128>() * 2;
    assert_eq!(reduce::sum(&ds, 0, &[0, 1]).unwrap(), Sum::Int(exp));
    let expb: f64 = (0..100_000i64).filter(|&i| i != 7).map(|i| i as f64 * 0.5).sum();
    assert_eq!(reduce::sum(&ds, 1, &[0]).unwrap(), Sum::Float(expb));
    assert_eq!(reduce::sum(&ds, 3, &[0, 1]).unwrap(), Sum::Int(100_000));
    let c = reduce::counts(&ds, 2, &[0, 1]).unwrap();
    assert_eq!(c.keys[0], Key::Scalar(Scalar::Int(0)));
    assert_eq!(c.counts, vec![20_000; 10]);
    let cb = reduce::counts(&ds, 1, &[1]).unwrap();
    assert_eq!(cb.nones, 1);
}

#[test]
fn parent_adds_columns() {
    let (_d, job) = tmp();
    let mut w = DatasetWriter::create(&job, def("p", 2)).unwrap();
    w.add("a", ColType::Int64, false).unwrap();
    for s in 0..2 {
        w.set_slice(s).unwrap();
        for i in 0..(3 + s) {
            w.write(&mut [Cell::Int(i)]).unwrap();
        }
    }
    let parent = w.finish(&no_parent).unwrap();
    let mut d = def("child", 2);
    d.parent = Some("t-1/p".into());
    d.parent_columns = vec!["a".into()];
    let mut w = DatasetWriter::create(&job, d.clone()).unwrap();
    w.add("b", ColType::Ascii, false).unwrap();
    w.set_slice(0).unwrap();
    for _ in 0..3 {
        w.write(&mut [Cell::Bytes(b"x")]).unwrap();
    }
    let p2 = parent.clone();
    let e = w.finish(&move |_| Ok(p2.clone())).unwrap_err().to_string();
    assert_eq!(
        e,
        "dataset t-1/child: slice 1 has 0 lines, but parent t-1/p has 4 there (a dataset with a parent adds columns to the parent's lines)"
    );
    let mut d2 = d;
    d2.name = "child2".into();
    let mut w = DatasetWriter::create(&job, d2).unwrap();
    w.add("b", ColType::Ascii, false).unwrap();
    for s in 0..2 {
        w.set_slice(s).unwrap();
        for _ in 0..(3 + s) {
            w.write(&mut [Cell::Bytes(b"y")]).unwrap();
        }
    }
    let p2 = parent.clone();
    w.finish(&move |_| Ok(p2.clone())).unwrap();
    let ds = open(&job, "child2");
    assert_eq!(ds.meta.columns.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(), ["a", "b"]);
    assert_eq!(read_all(&ds, "a", 1), ["i0", "i1", "i2", "i3"]);
    assert_eq!(read_all(&ds, "b", 1), ["y", "y", "y", "y"]);
}

#[test]
fn a_slice_is_written_by_one_writer() {
    let (_d, job) = tmp();
    let mut w = DatasetWriter::create(&job, def("o", 2)).unwrap();
    w.add("a", ColType::Int64, false).unwrap();
    w.set_slice(0).unwrap();
    w.write(&mut [Cell::Int(1)]).unwrap();
    let mut other = DatasetWriter::reopen(&job, "t-1", "o").unwrap();
    other.fix_slice(0);
    let e = other.write(&mut [Cell::Int(2)]).unwrap_err();
    assert!(e.contains("slice 0 is already being written elsewhere"), "{e}");
    other.fix_slice(1);
    let mut other = DatasetWriter::reopen(&job, "t-1", "o").unwrap();
    other.fix_slice(1);
    other.write(&mut [Cell::Int(2)]).unwrap();
    other.finish_slices().unwrap();
    w.finish(&no_parent).unwrap();
    let ds = open(&job, "o");
    assert_eq!(ds.meta.lines, [1, 1]);
    assert!(DatasetWriter::reopen(&job, "t-1", "o").is_err());
}

/// `cargo test --release --bin exax write_speed -- --ignored --nocapture`: the core writer alone.
#[test]
#[ignore]
fn write_speed() {
    let (_d, job) = tmp();
    let mut w = DatasetWriter::create(&job, def("speed", 1)).unwrap();
    w.add("a", ColType::Int64, false).unwrap();
    w.add("b", ColType::Float64, false).unwrap();
    w.add("c", ColType::Unicode, false).unwrap();
    w.set_slice(0).unwrap();
    let keys: Vec<String> = (0..1000).map(|k| format!("k{k}")).collect();
    let t = std::time::Instant::now();
    for i in 0..5_000_000i64 {
        let mut cells = [
            Cell::Int((i * 1103515245 + 12345) & 0x7fffffff),
            Cell::Float(i as f64 * 0.5),
            Cell::Bytes(keys[(i % 1000) as usize].as_bytes()),
        ];
        w.write(&mut cells).unwrap();
    }
    let e = t.elapsed();
    w.finish(&no_parent).unwrap();
    eprintln!("core write: {:.1} ns/row (finish {:?})", e.as_nanos() as f64 / 5e6, t.elapsed() - e);
}

/// `cargo test --release --bin exax sum_speed -- --ignored --nocapture`: native sum over a
/// 5M-line int64 and float64 column.
#[test]
#[ignore]
fn sum_speed() {
    let (_d, job) = tmp();
    let mut w = DatasetWriter::create(&job, def("speed", 1)).unwrap();
    w.add("a", ColType::Int64, false).unwrap();
    w.add("b", ColType::Float64, false).unwrap();
    w.set_slice(0).unwrap();
    for i in 0..5_000_000i64 {
        w.write(&mut [Cell::Int(i), Cell::Float(i as f64)]).unwrap();
    }
    w.finish(&no_parent).unwrap();
    let ds = open(&job, "speed");
    let rounds = std::env::var("SUM_ROUNDS").ok().and_then(|r| r.parse().ok()).unwrap_or(3);
    for _ in 0..rounds {
        let t = std::time::Instant::now();
        let a = reduce::sum(&ds, 0, &[0]).unwrap();
        let ta = t.elapsed();
        let b = reduce::sum(&ds, 1, &[0]).unwrap();
        eprintln!("sum a {ta:?}, b {:?} ({a:?} {b:?})", t.elapsed() - ta);
    }
}

#[test]
fn sinks_write_column_by_column() {
    let (_d, job) = tmp();
    let mut d = def("cols", 2);
    d.hashlabel = Some("k".into());
    let mut w = DatasetWriter::create(&job, d).unwrap();
    w.add("k", ColType::Int64, false).unwrap();
    w.add("s", ColType::Unicode, true).unwrap();
    let mut sinks = w.sinks().unwrap();
    let mine: Vec<i64> = (0..40).filter(|&k| super::hash::slice_of(&Cell::Int(k), 2) == 1).collect();
    // The string column first, then the hashlabel column: any order works.
    for (i, _) in mine.iter().enumerate() {
        let mut c = if i == 2 { Cell::None } else { Cell::Bytes(b"x") };
        sinks[1].write_cell(1, &mut c).unwrap();
    }
    for &k in &mine {
        sinks[1].write_cell(0, &mut Cell::Float(k as f64)).unwrap();
    }
    let wrong = (0..40).find(|&k| super::hash::slice_of(&Cell::Int(k), 2) == 0).unwrap();
    let e = sinks[1].write_cell(0, &mut Cell::Int(wrong)).unwrap_err();
    assert_eq!(
        e,
        format!("dataset t-1/cols: hashlabel `k` value {wrong} belongs in slice 0, not slice 1")
    );
    let e = sinks[1].write_cell(0, &mut Cell::Bytes(b"no")).unwrap_err();
    assert!(
        e.starts_with("dataset t-1/cols, column `k` (int64), slice 1: expected an integer"),
        "{e}"
    );
    for s in sinks {
        s.finish().unwrap();
    }
    w.finish(&no_parent).unwrap();
    let ds = open(&job, "cols");
    assert_eq!(ds.meta.lines, vec![0, mine.len() as u64]);
    let want: Vec<String> = mine.iter().map(|k| format!("i{k}")).collect();
    assert_eq!(read_all(&ds, "k", 1), want);
    assert_eq!(read_all(&ds, "s", 1)[..4], ["x", "x", "None", "x"]);

    // Columns of different lengths are refused when the slice finishes.
    let mut w = DatasetWriter::create(&job, def("ragged", 1)).unwrap();
    w.add("a", ColType::Int64, false).unwrap();
    w.add("b", ColType::Int64, false).unwrap();
    let mut sinks = w.sinks().unwrap();
    sinks[0].write_cell(0, &mut Cell::Int(1)).unwrap();
    let e = sinks.pop().unwrap().finish().unwrap_err().to_string();
    assert!(e.contains("slice 0 has columns of different lengths (1 and 0 lines"), "{e}");
}

fn worker(slice: usize, attempt: u32, host: &str) -> crate::job::attempt::Attempt {
    crate::job::attempt::Attempt {
        worker: Some((slice, attempt)),
        host: host.into(),
        pid: 7,
    }
}

fn files_in(dir: &Utf8Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    names
}

/// Each attempt at an analysis slice writes into a directory of its own; the run moves the
/// accepted attempt's part into place and removes every attempt's directory, so nothing a lost
/// attempt wrote (half a slice, or a whole one it finished before it was lost) stays, and an
/// attempt that runs on afterwards cannot write into the dataset.
#[test]
fn the_accepted_attempt_at_a_slice_stands_and_no_other() {
    use super::slice_writer::{commit_attempts, SliceWriter};
    let (_d, job) = tmp();
    let mut w = DatasetWriter::create(&job, def("r", 2)).unwrap();
    w.add("a", ColType::Int64, false).unwrap();
    w.add("n", ColType::Int64, true).unwrap();
    let mut second = DatasetWriter::create(&job, def("second", 2)).unwrap();
    second.add("x", ColType::Int64, false).unwrap();
    let dir = format::dataset_dir(&job, "r");
    let def: WriterDef = crate::job::records::read_json(&dir.join(format::WRITER)).unwrap();
    let second_dir = format::dataset_dir(&job, "second");
    let second_def: WriterDef = crate::job::records::read_json(&second_dir.join(format::WRITER)).unwrap();
    let row = |i: i64, n: Option<i64>| [Cell::Int(i), n.map_or(Cell::None, Cell::Int)];

    // Attempt 1 of slice 1 is lost mid-write; attempt 2 finished both datasets' slice 1 and was
    // lost before it reported (with a None, so `n` has a valid bitmap); attempt 3 is accepted.
    let mut lost = SliceWriter::open(&dir, &def, 1, &worker(1, 1, "node2")).unwrap();
    for i in 0..20_000 {
        lost.push_row(&row(i, Some(i))).unwrap();
    }
    assert!(files_in(&dir).contains(&"attempt.1.1".to_string()), "{:?}", files_in(&dir));
    assert!(!files_in(&dir).iter().any(|f| f.starts_with("c0.")), "{:?}", files_in(&dir));
    let mut finished = SliceWriter::open(&dir, &def, 1, &worker(1, 2, "node1")).unwrap();
    finished.push_row(&row(5, None)).unwrap();
    finished.finish().unwrap();
    let mut finished = SliceWriter::open(&second_dir, &second_def, 1, &worker(1, 2, "node1")).unwrap();
    finished.push_row(&[Cell::Int(99)]).unwrap();
    finished.finish().unwrap();
    let mut third = SliceWriter::open(&dir, &def, 1, &worker(1, 3, "node1")).unwrap();
    third.push_row(&row(7, Some(70))).unwrap();
    third.finish().unwrap();
    // The same attempt cannot open its slice twice, nor another slice's worker take it.
    let e = SliceWriter::open(&dir, &def, 1, &worker(1, 3, "node1")).err().unwrap();
    assert!(
        e.to_string()
            .contains("slice 1 is already being written elsewhere (analysis 1 attempt 3 on node1 pid 7;"),
        "{e}"
    );

    commit_attempts(&job, &[1, 3]).unwrap();
    let after = files_in(&dir);
    assert!(!after.iter().any(|f| f.starts_with("attempt.")), "{after:?}");
    assert!(
        after.contains(&"c0.1.data".to_string()) && !after.contains(&"c1.1.valid".to_string()),
        "{after:?}"
    );
    // Attempt 2's slice of the second dataset went too (attempt 3 wrote none there).
    assert_eq!(files_in(&second_dir), ["writer.json"]);
    // Slice 1 is now taken.
    for who in [worker(1, 1, "node2"), worker(1, 4, "node1")] {
        let e = SliceWriter::open(&dir, &def, 1, &who).err().unwrap();
        assert!(e.to_string().contains("slice 1 was already written and finished"), "{e}");
    }
    // The lost attempt ran on after all: it cannot finish, and leaves nothing.
    lost.push_row(&row(1, Some(1))).unwrap();
    let e = lost.finish().err().unwrap();
    assert!(
        e.to_string()
            .contains("slice 1 was given up as lost (analysis 1 attempt 1 on node2 pid 7); the run went on with another attempt at it"),
        "{e}"
    );
    assert_eq!(files_in(&dir), after);

    // Slice 0 from the run's own process: a marker and temporary names, renamed at its finish.
    let mut own = SliceWriter::open(&dir, &def, 0, &crate::job::attempt::current()).unwrap();
    own.push_row(&row(1, Some(10))).unwrap();
    let mid = files_in(&dir);
    assert!(mid.contains(&"slice.0.writing".to_string()), "{mid:?}");
    let e = SliceWriter::open(&dir, &def, 0, &worker(0, 1, "node1")).err().unwrap();
    assert!(
        e.to_string().contains("slice 0 is already being written elsewhere (exax on "),
        "{e}"
    );
    own.finish().unwrap();
    std::fs::write(dir.join("c0.0.data.elsewhere.9.tmp"), b"left by a writer given up").unwrap();
    std::fs::create_dir(dir.join("attempt.0.1")).unwrap();
    DatasetWriter::reopen(&job, "t-1", "r").unwrap().finish(&no_parent).unwrap();
    let left = files_in(&dir);
    assert!(
        !left
            .iter()
            .any(|f| f.ends_with(".tmp") || f.ends_with(".writing") || f.starts_with("attempt.")),
        "{left:?}"
    );
    let ds = open(&job, "r");
    assert_eq!(ds.meta.lines, [1, 1]);
    assert_eq!(read_all(&ds, "a", 1), ["i7"]);
    assert_eq!(read_all(&ds, "n", 1), ["i70"]);
    assert_eq!(read_all(&ds, "a", 0), ["i1"]);
}
