//! The reports' catalogs: the same keys in Russian and English, a text for every refusal the
//! code makes (`new("FIELD", "CODE")` in the sources), every problem code, status, kind and
//! routing reason, and emails that render with their data.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::path::Path;

use veche_core::testing::files_under;
use veche_core::web::i18n::{Catalog, Lang, CORE_EN, CORE_RU};
use veche_reports::model::{OrgKind, Status};
use veche_reports::service::KINDS;
use veche_reports::{REPORTS_EN, REPORTS_RU};

fn catalog() -> Catalog {
    Catalog::new(&[(CORE_RU, CORE_EN), (REPORTS_RU, REPORTS_EN)])
        .unwrap_or_else(|e| panic!("catalog: {e}"))
}

/// The keys a Fluent text defines (a line `key = …` at its start).
fn keys(text: &str) -> BTreeSet<String> {
    text.lines()
        .filter(|l| l.chars().next().is_some_and(|c| c.is_ascii_lowercase()))
        .filter_map(|l| l.split_once(" =").map(|(k, _)| k.trim().to_string()))
        .collect()
}

/// Every `new("FIELD", "CODE")` of the crate's sources (its refusals).
fn refusals() -> BTreeSet<(String, String)> {
    let files = files_under(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        Some("rs"),
    );
    let mut out = BTreeSet::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for (at, _) in text.match_indices("::new(\"") {
            let rest = &text[at + "::new(\"".len()..];
            let Some((field, rest)) = rest.split_once('"') else {
                continue;
            };
            let Some(rest) = rest.trim_start().strip_prefix(',') else {
                continue;
            };
            let Some(rest) = rest.trim_start().strip_prefix('"') else {
                continue;
            };
            if let Some((code, _)) = rest.split_once('"') {
                out.insert((field.to_string(), code.to_string()));
            }
        }
    }
    out
}

#[test]
fn both_languages_hold_the_same_keys() {
    let (ru, en) = (keys(REPORTS_RU), keys(REPORTS_EN));
    assert!(ru.len() > 50, "{}", ru.len());
    assert_eq!(
        ru.symmetric_difference(&en).collect::<Vec<_>>(),
        Vec::<&String>::new()
    );
    // The keys are the reports' own, or problem codes and emails.
    for key in &ru {
        assert!(
            key.starts_with("reports-")
                || key.starts_with("err-")
                || key.starts_with("mail-report_"),
            "{key}"
        );
    }
}

#[test]
fn every_refusal_has_its_text() {
    let catalog = catalog();
    let found = refusals();
    assert!(found.contains(&("lat".into(), "outside_districts".into())));
    for (field, code) in &found {
        let key = format!("reports-invalid-{field}-{code}");
        assert!(catalog.has(&key), "{key}");
    }
    for code in [
        "invalid_transition",
        "dispute_closed",
        "report_closed",
        "own_report",
        "version_conflict",
    ] {
        for key in [format!("err-{code}"), format!("err-{code}-detail")] {
            assert!(catalog.has(&key), "{key}");
        }
    }
}

#[test]
fn names_and_reasons_read_in_both_languages() {
    let catalog = catalog();
    for status in Status::ALL {
        assert!(catalog.has(&format!("reports-status-{}", status.as_str())));
    }
    for kind in OrgKind::ALL {
        assert!(catalog.has(&format!("reports-kind-{}", kind.as_str())));
    }
    for lang in [Lang::Ru, Lang::En] {
        let reason = catalog.t_args(
            lang,
            "reports-route-category",
            &[
                ("organisation", "ГБУ «Автомобильные дороги» ЦАО".into()),
                ("kind", "roads".into()),
                ("district", "Хамовники".into()),
                ("note", "".into()),
            ],
        );
        assert!(
            reason.contains("Хамовники") && !reason.contains('{'),
            "{reason}"
        );
    }
}

#[test]
fn every_email_renders_with_its_data() {
    let catalog = catalog();
    for kind in KINDS {
        for part in ["subject", "body", "action", "digest"] {
            let key = format!("mail-{}-{part}", kind.name);
            assert!(catalog.has(&key), "{key}");
            for lang in [Lang::Ru, Lang::En] {
                let text = catalog.t_args(
                    lang,
                    &key,
                    &[
                        ("name", "Анна".into()),
                        ("status", "answered".into()),
                        ("category", "Яма".into()),
                        ("organisation", "Дороги".into()),
                        ("deadline", "16.12.2026 00:00".into()),
                        ("address", "Плющиха, 10".into()),
                    ],
                );
                assert!(!text.contains('{') && !text.is_empty(), "{key}: {text}");
            }
        }
    }
}

/// Every key the pages and their templates name as it stands (`("reports-…"`), and every key
/// they make from a name (statuses, roles, actions, rejection reasons), in both languages.
#[test]
fn every_text_of_the_pages_is_in_the_catalog() {
    use veche_reports::model::{Action, Actor, RejectReason};
    let catalog = catalog();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = files_under(&root.join("src").join("pages"), Some("rs"));
    files.extend(files_under(&root.join("templates"), None));
    let mut named = BTreeSet::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        for (at, _) in text.match_indices("(\"reports-") {
            let at = at + 1;
            let key: String = text[at + 1..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                .collect();
            if text[at + 1 + key.len()..].starts_with('"') {
                named.insert(key);
            }
        }
    }
    assert!(named.len() > 60, "{}", named.len());
    let made = Action::ALL
        .iter()
        .map(|a| format!("reports-action-{}", a.as_str()))
        .chain(
            Actor::ALL
                .iter()
                .map(|a| format!("reports-role-{}", a.as_str())),
        )
        .chain(
            RejectReason::ALL
                .iter()
                .map(|r| format!("reports-reject-{}", r.as_str())),
        );
    for key in named.into_iter().chain(made) {
        for lang in [Lang::Ru, Lang::En] {
            let text = catalog.t_args(
                lang,
                &key,
                &[
                    ("count", 2.into()),
                    ("date", "1".into()),
                    ("m", "1".into()),
                    ("km", "1".into()),
                    ("hours", 3.into()),
                    ("reason", "Дороги".into()),
                    ("status", "Открыто".into()),
                    ("district", "Хамовники".into()),
                ],
            );
            assert!(
                catalog.has(&key) && !text.is_empty() && !text.contains('{'),
                "{key} ({lang:?}): {text}"
            );
        }
    }
}
