//! `exax ds ID`: describe a dataset: its job, caption, hashlabel, previous chain, parent, lines
//! per slice, and each column's type, none_support, min and max.

use std::process::ExitCode;

use crate::dataset::locate;
use crate::error::Result;
use crate::job::records::{self, Setup};
use crate::project::Project;

/// Describe a dataset: columns, types, lines per slice, hashlabel, previous chain, min/max.
#[derive(clap::Args)]
pub struct Args {
    /// The dataset, as `demo-3/name`, or `demo-3` for its `default` dataset.
    id: String,
}

pub fn run(a: Args) -> Result<ExitCode> {
    let project = Project::from_cwd()?;
    let ds = locate::open(&project, &a.id, None)?;
    let meta = &ds.meta;
    let mut out = format!("{}\n", meta.id());
    let method = records::read_json::<Setup>(&locate::locate(&project, &meta.id())?.job_path.join(records::SETUP))
        .map(|s| format!(" (method {})", s.method))
        .unwrap_or_default();
    let mut field = |k: &str, v: &str| out.push_str(&format!("  {:<11}{v}\n", format!("{k}:")));
    field("job", &format!("{}{method}", meta.job));
    if !meta.caption.is_empty() {
        field("caption", &meta.caption);
    }
    field("hashlabel", meta.hashlabel.as_deref().unwrap_or("-"));
    let mut chain = Vec::new();
    let mut prev = meta.previous.clone();
    while let Some(p) = prev {
        if chain.contains(&p) || chain.len() > 10_000 {
            break;
        }
        prev = locate::open(&project, &p, None).ok().and_then(|d| d.meta.previous.clone());
        chain.push(p);
    }
    field("previous", &if chain.is_empty() { "-".to_string() } else { chain.join(" <- ") });
    field("parent", meta.parent.as_deref().unwrap_or("-"));
    let mut places: Vec<&str> = meta
        .columns
        .iter()
        .map(|c| c.location.as_str())
        .filter(|l| *l != meta.id())
        .collect();
    places.dedup();
    if !places.is_empty() {
        field("files in", &places.join(", "));
    }
    let per_slice: Vec<String> = meta.lines.iter().map(u64::to_string).collect();
    field(
        "lines",
        &format!(
            "{} in {} slices: {}",
            meta.lines.iter().sum::<u64>(),
            meta.lines.len(),
            per_slice.join(", ")
        ),
    );
    field("columns", &meta.columns.len().to_string());
    let mut rows = vec![["name".to_string(), "type".into(), "none".into(), "min".into(), "max".into()]];
    let mut cols: Vec<_> = meta.columns.iter().collect();
    cols.sort_by(|a, b| a.name.cmp(&b.name));
    for c in cols {
        let show = |s: Option<crate::dataset::cell::Scalar>| s.map(|s| s.describe()).unwrap_or_else(|| "-".into());
        rows.push([
            c.name.clone(),
            c.ty.to_string(),
            if c.none_support { "yes" } else { "no" }.into(),
            show(c.min()),
            show(c.max()),
        ]);
    }
    let widths: Vec<usize> = (0..5)
        .map(|i| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0))
        .collect();
    for r in rows {
        let mut line = String::from("    ");
        for (i, cell) in r.iter().enumerate() {
            if i < 4 {
                line.push_str(&format!("{cell:<w$}  ", w = widths[i]));
            } else {
                line.push_str(cell);
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    super::stdout::print(&out)?;
    Ok(ExitCode::SUCCESS)
}
