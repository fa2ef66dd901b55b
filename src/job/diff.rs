//! Line diffs for `exax why`: a unified diff (`---`/`+++` headers, `@@` hunks with three lines of
//! context) of two texts. The common head and tail are cut first, then the middle is compared by
//! longest common subsequence; a middle too large for that is shown as replaced whole.

/// Cells of the LCS table beyond which the middle is shown as one replacement.
const MAX_CELLS: usize = 4_000_000;
const CONTEXT: usize = 3;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Op {
    Same,
    Del,
    Add,
}

/// The edit script from `a` to `b`, as (op, index in a, index in b).
fn script(a: &[&str], b: &[&str]) -> Vec<(Op, usize, usize)> {
    let head = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let tail = a[head..]
        .iter()
        .rev()
        .zip(b[head..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let (am, bm) = (&a[head..a.len() - tail], &b[head..b.len() - tail]);
    let mut out: Vec<(Op, usize, usize)> = (0..head).map(|i| (Op::Same, i, i)).collect();
    let (n, m) = (am.len(), bm.len());
    if n.saturating_mul(m) > MAX_CELLS {
        out.extend((0..n).map(|i| (Op::Del, head + i, head)));
        out.extend((0..m).map(|j| (Op::Add, head + n, head + j)));
    } else {
        // lcs[i][j]: the LCS length of am[i..] and bm[j..].
        let w = m + 1;
        let mut lcs = vec![0u32; (n + 1) * w];
        for i in (0..n).rev() {
            for j in (0..m).rev() {
                lcs[i * w + j] = if am[i] == bm[j] {
                    lcs[(i + 1) * w + j + 1] + 1
                } else {
                    lcs[(i + 1) * w + j].max(lcs[i * w + j + 1])
                };
            }
        }
        let (mut i, mut j) = (0, 0);
        while i < n || j < m {
            if i < n && j < m && am[i] == bm[j] {
                out.push((Op::Same, head + i, head + j));
                i += 1;
                j += 1;
            } else if i < n && (j == m || lcs[(i + 1) * w + j] >= lcs[i * w + j + 1]) {
                out.push((Op::Del, head + i, head + j));
                i += 1;
            } else {
                out.push((Op::Add, head + i, head + j));
                j += 1;
            }
        }
    }
    out.extend((0..tail).map(|k| (Op::Same, a.len() - tail + k, b.len() - tail + k)));
    out
}

/// A unified diff from `old` (labelled `old_name`) to `new`; empty when the texts are equal.
pub fn unified(old_name: &str, new_name: &str, old: &str, new: &str) -> String {
    if old == new {
        return String::new();
    }
    let a: Vec<&str> = old.lines().collect();
    let b: Vec<&str> = new.lines().collect();
    let ops = script(&a, &b);
    let mut out = format!("--- {old_name}\n+++ {new_name}\n");
    let changed: Vec<usize> = ops.iter().enumerate().filter(|(_, o)| o.0 != Op::Same).map(|(k, _)| k).collect();
    if changed.is_empty() {
        // Only the line endings differ (a final newline, or \r).
        out.push_str("(the texts differ only in line endings)\n");
        return out;
    }
    let mut k = 0;
    while k < changed.len() {
        let start = changed[k].saturating_sub(CONTEXT);
        let mut end = changed[k];
        while k < changed.len() && changed[k] <= end + 2 * CONTEXT + 1 {
            end = changed[k];
            k += 1;
        }
        let end = (end + CONTEXT + 1).min(ops.len());
        let hunk = &ops[start..end];
        let a_start = hunk[0].1;
        let b_start = hunk[0].2;
        let a_len = hunk.iter().filter(|o| o.0 != Op::Add).count();
        let b_len = hunk.iter().filter(|o| o.0 != Op::Del).count();
        let range = |s: usize, l: usize| {
            if l == 0 {
                format!("{s},0")
            } else if l == 1 {
                format!("{}", s + 1)
            } else {
                format!("{},{l}", s + 1)
            }
        };
        out.push_str(&format!("@@ -{} +{} @@\n", range(a_start, a_len), range(b_start, b_len)));
        for (op, i, j) in hunk {
            match op {
                Op::Same => out.push_str(&format!(" {}\n", a[*i])),
                Op::Del => out.push_str(&format!("-{}\n", a[*i])),
                Op::Add => out.push_str(&format!("+{}\n", b[*j])),
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::unified;

    #[test]
    fn hunks() {
        assert_eq!(unified("a", "b", "x\n", "x\n"), "");
        assert_eq!(
            unified("a", "b", "1\n2\n3\n", "1\n2\n4\n"),
            "--- a\n+++ b\n@@ -1,3 +1,3 @@\n 1\n 2\n-3\n+4\n"
        );
        let old: String = (1..=20).map(|i| format!("{i}\n")).collect();
        let new = old.replace("2\n", "two\n").replace("18\n", "").replace("10\n", "10\nten\n");
        assert_eq!(
            unified("a", "b", &old, &new),
            "--- a\n+++ b\n@@ -1,5 +1,5 @@\n 1\n-2\n+two\n 3\n 4\n 5\n@@ -8,13 +8,13 @@\n 8\n 9\n 10\n+ten\n 11\n-12\n+1two\n 13\n 14\n 15\n 16\n 17\n-18\n 19\n 20\n"
        );
        assert_eq!(unified("a", "b", "", "x\n"), "--- a\n+++ b\n@@ -0,0 +1 @@\n+x\n");
        assert_eq!(
            unified("a", "b", "x", "x\n"),
            "--- a\n+++ b\n(the texts differ only in line endings)\n"
        );
    }
}
