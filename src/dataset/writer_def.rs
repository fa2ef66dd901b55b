//! What a dataset writer writes: `WriterDef` (what `job:datasetwriter{...}` and `add` declared,
//! persisted as `writer.json` so analysis workers can reopen it) and its `ColumnSpec`s.

use serde::{Deserialize, Serialize};

use super::types::ColType;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnSpec {
    pub name: String,
    #[serde(rename = "type")]
    pub ty: ColType,
    pub none_support: bool,
    pub file: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WriterDef {
    pub job: String,
    pub name: String,
    pub slices: usize,
    /// The columns this writer writes, in `add` order (a parent's columns are not here).
    pub columns: Vec<ColumnSpec>,
    pub hashlabel: Option<String>,
    pub previous: Option<String>,
    pub parent: Option<String>,
    pub caption: String,
    pub hash_discard: bool,
    /// The parent's column names, for checking `hashlabel`.
    #[serde(default)]
    pub parent_columns: Vec<String>,
}

impl WriterDef {
    pub fn id(&self) -> String {
        format!("{}/{}", self.job, self.name)
    }
}
