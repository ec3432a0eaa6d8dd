//! Every message key the core crate uses exists in its catalogs (Russian and English).
//!
//! Keys are found by scanning the templates and the Rust sources for string literals passed to
//! `t("…")`, `t1("…", "…", …)` and `n("…", …)`. Keys built at run time (`role-*`, `state-*`,
//! `flash-*`, `err-*`, `invalid-*`) are checked from the code's own lists where they exist.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use fluent_bundle::FluentValue;
use veche_core::accounts::model::{AccountState, Role};
use veche_core::testing::files_under;
use veche_core::web::i18n::{Catalog, Lang, CORE_EN, CORE_RU};

fn catalog() -> Catalog {
    Catalog::core().unwrap_or_else(|e| panic!("the core catalog does not load: {e}"))
}

/// The catalog's text for `key` in `lang` is `expected`.
fn assert_says(catalog: &Catalog, lang: Lang, key: &str, expected: &str) {
    assert_eq!(catalog.t(lang, key), expected, "{key}");
}

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn is_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

fn is_key(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
}

/// A message key used in source text: where it was found, the key, and for `t1` the argument name.
#[derive(Debug)]
struct Use {
    at: String,
    key: String,
    arg: Option<String>,
}

/// The string literal starting right at `rest` (after an opening quote): its text, and what
/// follows its closing quote.
fn literal(rest: &str) -> Option<(&str, &str)> {
    let end = rest.find('"')?;
    Some((&rest[..end], &rest[end + 1..]))
}

/// Literal keys passed to `t("`, `t1("` and `n("` (as whole names: `text("…")` or `get("…")`
/// do not count).
/// Where each call `call` (which ends in `(` or `("`) starts its arguments in `line`: the
/// offsets just past it, for the calls not preceded by an identifier character (so `t("` does
/// not match `at("`).
fn call_sites(line: &str, call: &str) -> Vec<usize> {
    let mut sites = Vec::new();
    let mut from = 0;
    while let Some(pos) = line[from..].find(call) {
        let start = from + pos;
        from = start + call.len();
        if !line[..start].chars().next_back().is_some_and(is_ident_char) {
            sites.push(from);
        }
    }
    sites
}

/// Each file's text, named by its path below `root`.
fn read_all(root: &Path, files: Vec<PathBuf>) -> Vec<(String, String)> {
    files
        .into_iter()
        .map(|path| {
            let text = fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
            let name = path
                .strip_prefix(root)
                .unwrap_or(&path)
                .display()
                .to_string();
            (name, text)
        })
        .collect()
}

fn uses_in(text: &str, file: &str) -> Vec<Use> {
    let mut uses = Vec::new();
    for (line_no, line) in text.lines().enumerate() {
        for call in ["t(\"", "t1(\"", "n(\""] {
            for from in call_sites(line, call) {
                let Some((key, after)) = literal(&line[from..]) else {
                    continue;
                };
                if !is_key(key) {
                    continue;
                }
                let arg = if call == "t1(\"" {
                    after
                        .trim_start()
                        .strip_prefix(',')
                        .map(str::trim_start)
                        .and_then(|a| a.strip_prefix('"'))
                        .and_then(literal)
                        .map(|(name, _)| name.to_string())
                } else {
                    None
                };
                uses.push(Use {
                    at: format!("{file}:{}", line_no + 1),
                    key: key.to_string(),
                    arg,
                });
            }
        }
    }
    uses
}

fn all_uses() -> Vec<Use> {
    let root = manifest_dir();
    let mut files = files_under(&root.join("templates"), None);
    files.extend(files_under(&root.join("src"), Some("rs")));
    assert!(
        files.len() > 10,
        "found only {} files to scan under {}",
        files.len(),
        root.display()
    );
    let mut uses = Vec::new();
    for (name, text) in read_all(&root, files) {
        uses.extend(uses_in(&text, &name));
    }
    uses
}

/// The message ids of one catalog source.
fn message_ids(source: &str) -> BTreeSet<String> {
    let resource = match fluent_syntax::parser::parse(source) {
        Ok(r) => r,
        Err((_, errors)) => panic!("catalog syntax: {errors:?}"),
    };
    resource
        .body
        .iter()
        .filter_map(|entry| match entry {
            fluent_syntax::ast::Entry::Message(m) => Some(m.id.name.to_string()),
            _ => None,
        })
        .collect()
}

