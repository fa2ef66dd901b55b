//! A `Project`: the directory with accelerator.conf, found by walking up from the current
//! directory, with its workdirs, reuse indexes, build locks and method lookup.

use std::collections::HashMap;

use camino::{Utf8Path, Utf8PathBuf};
use parking_lot::Mutex;

use crate::config::{self, Config};
use crate::embedded;
use crate::error::{did_you_mean, Error, IoContext, Result};
use crate::job::id::JobId;
use crate::job::lock::BuildLocks;
use crate::job::method_log::MethodLog;
use crate::job::reuse_index::ReuseIndex;
use crate::job::workdir::Workdir;

pub struct Project {
    pub root: Utf8PathBuf,
    pub config: Config,
    pub workdirs: Vec<Workdir>,
    pub indexes: Mutex<HashMap<String, ReuseIndex>>,
    pub locks: BuildLocks,
    /// Content hashes of input files (`.exax/input-hashes`).
    pub input_hashes: crate::job::inputs::HashCache,
    /// The method of each job seen so far, by (workdir, number): setup.json never changes.
    job_methods: Mutex<HashMap<String, JobMethods>>,
}

/// The methods of the jobs of one workdir seen so far (setup.json never changes).
struct JobMethods {
    /// The workdir's `.job-methods`, read on the first look instead of every setup.json.
    log: MethodLog,
    listed: bool,
    /// The lowest job number not seen yet (not `max + 1`: a workdir listed while empty must
    /// still find job 0).
    next: u64,
    methods: HashMap<String, Vec<u64>>,
}

impl JobMethods {
    fn new(wd: &Workdir) -> Self {
        JobMethods {
            log: MethodLog::new(wd),
            listed: false,
            next: 0,
            methods: HashMap::new(),
        }
    }
}

/// Where a method's source lives.
#[derive(Debug, Clone)]
pub struct MethodSource {
    pub name: String,
    /// Project-relative path (`methods/x.lua`), or `<exax>/x.lua` for a shipped method; used as
    /// the Lua chunk name so errors read `methods/x.lua:4:`.
    pub display: String,
    /// The file on disk, None for shipped methods.
    pub file: Option<Utf8PathBuf>,
    pub source: String,
}

impl Project {
    /// Finds accelerator.conf in `start` or the nearest directory above it.
    pub fn find(start: &Utf8Path) -> Result<Project> {
        let mut dir = Some(start);
        while let Some(d) = dir {
            let conf = d.join(config::FILE_NAME);
            if conf.is_file() {
                return Project::open(&conf);
            }
            dir = d.parent();
        }
        Err(Error::NoProject {
            start: start.to_path_buf(),
        })
    }

    pub fn from_cwd() -> Result<Project> {
        let cwd = std::env::current_dir().map_err(|e| Error::io(".", e))?;
        let cwd = Utf8PathBuf::from_path_buf(cwd).map_err(|p| Error::User(format!("{}: the path is not UTF-8", p.display())))?;
        Project::find(&cwd)
    }

    pub fn open(conf: &Utf8Path) -> Result<Project> {
        let config = Config::load(conf)?;
        let root = conf.parent().unwrap_or(Utf8Path::new("/")).to_path_buf();
        let workdirs = config.workdirs.iter().map(|(n, p)| Workdir::new(n, p)).collect();
        Ok(Project {
            locks: BuildLocks::new(root.join(".exax").join("build.lock")),
            input_hashes: crate::job::inputs::HashCache::new(&root.join(".exax")),
            job_methods: Mutex::new(HashMap::new()),
            root,
            config,
            workdirs,
            indexes: Mutex::new(HashMap::new()),
        })
    }

    /// The numbers of the jobs in `wd` whose setup.json names `method`, oldest first (finished
    /// or not). Each job's method is learnt once per process, from the workdir's method log or
    /// (for a job the log lacks) its setup.json.
    pub fn jobs_of_method(&self, wd: &Workdir, method: &str) -> Vec<u64> {
        let mut all = self.job_methods.lock();
        let known = all.entry(wd.name.clone()).or_insert_with(|| JobMethods::new(wd));
        // The first look lists the workdir; later ones look only above the highest number seen
        // (numbers are allocated upwards), so a run of many builds does not list it each time.
        let (fresh, listing): (Vec<u64>, bool) = if known.listed {
            ((known.next..).take_while(|n| wd.job_path(*n).exists()).collect(), false)
        } else {
            known.listed = true;
            (wd.job_numbers().unwrap_or_default(), true)
        };
        let logged = if listing { known.log.read() } else { HashMap::new() };
        for n in fresh {
            match logged.get(&n) {
                Some(m) => known.methods.entry(m.clone()).or_default().push(n),
                None => {
                    let path = wd.job_path(n).join(crate::job::records::SETUP);
                    match crate::job::records::read_json::<crate::job::records::Setup>(&path) {
                        Ok(setup) => {
                            if listing {
                                // A job the log lacks: the next process finds it there.
                                known.log.append(n, &setup.method);
                            }
                            known.methods.entry(setup.method).or_default().push(n);
                        }
                        // A job another process has only just allocated: looked at again next time.
                        Err(_) if !listing => break,
                        Err(_) => {}
                    }
                }
            }
            known.next = known.next.max(n + 1);
        }
        let mut out = known.methods.get(method).cloned().unwrap_or_default();
        out.sort_unstable();
        out
    }

