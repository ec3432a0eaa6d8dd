#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Unit and property tests of the domain types: what they accept, what they refuse, and the
//! normal form they produce.

use std::num::NonZeroU32;
use std::time::Duration;

use proptest::prelude::*;
use veche_core::accounts::model::{BirthYear, DisplayName, Email, Invalid, Password, Role};
use veche_core::districts::{self, DistrictKind, ImportError};
use veche_core::web::ratelimit::RateSpec;

fn code<T: std::fmt::Debug>(result: Result<T, Invalid>) -> &'static str {
    result.unwrap_err().code
}

/// Each `(raw, normal)` case parses (a refusal panics, naming it) to a value whose text is
/// `normal`; the values come back with their normal forms for further checks.
fn parses_to<'a, T>(
    cases: &[(&str, &'a str)],
    parse: impl Fn(&str) -> Result<T, Invalid>,
    text: impl Fn(&T) -> &str,
) -> Vec<(T, &'a str)> {
    cases
        .iter()
        .map(|&(raw, normal)| {
            let value = parse(raw).unwrap_or_else(|e| panic!("{raw:?} refused: {e}"));
            assert_eq!(text(&value), normal, "{raw:?}");
            (value, normal)
        })
        .collect()
}

// --------------------------------------------------------------------------------- Email ---

#[test]
fn email_accepts_ordinary_addresses_and_normalises_them() {
    let cases = [
        ("user@example.com", "user@example.com"),
        ("  User.Name@Example.COM  ", "user.name@example.com"),
        ("\tivan+veche@mail.ru\t", "ivan+veche@mail.ru"),
        ("a@b.co", "a@b.co"),
        ("o'brien@example.ie", "o'brien@example.ie"),
        (
            "first_last-1@sub-domain.example.org",
            "first_last-1@sub-domain.example.org",
        ),
        (
            "x!#$%&*/=?^`{|}~@example.com",
            "x!#$%&*/=?^`{|}~@example.com",
        ),
        ("Иван@Пример.РФ", "иван@пример.рф"),
        ("user@xn--80ak6aa92e.com", "user@xn--80ak6aa92e.com"),
        ("user@123.example", "user@123.example"),
    ];
    for (email, normal) in parses_to(&cases, Email::parse, Email::as_str) {
        assert_eq!(email.to_string(), normal);
    }
}

#[test]
fn email_refuses_malformed_addresses() {
    let cases = [
        "plainaddress",
        "user@",
        "@example.com",
        "user@@example.com",
        "user@exa@mple.com",
        "us er@example.com",
        "user@exam ple.com",
        "user@example..com",
        "user@.example.com",
        "user@example.com.",
        "user@example",
        "user@-example.com",
        "user@example-.com",
        "user@example.123",
        "user@1.2.3.4",
        "user@[127.0.0.1]",
        "\"quoted\"@example.com",
        ".user@example.com",
        "user.@example.com",
        "us..er@example.com",
        "user\r\n@example.com",
        "user@exa\rmple.com",
        "user@example.com\nBcc: victim@example.com",
        "user\0@example.com",
        "user(comment)@example.com",
        "user<x>@example.com",
        "user,x@example.com",
        "user;x@example.com",
        "user\\x@example.com",
        "user@exa_mple.com",
    ];
    for raw in cases {
        let err = Email::parse(raw).unwrap_err();
        assert_eq!(err.field, "email", "{raw:?}");
        assert_eq!(err.code, "invalid_email", "{raw:?}");
    }
    assert_eq!(code(Email::parse("")), "required");
    assert_eq!(code(Email::parse("   \t ")), "required");
}

#[test]
fn email_length_limits() {
    // 64 + 1 + 189 = 254 characters: the longest address accepted.
    let local = "a".repeat(64);
    let domain = format!(
        "{}.{}.{}.ru",
        "b".repeat(63),
        "c".repeat(63),
        "d".repeat(58)
    );
    let longest = format!("{local}@{domain}");
    assert_eq!(longest.chars().count(), Email::MAX_LEN);
    assert_eq!(Email::parse(&longest).unwrap().as_str(), longest);

    let too_long = format!(
        "{local}@{}.{}.{}.ru",
        "b".repeat(63),
        "c".repeat(63),
        "d".repeat(59)
    );
    assert_eq!(too_long.chars().count(), 255);
    assert_eq!(code(Email::parse(&too_long)), "too_long");
    assert_eq!(
        code(Email::parse(&format!("{}@example.com", "a".repeat(300)))),
        "too_long"
    );

    // The local part is at most 64, a domain label at most 63.
    assert_eq!(
        code(Email::parse(&format!("{}@example.com", "a".repeat(65)))),
        "invalid_email"
    );
    let label_64 = format!("user@{}.com", "b".repeat(64));
    assert_eq!(code(Email::parse(&label_64)), "invalid_email");
    assert!(Email::parse(&format!("user@{}.com", "b".repeat(63))).is_ok());
}

/// Surrounding whitespace, line breaks included, is trimmed away (the stored address never
/// holds one); a line break anywhere inside is refused.
#[test]
fn email_line_breaks_inside_are_refused_around_are_trimmed() {
    for raw in [
        "user@example.com\r\n",
        "\nuser@example.com",
        "\r\nuser@example.com\r\n",
    ] {
        assert_eq!(
            Email::parse(raw).unwrap().as_str(),
            "user@example.com",
            "{raw:?}"
        );
    }
    for raw in [
        "user@example.com\r\nX",
        "user@exam\nple.com",
        "us\rer@example.com",
    ] {
        assert!(Email::parse(raw).is_err(), "{raw:?}");
    }
}

fn valid_email() -> impl Strategy<Value = String> {
    let local = "[a-zA-Z0-9]{1,10}(\\.[a-zA-Z0-9_+-]{1,8}){0,2}";
    let label = "[a-zA-Z0-9]{1,10}(-[a-zA-Z0-9]{1,5})?";
    (
        local,
        prop::collection::vec(label, 1..4),
        "[a-zA-Z]{2,6}",
        "[ \t]{0,2}",
        "[ \t]{0,2}",
    )
        .prop_map(|(local, labels, tld, before, after)| {
            format!("{before}{local}@{}.{tld}{after}", labels.join("."))
        })
}

/// Anything: mostly junk, sometimes nearly an address.
fn any_text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        valid_email(),
        "[a-zA-Zа-яА-ЯёЁİßΣσς0-9 .@_%+\\-\\r\\n\\t\\x00\\x{85}\\x{a0}\\x{200b}]{0,40}",
        (valid_email(), any::<String>()).prop_map(|(a, b)| format!("{a}{b}")),
    ]
}

