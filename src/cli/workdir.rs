//! `exax workdir [NAME]`: the jobs in a workdir (the target workdir by default), newest first,
//! with method, state, age, size on disk and caption; as a table or as JSON lines.

use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

use camino::Utf8Path;

use super::stdout;
use crate::error::Result;
use crate::job::records::{self, Setup};
use crate::project::Project;

/// List the jobs in a workdir, newest first: id, method, state (finished, failed, unfinished),
/// age, size on disk and caption.
#[derive(clap::Args)]
pub struct Args {
    /// Workdir name (default: the target workdir).
    name: Option<String>,
    /// Only jobs of this method.
    #[arg(short, long, value_name = "METHOD")]
    method: Option<String>,
    /// Only jobs that did not finish (failed, killed, or being built).
    #[arg(short, long)]
    unfinished: bool,
    /// One JSON object per job: id, method, state, starttime (seconds since 1970), age (seconds),
    /// size (bytes), caption.
    #[arg(long)]
    json: bool,
}

struct Row {
    id: String,
    method: String,
    state: &'static str,
    starttime: Option<f64>,
    size: u64,
    caption: String,
}

pub fn run(a: Args) -> Result<ExitCode> {
    let project = Project::from_cwd()?;
    let wd = project.workdir(a.name.as_deref().unwrap_or(&project.config.target_workdir))?;
    let mut numbers = wd.job_numbers()?;
    numbers.sort_unstable_by(|x, y| y.cmp(x));
    let mut rows = Vec::new();
    for n in numbers {
        let dir = wd.job_path(n);
        let state = if records::read_post(&dir).is_some() {
            "finished"
        } else if dir.join(records::FAILURE).is_file() {
            "failed"
        } else {
            "unfinished"
        };
        let setup = records::read_json::<Setup>(&dir.join(records::SETUP)).ok();
        let row = Row {
            id: format!("{}-{n}", wd.name),
            method: setup.as_ref().map_or_else(|| "?".to_string(), |s| s.method.clone()),
            state,
            starttime: setup.as_ref().map(|s| s.starttime),
            size: dir_size(&dir),
            caption: setup.map(|s| s.caption).unwrap_or_default(),
        };
        if a.method.as_ref().is_some_and(|m| *m != row.method) || (a.unfinished && state == "finished") {
            continue;
        }
        rows.push(row);
    }
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0.0, |d| d.as_secs_f64());
    let mut out = String::new();
    if a.json {
        for r in &rows {
            let v = serde_json::json!({
                "id": r.id,
                "method": r.method,
                "state": r.state,
                "starttime": r.starttime,
                "age": r.starttime.map(|t| (now - t).max(0.0).round() as u64),
                "size": r.size,
                "caption": r.caption,
            });
            out.push_str(&v.to_string());
            out.push('\n');
        }
    } else {
        let cells: Vec<[String; 6]> = rows
            .iter()
            .map(|r| {
                [
                    r.id.clone(),
                    r.method.clone(),
                    r.state.to_string(),
                    r.starttime.map_or_else(|| "?".to_string(), |t| age(now - t)),
                    size(r.size),
                    r.caption.clone(),
                ]
            })
            .collect();
        let widths: Vec<usize> = (0..5)
            .map(|c| cells.iter().map(|r| r[c].chars().count()).max().unwrap_or(0))
            .collect();
        for r in &cells {
            let mut line = String::new();
            for (c, cell) in r.iter().enumerate() {
                match c {
                    // right-aligned numbers
                    3 | 4 => line.push_str(&format!("{cell:>w$}  ", w = widths[c])),
                    5 => line.push_str(cell),
                    _ => line.push_str(&format!("{cell:<w$}  ", w = widths[c])),
                }
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
    }
    stdout::print(&out)?;
    Ok(ExitCode::SUCCESS)
}

/// Bytes in the files under `dir` (symlinks not followed).
fn dir_size(dir: &Utf8Path) -> u64 {
    let mut total = 0;
    let mut stack = vec![dir.as_std_path().to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else { continue };
        for e in rd.flatten() {
            let Ok(meta) = e.metadata() else { continue };
            if meta.is_dir() {
                stack.push(e.path());
            } else {
                total += meta.len();
            }
        }
    }
    total
}

/// `45 s ago`, `12 min ago`, `3 h ago`, `4 days ago`.
fn age(secs: f64) -> String {
    let s = secs.max(0.0) as u64;
    match s {
        0..=99 => format!("{s} s ago"),
        100..=5999 => format!("{} min ago", s / 60),
        6000..=172_799 => format!("{} h ago", s / 3600),
        _ => format!("{} days ago", s / 86400),
    }
}

pub use crate::console::size;

#[cfg(test)]
mod tests {
    #[test]
    fn sizes_and_ages() {
        assert_eq!(super::size(812), "812 B");
        assert_eq!(super::size(8294), "8.1 KiB");
        assert_eq!(super::size(3 << 30), "3.0 GiB");
        assert_eq!(super::age(45.2), "45 s ago");
        assert_eq!(super::age(720.0), "12 min ago");
        assert_eq!(super::age(3.0 * 3600.0), "3 h ago");
        assert_eq!(super::age(4.5 * 86400.0), "4 days ago");
    }
}