    /// Records the method of a job this process has just allocated in `wd` (before its
    /// setup.json exists): in the workdir's method log, and here, so `jobs_of_method` need not
    /// read its setup.json back.
    pub fn record_job_method(&self, wd: &Workdir, number: u64, method: &str) {
        let mut all = self.job_methods.lock();
        let known = all.entry(wd.name.clone()).or_insert_with(|| JobMethods::new(wd));
        known.log.append(number, method);
        if known.listed && known.next == number {
            known.methods.entry(method.to_string()).or_default().push(number);
            known.next = number + 1;
        }
    }

    pub fn workdir(&self, name: &str) -> Result<&Workdir> {
        self.workdirs.iter().find(|w| w.name == name).ok_or_else(|| {
            Error::User(format!(
                "unknown workdir `{name}`{}; accelerator.conf has {}",
                did_you_mean(name, self.workdirs.iter().map(|w| w.name.as_str())),
                self.workdirs.iter().map(|w| w.name.as_str()).collect::<Vec<_>>().join(", ")
            ))
        })
    }

    /// The directory of a job, which need not exist.
    pub fn job_path(&self, id: &JobId) -> Result<Utf8PathBuf> {
        Ok(self.workdir(&id.workdir)?.job_path(id.number))
    }

    /// `methods/x.lua` for files inside the project, the absolute path otherwise.
    pub fn display_path(&self, p: &Utf8Path) -> String {
        p.strip_prefix(&self.root).map(|r| r.to_string()).unwrap_or_else(|_| p.to_string())
    }

    /// The project's method file of this name, if any, in method directory order.
    pub fn project_method_file(&self, name: &str) -> Option<Utf8PathBuf> {
        self.config
            .method_directories
            .iter()
            .map(|d| d.join(format!("{name}.lua")))
            .find(|p| p.is_file())
    }

    pub fn method_source(&self, name: &str) -> Result<Option<MethodSource>> {
        if !valid_method_name(name) {
            return Ok(None);
        }
        if let Some(file) = self.project_method_file(name) {
            let source = std::fs::read_to_string(&file).at(&file)?;
            return Ok(Some(MethodSource {
                name: name.to_string(),
                display: self.display_path(&file),
                file: Some(file),
                source,
            }));
        }
        Ok(embedded::shipped_method(name).map(|src| MethodSource {
            name: name.to_string(),
            display: format!("<exax>/{name}.lua"),
            file: None,
            source: src.to_string(),
        }))
    }

    /// Every `.lua` file in the method directories: (name, path), project order, first one wins.
    pub fn project_lua_files(&self) -> Result<Vec<(String, Utf8PathBuf)>> {
        let mut out: Vec<(String, Utf8PathBuf)> = Vec::new();
        for dir in &self.config.method_directories {
            let rd = match std::fs::read_dir(dir) {
                Ok(rd) => rd,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => return Err(Error::io(dir, e)),
            };
            let mut names = Vec::new();
            for entry in rd {
                let entry = entry.at(dir)?;
                let Ok(name) = entry.file_name().into_string() else { continue };
                if let Some(stem) = name.strip_suffix(".lua") {
                    if entry.path().is_file() {
                        names.push(stem.to_string());
                    }
                }
            }
            names.sort();
            for n in names {
                if !out.iter().any(|(m, _)| *m == n) {
                    out.push((n.clone(), dir.join(format!("{n}.lua"))));
                }
            }
        }
        Ok(out)
    }

    /// Every method name a build could name: project files, then shipped methods.
    pub fn all_method_names(&self) -> Result<Vec<String>> {
        let mut names: Vec<String> = self.project_lua_files()?.into_iter().map(|(n, _)| n).collect();
        for n in embedded::shipped_method_names() {
            if !names.iter().any(|m| m == n) {
                names.push(n.to_string());
            }
        }
        Ok(names)
    }

    /// Runs `f` with the reuse index of a workdir, refreshed with what other processes appended.
    pub fn with_index<T>(&self, wd: &Workdir, f: impl FnOnce(&mut ReuseIndex) -> Result<T>) -> Result<T> {
        let mut indexes = self.indexes.lock();
        let index = indexes.entry(wd.name.clone()).or_insert_with(|| ReuseIndex::new(wd));
        index.refresh(wd)?;
        f(index)
    }
}

pub fn valid_method_name(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}
