//! The one renderer for every failure exax reports: `error: <message>`, then for a failed job its
//! id, method, phase and slice, the trimmed Lua traceback and the last lines it printed.

use crate::error::Error;

pub fn render(e: &Error) -> String {
    match e {
        Error::JobFailed(f) => {
            let mut s = format!("error: {}\n", f.message);
            s.push_str(&format!("  job:    {} (method {})\n", f.job, f.method));
            match f.slice {
                Some(n) => s.push_str(&format!("  phase:  {} (slice {n})\n", f.phase)),
                None => s.push_str(&format!("  phase:  {}\n", f.phase)),
            }
            if !f.traceback.is_empty() {
                s.push_str("  traceback:\n");
                for l in &f.traceback {
                    s.push_str(&format!("    {l}\n"));
                }
            }
            if !f.output_tail.is_empty() {
                s.push_str("  last output:\n");
                for l in &f.output_tail {
                    s.push_str(&format!("    | {l}\n"));
                }
            }
            s
        }
        Error::Script { message, traceback } => {
            let mut s = format!("error: {message}\n");
            if !traceback.is_empty() {
                s.push_str("  traceback:\n");
                for l in traceback {
                    s.push_str(&format!("    {l}\n"));
                }
            }
            s
        }
        other => format!("error: {other}\n"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::JobFailure;
    use crate::job::id::JobId;

    #[test]
    fn job_failure() {
        let e = Error::JobFailed(Box::new(JobFailure {
            job: JobId::new("demo", 3),
            method: "fail".into(),
            phase: "analysis".into(),
            slice: Some(1),
            message: "methods/fail.lua:4: boom".into(),
            traceback: vec!["methods/fail.lua:4: in function 'analysis'".into()],
            output_tail: vec!["hello".into()],
        }));
        assert_eq!(
            render(&e),
            "error: methods/fail.lua:4: boom\n  job:    demo-3 (method fail)\n  phase:  analysis (slice 1)\n  traceback:\n    methods/fail.lua:4: in function 'analysis'\n  last output:\n    | hello\n"
        );
    }
}
