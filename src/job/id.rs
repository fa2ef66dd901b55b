//! `JobId`: a job's name, `<workdir>-<number>`, as users type and see it.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct JobId {
    pub workdir: String,
    pub number: u64,
}

impl JobId {
    pub fn new(workdir: &str, number: u64) -> Self {
        JobId {
            workdir: workdir.to_string(),
            number,
        }
    }

    /// Parses `demo-12`; the workdir name may itself contain dashes.
    pub fn parse(s: &str) -> Option<JobId> {
        let (wd, n) = s.rsplit_once('-')?;
        if wd.is_empty() || n.is_empty() || !n.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        Some(JobId {
            workdir: wd.to_string(),
            number: n.parse().ok()?,
        })
    }
}

impl fmt::Display for JobId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.workdir, self.number)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_print() {
        let id = JobId::parse("my-wd-12").unwrap();
        assert_eq!(id.workdir, "my-wd");
        assert_eq!(id.number, 12);
        assert_eq!(id.to_string(), "my-wd-12");
        assert!(JobId::parse("demo").is_none());
        assert!(JobId::parse("demo-").is_none());
        assert!(JobId::parse("-3").is_none());
        assert!(JobId::parse("demo-1x").is_none());
    }
}
