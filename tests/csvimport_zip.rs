//! csvimport_zip: the original's test (a_test_csvimport_zip): members one dataset each, names,
//! gzip members, repeated names (under strip_dirs: the zip crate keeps one member per full name), selection by inside_filenames and regexes, every chaining
//! order, and errors (a bad member's line, an empty zip, missing members).

use std::io::Write;

use crate::test::Test;

/// A zip of `members` (name, contents), deflated, in that order.
fn zip_of(members: &[(&str, &[u8])]) -> Vec<u8> {
    let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, data) in members {
        if name.ends_with('/') {
            z.add_directory(name.trim_end_matches('/'), opts).unwrap();
        } else {
            z.start_file(*name, opts).unwrap();
            z.write_all(data).unwrap();
        }
    }
    z.finish().unwrap().into_inner()
}

fn gz(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

/// Lua: `dump(job)` prints each dataset of the job (sorted names) as
/// `name <- previous: values of column 0 (or data) over all slices`.
const DUMP: &str = r#"
function dump(job)
  local names = {}
  for _, ds in ipairs(job:datasets()) do names[#names + 1] = ds.name end
  table.sort(names)
  for _, n in ipairs(names) do
    local ds = job:dataset(n)
    local vals = {}
    for v in ds:iterate(nil, ds.columns['0'] and '0' or 'data') do vals[#vals + 1] = v end
    print(n .. ' <- ' .. tostring(ds.previous and ds.previous.id:gsub('^[^/]*/', '') or '-') .. ': ' .. table.concat(vals, ','))
  end
end
"#;

/// Imports input/z.zip with the options and checks the dump.
fn check(zip: &[u8], options: &str, want: &str) {
    let t = Test::new();
    std::fs::create_dir_all(t.path().join("input")).unwrap();
    std::fs::write(t.path().join("input/z.zip"), zip).unwrap();
    t.build(&format!(
        "{DUMP}\nfunction main(urd) local j = urd:build('csvimport_zip', {{filename = 'z.zip', {options}}}) print(j:load()) dump(j) end"
    ))
    .stdout(&crate::test::unindent(want))
    .run();
}

fn fails(zip: &[u8], options: &str, error: &str) {
    let t = Test::new();
    std::fs::create_dir_all(t.path().join("input")).unwrap();
    std::fs::write(t.path().join("input/z.zip"), zip).unwrap();
    t.build(&format!(
        "function main(urd) urd:build('csvimport_zip', {{filename = 'z.zip', {options}}}) end"
    ))
    .status(1)
    .stderr_contains(error)
    .run();
}

const A: &[u8] = b"0\nfoo\n";
const B: &[u8] = b"0\nbar\n";

#[test]
fn one_member_is_also_default() {
    check(
        &zip_of(&[("a", A)]),
        "",
        "
        nil
        a <- -: foo
        default <- -: foo
    ",
    );
    check(
        &zip_of(&[("a", A)]),
        "inside_filenames = {a = 'foo'}",
        "
        nil
        default <- -: foo
        foo <- -: foo
    ",
    );
    // A member named default is default_ when chaining (and default is its link).
    check(
        &zip_of(&[("default", B)]),
        "",
        "
        nil
        default <- -: bar
        default_ <- -: bar
    ",
    );
    check(
        &zip_of(&[("default", B)]),
        "chaining = 'off'",
        "
        nil
        default <- -: bar
    ",
    );
    check(
        &zip_of(&[("a", A)]),
        "inside_filenames = {a = 'default'}",
        "
        nil
        default <- -: foo
    ",
    );
}

#[test]
fn members_chained_in_zip_order_with_gzip_and_repeated_names() {
    check(
        &zip_of(&[("b", B), ("dir/", b""), ("a", &gz(A))]),
        "",
        "
        nil
        a <- b: foo
        b <- -: bar
        default <- b: foo
    ",
    );
    check(
        &zip_of(&[("a", &gz(A)), ("d/a", B)]),
        "strip_dirs = true",
        "
        nil
        a <- -: foo
        a_ <- a: bar
        default <- a: bar
    ",
    );
    // Not chained: no default with two members.
    check(
        &zip_of(&[("a", A), ("b", B)]),
        "chaining = 'off'",
        "
        nil
        a <- -: foo
        b <- -: bar
    ",
    );
}

#[test]
fn names_are_cleaned_up() {
    check(
        &zip_of(&[("d/x y.csv", A), (".hid", B), ("default", A), ("d/x_y.csv", B)]),
        "",
        "
        nil
        _hid <- d_x_y.csv: bar
        d_x_y.csv <- -: foo
        d_x_y.csv_ <- default_: bar
        default <- default_: bar
        default_ <- _hid: foo
    ",
    );
    check(
        &zip_of(&[("d/x y.csv", A), ("e/b", B)]),
        "strip_dirs = true, chaining = 'off'",
        "
        nil
        b <- -: bar
        x_y.csv <- -: foo
    ",
    );
}

#[test]
fn selection() {
    let z = zip_of(&[("a.csv", A), ("b.csv", B), ("c.txt", A)]);
    check(
        &z,
        "include_re = '\\\\.csv$', exclude_re = '^b'",
        "
        nil
        a.csv <- -: foo
        default <- -: foo
    ",
    );
    check(
        &z,
        "include_re = 'csv'",
        "
        nil
        a.csv <- -: foo
        b.csv <- a.csv: bar
        default <- a.csv: bar
    ",
    );
    fails(&z, "inside_filenames = {x = 'y', ['a.csv'] = 'a'}", "not found in z.zip: x");
    fails(&z, "inside_filenames = {a = 'y'}, include_re = 'a'", "cannot both be given");
}

const MANY: &str = "BACDEFGHIJKLMOPQRSTUVWXYZ";

/// The original's chaining orders on a zip of members B, A, C, ... (contents `contents of X`);
/// prints the chain from the last dataset back.
fn order(options: &str, last: &str, want: &str) {
    let data: Vec<(String, Vec<u8>)> = MANY
        .chars()
        .map(|c| (c.to_string(), format!("contents of {c}").into_bytes()))
        .collect();
    let members: Vec<(&str, &[u8])> = data.iter().map(|(n, d)| (n.as_str(), d.as_slice())).collect();
    let t = Test::new();
    std::fs::create_dir_all(t.path().join("input")).unwrap();
    std::fs::write(t.path().join("input/z.zip"), zip_of(&members)).unwrap();
    t.build(&format!(
        "function main(urd)
           local j = urd:build('csvimport_zip', {{filename = 'z.zip', label_lines = 0, labels = {{'0'}}, {options}}})
           for _, n in ipairs({{'{last}', 'default'}}) do
             local ok, ds = pcall(j.dataset, j, n)
             local out = {{}}
             while ok and ds do
               local v = {{}}
               for x in ds:iterate(nil, '0') do v[#v + 1] = x end
               table.insert(out, 1, ds.name .. '=' .. table.concat(v, ','):gsub('contents of ', ''))
               ds = ds.previous
             end
             print(table.concat(out, ' '))
           end
         end"
    ))
    .stdout(&crate::test::unindent(want))
    .run();
}

#[test]
fn chaining_orders() {
    order(
        "",
        "Z",
        "
        B=B A=A C=C D=D E=E F=F G=G H=H I=I J=J K=K L=L M=M O=O P=P Q=Q R=R S=S T=T U=U V=V W=W X=X Y=Y Z=Z
        B=B A=A C=C D=D E=E F=F G=G H=H I=I J=J K=K L=L M=M O=O P=P Q=Q R=R S=S T=T U=U V=V W=W X=X Y=Y default=Z
    ",
    );
    let inside = "inside_filenames = {{'A', 'A'}, {'Y', 'B'}, {'B', 'C'}, {'E', 'E'}, {'D', 'D'}}";
    order(
        &format!("chaining = 'by_dsname', {inside}"),
        "E",
        "
        A=A B=Y C=B D=D E=E
        A=A B=Y C=B D=D default=E
    ",
    );
    order(
        &format!("chaining = 'by_filename', {inside}"),
        "B",
        "
        A=A C=B D=D E=E B=Y
        A=A C=B D=D E=E default=Y
    ",
    );
    order(
        &format!("chaining = 'by_ziporder', {inside}"),
        "B",
        "
        C=B A=A D=D E=E B=Y
        C=B A=A D=D E=E default=Y
    ",
    );
    order(
        &format!("chaining = 'by_dict', {inside}"),
        "D",
        "
        A=A B=Y C=B E=E D=D
        A=A B=Y C=B E=E default=D
    ",
    );
    order(
        inside,
        "D",
        "
        A=A B=Y C=B E=E D=D
        A=A B=Y C=B E=E default=D
    ",
    );
    // A map: by_dict is in sorted member names.
    order(
        "inside_filenames = {Y = 'B', A = 'A', B = 'C'}",
        "B",
        "
        A=A C=B B=Y
        A=A C=B default=Y
    ",
    );
    order(
        &format!("chaining = 'off', {inside}"),
        "C",
        "
        C=B
        
    ",
    );
    fails(&zip_of(&[("a", A)]), "chaining = 'by_dict'", "by_dict needs inside_filenames");
    fails(
        &zip_of(&[("a", A), ("b", B)]),
        "inside_filenames = {{'a', 'default'}, {'b', 'x'}}",
        "the dataset named `default` must be the last one",
    );
}

#[test]
fn bad_member_names_member_and_line() {
    fails(
        &zip_of(&[("ok.csv", b"a,b\n1,2\n"), ("d/bad.csv", b"a,b\n1,2\n3\n")]),
        "",
        "csvimport: z.zip:d/bad.csv:3:",
    );
}

#[test]
fn bad_and_skipped_lines_per_member() {
    check(
        &zip_of(&[("a", b"0\n#c\nx\n"), ("b", b"0\ny\n#d\n")]),
        "comment = '#'",
        "
        nil
        a <- -: x
        a.skipped <- -: #c
        b <- a: y
        b.skipped <- a.skipped: #d
        default <- a: y
    ",
    );
}

#[test]
fn empty_zip() {
    fails(&zip_of(&[]), "", "csvimport_zip: z.zip: no members to import");
    fails(&zip_of(&[("dir/", b"")]), "", "csvimport_zip: z.zip: no members to import");
}

#[test]
fn reused_until_the_zip_changes() {
    let t = Test::new();
    std::fs::create_dir_all(t.path().join("input")).unwrap();
    std::fs::write(t.path().join("input/z.zip"), zip_of(&[("a", A)])).unwrap();
    let lua = "function main(urd) local j = urd:build('csvimport_zip', {filename = 'z.zip'}) \
               for v in j:dataset('a'):iterate(nil, '0') do print(v) end end";
    let out = t.build(lua).stdout("foo\n").run();
    let t = Test::again(out);
    std::fs::write(t.path().join("input/z.zip"), zip_of(&[("a", B)])).unwrap();
    t.build(lua).stdout("bar\n").run();
}
