//! Urd (spec section 8, issue 13): sessions in build scripts, every timestamp form, the conflict
//! rule, joblists and build_chained, the crash-safe local store, `exax urd` and job specifiers,
//! run records, `exax urd diff`, and `exax urd-server` with users, retries and crashes.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};

use crate::test::{exax_bin, Output, Test};

/// A method whose result is its option plus the result of `previous`, so a chain shows.
const ADD: &str = "
options = {n = 1}
jobs = {'previous'}
function synthesis()
  local p = jobs.previous and jobs.previous:load() or 0
  return p + options.n
end
";

fn project() -> Test {
    Test::new()
        .method("add", ADD)
        .method("other", "options = {n = 1}\nfunction synthesis() return options.n end")
}

fn urd(out: Output, args: &[&str], stdout: &str) -> Output {
    Test::again(out).args(args).stdout(stdout).run()
}

#[test]
fn sessions_and_lookups() {
    project()
        .build(
            "
            function main(urd)
              assert(urd:peek_latest('import') == nil)
              urd:begin('import', '2024-01-01', {caption = 'first'})
              urd:build('add', {n = 1})
              urd:build('other', {name = 'o'})
              local r = urd:finish('import')
              print(r.new, r.changed, r.is_ghost, r.deps)
              urd:begin('import', '2024-02-01')
              urd:build('add', {n = 2})
              urd:finish('import', nil, 'second')
              urd:begin('import')
              urd:build('add', {n = 3})
              urd:finish('import', 7)
              urd:begin('proc', '2024-03')
              local e = urd:latest('import')
              print(e.timestamp, e.caption, #e.joblist, e.joblist:get('add').id, e.build_job)
              print(urd:get('nolist', '2024-01-01'))
              urd:build('other')
              urd:finish('proc')
              local p = urd:peek_latest('proc')
              print(p.timestamp, p.deps.import.timestamp, p.deps.import.joblist:get('add').id, p.deps.nolist)
              local f = urd:peek_first('import')
              print(f.timestamp, f.caption, f.joblist:get('add').id)
              local o = urd:peek('import', '2024-01-01')
              print(o.caption, o.joblist:get('o').id, o.joblist:get(1).id, o.joblist:get('nope'), #o.joblist:find('add'))
              print(table.concat(urd:since('import', 0), ' '), table.concat(urd:since('import', '2024-01-01'), ' '))
              print(table.concat(urd:list(), ' '))
            end
            ",
        )
        .stdout(
            "
            true	false	false	0
            2024-02-01	second	1	test-2	build.lua
            nil
            2024-03	2024-02-01	test-2	nil
            7		test-3
            first	test-1	test-0	nil	1
            7 2024-01-01 2024-02-01	2024-02-01
            import proc
            ",
        )
        .run();
}

#[test]
fn every_timestamp_form() {
    project()
        .build(
            "
            function main(urd)
              local all = {'1', '2024-01', '2024-01-15', '2024-01-15T10', '2024-01-15T10:30',
                           '2024-01-15T10:30:15', '2024-01-15T10:30:15.5', '2024-01-15+3', '2024-02'}
              for _, ts in ipairs(all) do
                urd:begin('t', ts)
                urd:build('add')
                urd:finish('t')
              end
              local function at(q)
                local e = urd:peek('t', q)
                return e and e.timestamp or 'nil'
              end
              print(table.concat(urd:since('t', 0), ' '))
              print(at('<2024-01-15'), at('<=2024-01-15'), at('>2024-01-15'), at('>=2024-01-15'))
              print(at('<=2024-01'), at('<2024-01'), at('>2024-02'), at('>=0'), at('<1'))
              print(at({'<=', '2024-01-15', 3}), at({'2024-01-15', 3}), at('2024-01-15 10'), at(1), at(2.0), at('latest'), at('first'))
              print(at('2024'))  -- an integer, not a year: no such session
              for _, bad in ipairs({'2024-1', '-1', '2024-01-15T10:30.5', 'x', ''}) do
                print(select(2, pcall(urd.peek, urd, 't', bad)))
              end
              print(select(2, pcall(urd.peek, urd, 't', -1)))
              print(select(2, pcall(urd.begin, urd, 't', '0+')))
            end
            ",
        )
        .stdout(
            "
            1 2024-01 2024-01-15 2024-01-15+3 2024-01-15T10 2024-01-15T10:30 2024-01-15T10:30:15 2024-01-15T10:30:15.5 2024-02
            2024-01	2024-01-15T10:30:15.5	2024-01-15+3	2024-01-15
            2024-01-15T10:30:15.5	1	nil	1	nil
            2024-01-15+3	2024-01-15+3	2024-01-15T10	1	nil	2024-02	1
            nil
            build.lua:19: urd:peek: invalid urd timestamp `2024-1` (expected YYYY-MM, YYYY-MM-DD, YYYY-MM-DDTHH[:MM[:SS[.ffffff]]], a non-negative integer, or such parts joined by +)
            build.lua:19: urd:peek: invalid urd timestamp `-1` (expected YYYY-MM, YYYY-MM-DD, YYYY-MM-DDTHH[:MM[:SS[.ffffff]]], a non-negative integer, or such parts joined by +)
            build.lua:19: urd:peek: invalid urd timestamp `2024-01-15T10:30.5` (expected YYYY-MM, YYYY-MM-DD, YYYY-MM-DDTHH[:MM[:SS[.ffffff]]], a non-negative integer, or such parts joined by +)
            build.lua:19: urd:peek: invalid urd timestamp `x` (expected YYYY-MM, YYYY-MM-DD, YYYY-MM-DDTHH[:MM[:SS[.ffffff]]], a non-negative integer, or such parts joined by +)
            build.lua:19: urd:peek: invalid urd timestamp `` (expected YYYY-MM, YYYY-MM-DD, YYYY-MM-DDTHH[:MM[:SS[.ffffff]]], a non-negative integer, or such parts joined by +)
            build.lua:21: urd:peek: a timestamp is a string like '2024-03-01', a non-negative integer, or a table of those parts, got an integer
            build.lua:22: urd:begin: invalid urd timestamp `0+` (expected YYYY-MM, YYYY-MM-DD, YYYY-MM-DDTHH[:MM[:SS[.ffffff]]], a non-negative integer, or such parts joined by +)
            ",
        )
        .run();
}

#[test]
fn conflicts_updates_and_history() {
    let session = |n: u32, update: bool| {
        format!(
            "function main(urd)
               urd:begin('a', '1', {{update = {update}}})
               urd:build('add', {{n = {n}}})
               local r = urd:finish('a')
               print(r.new, r.changed, r.is_ghost, r.deps)
             end"
        )
    };
    let out = project()
        .build(&session(1, false))
        .file(
            "build_dep.lua",
            "function main(urd)
               urd:begin('b', '1')
               urd:latest('a')
               urd:build('other')
               urd:finish('b')
               print(urd:peek_latest('b').deps.a.timestamp)
             end",
        )
        .file("build_same.lua", &session(1, false))
        .file("build_other.lua", &session(2, false))
        .file("build_update.lua", &session(2, true))
        .stdout("true\tfalse\tfalse\t0\n")
        .run();
    let out = Test::again(out).args(&["run", "dep"]).stdout("1\n").run();
    // the same content again is no change and writes nothing
    let out = Test::again(out).args(&["run", "same"]).stdout("false\tfalse\tfalse\t0\n").run();
    assert_eq!(out.read(".exax/urd/a.urd").lines().count(), 1);
    let out = Test::again(out)
        .args(&["run", "other"])
        .status(1)
        .stderr_contains("error: build_other.lua:4: urd list a already has a different session at 1 (pass update = true to urd:begin to replace it; the old one is kept as history)")
        .run();
    // with update: replaced, the old one kept as history, and b (which depended on it) too
    let out = Test::again(out).args(&["run", "update"]).stdout("false\ttrue\tfalse\t1\n").run();
    assert_eq!(out.read(".exax/urd/a.urd").lines().count(), 2);
    let out = urd(out, &["urd"], "a\n");
    let out = urd(out, &["urd", "a"], "1\n");
    let out = urd(out, &["urd", ":a:add"], "test-2\n");
    Test::again(out)
        .args(&["urd", "b/latest"])
        .stdout("")
        .stderr("error: urd list `b` has no session b/latest\n")
        .status(1)
        .run();
}

#[test]
fn session_errors() {
    let out = project()
        .build(
            "
            function main(urd)
              urd:begin('x', '1') urd:build('other') urd:finish('x')
              print(select(2, pcall(urd.latest, urd, 'a')))
              print(select(2, pcall(urd.finish, urd, 'a')))
              urd:begin('a')
              print(select(2, pcall(urd.begin, urd, 'b', '1')))
              print(select(2, pcall(urd.finish, urd, 'b')))
              print(select(2, pcall(urd.finish, urd, 'a')))
              urd:build('add')
              print(select(2, pcall(urd.finish, urd, 'a')))
              print(urd:latest('nolist'), urd:latest('nolist'))
              urd:latest('x')
              print(select(2, pcall(urd.latest, urd, 'x')))
              print(select(2, pcall(urd.begin, urd, 'a', '1', {captoin = 'x'})))
              urd:abort()
              urd:begin('a', '1', {captoin = 'x'})
            end
            ",
        )
        .file(
            "build_chain.lua",
            "
            function main(urd)
              urd:begin('y', '1')
              print(select(2, pcall(urd.build_chained, urd, 'add', {name = 'add'})))
              print(select(2, pcall(urd.build_chained, urd, 'add', {})))
              urd:peek_latest('x')
              print(select(2, pcall(urd.build_chained, urd, 'add', {name = 'add'})))
              urd:get('x', 1)
              print(select(2, pcall(urd.build_chained, urd, 'add', {name = 'add', previous = 'test-0'})))
              local j = urd:build_chained('add', {name = 'other'}) print(j.id, j:load())
              urd:abort()
              urd:begin('bad name!', '1')
            end
            ",
        )
        .stdout(
            "
            build.lua:3: urd:latest('a') records a dependency of the running session, and none is running (urd:begin starts one; urd:peek_latest does not record)
            build.lua:4: urd:finish('a'): no session is running (urd:begin starts one)
            build.lua:6: urd:begin('b'): the session of `a` is still running (urd:finish or urd:abort it first)
            build.lua:7: urd:finish('b'): the running session is `a`
            build.lua:8: urd:finish('a'): the session built no jobs
            build.lua:10: urd:finish('a'): no timestamp given to urd:begin or urd:finish
            nil	nil
            build.lua:13: urd:latest('x'): this session already depends on `x` (look a list up once per session)
            build.lua:14: urd:begin('a'): the session of `a` is still running (urd:finish or urd:abort it first)
            ",
        )
        .status(1)
        .stderr_contains("error: build.lua:16: urd:begin: unknown option `captoin` = a string (options are caption (a string) and update (a boolean))")
        .run();
    Test::again(out)
        .args(&["run", "chain"])
        .stdout(
            "
            build_chain.lua:3: urd:build_chained('add'): no lookup to chain from (call urd:latest or urd:get first)
            build_chain.lua:4: urd:build_chained('add', params): params needs a `name` (the job of that name in the looked-up session becomes `previous`)
            build_chain.lua:6: urd:build_chained('add'): no lookup to chain from (call urd:latest or urd:get first)
            build_chain.lua:8: urd:build_chained('add'): do not give `previous`; it comes from the last lookup
            test-2	2
            ",
        )
        .status(1)
        .stderr_contains("error: build_chain.lua:11: invalid urd list name `bad name!` (letters, digits, `_`, `-`, `.`; `user/name` at most)")
        .run();
}

const CHAIN: &str = "
function main(urd)
  local ts, n = urd.args[1], tonumber(urd.args[2])
  urd:begin('import', ts, {caption = 'import ' .. n})
  urd:build('add', {n = n, name = 'imp'})
  urd:finish('import')
  urd:begin('proc', ts)
  local imp = urd:latest('import')
  local sum = urd:build('add', {name = 'sum', n = 100, previous = imp.joblist:get('imp')})
  print(sum.id, sum:load())
  urd:finish('proc')
end
";

/// Two runs that chain two lists (import, then processing by latest), then every way to look
/// at them from the command line.
#[test]
fn two_lists_chained_and_the_command_line() {
    let out = project()
        .build(CHAIN)
        .args(&["run", "--", "2024-01", "1"])
        .stdout("test-1\t101\n")
        .run();
    let out = Test::again(out).args(&["run", "--", "2024-02", "2"]).stdout("test-3\t102\n").run();
    let out = urd(out, &["urd"], "import\nproc\n");
    let out = urd(out, &["urd", "import"], "2024-01 : import 1\n2024-02 : import 2\n");
    let out = urd(out, &["urd", "import/"], "2024-01 : import 1\n2024-02 : import 2\n");
    let out = urd(
        out,
        &["urd", "proc/latest"],
        "list     : proc\ntimestamp: 2024-02\nbuild job: build.lua\ncaption  : \ndeps     : import/2024-02 : import 2\nJobList(\n   [  0] sum : test-3\n)\n",
    );
    let out = urd(
        out,
        &["urd", "proc/latest~1", "import/<=2024-01-31"],
        "list     : proc\ntimestamp: 2024-01\nbuild job: build.lua\ncaption  : \ndeps     : import/2024-01 : import 1\nJobList(\n   [  0] sum : test-1\n)\n\
         list     : import\ntimestamp: 2024-01\nbuild job: build.lua\ncaption  : import 1\ndeps     : \nJobList(\n   [  0] imp : test-0\n)\n",
    );
    let out = urd(
        out,
        &["urd", ":proc/2024-01:sum", ":import:", ":import/first:1", ":proc/latest~:"],
        "test-1\ntest-2\ntest-0\ntest-1\n",
    );
    let out = Test::again(out)
        .args(&["urd", ":import:nope"])
        .stdout("")
        .stderr("error: `:import:nope`: session import/2024-02 has no job named `nope` (it has imp)\n")
        .status(1)
        .run();
    let out = Test::again(out).args(&["job", ":import/latest:imp"]).any_stdout().run();
    assert!(out.stdout.starts_with("test-2  add  finished\n"), "{}", out.stdout);
    let out = Test::again(out)
        .args(&["job", ":nolist:x"])
        .stdout("")
        .stderr("error: `:nolist:x`: urd list `nolist` has no session latest\n")
        .status(1)
        .run();
    let out = urd(
        out,
        &["urd", "diff", "import", "2024-01", "latest"],
        "import/2024-01 -> import/2024-02\n  imp  test-0 -> test-2: option n: 1 -> 2\n",
    );
    let out = urd(
        out,
        &["urd", "diff", "proc", "latest~1", "latest"],
        "proc/2024-01 -> proc/2024-02\n  sum  test-1 -> test-3: upstream import:imp changed (job previous: \"test-0\" -> \"test-2\")\n",
    );
    let out = urd(
        out,
        &["urd", "diff", "proc", "latest", "2024-02"],
        "proc/2024-02 -> proc/2024-02\nthe same jobs\n",
    );
    // every run is recorded, with its arguments, the jobs it built and reused, and its sessions
    let out = Test::again(out).args(&["urd", "--runs"]).any_stdout().run();
    let runs: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(runs.len(), 8, "{}", out.stdout);
    assert!(runs[0].ends_with("  ok  build.lua -- 2024-01 1"), "{}", runs[0]);
    assert_eq!(
        &runs[1..4],
        [
            "    built: test-0 test-1",
            "    reused: -",
            "    sessions: import/2024-01 proc/2024-01"
        ]
    );
    assert!(runs[4].ends_with("  ok  build.lua -- 2024-02 2"), "{}", runs[4]);
    // truncating import at 2024-02 takes that session, and the proc session that depended on it
    let out = Test::again(out)
        .file(
            "build_trunc.lua",
            "function main(urd) local r = urd:truncate('import', '2024-02') print(r.count, r.deps) end",
        )
        .args(&["run", "trunc"])
        .stdout("1\t1\n")
        .run();
    let out = urd(out, &["urd", "import", "proc"], "2024-01 : import 1\n2024-01\n");
    // gc keeps what any session refers to, history included
    let out = urd(out, &["urd", "--referenced"], "test-0\ntest-1\ntest-2\ntest-3\n");
    // a re-run of the second build finds no conflict: its sessions are history now
    Test::again(out).args(&["run", "--", "2024-02", "2"]).stdout("test-3\t102\n").run();
}

/// A crash in the middle of a write leaves a torn last line: it is ignored, then cut off by the
/// next write; a damaged complete line is an error naming file and line.
#[test]
fn torn_last_line() {
    let out = project().build(CHAIN).args(&["run", "--", "1", "1"]).stdout("test-1\t101\n").run();
    let log = out.path().join(".exax/urd/import.urd");
    let good = std::fs::read_to_string(&log).unwrap();
    std::fs::OpenOptions::new()
        .append(true)
        .open(&log)
        .unwrap()
        .write_all(b"{\"seq\":99999999999999999,\"key\":\"torn\",\"at\":\"2026")
        .unwrap();
    let out = urd(out, &["urd", "import"], "1 : import 1\n");
    let out = Test::again(out).args(&["run", "--", "2", "2"]).stdout("test-3\t102\n").run();
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(
        text.starts_with(&good) && !text.contains("torn") && text.lines().count() == 2,
        "{text}"
    );
    std::fs::write(&log, format!("{{\"seq\":1}}\n{text}")).unwrap();
    Test::again(out)
        .args(&["urd", "import"])
        .stdout("")
        .stderr_contains(".exax/urd/import.urd:1: not an urd event (missing field `key`")
        .status(1)
        .run();
}

/// A running `exax urd-server` on a free port, killed when dropped.
struct Server {
    child: Child,
    url: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn add_user(store: &std::path::Path, user: &str, password: &str) {
    let mut c = Command::new(exax_bin())
        .args(["urd-server", "--path"])
        .arg(store)
        .args(["--add-user", user])
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    writeln!(c.stdin.take().unwrap(), "{password}").unwrap();
    assert!(c.wait().unwrap().success());
}

fn server(store: &std::path::Path, listen: &str) -> Server {
    let mut child = Command::new(exax_bin())
        .args(["urd-server", "--listen", listen, "--path"])
        .arg(store)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stderr.take().unwrap()).read_line(&mut line).unwrap();
    let url = line.trim().rsplit(' ').next().unwrap().to_string();
    assert!(url.starts_with("http://127.0.0.1:"), "{line}");
    Server { child, url }
}

fn with_server(url: &str) -> Test {
    project().file("accelerator.conf", &format!("{}urd: {url}\n", crate::test::CONF))
}

/// One HTTP/1.0 request, the answer's status line and body.
fn http(url: &str, request: &str) -> (String, String) {
    use std::io::Read;
    let addr = url.trim_start_matches("http://");
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    // A server may answer (413) and close before a large body is sent: keep what came back.
    let _ = s.write_all(request.as_bytes());
    let mut answer = Vec::new();
    let _ = s.read_to_end(&mut answer);
    let answer = String::from_utf8_lossy(&answer).into_owned();
    let status = answer.lines().next().unwrap_or("").to_string();
    let body = answer.split("\r\n\r\n").nth(1).unwrap_or("").to_string();
    (status, body)
}

fn basic(user: &str, password: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
}

#[test]
fn server_users_and_passwords() {
    let store = tempfile::tempdir().unwrap();
    let refused = Command::new(exax_bin())
        .args(["urd-server", "--listen", "127.0.0.1:0", "--path"])
        .arg(store.path())
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("no users in"));
    add_user(store.path(), "alice", "wonder land");
    add_user(store.path(), "bob", "builder");
    let passwd = std::fs::read_to_string(store.path().join("passwd")).unwrap();
    assert!(
        passwd.starts_with("alice:$argon2id$") && !passwd.contains("wonder") && !passwd.contains("builder"),
        "{passwd}"
    );
    let srv = server(store.path(), "127.0.0.1:0");
    let out = with_server(&srv.url)
        .build(
            "function main(urd)
               urd:begin('import', '2024-01', {caption = 'by alice'})
               urd:build('add')
               urd:finish('import')
               print(urd:peek_latest('import').caption, table.concat(urd:list(), ' '))
             end",
        )
        .env("URD_AUTH", "alice:wonder land")
        .stdout("by alice\talice/import\n")
        .run();
    // bob reads alice's list, writes his own, and may not write hers
    let out = Test::again(out)
        .file(
            "build_bob.lua",
            "function main(urd)
               urd:begin('mine', '1')
               local e = urd:latest('alice/import')
               urd:build('add', {previous = e.joblist:get('add')})
               urd:finish('mine')
               print(urd:peek_latest('mine').deps['alice/import'].caption)
               urd:begin('alice/import', '2')
               urd:build('add')
               urd:finish('alice/import')
             end",
        )
        .args(&["run", "bob"])
        .env("URD_AUTH", "bob:builder")
        .stdout("by alice\n")
        .status(1)
        .stderr_contains(&format!(
            "error: build_bob.lua:9: urd server {} refused user `bob`: user `bob` may not write the list `alice/import` (only bob/...)",
            srv.url
        ))
        .run();
    let out = Test::again(out)
        .args(&["run"])
        .env("URD_AUTH", "alice:wonderland")
        .stdout("")
        .status(1)
        .stderr_contains(&format!(
            "error: build.lua:2: urd server {} refused user `alice`: wrong user or password (set $URD_AUTH to user:password)",
            srv.url
        ))
        .run();
    let out = urd(out, &["urd"], "alice/import\nbob/mine\n");
    let out = urd(out, &["urd", "alice/import/"], "2024-01 : by alice\n");
    let out = urd(out, &["urd", ":bob/mine/latest:add"], "test-1\n");
    // the same event sent twice (a retry after a lost answer) is written once
    let body = r#"{"key":"k-1","list":"alice/x","entry":{"timestamp":"5","joblist":[["add","test-0"]]}}"#;
    let req = format!(
        "POST /add HTTP/1.0\r\nAuthorization: Basic {}\r\nContent-Length: {}\r\n\r\n{body}",
        basic("alice", "wonder land"),
        body.len()
    );
    let first = http(&srv.url, &req);
    assert_eq!(
        first,
        (
            "HTTP/1.0 200 OK".to_string(),
            r#"{"new":true,"changed":false,"is_ghost":false,"deps":0}"#.to_string()
        )
    );
    assert_eq!(http(&srv.url, &req), first);
    assert_eq!(
        std::fs::read_to_string(store.path().join("alice/x.urd")).unwrap().lines().count(),
        1
    );
    // no password, a body too large, a bad lookup
    let (status, _) = http(
        &srv.url,
        &format!("POST /add HTTP/1.0\r\nContent-Length: {}\r\n\r\n{body}", body.len()),
    );
    assert_eq!(status, "HTTP/1.0 401 Unauthorized");
    let big = "x".repeat(9 << 20);
    let (status, _) = http(
        &srv.url,
        &format!(
            "POST /add HTTP/1.0\r\nAuthorization: Basic {}\r\nContent-Length: {}\r\n\r\n{big}",
            basic("alice", "wonder land"),
            big.len()
        ),
    );
    assert_eq!(status, "HTTP/1.0 413 Payload Too Large");
    let (status, body) = http(&srv.url, "GET /alice/import/%3C%3D2024-01-31 HTTP/1.0\r\n\r\n");
    assert_eq!(status, "HTTP/1.0 200 OK");
    assert!(body.contains(r#""caption":"by alice""#), "{body}");
    let (status, _) = http(&srv.url, "GET /alice/import/2024-1 HTTP/1.0\r\n\r\n");
    assert_eq!(status, "HTTP/1.0 404 Not Found");
    drop(out);
}

/// Writes `n` sessions to list `l` and prints each timestamp once it is finished.
const MANY: &str = "
function main(urd)
  local list, n = urd.args[1], tonumber(urd.args[2])
  for i = 1, n do
    urd:begin(list, i)
    urd:build('other')
    urd:finish(list)
    print(i)
  end
end
";

fn log_lines(store: &std::path::Path, rel: &str) -> Vec<String> {
    std::fs::read_to_string(store.join(rel))
        .unwrap()
        .lines()
        .map(String::from)
        .collect()
}

/// 8 clients writing at once: nothing lost, nothing written twice.
#[test]
fn server_eight_clients_at_once() {
    let store = tempfile::tempdir().unwrap();
    add_user(store.path(), "alice", "pw");
    let srv = server(store.path(), "127.0.0.1:0");
    let out = with_server(&srv.url)
        .build(MANY)
        .args(&["run", "--", "warmup", "1"])
        .env("URD_AUTH", "alice:pw")
        .stdout("1\n")
        .run();
    let dir = out.path().to_path_buf();
    let clients: Vec<Child> = (0..8)
        .map(|c| {
            Command::new(exax_bin())
                .args(["run", "-q", "--", &format!("c{c}"), "25"])
                .current_dir(&dir)
                .env("URD_AUTH", "alice:pw")
                .stdout(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for c in clients {
        let o = c.wait_with_output().unwrap();
        assert!(o.status.success());
        assert_eq!(String::from_utf8_lossy(&o.stdout).lines().count(), 25);
    }
    let want: String = (1..=25).map(|i| format!("{i}\n")).collect();
    for c in 0..8 {
        let lines = log_lines(store.path(), &format!("alice/c{c}.urd"));
        assert_eq!(lines.len(), 25);
        let o = Command::new(exax_bin())
            .args(["urd", &format!("c{c}")])
            .current_dir(&dir)
            .env("URD_AUTH", "alice:pw")
            .output()
            .unwrap();
        assert_eq!(String::from_utf8_lossy(&o.stdout), want);
    }
    drop(out);
}

/// The server killed with SIGKILL while a client writes, and restarted on the same port: the
/// client's retries carry it over, nothing is lost and nothing written twice.
#[test]
fn server_killed_mid_write() {
    let store = tempfile::tempdir().unwrap();
    add_user(store.path(), "alice", "pw");
    let mut srv = server(store.path(), "127.0.0.1:0");
    let addr = srv.url.trim_start_matches("http://").to_string();
    let out = with_server(&srv.url)
        .build(MANY)
        .args(&["run", "--", "warmup", "1"])
        .env("URD_AUTH", "alice:pw")
        .stdout("1\n")
        .run();
    let client = Command::new(exax_bin())
        .args(["run", "-q", "--", "l", "60"])
        .current_dir(out.path())
        .env("URD_AUTH", "alice:pw")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    // wait until the client is writing, then kill the server without warning
    let log = store.path().join("alice/l.urd");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while std::fs::read_to_string(&log).map_or(0, |t| t.lines().count()) < 10 {
        assert!(std::time::Instant::now() < deadline, "the client never wrote");
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    srv.child.kill().unwrap();
    srv.child.wait().unwrap();
    let at_kill = log_lines(store.path(), "alice/l.urd").len();
    assert!(at_kill < 60, "the client finished before the kill");
    std::thread::sleep(std::time::Duration::from_millis(300));
    let srv2 = server(store.path(), &addr);
    let o = client.wait_with_output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stdout));
    let lines = log_lines(store.path(), "alice/l.urd");
    assert_eq!(lines.len(), 60, "every session once");
    let o = Command::new(exax_bin())
        .args(["urd", "l"])
        .current_dir(out.path())
        .env("URD_AUTH", "alice:pw")
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        (1..=60).map(|i| format!("{i}\n")).collect::<String>()
    );
    drop((srv2, out));
}

/// `exax urd diff` names an option change, a source change, and an upstream job of the same session.
#[test]
fn diff_reasons() {
    let build = "
        function main(urd)
          urd:begin('s', urd.args[1])
          local imp = urd:build('add', {n = tonumber(urd.args[2]), name = 'imp'})
          urd:build('add', {name = 'b', previous = imp})
          urd:finish('s')
        end
        ";
    let out = project().build(build).args(&["run", "--", "1", "1"]).run();
    let out = Test::again(out).args(&["run", "--", "2", "2"]).run();
    let out = urd(
        out,
        &["urd", "diff", "s", "1", "2"],
        "s/1 -> s/2\n  imp  test-0 -> test-2: option n: 1 -> 2\n  b    test-1 -> test-3: upstream imp changed (job previous: \"test-0\" -> \"test-2\")\n",
    );
    let out = Test::again(out)
        .method("add", &format!("{ADD}-- changed\n"))
        .args(&["run", "--", "3", "2"])
        .run();
    urd(
        out,
        &["urd", "diff", "s", "latest~1", "latest"],
        "s/2 -> s/3\n  imp  test-2 -> test-4: source of methods/add.lua changed (from line 7)\n  b    test-3 -> test-5: source of methods/add.lua changed (from line 7); upstream imp changed (job previous: \"test-2\" -> \"test-4\")\n",
    );
}

/// `exax urd diff` names the input file that changed between two sessions of the same build.
#[test]
fn diff_names_a_changed_input_file() {
    let build = "
        function main(urd)
          urd:begin('imp', urd.args[1])
          urd:build('count', {name = 'count'})
          urd:finish('imp')
        end
        ";
    let count = "function synthesis(job) local n = 0 for _ in job:open_input('a.csv'):lines() do n = n + 1 end return n end";
    let out = Test::new()
        .method("count", count)
        .file("input/a.csv", "x\n1\n")
        .build(build)
        .args(&["run", "--", "1"])
        .run();
    let out = Test::again(out).file("input/a.csv", "x\n1\n2\n").args(&["run", "--", "2"]).run();
    urd(
        out,
        &["urd", "diff", "imp", "1", "2"],
        "imp/1 -> imp/2\n  count  test-0 -> test-1: input file a.csv changed (4 -> 6 bytes)\n",
    );
}