proptest! {
    #[test]
    fn email_generated_valid_addresses_are_accepted(raw in valid_email()) {
        let email = Email::parse(&raw).unwrap();
        prop_assert_eq!(email.as_str(), raw.trim().to_lowercase());
    }

    /// A line break that trimming cannot remove makes the address invalid.
    #[test]
    fn email_with_an_inner_line_break_is_refused(
        head in "[^\\s]{1,20}",
        brk in prop_oneof![Just("\r"), Just("\n"), Just("\r\n")],
        tail in "[^\\s]{1,20}",
        noise in ".{0,10}",
    ) {
        let bare = format!("{head}{brk}{tail}");
        let with_noise = format!("{head}{noise}{brk}{tail}");
        prop_assert!(Email::parse(&bare).is_err(), "{:?} accepted", bare);
        prop_assert!(Email::parse(&with_noise).is_err(), "{:?} accepted", with_noise);
    }

    /// Whatever is accepted is in normal form: no whitespace or control characters at all,
    /// lower-case, one `@`, at most 254 characters, and parsing it again changes nothing.
    #[test]
    fn email_parse_is_idempotent(raw in any_text()) {
        if let Ok(email) = Email::parse(&raw) {
            let s = email.as_str();
            prop_assert!(!s.contains('\r') && !s.contains('\n'));
            prop_assert!(!s.chars().any(|c| c.is_whitespace() || c.is_control()));
            prop_assert_eq!(s.matches('@').count(), 1);
            prop_assert!(s.chars().count() <= Email::MAX_LEN);
            prop_assert_eq!(s.to_lowercase(), s);
            prop_assert_eq!(Email::parse(s), Ok(email.clone()));
        }
    }

    #[test]
    fn email_never_panics(raw in any::<String>()) {
        let _ = Email::parse(&raw);
    }
}

