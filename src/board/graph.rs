//! The graph of a job's inputs, drawn as inline SVG: the job, the jobs and datasets its
//! parameters name, the jobs those datasets belong to and their `previous` datasets, and so on
//! up to `MAX_NODES`; one row per distance from the job, inputs below, every node a link.

use std::collections::HashMap;

use super::html::{esc, seg};
use crate::dataset::format;
use crate::job::id::JobId;
use crate::job::records::{self, Setup};
use crate::project::Project;

const MAX_NODES: usize = 60;
const ROW: f64 = 64.0;
const BOX_H: f64 = 26.0;
const GAP: f64 = 18.0;
const CHAR_W: f64 = 7.0;

#[derive(Clone, PartialEq, Eq, Hash)]
enum Node {
    Job(String),
    Dataset(String),
}

impl Node {
    fn label(&self, methods: &HashMap<String, String>) -> String {
        match self {
            Node::Job(id) => match methods.get(id) {
                Some(m) => format!("{id} {m}"),
                None => id.clone(),
            },
            Node::Dataset(id) => id.clone(),
        }
    }

    fn href(&self) -> String {
        match self {
            Node::Job(id) => format!("/job/{}", seg(id)),
            Node::Dataset(id) => {
                let (j, n) = format::split_id(id);
                format!("/dataset/{}/{}", seg(j), seg(n))
            }
        }
    }

    fn id(&self) -> &str {
        match self {
            Node::Job(s) | Node::Dataset(s) => s,
        }
    }
}

pub struct Graph {
    pub svg: String,
    pub nodes: usize,
    /// (from, to): `to` is an input of `from`.
    pub edges: Vec<(String, String)>,
}

fn strings(v: &serde_json::Value, out: &mut Vec<String>) {
    match v {
        serde_json::Value::String(s) => out.push(s.clone()),
        serde_json::Value::Array(a) => a.iter().for_each(|x| strings(x, out)),
        serde_json::Value::Object(o) => o.values().for_each(|x| strings(x, out)),
        _ => {}
    }
}

/// The inputs of one node.
fn inputs(project: &Project, n: &Node, methods: &mut HashMap<String, String>) -> Vec<Node> {
    let mut out = Vec::new();
    match n {
        Node::Job(id) => {
            let Some(dir) = JobId::parse(id).and_then(|j| project.job_path(&j).ok()) else {
                return out;
            };
            let Ok(setup) = records::read_json::<Setup>(&dir.join(records::SETUP)) else {
                return out;
            };
            methods.insert(id.clone(), setup.method.clone());
            let mut s = Vec::new();
            setup.datasets.values().for_each(|v| strings(v, &mut s));
            out.extend(s.drain(..).filter(|d| !d.is_empty()).map(|d| {
                if d.contains('/') {
                    Node::Dataset(d)
                } else {
                    Node::Dataset(format!("{d}/default"))
                }
            }));
            setup.jobs.values().for_each(|v| strings(v, &mut s));
            out.extend(s.into_iter().filter(|j| JobId::parse(j).is_some()).map(Node::Job));
        }
        Node::Dataset(id) => {
            let (job, _) = format::split_id(id);
            out.push(Node::Job(job.to_string()));
            if let Ok(loc) = crate::dataset::locate::locate(project, id) {
                if let Ok(meta) = format::read_meta(&loc.dir) {
                    out.extend(meta.previous.map(Node::Dataset));
                    out.extend(meta.parent.map(Node::Dataset));
                }
            }
        }
    }
    out
}

pub fn job_inputs(project: &Project, id: &JobId) -> Graph {
    let root = Node::Job(id.to_string());
    let mut methods = HashMap::new();
    let mut order: Vec<(Node, usize)> = vec![(root.clone(), 0)];
    let mut index: HashMap<Node, usize> = HashMap::from([(root, 0)]);
    let mut edges: Vec<(usize, usize)> = Vec::new();
    let mut k = 0;
    while k < order.len() {
        let (node, depth) = order[k].clone();
        for input in inputs(project, &node, &mut methods) {
            let j = match index.get(&input) {
                Some(&j) => j,
                None if order.len() < MAX_NODES => {
                    order.push((input.clone(), depth + 1));
                    index.insert(input, order.len() - 1);
                    order.len() - 1
                }
                None => continue,
            };
            if !edges.contains(&(k, j)) {
                edges.push((k, j));
            }
        }
        k += 1;
    }
    // Layout: rows by depth, boxes side by side.
    let labels: Vec<String> = order.iter().map(|(n, _)| n.label(&methods)).collect();
    let widths: Vec<f64> = labels.iter().map(|l| l.chars().count() as f64 * CHAR_W + 16.0).collect();
    let rows = order.iter().map(|(_, d)| *d).max().unwrap_or(0) + 1;
    let mut x_at = vec![GAP; rows];
    let mut pos = Vec::with_capacity(order.len());
    for (i, (_, d)) in order.iter().enumerate() {
        pos.push((x_at[*d], 10.0 + *d as f64 * ROW));
        x_at[*d] += widths[i] + GAP;
    }
    let width = x_at.iter().cloned().fold(0.0, f64::max);
    let height = rows as f64 * ROW;
    let mut svg = format!(
        "<svg class=\"graph\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{width:.0}\" height=\"{height:.0}\" \
         viewBox=\"0 0 {width:.0} {height:.0}\" font-family=\"monospace\" font-size=\"12\">\n\
         <defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" \
         orient=\"auto-start-reverse\"><path d=\"M 0 0 L 10 5 L 0 10 z\" fill=\"#888\"/></marker></defs>\n"
    );
    for &(a, b) in &edges {
        let (ax, ay) = (pos[a].0 + widths[a] / 2.0, pos[a].1 + BOX_H);
        let (bx, by) = (pos[b].0 + widths[b] / 2.0, pos[b].1);
        let (ax, ay, bx, by) = if by > ay {
            (ax, ay, bx, by)
        } else {
            (ax, pos[a].1, bx, pos[b].1 + BOX_H)
        };
        svg.push_str(&format!(
            "<line x1=\"{ax:.1}\" y1=\"{ay:.1}\" x2=\"{bx:.1}\" y2=\"{by:.1}\" marker-end=\"url(#arrow)\"/>\n"
        ));
    }
    for (i, (n, _)) in order.iter().enumerate() {
        let class = match (n, i) {
            (Node::Job(_), 0) => "job root",
            (Node::Job(_), _) => "job",
            (Node::Dataset(_), _) => "dataset",
        };
        let (x, y) = pos[i];
        svg.push_str(&format!(
            "<a href=\"{}\"><rect class=\"{class}\" x=\"{x:.1}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"{BOX_H}\" rx=\"5\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text></a>\n",
            esc(&n.href()),
            widths[i],
            x + widths[i] / 2.0,
            y + 17.0,
            esc(&labels[i])
        ));
    }
    svg.push_str("</svg>\n");
    Graph {
        svg,
        nodes: order.len(),
        edges: edges
            .iter()
            .map(|&(a, b)| (order[a].0.id().to_string(), order[b].0.id().to_string()))
            .collect(),
    }
}
