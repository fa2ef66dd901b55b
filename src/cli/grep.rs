//! `exax grep PATTERN DATASET [COLUMN ...]`: the rows of a dataset (or its chain) where a column
//! matches a regular expression, slices searched at once, printed in slice order with their slice
//! and line. Patterns are the `regex` crate's syntax, matched against the bytes of each value as
//! text shows it (None matches nothing).

use std::process::ExitCode;

use super::rows;
use crate::error::{Error, Result};

/// Print the rows where a column matches PATTERN, with their slice and line (counted from 0).
#[derive(clap::Args)]
pub struct Args {
    /// A regular expression (Rust `regex` syntax), found anywhere in a value; `^...$` for the
    /// whole value.
    pattern: String,
    /// The dataset, as `demo-3/name`, or `demo-3` for its `default` dataset.
    dataset: String,
    /// The columns to print, in this order (default: all of them).
    columns: Vec<String>,
    /// Match upper and lower case alike.
    #[arg(short, long)]
    ignore_case: bool,
    /// Print the rows that do not match.
    #[arg(short = 'v', long)]
    invert_match: bool,
    /// PATTERN is a plain string, not a regular expression.
    #[arg(short = 'F', long)]
    fixed_strings: bool,
    /// Match only in this column, printed or not (repeat for more; default: every printed column).
    #[arg(short, long, value_name = "COLUMN")]
    grep: Vec<String>,
    /// Stop after NUM matching rows.
    #[arg(short, long, value_name = "NUM")]
    max_count: Option<u64>,
    #[command(flatten)]
    output: rows::Output,
}

pub fn run(a: Args) -> Result<ExitCode> {
    let pattern = if a.fixed_strings {
        regex::escape(&a.pattern)
    } else {
        a.pattern.clone()
    };
    let regex = regex::bytes::RegexBuilder::new(&pattern)
        .case_insensitive(a.ignore_case)
        .build()
        .map_err(|e| Error::User(format!("bad pattern `{}`: {}", a.pattern, one_line(&e.to_string()))))?;
    let matcher = rows::Matcher {
        regex,
        invert: a.invert_match,
        columns: a.grep,
        max_count: a.max_count,
    };
    rows::run(&a.dataset, &a.columns, &a.output, Some(matcher))
}

/// The regex crate's message is a small drawing over several lines; keep its last line.
fn one_line(msg: &str) -> String {
    let last = msg.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or(msg).trim();
    last.strip_prefix("error: ").unwrap_or(last).to_string()
}
