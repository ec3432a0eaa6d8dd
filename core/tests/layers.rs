//! The shape of the code, checked: core's modules import only their own layer or below and
//! form no loop (the layers of `ARCHITECTURE.md`), and no template prints anything unescaped
//! with `|safe` (markup reaches a page only as `veche_core::web::Html`).

#![allow(clippy::unwrap_used)] // a test: a failed read is a failed test

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use veche_core::testing::files_under;

/// Each unit of core and its layer, bottom first. A unit is a top-level module, except
/// `accounts::model` (the account domain types the store and the notification port use,
/// below the account rules).
const LAYERS: &[(&str, u8)] = &[
    ("id", 1),
    ("clock", 1),
    ("error", 1),
    ("random", 1),
    ("metrics", 1),
    ("storage", 2),
    ("web", 3),
    ("districts", 4),
    ("accounts::model", 4),
    ("notify", 4),
    ("store", 4),
    ("accounts", 4),
    ("platform", 5),
    ("feature", 5),
    ("accounts_web", 6),
    ("testing", 7),
];

/// The module path of a source file: `web/pages.rs` → `[web, pages]`, `web/mod.rs` → `[web]`.
fn module_of(src: &Path, file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src).unwrap().with_extension("");
    let mut parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if parts.last().is_some_and(|p| p == "mod" || p == "lib") {
        parts.pop();
    }
    parts
}

/// The unit a module path belongs to.
fn unit_of(path: &[String]) -> Option<&'static str> {
    let joined = path.iter().take(2).cloned().collect::<Vec<_>>().join("::");
    LAYERS
        .iter()
        .map(|(u, _)| *u)
        .find(|u| *u == joined)
        .or_else(|| {
            let first = path.first()?;
            LAYERS.iter().map(|(u, _)| *u).find(|u| u == first)
        })
}

/// Every `crate::a::b…` and `super::…` path in `text`, resolved to an absolute module path.
fn references(text: &str, module: &[String], is_mod_file: bool) -> Vec<Vec<String>> {
    let mut found = Vec::new();
    let code: String = text
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n");
    for (start, prefix) in [("crate::", 0usize), ("super::", 1usize)] {
        let mut rest = code.as_str();
        while let Some(at) = rest.find(start) {
            let before = rest[..at].chars().last();
            rest = &rest[at + start.len()..];
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
                continue;
            }
            let path: Vec<String> = rest
                .split("::")
                .map(|seg| {
                    seg.chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_')
                        .collect::<String>()
                })
                .take_while(|seg| !seg.is_empty())
                .collect();
            let mut absolute = if prefix == 0 {
                Vec::new()
            } else {
                // `super` of a `mod.rs` is the folder's parent; of a file, its folder.
                let mut m = module.to_vec();
                m.pop();
                let _ = is_mod_file;
                m
            };
            absolute.extend(path);
            found.push(absolute);
        }
    }
    found
}

#[test]
fn core_imports_only_downward_and_has_no_loop() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let files = files_under(&src, Some("rs"));
    let rank: BTreeMap<&str, u8> = LAYERS.iter().copied().collect();
    let mut edges: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    let mut upward = Vec::new();
    for file in &files {
        let module = module_of(&src, file);
        if module.is_empty() {
            continue; // lib.rs: declarations and re-exports only
        }
        let Some(from) = unit_of(&module) else {
            panic!("{} is in no layer: add it to LAYERS", file.display());
        };
        let text = std::fs::read_to_string(file).unwrap();
        let is_mod = file.ends_with("mod.rs");
        for target in references(&text, &module, is_mod) {
            let Some(to) = unit_of(&target) else { continue };
            if to == from {
                continue;
            }
            edges.entry(from).or_default().insert(to);
            if rank[to] > rank[from] {
                upward.push(format!(
                    "{} ({from}, layer {}) imports {} (layer {})",
                    file.strip_prefix(&src).unwrap().display(),
                    rank[from],
                    target.join("::"),
                    rank[to]
                ));
            }
        }
    }
    assert!(upward.is_empty(), "upward imports:\n{}", upward.join("\n"));
    // No loop among units (within a layer too): depth-first search for a back edge.
    fn visit<'a>(
        unit: &'a str,
        edges: &BTreeMap<&'a str, BTreeSet<&'a str>>,
        state: &mut BTreeMap<&'a str, u8>,
        stack: &mut Vec<&'a str>,
    ) -> Option<Vec<&'a str>> {
        match state.get(unit) {
            Some(1) => {
                let start = stack.iter().position(|u| *u == unit).unwrap_or(0);
                let mut cycle = stack[start..].to_vec();
                cycle.push(unit);
                return Some(cycle);
            }
            Some(_) => return None,
            None => {}
        }
        state.insert(unit, 1);
        stack.push(unit);
        for next in edges.get(unit).into_iter().flatten() {
            if let Some(cycle) = visit(next, edges, state, stack) {
                return Some(cycle);
            }
        }
        stack.pop();
        state.insert(unit, 2);
        None
    }
    let mut state = BTreeMap::new();
    for (unit, _) in LAYERS {
        if let Some(cycle) = visit(unit, &edges, &mut state, &mut Vec::new()) {
            panic!("import loop: {}", cycle.join(" → "));
        }
    }
    // The web kit stands alone: nothing of accounts, stores or the platform.
    for low in [
        "web", "storage", "id", "clock", "error", "random", "metrics",
    ] {
        for to in edges.get(low).into_iter().flatten() {
            assert!(rank[to] <= rank[low], "{low} imports {to}");
        }
    }
}

#[test]
fn the_checker_sees_an_upward_import() {
    // The checker itself must be able to fail: a web-kit file naming the platform.
    let module = vec!["web".to_string(), "pages".to_string()];
    let refs = references(
        "use crate::platform::Platform;\nfn f() { crate::accounts::model::Role::Admin; }",
        &module,
        false,
    );
    let units: Vec<_> = refs.iter().filter_map(|r| unit_of(r)).collect();
    assert_eq!(units, vec!["platform", "accounts::model"]);
    let refs = references("use super::problem::Problem;", &module, false);
    assert_eq!(refs, vec![vec!["web", "problem", "Problem"]]);
    assert_eq!(unit_of(&refs[0]), Some("web"));
}

#[test]
fn no_template_prints_unescaped() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut offenders = Vec::new();
    for dir in ["core/templates", "polls/templates", "notifier/templates"] {
        let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
            continue;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            let text = std::fs::read_to_string(&path).unwrap();
            for (n, line) in text.lines().enumerate() {
                let squeezed: String = line.chars().filter(|c| !c.is_whitespace()).collect();
                if squeezed.contains("|safe") || squeezed.contains("|escape(\"none\")") {
                    offenders.push(format!("{}:{}: {}", path.display(), n + 1, line.trim()));
                }
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "markup must come as Html, not |safe:\n{}",
        offenders.join("\n")
    );
}
