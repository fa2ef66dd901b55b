//! `exax completions SHELL`: scripts that complete exax's subcommands and options (bash is run
//! for real), without the hidden internal ones.

use crate::test::Test;

/// What bash completes `words` (the last one being typed) to, with the script exax printed.
fn bash_complete(script: &str, words: &[&str]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("exax.bash");
    std::fs::write(&path, script).unwrap();
    let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    let cmd = format!(
        "source '{}'; COMP_WORDS=({}); COMP_CWORD={}; _exax exax '{}' '{}'; echo \"${{COMPREPLY[@]}}\"",
        path.display(),
        quoted.join(" "),
        words.len() - 1,
        words[words.len() - 1],
        words[words.len() - 2]
    );
    let out = std::process::Command::new("bash").args(["-c", &cmd]).output().expect("bash");
    String::from_utf8_lossy(&out.stdout).trim_end().to_string()
}

#[test]
fn bash_completes_subcommands_and_options() {
    let out = Test::empty().args(&["completions", "bash"]).any_stdout().run();
    assert_eq!(
        bash_complete(&out.stdout, &["exax", ""]),
        "-h -V --help --version init run job method ds cat grep completions workdir gc status why urd board urd-server verify help"
    );
    assert_eq!(bash_complete(&out.stdout, &["exax", "gr"]), "grep");
    assert_eq!(bash_complete(&out.stdout, &["exax", "cat", "--fo"]), "--format");
    assert_eq!(bash_complete(&out.stdout, &["exax", "cat", "--format", ""]), "text csv json");
    assert_eq!(bash_complete(&out.stdout, &["exax", "completions", "z"]), "zsh");
}

#[test]
fn zsh_and_fish_scripts() {
    let out = Test::empty().args(&["completions", "zsh"]).any_stdout().run();
    assert!(out.stdout.starts_with("#compdef exax\n"), "{}", out.stdout);
    assert!(out.stdout.contains("'--unfinished[Only jobs that did not finish"), "{}", out.stdout);
    let out = Test::empty().args(&["completions", "fish"]).any_stdout().run();
    assert!(
        out.stdout.contains("-a \"grep\" -d 'Print the rows where a column matches PATTERN"),
        "{}",
        out.stdout
    );
    assert!(!out.stdout.contains("__analysis"));
}

#[test]
fn unknown_shell() {
    Test::empty()
        .args(&["completions", "tcsh"])
        .status(1)
        .stderr_contains("error: invalid value 'tcsh' for '<SHELL>'")
        .run();
}
