//! The in-memory state of an urd store, rebuilt by replaying its events in write order: per list
//! the active sessions by timestamp, and the history ("ghosts": sessions replaced by an update,
//! truncated, or whose dependencies changed under them), which lookups never return.

use std::collections::{BTreeMap, HashMap};

use super::entry::{AddOutcome, Entry, Event, Op, TruncateOutcome};
use super::timestamp::{Lookup, Timestamp};

#[derive(Debug, Clone)]
pub enum Outcome {
    Add(AddOutcome),
    Truncate(TruncateOutcome),
}

#[derive(Default)]
pub struct Db {
    active: BTreeMap<String, BTreeMap<Timestamp, Entry>>,
    ghosts: BTreeMap<String, BTreeMap<Timestamp, Vec<Entry>>>,
    /// Idempotency keys applied so far, with what they did.
    seen: HashMap<String, Outcome>,
    pub last_seq: u64,
}

/// Why an event is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Re-adding a timestamp with other content without `update`.
    Conflict(String),
    Invalid(String),
}

impl Db {
    /// The outcome an event would have, without applying it; `Ok((outcome, false))` when nothing
    /// needs writing (a retried key, or the same content again).
    pub fn check(&self, ev: &Event) -> Result<(Outcome, bool), Refusal> {
        if let Some(o) = self.seen.get(&ev.key) {
            return Ok((o.clone(), false));
        }
        match ev.op {
            Op::Truncate => {
                let ts = parse(ev.timestamp.as_deref().unwrap_or(""))?;
                let count = self.active.get(&ev.list).map_or(0, |l| l.range(ts..).count());
                Ok((Outcome::Truncate(TruncateOutcome { count, deps: 0 }), true))
            }
            Op::Add => {
                let Some(entry) = &ev.entry else {
                    return Err(Refusal::Invalid("an add without an entry".into()));
                };
                let ts = parse(&entry.timestamp)?;
                if ts.is_zero() {
                    return Err(Refusal::Invalid("timestamp 0 is special in urd and cannot be added".into()));
                }
                if entry.joblist.is_empty() {
                    return Err(Refusal::Invalid(format!(
                        "{}/{}: a session needs at least one job in its joblist",
                        ev.list, entry.timestamp
                    )));
                }
                let is_ghost = self.is_ghost(entry);
                let (new, changed) = if is_ghost {
                    match self.ghosts.get(&ev.list).and_then(|g| g.get(&ts)) {
                        Some(old) => (false, !old.iter().any(|o| o.same_content(entry))),
                        None => (true, false),
                    }
                } else {
                    match self.active.get(&ev.list).and_then(|l| l.get(&ts)) {
                        Some(old) => (false, !old.same_content(entry)),
                        None => (true, false),
                    }
                };
                if changed && !ev.update {
                    return Err(Refusal::Conflict(format!(
                        "urd list {} already has a different session at {} (pass update = true to urd:begin to replace it; the old one is kept as history)",
                        ev.list, entry.timestamp
                    )));
                }
                Ok((
                    Outcome::Add(AddOutcome {
                        new,
                        changed,
                        is_ghost,
                        deps: 0,
                    }),
                    new || changed,
                ))
            }
        }
    }

    /// Applies an event (live: after `check` said it needs writing and it was written; replay:
    /// every event of the logs in `seq` order).
    pub fn apply(&mut self, ev: &Event) -> Outcome {
        self.last_seq = self.last_seq.max(ev.seq);
        if let Some(o) = self.seen.get(&ev.key) {
            return o.clone();
        }
        let outcome = match (&ev.op, &ev.entry, &ev.timestamp) {
            (Op::Add, Some(entry), _) => Outcome::Add(self.apply_add(&ev.list, entry.clone())),
            (Op::Truncate, _, Some(ts)) => match Timestamp::parse(ts) {
                Ok(ts) => Outcome::Truncate(self.apply_truncate(&ev.list, ts)),
                Err(_) => Outcome::Truncate(TruncateOutcome::default()),
            },
            _ => Outcome::Truncate(TruncateOutcome::default()),
        };
        self.seen.insert(ev.key.clone(), outcome.clone());
        outcome
    }

    fn apply_add(&mut self, list: &str, entry: Entry) -> AddOutcome {
        let Ok(ts) = Timestamp::parse(&entry.timestamp) else {
            return AddOutcome::default();
        };
        let is_ghost = self.is_ghost(&entry);
        if is_ghost {
            let g = self.ghosts.entry(list.to_string()).or_default().entry(ts).or_default();
            let new = g.is_empty();
            let changed = !new && !g.iter().any(|o| o.same_content(&entry));
            if new || changed {
                g.push(entry);
            }
            return AddOutcome {
                new,
                changed,
                is_ghost,
                deps: 0,
            };
        }
        let l = self.active.entry(list.to_string()).or_default();
        match l.insert(ts.clone(), entry) {
            None => AddOutcome {
                new: true,
                changed: false,
                is_ghost,
                deps: 0,
            },
            Some(old) => {
                let changed = !old.same_content(&l[&ts]);
                if changed {
                    self.ghosts.entry(list.to_string()).or_default().entry(ts).or_default().push(old);
                }
                let deps = if changed { self.update_ghosts() } else { 0 };
                AddOutcome {
                    new: false,
                    changed,
                    is_ghost,
                    deps,
                }
            }
        }
    }