#[test]
fn the_scanner_finds_whole_calls_only() {
    let found = uses_in(
        r#"{{ tr.t("a-b") }} text("title") form.get("csrf") tr.t1("c_d", "name", x) ctx.tr().n("e", 2) t("/path") t("X")"#,
        "sample",
    );
    let keys: Vec<_> = found
        .iter()
        .map(|u| (u.key.as_str(), u.arg.as_deref()))
        .collect();
    assert_eq!(
        keys,
        vec![("a-b", None), ("c_d", Some("name")), ("e", None)]
    );
}

/// The catalog has every `(key, where it is needed)` of `needed`, after a check that `scan`
/// (which `needed` comes from) found `sample` at all.
fn assert_in_catalog(scan: &[Use], sample: &str, needed: Vec<(String, &str)>, what: &str) {
    assert!(
        scan.iter().any(|u| u.key == sample),
        "the scan found no {sample}: {} found",
        scan.len()
    );
    let catalog = catalog();
    let missing: Vec<String> = needed
        .into_iter()
        .filter(|(k, _)| !catalog.has(k))
        .map(|(k, at)| format!("{k} ({at})"))
        .collect();
    assert!(
        missing.is_empty(),
        "{} {what}:\n{}",
        missing.len(),
        missing.join("\n")
    );
}

#[test]
fn every_key_used_in_code_and_templates_exists() {
    let uses = all_uses();
    let needed = uses.iter().map(|u| (u.key.clone(), u.at.as_str()));
    assert_in_catalog(
        &uses,
        "app-name",
        needed.collect(),
        "keys missing from the catalog",
    );
}

