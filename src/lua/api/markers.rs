//! The globals a method uses to declare option types: `int float number str bool`, `enum(...)`
//! with `:default(name)`, and `required(spec)`, plus turning a declared `options` table into
//! `OptionSpec`s.

use mlua::{AnyUserData, Lua, UserData, UserDataMethods};

use crate::lua::engine::convert::to_value;
use crate::method::options::{OptionSpec, TypeMarker};

pub struct LuaMarker(pub TypeMarker);
pub struct LuaEnum {
    names: Vec<String>,
    default: Option<String>,
}
pub struct LuaRequired(OptionSpec);

impl UserData for LuaMarker {
    fn add_fields<F: mlua::UserDataFields<Self>>(f: &mut F) {
        f.add_meta_field("__name", "option type");
    }

    fn add_methods<M: UserDataMethods<Self>>(m: &mut M) {
        m.add_meta_method(mlua::MetaMethod::ToString, |_, this, ()| Ok(this.0.name()));
    }
}

impl UserData for LuaEnum {
    fn add_fields<F: mlua::UserDataFields<Self>>(f: &mut F) {
        f.add_meta_field("__name", "enum");
    }

    fn add_methods<M: UserDataMethods<Self>>(m: &mut M) {
        m.add_method("default", |_, this, name: String| {
            if !this.names.contains(&name) {
                return Err(mlua::Error::runtime(format!(
                    "enum default `{name}` is not one of {}",
                    this.names.join(", ")
                )));
            }
            Ok(LuaEnum {
                names: this.names.clone(),
                default: Some(name),
            })
        });
        m.add_meta_method(mlua::MetaMethod::ToString, |_, this, ()| {
            Ok(OptionSpec::Enum {
                names: this.names.clone(),
                default: None,
            }
            .describe())
        });
    }
}

impl UserData for LuaRequired {
    fn add_fields<F: mlua::UserDataFields<Self>>(f: &mut F) {
        f.add_meta_field("__name", "required option");
    }

    fn add_methods<M: UserDataMethods<Self>>(m: &mut M) {
        m.add_meta_method(mlua::MetaMethod::ToString, |_, this, ()| {
            Ok(OptionSpec::Required(Box::new(this.0.clone())).describe())
        });
    }
}

pub fn register(lua: &Lua) -> mlua::Result<()> {
    let g = lua.globals();
    for m in [
        TypeMarker::Int,
        TypeMarker::Float,
        TypeMarker::Number,
        TypeMarker::Str,
        TypeMarker::Bool,
    ] {
        g.set(m.name(), LuaMarker(m))?;
    }
    g.set(
        "enum",
        lua.create_function(|_, names: mlua::Variadic<String>| {
            if names.is_empty() {
                return Err(mlua::Error::runtime("enum() needs at least one name"));
            }
            Ok(LuaEnum {
                names: names.into_iter().collect(),
                default: None,
            })
        })?,
    )?;
    g.set(
        "required",
        lua.create_function(|_, spec: mlua::Value| {
            let s = spec_from_lua(&spec, "required(...)").map_err(mlua::Error::runtime)?;
            Ok(LuaRequired(s))
        })?,
    )?;
    Ok(())
}

/// `required('name')` as a dataset or job declaration: the name.
pub fn required_name(v: &mlua::Value) -> Option<String> {
    let mlua::Value::UserData(ud) = v else { return None };
    match &ud.borrow::<LuaRequired>().ok()?.0 {
        OptionSpec::Default(crate::value::Value::Str(s)) => Some(String::from_utf8_lossy(s).into_owned()),
        _ => None,
    }
}

fn is_spec_userdata(ud: &AnyUserData) -> bool {
    ud.is::<LuaMarker>() || ud.is::<LuaEnum>() || ud.is::<LuaRequired>()
}

fn is_typed(v: &mlua::Value) -> bool {
    match v {
        mlua::Value::UserData(ud) => is_spec_userdata(ud),
        mlua::Value::Table(t) => is_typed_table(t),
        _ => false,
    }
}

/// `{int}` or `{[str] = float}`: one entry, made of type markers.
fn is_typed_table(t: &mlua::Table) -> bool {
    single_entry(t).is_some_and(|(k, v)| match k {
        mlua::Value::Integer(1) => is_typed(&v),
        mlua::Value::UserData(ud) => ud.is::<LuaMarker>() && is_typed(&v),
        _ => false,
    })
}

fn single_entry(t: &mlua::Table) -> Option<(mlua::Value, mlua::Value)> {
    let mut entries = t.pairs::<mlua::Value, mlua::Value>();
    match (entries.next(), entries.next()) {
        (Some(Ok(kv)), None) => Some(kv),
        _ => None,
    }
}

fn userdata_spec(ud: &AnyUserData) -> Option<OptionSpec> {
    if let Ok(m) = ud.borrow::<LuaMarker>() {
        return Some(OptionSpec::Marker(m.0));
    }
    if let Ok(e) = ud.borrow::<LuaEnum>() {
        return Some(OptionSpec::Enum {
            names: e.names.clone(),
            default: e.default.clone(),
        });
    }
    if let Ok(r) = ud.borrow::<LuaRequired>() {
        return Some(OptionSpec::Required(Box::new(r.0.clone())));
    }
    None
}

/// The spec of one declared option; `path` (`options.x`) names it in errors.
pub fn spec_from_lua(v: &mlua::Value, path: &str) -> Result<OptionSpec, String> {
    match v {
        mlua::Value::UserData(ud) if is_spec_userdata(ud) => userdata_spec(ud).ok_or_else(|| format!("{path}: not an option type")),
        mlua::Value::Table(t) if is_typed_table(t) => {
            let (k, inner) = single_entry(t).ok_or_else(|| format!("{path}: not an option type"))?;
            let inner = Box::new(spec_from_lua(&inner, path)?);
            Ok(match k {
                mlua::Value::UserData(ud) => OptionSpec::Map(ud.borrow::<LuaMarker>().map_err(|e| e.to_string())?.0, inner),
                _ => OptionSpec::List(inner),
            })
        }
        mlua::Value::Nil => Err(format!("{path}: nil is not an option type")),
        _ => Ok(OptionSpec::Default(to_value(v, path)?)),
    }
}
