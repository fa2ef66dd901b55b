//! Reads a method's declarations by running its file in a scratch Lua state: `description`,
//! `options`, `datasets`, `jobs`, `depend_extra` and which phases it defines with which parameter
//! names. Syntax errors name the file and line before any job exists.

use mlua::{Function, Lua, Table};

use std::rc::Rc;

use crate::console;
use crate::error::{closest, BuildError, Error, Result};
use crate::lua::api::markers::spec_from_lua;
use crate::lua::engine::errors::{chunk, script_error};
use crate::lua::engine::runtime::Runtime;
use crate::lua::engine::state;
use crate::method::{self, MethodDecl, ParamDecl};
use crate::project::MethodSource;

/// Loads the declarations; with `hashes`, also reads the modules and files that join the key.
pub fn load(rt: &std::rc::Rc<Runtime>, source: MethodSource, hashes: bool) -> Result<MethodDecl> {
    let lua = state::new(rt.clone(), state::Role::Declarations).map_err(script_error)?;
    let m = source.display.clone();
    let file_chunk = chunk(&lua, &source.source, &m).into_function().map_err(script_error)?;
    let bytecode = file_chunk.dump(false);
    let undefined = std::rc::Rc::new(std::cell::RefCell::new(Vec::<(String, String)>::new()));
    {
        let seen = undefined.clone();
        let record = lua
            .create_function(move |_, (name, place): (String, String)| {
                seen.borrow_mut().push((name, place));
                Ok(())
            })
            .map_err(script_error)?;
        let index: mlua::Function = crate::lua::engine::prelude::helper(&lua, "report_undefined")
            .and_then(|h| h.call(record))
            .map_err(script_error)?;
        let mt = lua.create_table().map_err(script_error)?;
        mt.raw_set("__index", index).map_err(script_error)?;
        lua.globals().set_metatable(Some(mt)).map_err(script_error)?;
    }
    let ran = crate::lua::engine::errors::pcall(&lua, &file_chunk, ());
    lua.globals().set_metatable(None).map_err(script_error)?;
    ran.map_err(Error::from)?;
    let bad = |what: &str, msg: String| Error::build(format!("{m}: {what}: {msg}"));
    let g = lua.globals();

    let description = match g.get::<mlua::Value>("description").map_err(script_error)? {
        mlua::Value::Nil => String::new(),
        mlua::Value::String(s) => s.to_string_lossy().trim().to_string(),
        other => {
            return Err(bad(
                "description",
                format!("expected a string, got {}", crate::lua::table::a_type(&other)),
            ))
        }
    };

    let mut options = Vec::new();
    match g.get::<mlua::Value>("options").map_err(script_error)? {
        mlua::Value::Nil => {}
        mlua::Value::Table(t) => {
            for kv in t.pairs::<mlua::Value, mlua::Value>() {
                let (k, v) = kv.map_err(script_error)?;
                let mlua::Value::String(k) = k else {
                    return Err(bad("options", "option names must be strings; write `options = {x = 3}`".into()));
                };
                let name = k.to_string_lossy();
                let spec = spec_from_lua(&v, &format!("options.{name}")).map_err(|e| Error::build(format!("{m}: {e}")))?;
                options.push((name, spec));
            }
        }
        other => {
            return Err(bad(
                "options",
                format!("expected a table, got {}", crate::lua::table::a_type(&other)),
            ))
        }
    }
    options.sort_by(|a, b| a.0.cmp(&b.0));

    let datasets = param_decls(&g, "datasets").map_err(|e| bad("datasets", e))?;
    let jobs = param_decls(&g, "jobs").map_err(|e| bad("jobs", e))?;
    let depend_extra = match g.get::<mlua::Value>("depend_extra").map_err(script_error)? {
        mlua::Value::Nil => vec![],
        mlua::Value::Table(t) => t
            .sequence_values::<String>()
            .collect::<mlua::Result<Vec<_>>>()
            .map_err(|_| bad("depend_extra", "expected an array of file names".into()))?,
        other => {
            return Err(bad(
                "depend_extra",
                format!("expected an array of file names, got {}", crate::lua::table::a_type(&other)),
            ))
        }
    };

    let phase_lines = std::cell::Cell::new([0usize; 3]);
    let params_of = |name: &str| -> Result<Option<Vec<String>>> {
        match g.get::<mlua::Value>(name).map_err(script_error)? {
            mlua::Value::Nil => Ok(None),
            mlua::Value::Function(f) => {
                let i = ["prepare", "analysis", "synthesis"].iter().position(|p| *p == name).unwrap_or(0);
                let mut lines = phase_lines.get();
                lines[i] = f.info().line_defined.unwrap_or(0);
                phase_lines.set(lines);
                Ok(Some(param_names(&lua, &f).map_err(script_error)?))
            }
            other => Err(bad(name, format!("expected a function, got {}", crate::lua::table::a_type(&other)))),
        }
    };
    let prepare = params_of("prepare")?;
    let analysis = params_of("analysis")?;
    let synthesis = params_of("synthesis")?;

    let mut warnings = Vec::new();
    let known: Vec<String> = g.pairs::<String, mlua::Value>().filter_map(|kv| kv.ok().map(|(k, _)| k)).collect();
    for (name, place) in undefined.borrow().iter() {
        warnings.push(format!(
            "{place}the global `{name}` is not defined, so it is nil here{}",
            crate::error::did_you_mean(name, known.iter().map(String::as_str))
        ));
    }
    let hashed = if hashes {
        method::hashed_files(&rt.project, &source, &depend_extra, &mut warnings)?
    } else {
        vec![]
    };
    let decl = MethodDecl {
        source,
        description,
        options,
        datasets,
        jobs,
        depend_extra,
        prepare,
        analysis,
        synthesis,
        phase_lines: phase_lines.get(),
        hashed,
        bytecode,
        warnings,
    };
    decl.validate()?;
    Ok(decl)
}

