//! csvimport: the original's corner cases (its `a_test_csvimport_*` methods), slicing, the `bad`
//! and `skipped` datasets, gzip input, and errors. Two slices; every dataset is printed slice by
//! slice, columns sorted, bytes that are not printable as `\xNN`.

use crate::test::Test;

/// Lua: `dump(job)` prints the result and the default, bad and skipped datasets.
const DUMP: &str = r#"
local function esc(v)
  if type(v) ~= 'string' then return tostring(v) end
  return (v:gsub('[^%w%p ]', function(c) return string.format('\\x%02x', c:byte()) end))
end
local function list(t) local o = {} for i, v in ipairs(t) do o[i] = tostring(v) end return '[' .. table.concat(o, ',') .. ']' end
function dump(job)
  local r = job:load()
  print(('lines %d %s broken %d %s skipped %d %s'):format(r.num_lines, list(r.lines_per_slice),
    r.num_broken_lines, list(r.broken_lines_per_slice), r.num_skipped_lines, list(r.skipped_lines_per_slice)))
  for _, name in ipairs({'default', 'bad', 'skipped'}) do
    local ok, ds = pcall(job.dataset, job, name)
    if ok then
      local cols = {}
      for n in pairs(ds.columns) do cols[#cols + 1] = n end
      table.sort(cols)
      print(name .. ': ' .. table.concat(cols, ','))
      for s = 0, 1 do
        local f, st, ctl = ds:iterate(s, cols)
        while true do
          local row = table.pack(f(st, ctl))
          if row[1] == nil then break end
          ctl = row[1]
          for i = 1, row.n do row[i] = esc(row[i]) end
          print('s' .. s .. ' ' .. table.concat(row, '|', 1, row.n))
        end
      end
    end
  end
end
"#;

/// Imports `data` as `f.csv` with the options (Lua table fields) and checks the dump.
fn check(data: &[u8], options: &str, want: &str) {
    let t = Test::new();
    std::fs::create_dir_all(t.path().join("input")).unwrap();
    std::fs::write(t.path().join("input/f.csv"), data).unwrap();
    t.build(&format!(
        "{DUMP}\nfunction main(urd) dump(urd:build('csvimport', {{filename = 'f.csv', {options}}})) end"
    ))
    .stdout(&dedent(want))
    .run();
}

/// Removes the indentation of the lines after the first (the literals start on the call's line).
fn dedent(want: &str) -> String {
    let n = want.lines().nth(1).map_or(0, |l| l.len() - l.trim_start().len());
    let mut out: String = want
        .lines()
        .map(|l| &l[(l.len() - l.trim_start().len()).min(n)..])
        .collect::<Vec<_>>()
        .join("\n");
    if want.ends_with('\n') {
        out.push('\n');
    }
    out
}

fn fails(data: &[u8], options: &str, error: &str) {
    let t = Test::new();
    std::fs::create_dir_all(t.path().join("input")).unwrap();
    std::fs::write(t.path().join("input/f.csv"), data).unwrap();
    t.build(&format!(
        "function main(urd) urd:build('csvimport', {{filename = 'f.csv', {options}}}) end"
    ))
    .status(1)
    .stderr_contains(&format!("error: csvimport: {error}"))
    .run();
}

#[test]
fn mixed_line_endings_and_round_robin() {
    check(
        b"ix,0,1\r\n1,a,a\n2,b,b\r\n3,c,c",
        "",
        "lines 3 [2,1] broken 0 [0,0] skipped 0 [0,0]
        default: 0,1,ix
        s0 a|a|1
        s0 c|c|3
        s1 b|b|2
        ",
    );
}

#[test]
fn quotes_are_data_unless_enabled() {
    check(
        b"ix,0,1\n1,'a,'a\n2,'b','b'\n3,\"c\",\"c\"\n4,d',d'\n",
        "quotes = ''",
        "lines 4 [2,2] broken 0 [0,0] skipped 0 [0,0]
        default: 0,1,ix
        s0 'a|'a|1
        s0 \"c\"|\"c\"|3
        s1 'b'|'b'|2
        s1 d'|d'|4
        ",
    );
    check(
        b"ix,0,1\none,a,a\ntwo, b, b\n three,c,c\n4,\"d\"\"\",d\"\n5, 'e',\" 'e'\"\n",
        "quotes = 'True'",
        "lines 5 [3,2] broken 0 [0,0] skipped 0 [0,0]
        default: 0,1,ix
        s0 a|a|one
        s0 c|c| three
        s0  'e'| 'e'|5
        s1  b| b|two
        s1 d\"|d\"|4
        ",
    );
}

#[test]
fn bad_lines_go_to_bad_and_keep_their_place_in_the_round_robin() {
    check(
        b"ix,0,1\n1,a,a\n2,\"b,\"b\n\n3,'c'c','c'c'\n4,\"d\",'d'\n",
        "quotes = 'True', allow_bad = true",
        "lines 2 [2,0] broken 3 [1,2] skipped 0 [0,0]
        default: 0,1,ix
        s0 a|a|1
        s0 d|d|4
        bad: data,lineno
        s0 |4
        s1 2,\"b,\"b|3
        s1 3,'c'c','c'c'|5
        ",
    );
    check(
        b"ix,0,1\n2,a,a\n3,b\nc\n5,d,d\n6,e,e\n7\n8,g,g\n\n",
        "allow_bad = true, lineno_label = 'num'",
        "lines 4 [3,1] broken 4 [1,3] skipped 0 [0,0]
        default: 0,1,ix,num
        s0 a|a|2|2
        s0 e|e|6|6
        s0 g|g|8|8
        s1 d|d|5|5
        bad: data,lineno
        s0 c|4
        s1 3,b|3
        s1 7|7
        s1 |9
        ",
    );
}

#[test]
fn comments_and_skipped_lines_round_robin_of_their_own() {
    check(
        b"# blah\nix,0,1\n1,a,a\n2,b,b\n#3,c,c\n4,#d,#d\n",
        "comment = '#'",
        "lines 3 [2,1] broken 0 [0,0] skipped 2 [1,1]
        default: 0,1,ix
        s0 a|a|1
        s0 #d|#d|4
        s1 b|b|2
        skipped: data,lineno
        s0 # blah|1
        s1 #3,c,c|5
        ",
    );
    check(
        b"just some text\n\nix,0,1\n1,a,a\n2,b,b",
        "skip_lines = 2",
        "lines 2 [1,1] broken 0 [0,0] skipped 2 [1,1]
        default: 0,1,ix
        s0 a|a|1
        s1 b|b|2
        skipped: data,lineno
        s0 just some text|1
        s1 |2
        ",
    );
    check(
        b"\r\nix,0,1\n\n\n5,a,a\n#6,b,b\n7,c,c\n#",
        "skip_empty_lines = true, comment = '#', lineno_label = 'line'",
        "lines 2 [1,1] broken 0 [0,0] skipped 5 [3,2]
        default: 0,1,ix,line
        s0 a|a|5|5
        s1 c|c|7|7
        skipped: data,lineno
        s0 |1
        s0 |4
        s0 #|8
        s1 |3
        s1 #6,b,b|6
        ",
    );
}

#[test]
fn a_little_of_everything() {
    check(
        b";not,1,labels\na,2,1\n;a,3,;a\n\";b\",4,;b\n'c,5,c'\r\n d,6,' d'\ne,7,e,\n,8,\"\"",
        "allow_bad = true, rename = {a = '0', ['2'] = 'ix'}, quotes = 'True', comment = ';'",
        "lines 3 [3,0] broken 2 [0,2] skipped 2 [1,1]
        default: 0,1,ix
        s0 ;b|;b|4
        s0  d| d|6
        s0 ||8
        bad: data,lineno
        s1 'c,5,c'|5
        s1 e,7,e,|7
        skipped: data,lineno
        s0 ;not,1,labels|1
        s1 ;a,3,;a|3
        ",
    );
}

#[test]
fn labels_from_several_lines_options_or_nowhere() {
    check(
        b"a,b,c\n#2,2,2\nfoo,bar,blutti\n#4,4,4\nd,e,f\n6,a,a\n#7,7,7\n8,b,b\n",
        "label_lines = 3, lineno_label = 'line', comment = '#'",
        "lines 2 [1,1] broken 0 [0,0] skipped 3 [2,1]
        default: a foo d,b bar e,c blutti f,line
        s0 6|a|a|6
        s1 8|b|b|8
        skipped: data,lineno
        s0 #2,2,2|2
        s0 #7,7,7|7
        s1 #4,4,4|4
        ",
    );
    check(
        b"a,b,c\n0,foo,foo",
        "labels = {'ix', '0', '1'}, label_lines = 1",
        "lines 1 [1,0] broken 0 [0,0] skipped 0 [0,0]
        default: 0,1,ix
        s0 foo|foo|0
        ",
    );
    check(b"ix,0,1", "", "lines 0 [0,0] broken 0 [0,0] skipped 0 [0,0]\ndefault: 0,1,ix\n");
    check(
        b"",
        "labels = {'ix', '0', '1'}, lineno_label = 'num', comment = '#', allow_bad = true",
        "lines 0 [0,0] broken 0 [0,0] skipped 0 [0,0]\ndefault: 0,1,ix,num\nbad: data,lineno\nskipped: data,lineno\n",
    );
    check(
        b" ix , 0 , 1 \n1,a,a\n2,b ,b ",
        "strip_labels = true",
        "lines 2 [1,1] broken 0 [0,0] skipped 0 [0,0]
        default: 0,1,ix
        s0 a|a|1
        s1 b |b |2
        ",
    );
    check(
        b"0,1,2\n0,foo,foo",
        "rename = {['0'] = 'ix', ['2'] = '0'}",
        "lines 1 [1,0] broken 0 [0,0] skipped 0 [0,0]\ndefault: 0,1,ix\ns0 foo|foo|0\n",
    );
    check(
        b"ix,0,no,1\n0,yes,no,yes\n1,a,'foo,bar',a",
        "quotes = 'True', discard = {'no'}",
        "lines 2 [1,1] broken 0 [0,0] skipped 0 [0,0]
        default: 0,1,ix
        s0 yes|yes|0
        s1 a|a|1
        ",
    );
    check(
        b"\xef\xbb\xbfname\xff,x\nv,w\n",
        "label_encoding = 'utf-8'",
        "lines 1 [1,0] broken 0 [0,0] skipped 0 [0,0]\ndefault: name\\xff,x\ns0 v|w\n",
    );
}

#[test]
fn allow_extra_empty() {
    check(
        b"ix,0,1,,,,\n1,a,a\n2,b,b,,\n3,,,",
        "allow_extra_empty = true",
        "lines 3 [2,1] broken 0 [0,0] skipped 0 [0,0]
        default: 0,1,ix
        s0 a|a|1
        s0 ||3
        s1 b|b|2
        ",
    );
    check(
        b"ix,_0_,1,,,__,\n1,a,a\n_2_,b,b,__,\n3,c,c,__",
        "allow_extra_empty = true, quotes = '_'",
        "lines 3 [2,1] broken 0 [0,0] skipped 0 [0,0]
        default: 0,1,ix
        s0 a|a|1
        s0 c|c|3
        s1 b|b|2
        ",
    );
    // The original's case, except that its last line opens a quote it never closes: here the
    // quote on line 5 spans to the end of the file, so lines 5 and 6 are one (bad) line.
    check(
        b"ix,0,1,,,'',\"\"\n1,a,a\n'2',b,b,'',\n3,c,c,\"\"\n4,d,d,'\"\n5,'',\"\",'",
        "allow_extra_empty = true, quotes = 'True', allow_bad = true",
        "lines 3 [2,1] broken 1 [0,1] skipped 0 [0,0]
        default: 0,1,ix
        s0 a|a|1
        s0 c|c|3
        s1 b|b|2
        bad: data,lineno
        s1 4,d,d,'\"\\x0a5,'',\"\",'|5
        ",
    );
}

#[test]
fn quoted_fields_span_lines() {
    check(
        b"a,b\n\"x\ny\",1\n2,'q\nx',9\n\"p\"\"\r\nq\",3\r\n",
        "quotes = '\"', lineno_label = 'l'",
        "lines 4 [2,2] broken 0 [0,0] skipped 0 [0,0]
        default: a,b,l
        s0 x\\x0ay|1|2
        s0 x'|9|5
        s1 2|'q|4
        s1 p\"\\x0d\\x0aq|3|6
        ",
    );
}

#[test]
fn strange_values() {
    let mut data =
        b"1,bad,bad,bad,bad\n2,'lo there broken line,'lo there broken line\n3,\"bad quote \" inside\",\"bad quote \" inside\"\n".to_vec();
    for (i, v) in [
        &b"\x00"[..],
        b"'good, good'",
        b"'single quote''s inside'",
        b"'single quote at end: '''",
        b"\"\"\"double quotes around\"\"\"",
        b"\" I'm special \"",
        b"I'm not",
        b" unquoted but with spaces around ",
        b"','",
        b"\x00\xff",
        b"'lot''s of ''quotes'' around here: '''''''' '",
    ]
    .iter()
    .enumerate()
    {
        data.extend_from_slice(format!("{},", i + 4).as_bytes());
        data.extend_from_slice(v);
        data.push(b',');
        data.extend_from_slice(v);
        data.push(b'\n');
    }
    check(
        &data,
        "labels = {'ix', '0', '1'}, quotes = 'True', allow_bad = true",
        "lines 11 [5,6] broken 3 [2,1] skipped 0 [0,0]
        default: 0,1,ix
        s0 good, good|good, good|5
        s0 single quote at end: '|single quote at end: '|7
        s0  I'm special | I'm special |9
        s0  unquoted but with spaces around | unquoted but with spaces around |11
        s0 \\x00\\xff|\\x00\\xff|13
        s1 \\x00|\\x00|4
        s1 single quote's inside|single quote's inside|6
        s1 \"double quotes around\"|\"double quotes around\"|8
        s1 I'm not|I'm not|10
        s1 ,|,|12
        s1 lot's of 'quotes' around here: '''' |lot's of 'quotes' around here: '''' |14
        bad: data,lineno
        s0 1,bad,bad,bad,bad|1
        s0 3,\"bad quote \" inside\",\"bad quote \" inside\"|3
        s1 2,'lo there broken line,'lo there broken line|2
        ",
    );
}

#[test]
fn odd_separators_newlines_and_comments() {
    // The original's "idiotic" combinations: separator, newline and comment among \0, \n, \r, \xff.
    for (sep, nl, comment) in [(0u8, 255u8, 13u8), (255, 13, 0), (13, 10, 255), (10, 0, 13)] {
        let c = [comment];
        let s = [sep];
        let j = |parts: &[&[u8]]| parts.join(&s[..]);
        let lines: Vec<Vec<u8>> = vec![
            c.to_vec(),
            j(&[b"ix", b"0", b"1"]),
            j(&[b"0", b"a", b"a"]),
            j(&[b"\x001", b"b", b"b"])
                .iter()
                .enumerate()
                .map(|(i, &b)| if i == 0 { comment } else { b })
                .collect(),
            j(&[b"2", b"", b""]),
            vec![comment, sep],
            j(&[b"", b"", b""]),
            j(&[b"4", b",", b","]),
            c.to_vec(),
        ];
        let data = lines.join(&[nl][..]);
        let lua_char = |b: u8| if b < 128 { format!("'\\{b}'") } else { format!("'\\u{{{b:x}}}'") };
        let e = |b: u8| format!("\\x{b:02x}");
        check(
            &data,
            &format!(
                "separator = {}, newline = {}, comment = {}",
                lua_char(sep),
                lua_char(nl),
                lua_char(comment)
            ),
            &format!(
                "lines 4 [2,2] broken 0 [0,0] skipped 4 [2,2]
                default: 0,1,ix
                s0 a|a|0
                s0 ||
                s1 ||2
                s1 ,|,|4
                skipped: data,lineno
                s0 {c}|1
                s0 {c}{s}|6
                s1 {c}1{s}b{s}b|4
                s1 {c}|9
                ",
                c = e(comment),
                s = e(sep)
            ),
        );
    }
}

#[test]
fn separators_newlines_and_quotes() {
    // The original's separators test: labels a..d, two lines, for many separators and newlines.
    let mut build = String::from(DUMP);
    build.push_str("function main(urd)\n");
    let t = Test::new();
    std::fs::create_dir_all(t.path().join("input")).unwrap();
    let mut want = String::new();
    let rows: [[&str; 4]; 3] = [["a", "b", "c", "d"], ["a b", "", "c,d", ""], ["a\"b\"", "'cd", "e\tf", ""]];
    let mut n = 0;
    for nl in [&b"\n"[..], b"\r\n", b"\r", b"\xfe"] {
        for sep in [0u8, 1, 9, 30, 32, 34, 39, 44, 92, 127, 155, 160, 255] {
            for quote in [None, Some(b'"'), Some(b'\'')] {
                if quote == Some(sep) {
                    continue;
                }
                let mut data = Vec::new();
                for row in &rows {
                    let fields: Vec<Vec<u8>> = row
                        .iter()
                        .map(|v| match quote {
                            None => v.bytes().filter(|&b| b != sep).collect(),
                            Some(q) => {
                                let mut f = vec![q];
                                for b in v.bytes() {
                                    f.push(b);
                                    if b == q {
                                        f.push(q);
                                    }
                                }
                                f.push(q);
                                f
                            }
                        })
                        .collect();
                    data.extend(fields.join(&[sep][..]));
                    data.extend_from_slice(nl);
                }
                n += 1;
                std::fs::write(t.path().join(format!("input/{n}.csv")), &data).unwrap();
                let newline = if nl.contains(&b'\n') {
                    String::new()
                } else {
                    format!("\\u{{{:x}}}", nl[0])
                };
                let quotes = quote.map(|q| format!("\\{q}")).unwrap_or_default();
                build.push_str(&format!(
                    "  do local ds = urd:build('csvimport', {{filename = '{n}.csv', separator = '\\u{{{sep:x}}}', newline = '{newline}', quotes = '{quotes}'}}):dataset()\n    for a, b, c, d in ds:iterate(nil, {{'a', 'b', 'c', 'd'}}) do print(a .. '|' .. b .. '|' .. c .. '|' .. d) end end\n"
                ));
                for row in &rows[1..] {
                    let vals: Vec<String> = row
                        .iter()
                        .map(|v| {
                            if quote.is_none() {
                                v.replace(sep as char, "")
                            } else {
                                v.to_string()
                            }
                        })
                        .collect();
                    want.push_str(&vals.join("|"));
                    want.push('\n');
                }
            }
        }
    }
    build.push_str("end\n");
    let out = t.build(&build).any_stdout().run();
    assert_eq!(out.stdout, want);
}

#[test]
fn gzip_is_read_by_content_and_multi_member_files_work() {
    use std::io::Write;
    let gz = |text: &[u8]| {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(text).unwrap();
        e.finish().unwrap()
    };
    let mut data = gz(b"x,y\n1,2\n");
    data.extend(gz(b"3,4\n5,6\n"));
    check(
        &data,
        "",
        "lines 3 [2,1] broken 0 [0,0] skipped 0 [0,0]
        default: x,y
        s0 1|2
        s0 5|6
        s1 3|4
        ",
    );
}

#[test]
fn a_long_file_goes_round_robin_in_order() {
    // Big enough for several chunks, with quoted fields holding newlines here and there.
    let mut data = b"n,t\n".to_vec();
    let mut want_lines = String::new();
    for i in 0..300_000 {
        if i % 1000 == 7 {
            data.extend_from_slice(format!("{i},\"two\nlines\"\n").as_bytes());
        } else {
            data.extend_from_slice(format!("{i},x{i}\n").as_bytes());
        }
    }
    let t = Test::new();
    std::fs::create_dir_all(t.path().join("input")).unwrap();
    std::fs::write(t.path().join("input/f.csv"), &data).unwrap();
    want_lines.push_str("300000 150000 150000 ok\n");
    t.build(
        "function main(urd)
           local job = urd:build('csvimport', {filename = 'f.csv', quotes = '\"', lineno_label = 'l'})
           local r = job:load()
           local ds = job:dataset()
           local ok, line = true, 2
           for s = 0, 1 do
             local want = s
             for n, t, l in ds:iterate(s, {'n', 't', 'l'}) do
               local i = tonumber(n)
               if i ~= want then ok = false end
               if (i % 1000 == 7) ~= (t == 'two\\nlines') then ok = false end
               -- line of record i: 2 + i + the records with two lines before it
               if l ~= 2 + i + (i + 992) // 1000 then ok = false end
               want = want + 2
             end
           end
           print(r.num_lines, r.lines_per_slice[1], r.lines_per_slice[2], ok and 'ok' or 'wrong')
         end",
    )
    .stdout(&want_lines.replace(' ', "\t"))
    .run();
}

#[test]
fn previous_chains_the_default_bad_and_skipped_datasets() {
    let t = Test::new();
    std::fs::create_dir_all(t.path().join("input")).unwrap();
    std::fs::write(t.path().join("input/a.csv"), "x,y\n1,2\n#c\nbad\n").unwrap();
    std::fs::write(t.path().join("input/b.csv"), "x,y\n3,4\n").unwrap();
    std::fs::write(t.path().join("input/c.csv"), "x,y\n5,6\nworse\n").unwrap();
    t.build(
        "function main(urd)
           local o = {comment = '#', allow_bad = true}
           o.filename = 'a.csv'
           local a = urd:build('csvimport', o)
           o.filename, o.previous = 'b.csv', a:dataset()
           local b = urd:build('csvimport', o)
           o.filename, o.previous = 'c.csv', b:dataset()
           local c = urd:build('csvimport', o)
           local function chain(name)
             local out = {}
             for v in c:dataset(name):iterate_chain(nil, name == 'default' and 'x' or 'data') do out[#out + 1] = v end
             return table.concat(out, ' ')
           end
           print(chain('default'), chain('bad'), chain('skipped'))
           print(c:dataset('bad').previous, c:dataset('skipped').previous)
         end",
    )
    .stdout("1 3 5\tbad worse\t#c\ntest-1/bad\ttest-1/skipped\n")
    .run();
}

#[test]
fn errors_name_the_file_and_line() {
    fails(b"foo,bar\nwith,extra,field\nok,here\n", "", "f.csv:2: 3 fields, expected 2\n");
    fails(b"foo,bar\nmissing\nok,here\n", "", "f.csv:2: 1 field, expected 2\n");
    fails(b"foo,bar\nok,here\n\n", "", "f.csv:3: an empty line, expected 2 fields\n");
    fails(
        b"a,b\n1,2\n3,\"x\ny\n",
        "quotes = '\"'",
        "f.csv:3: a quoted field starts here and is not closed before the end of the file",
    );
    fails(
        b"a,b\n1,'x'y\n",
        "quotes = 'True'",
        "f.csv:2: field 2 opens a quote that is not closed by a quote followed by the separator or the end of the line (a quote inside a quoted field is written twice)",
    );
    fails(
        b"a,b,a\n",
        "",
        "f.csv: label \"a\" is there twice (fields 1 and 3; `rename` or `discard` one)",
    );
    fails(
        b"",
        "",
        "f.csv has no label line (give `labels`, or check `skip_lines` and `comment`)",
    );
    fails(
        b"a\n",
        "separator = ',,'",
        "option `separator` must be a single iso-8859-1 character (or '' for one field per line), got \",,\"\n",
    );
}
