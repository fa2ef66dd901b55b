//! `/status`: what every running `exax run` of the project is doing (the tree `exax status`
//! prints), updated in the page once a second without a reload.

use super::super::html::esc;
use super::super::{Board, Reply};

/// The trees of the running builds, or `no build running`; never removes a stale socket.
pub fn text(board: &Board) -> String {
    let answers = crate::status::socket::query_with(&board.project.root, false);
    if answers.is_empty() {
        "no build running\n".to_string()
    } else {
        answers.concat()
    }
}

/// The `<pre>` with the tree and the few lines of script that keep it current.
pub fn live_block(board: &Board) -> String {
    format!(
        "<pre id=\"status\">{}</pre><p class=\"muted\" id=\"status-live\">live updates need JavaScript</p>\n\
         <script>\n(function () {{\n  const pre = document.getElementById('status');\n  \
         const live = document.getElementById('status-live');\n  const poll = function () {{\n    \
         fetch('/status', {{headers: {{Accept: 'application/json'}}}})\n      .then(r => r.json())\n      \
         .then(j => {{ pre.textContent = j.text; live.textContent = 'live, updated ' + new Date().toLocaleTimeString(); }})\n      \
         .catch(() => {{ live.textContent = 'board not reachable'; }})\n      \
         .finally(() => setTimeout(poll, 1000));\n  }};\n  poll();\n}})();\n</script>\n",
        esc(&text(board))
    )
}

pub fn page(board: &Board) -> Reply {
    let t = text(board);
    Reply::Page {
        title: "status".into(),
        json: serde_json::json!({ "running": t != "no build running\n", "text": t }),
        body: format!("<h1>status</h1>\n{}", live_block(board)),
    }
}
