//! Checksums (issue 14 item 1): damage to a finished job's files is an error that names the job,
//! dataset, column, slice and file, never a wrong value; `exax verify` checks jobs whole.

use crate::test::{Output, Test};

/// `n` (number: floats, so it has an `isfloat` part), `u` (5,000 distinct strings: plain, so
/// `offsets` and `data`), `d` (three distinct strings: dictionary, `codes` and `dict`), all in
/// slice 0; a saved file and a result.
pub const MK: &str = "
options = {k = 0}
function synthesis(job)
  local dw = job:datasetwriter()
  dw:add('n', 'number')
  dw:add('u', 'unicode')
  dw:add('d', 'unicode')
  dw:set_slice(0)
  for i = 1, 5000 do dw:write(i + 0.5, 'value ' .. i, 'k' .. i % 3) end
  job:save({1, 2}, 'saved')
  return 'done'
end
";

/// Builds (or reuses) `mk` and reads its dataset.
pub const READ: &str = "
function main(urd)
  local j = urd:build('mk')
  local total, chars = 0, 0
  for n, u, d in j:dataset():iterate(nil, {'n', 'u', 'd'}) do total = total + n; chars = chars + #u + #d end
  print(total, chars)
end
";

/// Reads the dataset of the `mk` job that `first` recorded in urd list `l`, without building:
/// a damaged job is not reused (`tests/reuse_damage.rs`), so reading it needs its id.
const READ_IT: &str = "
function main(urd)
  local j = urd:peek_latest('l').joblist:get('mk')
  local total, chars = 0, 0
  for n, u, d in j:dataset():iterate(nil, {'n', 'u', 'd'}) do total = total + n; chars = chars + #u + #d end
  print(total, chars)
end
";

