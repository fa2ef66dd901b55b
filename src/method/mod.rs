//! What a method declares (description, options, datasets, jobs, depend_extra, phases) once its
//! Lua file has been read, the project files that join its reuse key, and the resolution of
//! `urd:build` parameters against those declarations.

pub mod options;
pub mod requires;

use camino::Utf8PathBuf;

use crate::error::{closest, did_you_mean, BuildError, Error, IoContext, Result};
use crate::job::id::JobId;
use crate::job::reuse_key::{KeyHasher, ReuseKey};
use crate::method::options::{describe_value, OptionSpec};
use crate::msgpack;
use crate::project::{MethodSource, Project};
use crate::value::Value;
use requires::Require;

#[derive(Debug, Clone)]
pub struct ParamDecl {
    pub name: String,
    /// Declared as `{'name'}`: a list.
    pub list: bool,
    /// Declared as `required('name')`: a build without it is an error.
    pub required: bool,
}

#[derive(Debug, Clone)]
pub struct MethodDecl {
    pub source: MethodSource,
    pub description: String,
    pub options: Vec<(String, OptionSpec)>,
    pub datasets: Vec<ParamDecl>,
    pub jobs: Vec<ParamDecl>,
    pub depend_extra: Vec<String>,
    /// Parameter names of each phase that is defined.
    pub prepare: Option<Vec<String>>,
    pub analysis: Option<Vec<String>>,
    pub synthesis: Option<Vec<String>>,
    /// The line where each defined phase starts (prepare, analysis, synthesis; 0 when unknown).
    pub phase_lines: [usize; 3],
    /// Project modules and depend_extra files whose content joins the reuse key.
    pub hashed: Vec<HashedFile>,
    /// The source compiled to Lua bytecode when the declarations were read, so each job's fresh
    /// state loads it without parsing again.
    pub bytecode: Vec<u8>,
    /// Things the user should know (a `require` that cannot be followed, ...).
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct HashedFile {
    /// Project-relative path, also the name of its copy under `hashed/` in the job directory.
    pub display: String,
    pub bytes: Vec<u8>,
    /// Named in `depend_extra` (else a required module).
    pub depend_extra: bool,
}

/// The parameters a job gets, after defaults, in declaration order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Params {
    pub options: Vec<(String, Value)>,
    pub datasets: Vec<(String, Value)>,
    pub jobs: Vec<(String, Value)>,
}

/// What `urd:build` was given: names to resolve, and the explicit sections.
#[derive(Debug, Clone, Default)]
pub struct BuildArgs {
    pub loose: Vec<(String, Value)>,
    pub options: Vec<(String, Value)>,
    pub datasets: Vec<(String, Value)>,
    pub jobs: Vec<(String, Value)>,
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Option,
    Dataset,
    Job,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Option => "option",
            Kind::Dataset => "dataset",
            Kind::Job => "job",
        }
    }
}

pub const PHASE_ARGS: &[&str] = &["job", "slices", "sliceno", "prepare_res", "analysis_res"];

impl MethodDecl {
    pub fn name(&self) -> &str {
        &self.source.name
    }

    /// Checks what can be checked before any job runs.
    pub fn validate(&self) -> Result<()> {
        let m = &self.source.display;
        if self.prepare.is_none() && self.analysis.is_none() && self.synthesis.is_none() {
            return Err(Error::NotAMethod(format!(
                "{m} defines no phase (prepare, analysis or synthesis): it is a module, not a method"
            )));
        }
        if self.options.iter().any(|(n, _)| n == "name") {
            return Err(Error::build(format!(
                "{m}: an option may not be called `name` (urd:build uses `name` for the joblist name)"
            )));
        }
        for (i, (phase, params)) in [
            ("prepare", &self.prepare),
            ("analysis", &self.analysis),
            ("synthesis", &self.synthesis),
        ]
        .into_iter()
        .enumerate()
        {
            let at = match self.phase_lines[i] {
                0 => m.to_string(),
                line => format!("{m}:{line}"),
            };
            let Some(params) = params else { continue };
            for p in params {
                let allowed: &[&str] = match phase {
                    "prepare" => &["job", "slices"],
                    "analysis" => &["job", "slices", "sliceno", "prepare_res"],
                    _ => &["job", "slices", "prepare_res", "analysis_res"],
                };
                if !allowed.contains(&p.as_str()) {
                    let hint = if PHASE_ARGS.contains(&p.as_str()) {
                        format!(" (`{p}` is not available in {phase})")
                    } else {
                        did_you_mean(p, allowed.iter().copied())
                    };
                    return Err(Error::build(format!(
                        "{at}: {phase}() has a parameter `{p}`{hint}; {phase} takes {}",
                        allowed.join(", ")
                    )));
                }
            }
            if phase == "analysis" && !params.iter().any(|p| p == "sliceno") {
                return Err(Error::build(format!(
                    "{at}: analysis() must take `sliceno` (analysis(sliceno) runs once per slice)"
                )));
            }
        }
        Ok(())
    }

