//! What needs no server: every problem code and message in the catalog, every route in the
//! OpenAPI document, `If-Match`, the close reason and the points cursor.

use crate::http::points::{parse_points_cursor, points_key};
use crate::http::polls::close_reason;
use crate::http::{CloseInput, PollsApi, REASON_MAX};
use crate::model::PollId;
use veche_core::clock;
use veche_core::web::cursor::encode_cursor;
use veche_core::web::i18n::Lang;
use veche_core::web::precondition::{parse_if_match, required_if_match};

use super::catalog;

/// Every problem code the polls crate can produce.
const CODES: &[&str] = &[
    "version_conflict",
    "precondition_required",
    "poll_closed",
    "questions_frozen",
    "already_open",
    "not_a_draft",
    "not_scheduled",
    "not_open",
    "not_closed",
    "not_sealed_yet",
    "not_sealed",
    "not_open_yet",
    "seal_differs",
    "poll_busy",
    "poll_not_open",
    "already_voted",
    "not_in_audience",
    "too_young",
    "not_verified",
    "overloaded",
    "missing_answer",
    "too_many_choices",
    "unknown_option",
    "unknown_question",
    "duplicate_answer",
    "duplicate_option",
    "empty_answer",
    "empty_ballot",
    "too_many_answers",
    "results_hidden",
    "invalid_status",
    "invalid_filter",
    // From core, used here.
    "not_found",
    "forbidden",
    "unauthorized",
    "validation_failed",
    "rate_limited",
    "invalid_header",
    "invalid_cursor",
    "invalid_limit",
    "payload_too_large",
    "unsupported_media_type",
];

/// Every (field, code) pair `rules.rs`, `service.rs` and this module refuse input with.
const INVALID: &[(&str, &str)] = &[
    ("title", "required"),
    ("title", "too_short"),
    ("title", "too_long"),
    ("title", "invalid_characters"),
    ("description", "too_long"),
    ("description", "invalid_characters"),
    ("questions", "required"),
    ("questions", "too_many"),
    ("question_id", "unknown_id"),
    ("question_id", "duplicate_id"),
    ("question_text", "required"),
    ("question_text", "too_long"),
    ("question_text", "invalid_characters"),
    ("options", "too_few"),
    ("options", "too_many"),
    ("option_id", "unknown_id"),
    ("option_id", "duplicate_id"),
    ("option_text", "required"),
    ("option_text", "too_long"),
    ("option_text", "invalid_characters"),
    ("option_text", "duplicate_option"),
    ("kind", "invalid_kind"),
    ("max_choices", "single_choice"),
    ("max_choices", "out_of_range"),
    ("audience", "too_many"),
    ("districts", "unknown_district"),
    ("okrugs", "unknown_okrug"),
    ("min_age", "out_of_range"),
    ("opens_at", "schedule_required"),
    ("closes_at", "before_opening"),
    ("closes_at", "too_long"),
    ("closes_at", "in_the_past"),
    ("points", "out_of_range"),
    ("results_visibility", "invalid_visibility"),
    ("decision", "required"),
    ("decision", "too_long"),
    ("close_reason", "too_long"),
    ("reason", "invalid_characters"),
];

#[test]
fn the_catalog_has_every_code_in_both_languages() {
    let catalog = catalog();
    for code in CODES {
        let key = format!("err-{code}");
        assert!(catalog.has(&key), "{key}");
        for lang in [Lang::Ru, Lang::En] {
            assert_ne!(catalog.t(lang, &key), key, "{key} in {lang:?}");
        }
    }
    for code in CODES.iter().take_while(|c| **c != "not_found") {
        let key = format!("err-{code}-detail");
        assert!(catalog.has(&key), "{key}");
    }
    for (field, code) in INVALID {
        let key = format!("invalid-{field}-{code}");
        assert!(catalog.has(&key), "{key}");
    }
    for kind in ["poll_opened", "poll_results"] {
        for part in ["subject", "body", "action", "digest"] {
            let key = format!("mail-{kind}-{part}");
            assert!(catalog.has(&key), "{key}");
            let text = catalog.t_args(
                Lang::Ru,
                &key,
                &[("title", "Парк «Дубки»".into()), ("name", "Анна".into())],
            );
            assert!(!text.contains('{'), "{key}: {text}");
        }
        let subject = catalog.t_args(
            Lang::En,
            &format!("mail-{kind}-subject"),
            &[("title", "Dubki park".into())],
        );
        assert!(subject.contains("Dubki park"), "{subject}");
    }
}

#[test]
fn the_openapi_document_lists_every_route() {
    use utoipa::OpenApi;
    let doc = PollsApi::openapi();
    for path in [
        "/api/v1/polls",
        "/api/v1/polls/{id}",
        "/api/v1/polls/{id}/schedule",
        "/api/v1/polls/{id}/unschedule",
        "/api/v1/polls/{id}/close",
        "/api/v1/polls/{id}/publication",
        "/api/v1/polls/{id}/ballots",
        "/api/v1/polls/{id}/ballot",
        "/api/v1/polls/{id}/receipts/{receipt}",
        "/api/v1/polls/{id}/results",
        "/api/v1/polls/{id}/results.csv",
        "/api/v1/polls/{id}/seal",
        "/api/v1/polls/{id}/ballots.json",
        "/api/v1/polls/{id}/ballots.csv",
        "/api/v1/polls/{id}/dashboard",
        "/api/v1/me/points",
    ] {
        assert!(doc.paths.paths.contains_key(path), "{path}");
    }
}

#[test]
fn if_match_takes_a_version_with_or_without_quotes() {
    assert_eq!(parse_if_match(None).ok(), Some(None));
    assert_eq!(parse_if_match(Some("\"3\"")).ok(), Some(Some(3)));
    assert_eq!(parse_if_match(Some(" 12 ")).ok(), Some(Some(12)));
    for bad in ["", "\"", "\"3", "W/\"3\"", "*", "three", "-1"] {
        let p = parse_if_match(Some(bad))
            .err()
            .map(|p| (p.status.as_u16(), p.code));
        assert_eq!(p, Some((400, "invalid_header")), "{bad:?}");
    }
    let p = required_if_match(None)
        .err()
        .map(|p| (p.status.as_u16(), p.code));
    assert_eq!(p, Some((428, "precondition_required")));
}

#[test]
fn a_close_reason_is_optional_and_bounded() {
    let reason = |r: &str| {
        close_reason(Some(&CloseInput {
            reason: Some(r.into()),
        }))
    };
    assert_eq!(close_reason(None).ok(), Some(None));
    assert_eq!(reason("  ").ok(), Some(None));
    assert_eq!(
        reason(" Ошибка в вопросе\r\nисправим ").ok(),
        Some(Some("Ошибка в вопросе\nисправим".into()))
    );
    let p = reason(&"я".repeat(REASON_MAX + 1)).err();
    assert_eq!(
        p.map(|p| (p.field, p.detail_key)),
        Some((
            Some("reason"),
            Some("invalid-close_reason-too_long".to_string())
        ))
    );
    assert!(reason("a\u{0}b").is_err());
    assert!(reason(&"я".repeat(REASON_MAX)).is_ok());
}

#[test]
fn points_cursors_round_trip() {
    let at = clock::from_millis(1_760_000_000_123);
    let poll = PollId::generate();
    let cursor = encode_cursor(&points_key(at, &poll));
    let (back_at, back_poll) = parse_points_cursor(&cursor).unwrap();
    assert_eq!((back_at, back_poll), (at, poll));
    assert!(parse_points_cursor("%%%").is_err());
    assert!(parse_points_cursor(&encode_cursor("nope")).is_err());
}