/// Loads the result and the saved file of the `mk` job in urd list `l`.
const LOAD_IT: &str = "
function main(urd)
  local j = urd:peek_latest('l').joblist:get('mk')
  print(j:load(), #j:load('saved'))
end
";

pub const DS: &str = "workdirs/test/test-0/DS/default";

/// test-0, built in urd session `l`.
pub fn first() -> Output {
    let out = Test::new()
        .method("mk", MK)
        .build("function main(urd) urd:begin('l', '2024-01-01') urd:build('mk') urd:finish('l') end")
        .run();
    Test::again(out).build(READ).stdout("12505000.0\t58893\n").run()
}

fn dir(out: &Output) -> String {
    out.path().display().to_string()
}

/// Writes `bytes` over the file `rel` at `at`.
pub fn overwrite(out: &Output, rel: &str, at: usize, bytes: &[u8]) {
    let p = out.path().join(rel);
    let mut data = std::fs::read(&p).unwrap();
    data[at..at + bytes.len()].copy_from_slice(bytes);
    std::fs::write(p, data).unwrap();
}

fn read_error(line: &str) -> String {
    format!("error: build.lua:4: {line}\n  traceback:\n    build.lua:4: in function 'main'\n")
}

#[test]
fn deleted_isfloat_is_an_error_naming_the_file() {
    let out = first();
    std::fs::remove_file(out.path().join(DS).join("c0.0.isfloat")).unwrap();
    let d = dir(&out);
    Test::again(out)
        .build(READ_IT)
        .status(1)
        .stderr(&read_error(&format!(
            "dataset test-0/default, column `n`, slice 0: {d}/{DS}/c0.0.isfloat is damaged: the file is missing"
        )))
        .run();
}

#[test]
fn bytes_0xff_over_a_unicode_column_are_an_error() {
    let out = first();
    let d = dir(&out);
    // Plain strings: the data part, checked as the reader reaches its block.
    let data = out.path().join(DS).join("c1.0.data");
    let clean = std::fs::read(&data).unwrap();
    overwrite(&out, &format!("{DS}/c1.0.data"), 0, &[0xff; 4]);
    let out = Test::again(out)
        .build(READ_IT)
        .status(1)
        .stderr(&read_error(&format!(
            "reading a dataset: dataset test-0/default, column `u`, slice 0: {d}/{DS}/c1.0.data is damaged: bytes 0 to 48893 do not match their checksum"
        )))
        .run();
    std::fs::write(&data, clean).unwrap();
    // Dictionary strings: the dictionary, checked whole when the column is opened.
    overwrite(&out, &format!("{DS}/c2.0.dict"), 40, &[0xff; 2]);
    Test::again(out)
        .build(READ_IT)
        .status(1)
        .stderr(&read_error(&format!(
            "dataset test-0/default, column `d`, slice 0: {d}/{DS}/c2.0.dict is damaged: bytes 0 to 46 do not match their checksum"
        )))
        .run();
}

#[test]
fn truncated_column_file_is_an_error_naming_the_file() {
    let out = first();
    let d = dir(&out);
    let p = out.path().join(DS).join("c0.0.data");
    let f = std::fs::OpenOptions::new().write(true).open(p).unwrap();
    f.set_len(20_000).unwrap();
    Test::again(out)
        .build(READ_IT)
        .status(1)
        .stderr(&read_error(&format!(
            "dataset test-0/default, column `n`, slice 0: {d}/{DS}/c0.0.data is damaged: it has 20000 bytes, 40000 were written"
        )))
        .run();
}

/// A file whose ctime changed (here by chmod) is hashed as the job is reused and as it is read:
/// intact, it is reused and reads the same.
#[test]
fn a_changed_but_intact_file_reads_the_same() {
    use std::os::unix::fs::PermissionsExt;
    let out = first();
    std::thread::sleep(std::time::Duration::from_millis(20));
    for e in std::fs::read_dir(out.path().join(DS)).unwrap() {
        let p = e.unwrap().path();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    Test::again(out)
        .build(READ)
        .stdout("12505000.0\t58893\n")
        .stderr("reused test-0 mk\nbuild.lua: 0 jobs built, 1 reused in TIME\n")
        .run();
}

#[test]
fn altered_result_and_saved_file_are_load_errors() {
    let out = first();
    let out = Test::again(out).build(LOAD_IT).stdout("done\t2\n").run();
    // `done` as MessagePack is a4 'd' 'o' 'n' 'e': `xone` is still a valid result.
    overwrite(&out, "workdirs/test/test-0/result.msgpack", 1, b"x");
    let load_error = |file: &str, len: usize| {
        format!(
            "error: build.lua:3: job:load: job test-0 is damaged: its file {file}: bytes 0 to {len} do not match their checksum (`exax verify test-0` checks it whole)\n  traceback:\n    build.lua:3: in function 'main'\n"
        )
    };
    let out = Test::again(out)
        .build(LOAD_IT)
        .status(1)
        .stderr(&load_error("result.msgpack", 5))
        .run();
    overwrite(&out, "workdirs/test/test-0/result.msgpack", 1, b"d");
    let out = Test::again(out).build(LOAD_IT).stdout("done\t2\n").run();
    // [1, 2] as MessagePack is 92 01 02: 92 01 03 would load as {1, 3}.
    let saved = std::fs::read(out.path().join("workdirs/test/test-0/saved")).unwrap();
    assert_eq!(saved, [0x92, 1, 2]);
    overwrite(&out, "workdirs/test/test-0/saved", 2, b"\x03");
    Test::again(out).build(LOAD_IT).status(1).stderr(&load_error("saved", 3)).run();
}

#[test]
fn a_result_of_another_length_is_not_reused() {
    let out = first();
    let p = out.path().join("workdirs/test/test-0/result.msgpack");
    let mut bytes = std::fs::read(&p).unwrap();
    bytes.push(0xc0);
    std::fs::write(&p, bytes).unwrap();
    Test::again(out)
        .build("function main(urd) print(urd:build('mk').id) end")
        .stdout("test-1\n")
        .stderr("built  test-1 mk (TIME; job test-0 not whole: result.msgpack damaged)\nbuild.lua: 1 job built, 0 reused in TIME\n")
        .run();
}

const TWO: &str = "function main(urd) urd:build('mk') urd:build('mk', {k = 1}) urd:build('none') end";

fn two_jobs() -> Output {
    Test::new()
        .method("mk", MK)
        .method("none", "function synthesis() end")
        .build(TWO)
        .run()
}

#[test]
fn verify_on_a_clean_workdir_exits_0() {
    let out = two_jobs();
    let out = Test::again(out)
        .args(&["verify", "--all"])
        .stdout("3 jobs checked: 3 whole, 0 damaged\n")
        .run();
    Test::again(out)
        .args(&["verify", "test-1"])
        .stdout("1 job checked: 1 whole, 0 damaged\n")
        .run();
}

#[test]
fn verify_names_every_damaged_item_and_exits_1() {
    let out = two_jobs();
    let job0 = out.path().join("workdirs/test/test-0");
    let job1 = out.path().join("workdirs/test/test-1");
    std::fs::remove_file(job0.join("DS/default/c0.0.isfloat")).unwrap();
    overwrite(&out, "workdirs/test/test-0/DS/default/c1.0.data", 100, &[0xff]);
    overwrite(&out, "workdirs/test/test-1/result.msgpack", 1, b"x");
    std::fs::remove_file(job1.join("setup.json")).unwrap();
    std::fs::OpenOptions::new()
        .write(true)
        .open(job1.join("DS/default/c2.0.codes"))
        .unwrap()
        .set_len(10)
        .unwrap();
    // An unfinished job (no post.json) is counted, not checked.
    std::fs::create_dir(out.path().join("workdirs/test/test-3")).unwrap();
    let out = Test::again(out)
        .args(&["verify", "--all"])
        .status(1)
        .stdout(
            "
            test-0: dataset default, column `n`, slice 0, file c0.0.isfloat: the file is missing
            test-0: dataset default, column `u`, slice 0, file c1.0.data: bytes 0 to 48893 do not match their checksum
            test-1: file setup.json: the file is missing
            test-1: file result.msgpack: bytes 0 to 5 do not match their checksum
            test-1: dataset default, column `d`, slice 0, file c2.0.codes: it has 10 bytes, 10000 were written
            3 jobs checked: 1 whole, 2 damaged (5 damaged items); 1 unfinished, not checked
            ",
        )
        .run();
    Test::again(out)
        .args(&["verify", "test-2", "test-0"])
        .status(1)
        .stdout(
            "
            test-0: dataset default, column `n`, slice 0, file c0.0.isfloat: the file is missing
            test-0: dataset default, column `u`, slice 0, file c1.0.data: bytes 0 to 48893 do not match their checksum
            2 jobs checked: 1 whole, 1 damaged (2 damaged items)
            ",
        )
        .run();
}

#[test]
fn an_older_dataset_format_asks_for_a_rebuild() {
    let out = first();
    let meta = out.path().join(DS).join("dataset.json");
    let text = std::fs::read_to_string(&meta).unwrap().replace("\"format\": 2", "\"format\": 1");
    std::fs::write(&meta, text).unwrap();
    let d = dir(&out);
    Test::again(out)
        .args(&["cat", "test-0"])
        .status(1)
        .stderr(&format!(
            "error: dataset test-0/default was written by an older exax (format 1, without checksums); rebuild job test-0 ({d}/{DS})\n"
        ))
        .run();
}