// --------------------------------------------------------------------------- DisplayName ---

#[test]
fn display_name_collapses_whitespace() {
    let cases = [
        ("Иван Петров", "Иван Петров"),
        ("   Иван    Петров   ", "Иван Петров"),
        ("Анна\u{a0}Мария", "Анна Мария"),
        ("Анна\u{2003}\u{3000}Мария", "Анна Мария"),
        ("Ян", "Ян"),
        ("Jo", "Jo"),
        ("R2-D2", "R2-D2"),
        ("Д'Артаньян", "Д'Артаньян"),
        ("李小龍", "李小龍"),
    ];
    parses_to(&cases, DisplayName::parse, DisplayName::as_str);
}

#[test]
fn display_name_length_bounds() {
    assert_eq!(code(DisplayName::parse("")), "required");
    assert_eq!(code(DisplayName::parse("     ")), "required");
    assert_eq!(code(DisplayName::parse("Я")), "too_short");
    assert_eq!(code(DisplayName::parse("  Я  ")), "too_short");
    assert!(DisplayName::parse("Яя").is_ok());
    let sixty = "Щ".repeat(60);
    assert_eq!(DisplayName::parse(&sixty).unwrap().as_str(), sixty);
    assert_eq!(code(DisplayName::parse(&"Щ".repeat(61))), "too_long");
    // Counted after collapsing: 60 characters with long runs of spaces are fine.
    let spaced = format!("{}          {}", "a".repeat(29), "b".repeat(30));
    assert_eq!(
        DisplayName::parse(&spaced)
            .unwrap()
            .as_str()
            .chars()
            .count(),
        60
    );
    // Counted in characters, not bytes (60 Cyrillic letters are 120 bytes).
    assert_eq!(sixty.len(), 120);
}

#[test]
fn display_name_needs_a_letter() {
    for raw in ["12", "---", "42 42", "!!", "😀😀"] {
        assert_eq!(code(DisplayName::parse(raw)), "needs_letter", "{raw:?}");
    }
    assert!(DisplayName::parse("1a").is_ok());
}

#[test]
fn display_name_refuses_control_and_invisible_characters() {
    let cases = [
        "Иван\nПетров",
        "Иван\r\nПетров",
        "Иван\tПетров",
        "Иван\0",
        "Ива\u{7f}н",
        "Ива\u{85}н",
        "Ива\u{1b}[31mн",
        "Ива\u{200b}н",
        "Ива\u{200c}н",
        "Ива\u{200d}н",
        "Ива\u{200e}н",
        "Ива\u{200f}н",
        "Ива\u{202a}н",
        "Ива\u{202e}н",
        "Ива\u{2066}н",
        "Ива\u{2069}н",
        "\u{feff}Иван",
    ];
    for raw in cases {
        assert_eq!(
            code(DisplayName::parse(raw)),
            "invalid_characters",
            "{raw:?}"
        );
    }
}

/// Other zero-width and bidi formatting characters that make two names look alike.
#[test]
fn display_name_refuses_other_invisible_characters() {
    let accepted: Vec<&str> = ["Ива\u{2060}н", "Ива\u{61c}н", "Ива\u{180e}н", "Ива\u{ad}н"]
        .into_iter()
        .filter(|raw| DisplayName::parse(raw).is_ok())
        .collect();
    assert!(accepted.is_empty(), "accepted: {accepted:?}");
}