    fn all_names(&self) -> impl Iterator<Item = (&str, Kind)> {
        self.options
            .iter()
            .map(|(n, _)| (n.as_str(), Kind::Option))
            .chain(self.datasets.iter().map(|d| (d.name.as_str(), Kind::Dataset)))
            .chain(self.jobs.iter().map(|d| (d.name.as_str(), Kind::Job)))
    }

    /// Routes given parameters to options/datasets/jobs, checks and converts them, fills defaults.
    pub fn resolve(&self, args: BuildArgs) -> Result<Params> {
        let m = self.name();
        let mut options: Vec<(String, Option<Value>)> = self.options.iter().map(|(n, _)| (n.clone(), None)).collect();
        let mut datasets: Vec<(String, Option<Value>)> = self.datasets.iter().map(|d| (d.name.clone(), None)).collect();
        let mut jobs: Vec<(String, Option<Value>)> = self.jobs.iter().map(|d| (d.name.clone(), None)).collect();

        let everything = || -> String {
            let list = |k: Kind| -> Vec<&str> { self.all_names().filter(|(_, kk)| *kk == k).map(|(n, _)| n).collect() };
            let mut parts = Vec::new();
            for (k, label) in [(Kind::Option, "options"), (Kind::Dataset, "datasets"), (Kind::Job, "jobs")] {
                let l = list(k);
                if !l.is_empty() {
                    parts.push(format!("{label} {}", l.join(", ")));
                }
            }
            if parts.is_empty() {
                format!("method `{m}` takes no parameters")
            } else {
                format!("method `{m}` takes {}", parts.join("; "))
            }
        };

        let mut put = |kind: Kind, name: &str, v: Value| -> Result<()> {
            let slot = match kind {
                Kind::Option => &mut options,
                Kind::Dataset => &mut datasets,
                Kind::Job => &mut jobs,
            };
            match slot.iter_mut().find(|(n, _)| n == name) {
                Some((_, s)) => {
                    if s.is_some() {
                        return Err(Error::build(format!("method `{m}`: {} `{name}` is given twice", kind.name())));
                    }
                    *s = Some(v);
                    Ok(())
                }
                None => {
                    if let Some((_, other)) = self.all_names().find(|(n, _)| *n == name) {
                        return Err(Error::build(format!(
                            "method `{m}` has no {} `{name}`: `{name}` is a{} {}",
                            kind.name(),
                            if other == Kind::Option { "n" } else { "" },
                            other.name()
                        )));
                    }
                    let names: Vec<&str> = slot.iter().map(|(n, _)| n.as_str()).collect();
                    Err(BuildError::new(format!("method `{m}` has no {} `{name}`", kind.name()))
                        .method(m)
                        .param(name)
                        .suggest(closest(name, names.iter().copied().chain(self.all_names().map(|(n, _)| n))))
                        .help(everything())
                        .into())
                }
            }
        };

        for (name, v) in args.options {
            put(Kind::Option, &name, v)?;
        }
        for (name, v) in args.datasets {
            put(Kind::Dataset, &name, v)?;
        }
        for (name, v) in args.jobs {
            put(Kind::Job, &name, v)?;
        }
        for (name, v) in args.loose {
            let kinds: Vec<Kind> = self.all_names().filter(|(n, _)| *n == name).map(|(_, k)| k).collect();
            match kinds.as_slice() {
                [k] => put(*k, &name, v)?,
                [] => {
                    return Err(BuildError::new(format!("method `{m}` has no parameter `{name}`"))
                        .method(m)
                        .param(&name)
                        .suggest(closest(&name, self.all_names().map(|(n, _)| n)))
                        .help(everything())
                        .into())
                }
                ks => {
                    let sections: Vec<String> = ks.iter().map(|k| format!("{}s = {{{name} = ...}}", k.name())).collect();
                    return Err(Error::build(format!(
                        "method `{m}`: `{name}` is both {}; say which with {}",
                        ks.iter()
                            .map(|k| format!("{} {}", if *k == Kind::Option { "an" } else { "a" }, k.name()))
                            .collect::<Vec<_>>()
                            .join(" and "),
                        sections.join(" or ")
                    )));
                }
            }
        }

        let mut out = Params::default();
        for ((name, given), (_, spec)) in options.into_iter().zip(&self.options) {
            let v = match given {
                Some(v) if v != Value::Nil => spec.convert(&v, &name).map_err(|e| {
                    let inside = if e.at != name { format!(" at `{}`", e.at) } else { String::new() };
                    Error::build(format!(
                        "method `{m}`, option `{name}`: expected {}{inside}, got {}",
                        e.expected, e.got
                    ))
                })?,
                _ => spec
                    .default_value()
                    .ok_or_else(|| Error::build(format!("method `{m}`: required option `{name}` ({}) is not given", spec.describe())))?,
            };
            out.options.push((name, v));
        }
        let missing = |kind: Kind, decl: &ParamDecl, v: &Value| -> Result<()> {
            let absent = matches!(v, Value::Nil) || matches!(v, Value::Array(a) if a.is_empty());
            if decl.required && absent {
                return Err(Error::build(format!(
                    "method `{m}`: required {} `{}` is not given{}",
                    kind.name(),
                    decl.name,
                    if decl.list { " (a list of at least one)" } else { "" }
                )));
            }
            Ok(())
        };
        for ((name, given), decl) in datasets.into_iter().zip(&self.datasets) {
            let v = handle_param(m, Kind::Dataset, &name, decl.list, given)?;
            missing(Kind::Dataset, decl, &v)?;
            out.datasets.push((name.clone(), v));
        }
        for ((name, given), decl) in jobs.into_iter().zip(&self.jobs) {
            let v = handle_param(m, Kind::Job, &name, decl.list, given)?;
            missing(Kind::Job, decl, &v)?;
            out.jobs.push((name.clone(), v));
        }
        Ok(out)
    }