/// `{'source', {'earlier'}}`: names, a one-element table being a list parameter.
fn param_decls(g: &Table, key: &str) -> std::result::Result<Vec<ParamDecl>, String> {
    let v: mlua::Value = g.get(key).map_err(|e| e.to_string())?;
    let mut out: Vec<ParamDecl> = Vec::new();
    let mut push = |name: String, list: bool, required: bool| -> std::result::Result<(), String> {
        if out.iter().any(|p| p.name == name) {
            return Err(format!("`{name}` is declared twice"));
        }
        out.push(ParamDecl { name, list, required });
        Ok(())
    };
    let required = crate::lua::api::markers::required_name;
    match v {
        mlua::Value::Nil => {}
        mlua::Value::String(s) => push(s.to_string_lossy(), false, false)?,
        ref r if required(r).is_some() => push(required(r).unwrap_or_default(), false, true)?,
        mlua::Value::Table(t) => {
            let n = t.raw_len();
            if t.pairs::<mlua::Value, mlua::Value>().count() != n {
                return Err(format!(
                    "expected an array like {{'source', {{'list'}}}}, e.g. `{key} = {{'source'}}`"
                ));
            }
            for i in 1..=n {
                let bad = || format!("entry {i}: expected a name, {{name}}, required('name') or {{required('name')}}");
                match t.raw_get::<mlua::Value>(i).map_err(|e| e.to_string())? {
                    mlua::Value::String(s) => push(s.to_string_lossy(), false, false)?,
                    mlua::Value::Table(inner) if inner.raw_len() == 1 => {
                        match inner.raw_get::<mlua::Value>(1).map_err(|e| e.to_string())? {
                            mlua::Value::String(s) => push(s.to_string_lossy(), true, false)?,
                            r => push(required(&r).ok_or_else(bad)?, true, true)?,
                        }
                    }
                    r => push(required(&r).ok_or_else(bad)?, false, true)?,
                }
            }
        }
        other => return Err(format!("expected an array of names, got {}", crate::lua::table::a_type(&other))),
    }
    Ok(out)
}

/// The parameter names of a Lua function, from `debug.getlocal`.
pub fn param_names(lua: &Lua, f: &Function) -> mlua::Result<Vec<String>> {
    crate::lua::engine::prelude::helper(lua, "param_names")?.call(f.clone())
}

/// The declarations of a method, loaded once per process.
pub fn decl(rt: &Rc<Runtime>, name: &str) -> Result<Rc<MethodDecl>> {
    if let Some(d) = rt.cached_decl(name) {
        return Ok(d);
    }
    let Some(source) = rt.project.method_source(name)? else {
        let names = rt.project.all_method_names()?;
        let dirs = rt
            .project
            .config
            .method_directories
            .iter()
            .map(|d| rt.project.display_path(d))
            .collect::<Vec<_>>();
        return Err(BuildError::new(format!("unknown method `{name}`"))
            .method(name)
            .suggest(closest(name, names.iter().map(String::as_str)))
            .help(format!("methods are the .lua files in {}", dirs.join(", ")) + &missing_method_directories(&rt.project))
            .into());
    };
    // A build_all child reports into `collected`; its parent has warned already.
    let warn = rt.collected.borrow().is_none();
    if warn && source.file.is_some() && crate::embedded::shipped_method(name).is_some() {
        console::warn(&format!("{} replaces the method `{name}` shipped with exax", source.display));
    }
    let decl = Rc::new(load(rt, source, true)?);
    for w in decl.warnings.iter().filter(|_| warn) {
        console::warn(w);
    }
    rt.remember_decl(name, decl.clone());
    Ok(decl)
}

/// `; method directory ./methdos (in accelerator.conf) does not exist` for each that does not.
fn missing_method_directories(project: &crate::project::Project) -> String {
    project
        .config
        .method_directories
        .iter()
        .filter(|d| !d.is_dir())
        .map(|d| {
            format!(
                "; method directory {} (in accelerator.conf) does not exist",
                project.display_path(d)
            )
        })
        .collect()
}
