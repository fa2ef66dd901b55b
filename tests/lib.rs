//! exax's integration tests: every test runs the real `exax` binary on a project in a temporary
//! directory and checks its exact output, exit code and files. One file per feature.

mod test;

mod build;
mod cli;
mod config;
mod dataset_type;
mod datasets;
mod depend_extra;
mod descriptions;
mod failure;
mod files;
mod gc;
mod input;
mod lua_scripts;
mod options;
mod output;
mod reuse;
mod shipped;
mod status;
mod subjobs;
mod tmux;
mod values;