    /// The reuse key of a job of this method with these parameters.
    pub fn reuse_key(&self, params: &Params) -> ReuseKey {
        let mut h = KeyHasher::new();
        h.part("method", self.name().as_bytes())
            .part("source", self.source.source.as_bytes());
        for f in &self.hashed {
            h.part(&f.display, &f.bytes);
        }
        h.part("params", &msgpack::encode(&params.to_value().canonical()));
        h.finish()
    }
}

fn handle_param(m: &str, kind: Kind, name: &str, list: bool, given: Option<Value>) -> Result<Value> {
    let one = |v: Value| -> Result<Value> {
        let converted = match (kind, &v) {
            (Kind::Job, Value::Job(_)) | (Kind::Dataset, Value::Dataset(_)) => Some(v.clone()),
            (Kind::Job, Value::Str(_)) => v.as_str().and_then(JobId::parse).map(Value::Job),
            (Kind::Dataset, Value::Job(id)) => Some(Value::Dataset(format!("{id}/default"))),
            (Kind::Dataset, Value::Str(_)) => v.as_str().and_then(|s| {
                let (job, ds) = s.split_once('/').unwrap_or((s, "default"));
                JobId::parse(job)
                    .filter(|_| !ds.is_empty())
                    .map(|j| Value::Dataset(format!("{j}/{ds}")))
            }),
            _ => None,
        };
        converted.ok_or_else(|| {
            let want = if kind == Kind::Job { "a Job" } else { "a Dataset" };
            Error::build(format!(
                "method `{m}`, {} `{name}`: expected {want}{}, got {}",
                kind.name(),
                if list { " in the list" } else { "" },
                describe_value(&v)
            ))
        })
    };
    match (given, list) {
        (None | Some(Value::Nil), false) => Ok(Value::Nil),
        (None | Some(Value::Nil), true) => Ok(Value::Array(vec![])),
        (Some(v), false) => one(v),
        (Some(Value::Array(a)), true) => Ok(Value::Array(a.into_iter().map(one).collect::<Result<_>>()?)),
        (Some(Value::Map(m2)), true) if m2.is_empty() => Ok(Value::Array(vec![])),
        // One handle where a list is declared is a list of one (spec section 11: `source` may be
        // one Dataset or an array).
        (Some(v @ (Value::Job(_) | Value::Dataset(_) | Value::Str(_))), true) => Ok(Value::Array(vec![one(v)?])),
        (Some(v), true) => Err(Error::build(format!(
            "method `{m}`, {} `{name}`: expected a list of {}s, got {}",
            kind.name(),
            if kind == Kind::Job { "Job" } else { "Dataset" },
            describe_value(&v)
        ))),
    }
}

impl Params {
    pub fn to_value(&self) -> Value {
        let section = |s: &[(String, Value)]| Value::Map(s.iter().map(|(k, v)| (Value::str(k), v.clone())).collect());
        Value::Map(vec![
            (Value::str("options"), section(&self.options)),
            (Value::str("datasets"), section(&self.datasets)),
            (Value::str("jobs"), section(&self.jobs)),
        ])
    }

