//! exax's integration tests: every test runs the real `exax` binary on a project in a temporary
//! directory and checks its exact output, exit code and files. One file per feature.

mod test;

mod bad_input;
mod build;
mod cat;
mod cli;
mod columns;
mod completions;
mod concurrency;
mod config;
mod csvimport;
mod csvimport_zip;
mod dataset_type;
mod datasets;
mod depend_extra;
mod descriptions;
mod export;
mod failure;
mod fanout;
mod files;
mod gc;
mod hostile;
mod input;
mod inputs;
mod kill_rounds;
mod lua_scripts;
mod messages;
mod options;
mod output;
mod parallel;
mod required;
mod reuse;
mod shipped;
mod sort;
mod status;
mod structure;
mod subjobs;
mod tmux;
mod urd;
mod values;
mod whole;
mod why;
mod workdir;