    fn apply_truncate(&mut self, list: &str, ts: Timestamp) -> TruncateOutcome {
        let Some(l) = self.active.get_mut(list) else {
            return TruncateOutcome::default();
        };
        let gone = l.split_off(&ts);
        let count = gone.len();
        let g = self.ghosts.entry(list.to_string()).or_default();
        for (t, e) in gone {
            g.entry(t).or_default().push(e);
        }
        let deps = if count > 0 { self.update_ghosts() } else { 0 };
        TruncateOutcome { count, deps }
    }

    /// A session is history when a session it depended on is gone or changed.
    fn is_ghost(&self, e: &Entry) -> bool {
        e.deps.iter().any(|(list, dep)| {
            let Ok(ts) = Timestamp::parse(&dep.timestamp) else {
                return true;
            };
            match self.active.get(list).and_then(|l| l.get(&ts)) {
                Some(cur) => cur.as_dep() != *dep,
                None => true,
            }
        })
    }

    /// Moves every session whose dependencies changed into history, until nothing moves.
    fn update_ghosts(&mut self) -> usize {
        let mut total = 0;
        loop {
            let mut moved = Vec::new();
            for (list, l) in &self.active {
                for (ts, e) in l {
                    if self.is_ghost(e) {
                        moved.push((list.clone(), ts.clone()));
                    }
                }
            }
            if moved.is_empty() {
                return total;
            }
            total += moved.len();
            for (list, ts) in moved {
                if let Some(e) = self.active.get_mut(&list).and_then(|l| l.remove(&ts)) {
                    self.ghosts.entry(list).or_default().entry(ts).or_default().push(e);
                }
            }
        }
    }

    pub fn lookup(&self, list: &str, q: &Lookup) -> Option<&Entry> {
        let l = self.active.get(list)?;
        match q {
            Lookup::Latest => l.values().next_back(),
            Lookup::First => l.values().next(),
            Lookup::Exact(ts) => l.get(ts),
            Lookup::Near(cmp, ts) => {
                let mut matching = l.iter().filter(|(k, _)| Lookup::accepts(*cmp, k, ts));
                match cmp {
                    super::timestamp::Cmp::Lt | super::timestamp::Cmp::Le => matching.next_back(),
                    _ => matching.next(),
                }
                .map(|(_, e)| e)
            }
        }
    }

    /// Timestamps after `ts`, in order.
    pub fn since(&self, list: &str, ts: &Timestamp) -> Vec<&Entry> {
        self.active.get(list).map_or_else(Vec::new, |l| {
            l.range((std::ops::Bound::Excluded(ts), std::ops::Bound::Unbounded))
                .map(|(_, e)| e)
                .collect()
        })
    }

    /// Lists with at least one active session.
    pub fn lists(&self) -> Vec<String> {
        self.active.iter().filter(|(_, l)| !l.is_empty()).map(|(k, _)| k.clone()).collect()
    }

    /// Every session, active and history, for gc.
    pub fn all_entries(&self) -> impl Iterator<Item = &Entry> {
        self.active
            .values()
            .flat_map(|l| l.values())
            .chain(self.ghosts.values().flat_map(|g| g.values().flatten()))
    }

    #[cfg(test)]
    pub fn ghost_count(&self, list: &str) -> usize {
        self.ghosts.get(list).map_or(0, |g| g.values().map(Vec::len).sum())
    }
}

fn parse(ts: &str) -> Result<Timestamp, Refusal> {
    Timestamp::parse(ts).map_err(|e| Refusal::Invalid(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::urd::entry::Dep;

    fn add(list: &str, ts: &str, jobs: &[(&str, &str)], update: bool, key: &str) -> Event {
        Event {
            seq: 0,
            key: key.into(),
            at: String::new(),
            op: Op::Add,
            list: list.into(),
            user: String::new(),
            timestamp: None,
            entry: Some(Entry {
                timestamp: ts.into(),
                caption: String::new(),
                joblist: jobs.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect(),
                deps: Default::default(),
                build_job: String::new(),
            }),
            update,
        }
    }

    fn run(db: &mut Db, ev: &Event) -> Result<Outcome, Refusal> {
        let (o, write) = db.check(ev)?;
        Ok(if write { db.apply(ev) } else { o })
    }

    #[test]
    fn conflict_update_and_ghosts() {
        let mut db = Db::default();
        run(&mut db, &add("a", "1", &[("m", "t-0")], false, "k1")).unwrap();
        // the same content again: nothing to write
        assert!(!db.check(&add("a", "1", &[("m", "t-0")], false, "k2")).unwrap().1);
        assert!(matches!(
            db.check(&add("a", "1", &[("m", "t-1")], false, "k3")),
            Err(Refusal::Conflict(_))
        ));
        let mut dep = add("b", "1", &[("n", "t-2")], false, "k4");
        dep.entry.as_mut().unwrap().deps.insert(
            "a".into(),
            Dep {
                timestamp: "1".into(),
                caption: String::new(),
                joblist: vec![("m".into(), "t-0".into())],
            },
        );
        run(&mut db, &dep).unwrap();
        let Outcome::Add(o) = run(&mut db, &add("a", "1", &[("m", "t-1")], true, "k5")).unwrap() else {
            panic!()
        };
        assert!(o.changed && o.deps == 1);
        assert_eq!(db.lookup("a", &Lookup::Latest).unwrap().joblist[0].1, "t-1");
        assert!(db.lookup("b", &Lookup::Latest).is_none());
        assert_eq!(db.ghost_count("a"), 1);
        // a retried key is answered from memory
        assert!(!db.check(&add("a", "1", &[("m", "t-9")], true, "k5")).unwrap().1);
    }
}
