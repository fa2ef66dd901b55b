//! The Dataset handle (`jobid/name`) as Lua sees it. Parameters and saved values carry datasets by
//! id; the dataset issue gives this handle its columns and iterators.

use mlua::{AnyUserData, Lua, UserData, UserDataFields, UserDataMethods};

pub struct LuaDataset {
    pub id: String,
}

impl LuaDataset {
    pub fn handle(lua: &Lua, id: &str) -> mlua::Result<AnyUserData> {
        lua.create_userdata(LuaDataset { id: id.to_string() })
    }
}

impl UserData for LuaDataset {
    fn add_fields<F: UserDataFields<Self>>(f: &mut F) {
        f.add_field_method_get("id", |_, this| Ok(this.id.clone()));
        f.add_field_method_get("name", |_, this| {
            Ok(this.id.split_once('/').map_or("default", |(_, n)| n).to_string())
        });
    }

    fn add_methods<M: UserDataMethods<Self>>(m: &mut M) {
        m.add_meta_method(mlua::MetaMethod::ToString, |_, this, ()| Ok(this.id.clone()));
        m.add_meta_method(mlua::MetaMethod::Eq, |_, this, other: AnyUserData| {
            Ok(other.borrow::<LuaDataset>().map(|o| o.id == this.id).unwrap_or(false))
        });
    }
}