    /// Every job this one refers to, directly or through a dataset, with the name of the
    /// parameter that refers to it.
    pub fn job_references(&self) -> Vec<(&str, JobId)> {
        let mut out = Vec::new();
        fn walk<'a>(name: &'a str, v: &Value, out: &mut Vec<(&'a str, JobId)>) {
            match v {
                Value::Job(id) => out.push((name, id.clone())),
                Value::Dataset(ds) => {
                    if let Some(id) = ds.split('/').next().and_then(JobId::parse) {
                        out.push((name, id))
                    }
                }
                Value::Array(a) => a.iter().for_each(|x| walk(name, x, out)),
                _ => {}
            }
        }
        for (name, v) in self.datasets.iter().chain(&self.jobs) {
            walk(name, v, &mut out);
        }
        out
    }
}

/// Finds the project modules a method requires (transitively) and reads its depend_extra files.
pub fn hashed_files(
    project: &Project,
    source: &MethodSource,
    depend_extra: &[String],
    warnings: &mut Vec<String>,
) -> Result<Vec<HashedFile>> {
    let mut out: Vec<HashedFile> = Vec::new();
    let mut queue: Vec<(String, String)> = vec![(source.display.clone(), source.source.clone())];
    while let Some((display, text)) = queue.pop() {
        for r in requires::scan(&text) {
            match r {
                Require::Dynamic { line } => warnings.push(format!(
                    "{display}:{line}: this require's argument is not a string literal, so the module cannot join the reuse key"
                )),
                Require::Literal { name, line } => {
                    if crate::embedded::stdlib_module(&name).is_some() || is_lua_library(&name) {
                        continue;
                    }
                    match find_module(project, &name) {
                        Some(path) => {
                            let display = project.display_path(&path);
                            if out.iter().any(|f| f.display == display) || display == source.display {
                                continue;
                            }
                            let bytes = std::fs::read(&path).at(&path)?;
                            queue.push((display.clone(), String::from_utf8_lossy(&bytes).into_owned()));
                            out.push(HashedFile {
                                display,
                                bytes,
                                depend_extra: false,
                            });
                        }
                        None => warnings.push(format!(
                            "{display}:{line}: require('{name}') is not a module in the method directories, so it does not join the reuse key"
                        )),
                    }
                }
            }
        }
    }
    out.sort_by(|a, b| a.display.cmp(&b.display));
    if !depend_extra.is_empty() {
        let Some(file) = &source.file else {
            return Err(Error::build(format!(
                "{}: depend_extra is only for project methods",
                source.display
            )));
        };
        let dir = file.parent().map(Utf8PathBuf::from).unwrap_or_default();
        for rel in depend_extra {
            let path = dir.join(rel);
            let bytes = std::fs::read(&path).map_err(|e| {
                Error::build(format!(
                    "{}: depend_extra file `{rel}` cannot be read ({path}): {e}",
                    source.display
                ))
            })?;
            out.push(HashedFile {
                display: project.display_path(&lexical(&path)),
                bytes,
                depend_extra: true,
            });
        }
    }
    Ok(out)
}

/// `a/b/../c` as `a/c`, without asking the file system: a label for a depend_extra file that
/// names it the same way however the method reached it.
fn lexical(path: &camino::Utf8Path) -> Utf8PathBuf {
    let mut out = Utf8PathBuf::new();
    for c in path.components() {
        match c {
            camino::Utf8Component::ParentDir if out.file_name().is_some() => {
                out.pop();
            }
            camino::Utf8Component::ParentDir if out.as_str() == "/" => {}
            camino::Utf8Component::CurDir => {}
            other => out.push(other.as_str()),
        }
    }
    out
}

/// A project module for `require(name)`: `a.b` is `a/b.lua` or `a/b/init.lua` in a method directory.
pub fn find_module(project: &Project, name: &str) -> Option<Utf8PathBuf> {
    let base = name.replace('.', "/");
    project.config.method_directories.iter().find_map(|d| {
        [d.join(format!("{base}.lua")), d.join(&base).join("init.lua")]
            .into_iter()
            .find(|p| p.is_file())
    })
}

fn is_lua_library(name: &str) -> bool {
    matches!(
        name,
        "string" | "table" | "math" | "io" | "os" | "coroutine" | "utf8" | "debug" | "package"
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn depend_extra_labels_are_lexical() {
        assert_eq!(super::lexical("/p/more/../methods/./d.txt".into()), "/p/methods/d.txt");
        assert_eq!(super::lexical("/p/../../x".into()), "/x");
        assert_eq!(super::lexical("a/../../x".into()), "../x");
    }
}