fn forbidden_in_names(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{00AD}' | '\u{061C}' | '\u{180E}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

proptest! {
    #[test]
    fn display_name_output_is_clean_and_bounded(
        raw in prop_oneof![
            any::<String>(),
            "[ \\t\\n\\x{a0}\\x{200b}\\x{202e}\\x{2060}a-zA-Zа-яА-Я0-9-]{0,80}",
            "[ а-яА-Я]{0,70}",
        ]
    ) {
        if let Ok(name) = DisplayName::parse(&raw) {
            let s = name.as_str();
            let len = s.chars().count();
            prop_assert!((DisplayName::MIN_LEN..=DisplayName::MAX_LEN).contains(&len), "{} chars", len);
            prop_assert!(!s.chars().any(forbidden_in_names), "{:?}", s);
            prop_assert!(s.chars().any(char::is_alphabetic));
            prop_assert_eq!(s.trim(), s);
            prop_assert!(!s.contains("  "));
            prop_assert!(!s.chars().any(|c| c.is_whitespace() && c != ' '));
            // Normal form: parsing again changes nothing.
            prop_assert_eq!(DisplayName::parse(s), Ok(name.clone()));
        }
    }

    #[test]
    fn display_name_accepts_letters_within_bounds(words in prop::collection::vec("[а-яА-Яa-zA-Z]{1,9}", 1..6)) {
        let raw = words.join("  ");
        let normal = words.join(" ");
        let len = normal.chars().count();
        let result = DisplayName::parse(&raw);
        if (2..=60).contains(&len) {
            let name = result.unwrap();
            prop_assert_eq!(name.as_str(), normal);
        } else {
            prop_assert!(result.is_err());
        }
    }
}

// ------------------------------------------------------------------------------ Password ---

#[test]
fn password_length_bounds() {
    assert_eq!(code(Password::parse("")), "required");
    assert_eq!(code(Password::parse("abcdefgh9")), "too_short");
    assert!(Password::parse("abcdefgh9!").is_ok());
    assert_eq!(code(Password::parse("абвгдеёжз")), "too_short");
    // Ten Cyrillic characters are twenty bytes, and ten characters.
    assert!(Password::parse("абвгдеёжзи").is_ok());
    let max = "ab".repeat(64);
    assert_eq!(Password::parse(&max).unwrap().expose(), max);
    assert_eq!(code(Password::parse(&format!("{max}c"))), "too_long");
}

#[test]
fn password_refuses_weak_ones() {
    for raw in [
        "aaaaaaaaaa",
        "1111111111",
        "          ",
        "ЖЖЖЖЖЖЖЖЖЖЖЖ",
        "1234567890",
        "qwertyuiop",
        "QWERTYUIOP",
        "Password123",
        "PASSWORD1234",
        "ЙцукенГшщз",
        "administrator",
        "1q2w3e4r5t",
    ] {
        assert_eq!(code(Password::parse(raw)), "too_weak", "{raw:?}");
    }
    assert_eq!(Password::parse("password").unwrap_err().code, "too_short");
    assert!(Password::parse("correct horse battery staple").is_ok());
    assert!(Password::parse("aaaaaaaaab").is_ok());
}

#[test]
fn password_is_kept_as_typed() {
    let raw = "  spaced out password  ";
    assert_eq!(Password::parse(raw).unwrap().expose(), raw);
    assert_eq!(
        Password::parse_field("x", "new_password")
            .unwrap_err()
            .field,
        "new_password"
    );
    assert_eq!(Password::parse("x").unwrap_err().field, "password");
}

proptest! {
    #[test]
    fn password_debug_never_shows_it(raw in "[a-zA-Z0-9!@#а-я ]{10,128}") {
        if let Ok(password) = Password::parse(&raw) {
            prop_assert_eq!(format!("{password:?}"), "Password(***)");
            prop_assert_eq!(format!("{:?}", Some(password.clone())), "Some(Password(***))");
            prop_assert_eq!(format!("{password:#?}"), "Password(***)");
            prop_assert_eq!(password.expose(), raw.as_str());
        }
    }

    #[test]
    fn password_by_length(raw in any::<String>()) {
        let len = raw.chars().count();
        let result = Password::parse(&raw);
        if len == 0 {
            prop_assert_eq!(code(result), "required");
        } else if len < Password::MIN_LEN {
            prop_assert_eq!(code(result), "too_short");
        } else if len > Password::MAX_LEN {
            prop_assert_eq!(code(result), "too_long");
        } else if let Ok(p) = result {
            prop_assert_eq!(p.expose(), raw.as_str());
        }
    }
}

// ----------------------------------------------------------------------------- BirthYear ---

#[test]
fn birth_year_bounds() {
    assert_eq!(BirthYear::parse(1900, 2025).unwrap().value(), 1900);
    assert_eq!(code(BirthYear::parse(1899, 2025)), "out_of_range");
    assert_eq!(code(BirthYear::parse(0, 2025)), "out_of_range");
    assert_eq!(code(BirthYear::parse(-1, 2025)), "out_of_range");
    assert_eq!(code(BirthYear::parse(i64::MIN, 2025)), "out_of_range");
    assert_eq!(BirthYear::parse(2011, 2025).unwrap().value(), 2011);
    assert_eq!(code(BirthYear::parse(2012, 2025)), "too_young");
    assert_eq!(code(BirthYear::parse(2025, 2025)), "too_young");
    assert_eq!(code(BirthYear::parse(i64::MAX, 2025)), "too_young");
    assert_eq!(
        code(BirthYear::parse(i64::from(i32::MAX) + 1, 2025)),
        "too_young"
    );
    assert_eq!(
        BirthYear::parse(1000, 2025).unwrap_err().field,
        "birth_year"
    );
    assert_eq!(
        BirthYear::parse(2020, 2025).unwrap_err().field,
        "birth_year"
    );
}

proptest! {
    #[test]
    fn birth_year_accepts_exactly_the_range(year in 1800_i64..2100, this_year in 1990_i32..2100) {
        let ok = year >= 1900 && year <= i64::from(this_year) - 14;
        match BirthYear::parse(year, this_year) {
            Ok(y) => {
                prop_assert!(ok);
                prop_assert_eq!(i64::from(y.value()), year);
            }
            Err(e) => prop_assert!(!ok, "{} in {} refused: {}", year, this_year, e),
        }
    }
}

// ---------------------------------------------------------------------------------- Role ---

#[test]
fn role_round_trips() {
    assert_eq!(Role::ALL.len(), 5);
    for role in Role::ALL {
        assert_eq!(Role::parse(role.as_str()), Some(role));
        // The serde name is the same as `as_str`.
        assert_eq!(
            serde_json::to_value(role).unwrap(),
            serde_json::json!(role.as_str())
        );
    }
    let names: Vec<&str> = Role::ALL.iter().map(|r| r.as_str()).collect();
    assert_eq!(
        names,
        ["resident", "moderator", "official", "expert", "admin"]
    );
    for raw in [
        "",
        "Admin",
        "ADMIN",
        " admin",
        "admin ",
        "root",
        "residents",
    ] {
        assert_eq!(Role::parse(raw), None, "{raw:?}");
    }
}

// ----------------------------------------------------------------------------- Districts ---

#[test]
fn transliterates_district_names() {
    let cases = [
        ("Хамовники", "Khamovniki"),
        ("Щукино", "Shchukino"),
        ("Тверской", "Tverskoy"),
        ("Северный", "Severny"),
        ("Филёвский Парк", "Filyovsky Park"),
        ("Арбат", "Arbat"),
        ("Якиманка", "Yakimanka"),
        ("Ясенево", "Yasenevo"),
        ("Царицыно", "Tsaritsyno"),
        ("Чертаново Южное", "Chertanovo Yuzhnoye"),
        ("Южнопортовый", "Yuzhnoportovy"),
        ("Ельня", "Yelnya"),
        ("Zelenograd-1", "Zelenograd-1"),
        ("", ""),
    ];
    for (ru, en) in cases {
        assert_eq!(districts::transliterate(ru), en, "{ru}");
    }
}

proptest! {
    /// Romanised Russian is plain ASCII; anything not Cyrillic passes through.
    #[test]
    fn transliteration_of_cyrillic_is_ascii(ru in "[а-яёА-ЯЁ -]{0,30}") {
        let en = districts::transliterate(&ru);
        prop_assert!(en.is_ascii(), "{:?} -> {:?}", ru, en);
    }

    #[test]
    fn transliteration_keeps_ascii(text in "[ -~]{0,30}") {
        prop_assert_eq!(districts::transliterate(&text), text);
    }
}

const GEOJSON: &str = r#"{
  "type": "FeatureCollection",
  "features": [
    {
      "type": "Feature",
      "properties": {
        "NAME": "Хамовники",
        "OKTMO": "45383000",
        "NAME_AO": "Центральный",
        "OKATO_AO": "45286000",
        "ABBREV_AO": "ЦАО",
        "TYPE_MO": "Муниципальный округ"
      },
      "geometry": { "type": "Point", "coordinates": [37.57, 55.73] }
    },
    {
      "type": "Feature",
      "properties": {
        "NAME": "Щербинка",
        "NAME_EN": "Shcherbinka Town",
        "OKTMO": "45953000",
        "NAME_AO": "Новомосковский",
        "OKATO_AO": "45297000",
        "TYPE_MO": "Городской округ"
      },
      "geometry": null
    }
  ]
}"#;

