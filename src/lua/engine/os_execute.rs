//! `os.execute(cmd)` as Lua has it (same results: `true|nil, 'exit'|'signal', code`), but run
//! without C's `system()`, which ignores SIGINT in the caller while the command runs: there a
//! CTRL+C during `os.execute('sleep 5')` in a build script ended only the command, and the build
//! script went on. Here exax keeps its CTRL+C handler (summary line, exit 130), C stdio is
//! flushed first (a partial line printed before comes out before the command's output), and the
//! command inherits stdin, stdout and stderr (in a phase: the job's captured output).

use mlua::{Lua, MultiValue, Value};

pub fn install(lua: &Lua) -> mlua::Result<()> {
    let os: mlua::Table = lua.globals().get("os")?;
    os.set("execute", lua.create_function(execute)?)
}

fn execute(lua: &Lua, cmd: Option<mlua::String>) -> mlua::Result<MultiValue> {
    let shell = "/bin/sh";
    let Some(cmd) = cmd else {
        // `os.execute()`: whether a shell is there.
        return Ok(MultiValue::from_vec(vec![Value::Boolean(std::path::Path::new(shell).exists())]));
    };
    crate::sys::flush_c_stdio();
    let status = std::process::Command::new(shell)
        .arg("-c")
        .arg(<std::ffi::OsStr as std::os::unix::ffi::OsStrExt>::from_bytes(&cmd.as_bytes()))
        .status();
    // A CTRL+C that ended the command ends exax: the summary thread prints and exits; the script
    // must not go on meanwhile (it would print after the command, before the summary).
    crate::status::interrupt::wait_if_interrupted();
    let (ok, what, code) = match status {
        Err(e) => {
            let message = lua.create_string(format!("{shell}: {e}"))?;
            return Ok(MultiValue::from_vec(vec![
                Value::Nil,
                Value::String(message),
                Value::Integer(e.raw_os_error().unwrap_or(0) as i64),
            ]));
        }
        Ok(s) => {
            use std::os::unix::process::ExitStatusExt;
            match (s.code(), s.signal()) {
                (Some(c), _) => (c == 0, "exit", c),
                (None, Some(sig)) => (false, "signal", sig),
                (None, None) => (false, "exit", -1),
            }
        }
    };
    Ok(MultiValue::from_vec(vec![
        if ok { Value::Boolean(true) } else { Value::Nil },
        Value::String(lua.create_string(what)?),
        Value::Integer(code as i64),
    ]))
}