#[test]
fn messages_with_one_argument_use_it() {
    let catalog = catalog();
    let mut wrong = Vec::new();
    for u in all_uses() {
        let Some(arg) = &u.arg else { continue };
        if !catalog.has(&u.key) {
            continue; // reported by the test above
        }
        for lang in Lang::ALL {
            let text = catalog.t_args(lang, &u.key, &[(arg.as_str(), FluentValue::from("XYZZY"))]);
            if !text.contains("XYZZY") || text.contains('{') {
                wrong.push(format!(
                    "{} [{}] with ${arg} ({}): {text:?}",
                    u.key,
                    lang.code(),
                    u.at
                ));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "messages that ignore their argument:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn every_error_has_a_title_and_a_detail() {
    let ids = message_ids(CORE_RU);
    assert_eq!(
        ids,
        message_ids(CORE_EN),
        "the Russian and English catalogs differ"
    );
    let mut missing = Vec::new();
    for id in &ids {
        if let Some(code) = id.strip_prefix("err-") {
            match code.strip_suffix("-detail") {
                Some(title) if !ids.contains(&format!("err-{title}")) => {
                    missing.push(format!("err-{title}"))
                }
                Some(_) => {}
                None if !ids.contains(&format!("{id}-detail")) => {
                    missing.push(format!("{id}-detail"))
                }
                None => {}
            }
        }
    }
    assert!(missing.is_empty(), "missing error messages: {missing:?}");
    for fixed in [
        "unauthorized",
        "forbidden",
        "not_found",
        "internal",
        "unavailable",
        "rate_limited",
        "validation_failed",
        "csrf_failed",
        // warp's own rejections, as the app's `recover` answers them
        "method_not_allowed",
        "payload_too_large",
        "length_required",
        "unsupported_media_type",
        "invalid_query",
        "invalid_form",
        "invalid_header",
    ] {
        assert!(
            ids.contains(&format!("err-{fixed}")),
            "err-{fixed} is missing"
        );
    }
}

/// Problem codes given as literals in the core crate: `Problem::new(STATUS, "code")`,
/// `bad_request("code")`, `conflict("code")`, `unprocessable("code")`.
fn problem_codes() -> Vec<Use> {
    let root = manifest_dir();
    let mut codes = Vec::new();
    for (name, text) in read_all(&root, files_under(&root.join("src"), Some("rs"))) {
        for (line_no, line) in text.lines().enumerate() {
            for call in [
                "Problem::new(",
                "bad_request(\"",
                "conflict(\"",
                "unprocessable(\"",
            ] {
                for from in call_sites(line, call) {
                    let rest = &line[from..];
                    let rest = if call == "Problem::new(" {
                        match rest.find(", \"") {
                            Some(i) if !rest[..i].contains(')') => &rest[i + 3..],
                            _ => continue,
                        }
                    } else {
                        rest
                    };
                    if let Some((code, _)) = literal(rest).filter(|(c, _)| is_key(c)) {
                        codes.push(Use {
                            at: format!("{name}:{}", line_no + 1),
                            key: code.to_string(),
                            arg: None,
                        });
                    }
                }
            }
        }
    }
    codes
}

#[test]
fn every_problem_code_has_a_title_and_a_detail() {
    let codes = problem_codes();
    let needed = codes.iter().flat_map(|c| {
        [format!("err-{}", c.key), format!("err-{}-detail", c.key)].map(|k| (k, c.at.as_str()))
    });
    assert_in_catalog(
        &codes,
        "email_taken",
        needed.collect(),
        "problem codes without messages",
    );
}

#[test]
fn wrong_credentials_do_not_tell_whether_the_address_exists() {
    let catalog = catalog();
    assert_says(
        &catalog,
        Lang::En,
        "err-invalid_credentials-detail",
        "Wrong email or password. Check them and try again.",
    );
    let ru = catalog.t(Lang::Ru, "err-invalid_credentials-detail");
    assert!(ru.contains("почты или пароль"), "{ru}");
}

#[test]
fn every_role_state_and_flash_has_a_message() {
    let catalog = catalog();
    let mut keys: Vec<String> = Role::ALL
        .iter()
        .map(|role| format!("role-{}", role.as_str()))
        .collect();
    for name in ["unverified", "active", "blocked"] {
        let state =
            AccountState::parse(name).unwrap_or_else(|| panic!("{name} is not an account state"));
        keys.push(format!("state-{}", state.as_str()));
    }
    // `flash_key` in accounts_web/pages/mod.rs
    keys.extend(
        [
            "signed-up",
            "saved",
            "password-changed",
            "token-revoked",
            "verification-sent",
            "already-verified",
            "email-change-sent",
            "reset-sent",
            "password-reset",
        ]
        .map(|flash| format!("flash-{flash}")),
    );
    // Built at run time in accounts_web/pages/links.rs (the page after an emailed link).
    keys.extend(
        [
            "verify-done-detail",
            "verify-already",
            "link-invalid-verify-hint",
            "link-invalid-reset-hint",
            "link-invalid-change-hint",
        ]
        .map(String::from),
    );
    let missing: Vec<&String> = keys.iter().filter(|key| !catalog.has(key)).collect();
    assert!(missing.is_empty(), "missing: {missing:?}");
}

/// The account emails the notifier renders: four texts per kind, in both languages, each
/// using the variables the kind provides, and subjects without select expressions.
#[test]
fn every_account_email_has_its_texts() {
    use veche_core::notify::kinds;
    let catalog = catalog();
    let mut wrong = Vec::new();
    for spec in kinds::ACCOUNT {
        let kind = spec.name;
        let mut args = vec![
            ("name", FluentValue::from("Ivan")),
            ("link", FluentValue::from("/profile")),
        ];
        if kind == "email_change" {
            args.push(("new_email", FluentValue::from("new@example.com")));
        }
        if kind == "roles_changed" {
            args.push(("roles", FluentValue::from("resident, moderator")));
        }
        for part in ["subject", "body", "action", "digest"] {
            let key = format!("mail-{kind}-{part}");
            if !catalog.has(&key) {
                wrong.push(format!("{key} is missing"));
                continue;
            }
            for lang in Lang::ALL {
                let text = catalog.t_args(lang, &key, &args);
                if text.trim().is_empty() || text.contains('{') || text.contains('\n') {
                    wrong.push(format!("{key} [{}]: {text:?}", lang.code()));
                }
                if part == "body" && !text.contains("Ivan") {
                    wrong.push(format!(
                        "{key} [{}] does not name the resident",
                        lang.code()
                    ));
                }
                if part == "body" && kind == "email_change" && !text.contains("new@example.com") {
                    wrong.push(format!(
                        "{key} [{}] does not name the new address",
                        lang.code()
                    ));
                }
                let lists_roles = kind == "roles_changed" && matches!(part, "body" | "digest");
                if lists_roles && !text.contains("moderator") {
                    wrong.push(format!("{key} [{}] does not list the roles", lang.code()));
                }
            }
        }
    }
    for source in [CORE_RU, CORE_EN] {
        for line in source.lines() {
            if line.starts_with("mail-") && line.contains("-subject") && line.contains("->") {
                wrong.push(format!("a select expression in a subject: {line}"));
            }
        }
    }
    assert!(wrong.is_empty(), "account emails:\n{}", wrong.join("\n"));
}

#[test]
fn the_footer_credits_openstreetmap() {
    let catalog = catalog();
    let says = [
        (
            Lang::En,
            "footer-osm",
            "District data © OpenStreetMap contributors, ODbL 1.0",
        ),
        (
            Lang::Ru,
            "footer-osm",
            "Данные о районах © участники OpenStreetMap, ODbL 1.0",
        ),
        (Lang::Ru, "app-name", "Вече"),
        (Lang::En, "app-name", "Veche"),
    ];
    for (lang, key, expected) in says {
        assert_says(&catalog, lang, key, expected);
    }
}