#[test]
fn parses_a_geojson_feature_collection() {
    let list = districts::parse_any(GEOJSON).unwrap();
    // A point and a null geometry: districts without boundaries.
    assert!(districts::parse_import(GEOJSON)
        .unwrap()
        .boundaries
        .is_empty());
    assert_eq!(list.okrugs.len(), 2);
    assert_eq!(list.districts.len(), 2);

    let central = &list.okrugs[0];
    assert_eq!(central.id.as_str(), "45286000");
    assert_eq!(central.abbrev, "ЦАО");
    assert_eq!(central.name_ru, "Центральный");
    assert_eq!(central.name_en, "Tsentralny");
    let new_moscow = &list.okrugs[1];
    assert_eq!(new_moscow.id.as_str(), "45297000");
    // No ABBREV_AO: the name stands in.
    assert_eq!(new_moscow.abbrev, "Новомосковский");
    assert_eq!(new_moscow.name_en, "Novomoskovsky");

    let khamovniki = &list.districts[0];
    assert_eq!(khamovniki.id.as_str(), "45383000");
    assert_eq!(khamovniki.okrug_id, central.id);
    assert_eq!(khamovniki.name_ru, "Хамовники");
    assert_eq!(khamovniki.name_en, "Khamovniki");
    assert_eq!(khamovniki.kind, DistrictKind::MunicipalDistrict);
    let shcherbinka = &list.districts[1];
    assert_eq!(shcherbinka.okrug_id, new_moscow.id);
    assert_eq!(shcherbinka.name_en, "Shcherbinka Town");
    assert_eq!(shcherbinka.kind, DistrictKind::CityDistrict);
}

#[test]
fn refuses_malformed_district_files() {
    let format = |text: &str| matches!(districts::parse_any(text), Err(ImportError::Format(_)));
    let invalid = |text: &str| matches!(districts::parse_any(text), Err(ImportError::Invalid(_)));

    assert!(format(r#"{"type": "FeatureCollection", "features": [ {"#));
    assert!(format("not json at all"));
    assert!(format(""));
    assert!(format(r#"{"type": "FeatureCollection"}"#));
    assert!(format(r#"{"type": "FeatureCollection", "features": {}}"#));
    assert!(format(
        r#"{"type": "FeatureCollection", "features": [{"type": "Feature"}]}"#
    ));
    // A feature without its district code.
    assert!(format(&GEOJSON.replace(r#""OKTMO": "45383000","#, "")));
    // Not a FeatureCollection: read as our own shape, which this is not.
    assert!(format(r#"{"type": "Feature", "features": []}"#));
    assert!(format(
        r#"{"city": {"name_ru": "М", "name_en": "M"}, "okrugs": [], "districts": [], "extra": 1}"#
    ));

    assert!(invalid(r#"{"type": "FeatureCollection", "features": []}"#));
    assert!(
        invalid(&GEOJSON.replace("45953000", "45383000")),
        "two districts, one id"
    );
    let point = r#"{ "type": "Point", "coordinates": [37.57, 55.73] }"#;
    assert!(GEOJSON.contains(point));
    assert!(
        invalid(&GEOJSON.replace(
            point,
            r#"{ "type": "Polygon", "coordinates": [[[37.5, 55.7], [37.6, 55.7]]] }"#
        )),
        "a ring of two positions"
    );
    assert!(format(&GEOJSON.replace(
        point,
        r#"{ "type": "MultiPolygon", "coordinates": 5 }"#
    )));
    assert!(
        invalid(&GEOJSON.replace("\"45383000\"", "\"45 383 000\"")),
        "a bad id"
    );
    assert!(
        invalid(&GEOJSON.replace("\"Хамовники\"", "\"  \"")),
        "an empty name"
    );
}

#[test]
fn moscow_list_is_complete() {
    let moscow = districts::moscow().unwrap();
    assert_eq!(moscow.okrugs.len(), 12);
    assert_eq!(moscow.districts.len(), 146);
    let json = serde_json::to_string(&moscow).unwrap();
    assert_eq!(districts::parse_any(&json).unwrap(), moscow);
}

// ------------------------------------------------------------------------------ RateSpec ---

fn spec(count: u32, secs: u64) -> RateSpec {
    RateSpec {
        count: NonZeroU32::new(count).unwrap(),
        period: Duration::from_secs(secs),
    }
}

#[test]
fn rate_spec_parses_count_per_period() {
    let cases = [
        ("10/min", spec(10, 60)),
        ("10/minute", spec(10, 60)),
        ("1/s", spec(1, 1)),
        ("5/sec", spec(5, 1)),
        ("5/second", spec(5, 1)),
        ("3/h", spec(3, 3600)),
        ("3/hour", spec(3, 3600)),
        ("100/day", spec(100, 86_400)),
        ("100/d", spec(100, 86_400)),
        ("  20 / min  ", spec(20, 60)),
        ("4294967295/s", spec(u32::MAX, 1)),
    ];
    for (raw, expected) in cases {
        assert_eq!(RateSpec::parse(raw), Ok(expected), "{raw:?}");
    }
}

#[test]
fn rate_spec_refuses_nonsense() {
    for raw in [
        "",
        "10",
        "/min",
        "10/",
        "0/min",
        "-1/min",
        "x/min",
        "1.5/min",
        "10/week",
        "10/MIN",
        "10/m",
        "10/min/extra",
        "4294967296/s",
        "ten/min",
    ] {
        assert!(RateSpec::parse(raw).is_err(), "{raw:?}");
    }
}

proptest! {
    #[test]
    fn rate_spec_display_round_trips(count in 1_u32.., period in prop::sample::select(vec!["s", "min", "h", "day"])) {
        let parsed = RateSpec::parse(&format!("{count}/{period}")).unwrap();
        prop_assert_eq!(parsed.count.get(), count);
        prop_assert_eq!(parsed.to_string(), format!("{count}/{period}"));
        prop_assert_eq!(RateSpec::parse(&parsed.to_string()), Ok(parsed));
    }

    #[test]
    fn rate_spec_never_panics(raw in any::<String>()) {
        let _ = RateSpec::parse(&raw);
    }
}
