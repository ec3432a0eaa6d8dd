//! Russian and English, from message catalogs in Fluent syntax (`core/i18n/*.ftl`; each feature
//! crate adds its own). Fluent handles Russian plural forms (1 голос, 2 голоса, 5 голосов).
//!
//! The language comes from the `veche_lang` cookie (set by the switcher), else from
//! `Accept-Language`, else Russian.

use std::collections::BTreeSet;

use fluent_bundle::concurrent::FluentBundle;
pub use fluent_bundle::FluentValue;
use fluent_bundle::{FluentArgs, FluentResource};
use unic_langid::LanguageIdentifier;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    Ru,
    En,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::Ru, Lang::En];
    pub const COOKIE: &'static str = "veche_lang";

    pub fn code(self) -> &'static str {
        match self {
            Lang::Ru => "ru",
            Lang::En => "en",
        }
    }

    pub fn parse(raw: &str) -> Option<Lang> {
        let primary = raw.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "ru" => Some(Lang::Ru),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The best supported language in an `Accept-Language` header (highest q first).
    pub fn from_accept_language(header: &str) -> Option<Lang> {
        let mut offers: Vec<(f32, usize, Lang)> = header
            .split(',')
            .enumerate()
            .filter_map(|(index, part)| {
                let mut pieces = part.split(';');
                let lang = Lang::parse(pieces.next()?)?;
                let q = pieces
                    .find_map(|p| p.trim().strip_prefix("q="))
                    .and_then(|q| q.trim().parse::<f32>().ok())
                    .unwrap_or(1.0);
                (q > 0.0).then_some((q, index, lang))
            })
            .collect();
        offers.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        offers.first().map(|o| o.2)
    }

    /// Cookie first, then the header, then Russian.
    pub fn negotiate(cookie: Option<&str>, accept_language: Option<&str>) -> Lang {
        cookie
            .and_then(Lang::parse)
            .or_else(|| accept_language.and_then(Lang::from_accept_language))
            .unwrap_or(Lang::Ru)
    }

    pub fn other(self) -> Lang {
        match self {
            Lang::Ru => Lang::En,
            Lang::En => Lang::Ru,
        }
    }
}

/// Every message of every crate, in both languages.
pub struct Catalog {
    ru: FluentBundle<FluentResource>,
    en: FluentBundle<FluentResource>,
    keys: [BTreeSet<String>; 2],
}

/// The core crate's messages.
pub const CORE_RU: &str = include_str!("../../i18n/ru.ftl");
pub const CORE_EN: &str = include_str!("../../i18n/en.ftl");

impl Catalog {
    /// Builds the catalog from (Russian, English) source pairs, one pair per crate. Fails on a
    /// syntax error, a message defined twice, or a message that exists in one language only.
    pub fn new(sources: &[(&str, &str)]) -> Result<Catalog, String> {
        let mut ru = bundle("ru")?;
        let mut en = bundle("en")?;
        let (mut ru_keys, mut en_keys) = (BTreeSet::new(), BTreeSet::new());
        for (ru_src, en_src) in sources {
            for (bundle, src, keys) in [
                (&mut ru, ru_src, &mut ru_keys),
                (&mut en, en_src, &mut en_keys),
            ] {
                let resource = FluentResource::try_new(src.to_string())
                    .map_err(|(_, errors)| format!("message catalog syntax: {errors:?}"))?;
                for entry in resource.entries() {
                    if let fluent_syntax::ast::Entry::Message(m) = entry {
                        keys.insert(m.id.name.to_string());
                    }
                }
                bundle
                    .add_resource(resource)
                    .map_err(|errors| format!("message catalog: {errors:?}"))?;
            }
        }
        let keys = [ru_keys, en_keys];
        if keys[0] != keys[1] {
            let only_ru: Vec<_> = keys[0].difference(&keys[1]).collect();
            let only_en: Vec<_> = keys[1].difference(&keys[0]).collect();
            return Err(format!(
                "catalogs differ: only in Russian {only_ru:?}, only in English {only_en:?}"
            ));
        }
        Ok(Catalog { ru, en, keys })
    }

    pub fn core() -> Result<Catalog, String> {
        Catalog::new(&[(CORE_RU, CORE_EN)])
    }

    pub fn has(&self, key: &str) -> bool {
        self.keys[0].contains(key)
    }

    pub fn t(&self, lang: Lang, key: &str) -> String {
        self.format(lang, key, None)
    }

    pub fn t_args(&self, lang: Lang, key: &str, args: &[(&str, FluentValue<'_>)]) -> String {
        let mut fluent_args = FluentArgs::new();
        for (name, value) in args {
            fluent_args.set(*name, value.clone());
        }
        self.format(lang, key, Some(&fluent_args))
    }

    fn format(&self, lang: Lang, key: &str, args: Option<&FluentArgs<'_>>) -> String {
        let bundle = match lang {
            Lang::Ru => &self.ru,
            Lang::En => &self.en,
        };
        let Some(pattern) = bundle.get_message(key).and_then(|m| m.value()) else {
            tracing::warn!(key, "missing message");
            return key.to_string();
        };
        let mut errors = Vec::new();
        let text = bundle.format_pattern(pattern, args, &mut errors);
        if !errors.is_empty() {
            tracing::warn!(key, ?errors, "message formatting");
        }
        text.into_owned()
    }
}

fn bundle(lang: &str) -> Result<FluentBundle<FluentResource>, String> {
    let id: LanguageIdentifier = lang.parse().map_err(|e| format!("{lang}: {e}"))?;
    let mut bundle = FluentBundle::new_concurrent(vec![id]);
    // No Unicode isolation marks around arguments: they would end up inside HTML and emails.
    bundle.set_use_isolating(false);
    Ok(bundle)
}

/// A catalog bound to one request's language, for templates: `{{ tr.t("nav-home") }}`.
#[derive(Clone, Copy)]
pub struct Tr<'a> {
    pub catalog: &'a Catalog,
    pub lang: Lang,
}

impl<'a> Tr<'a> {
    pub fn t(&self, key: &str) -> String {
        self.catalog.t(self.lang, key)
    }

    pub fn t1(&self, key: &str, name: &str, value: &str) -> String {
        self.catalog.t_args(
            self.lang,
            key,
            &[(name, FluentValue::from(value.to_string()))],
        )
    }

    pub fn n(&self, key: &str, count: i64) -> String {
        self.catalog
            .t_args(self.lang, key, &[("count", FluentValue::from(count))])
    }

    /// A counted message with one more argument: "2 of { $count } experts".
    pub fn n1(&self, key: &str, count: i64, name: &str, value: i64) -> String {
        self.catalog.t_args(
            self.lang,
            key,
            &[
                ("count", FluentValue::from(count)),
                (name, FluentValue::from(value)),
            ],
        )
    }

    pub fn code(&self) -> &'static str {
        self.lang.code()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_prefers_the_highest_quality() {
        assert_eq!(
            Lang::from_accept_language("en-US,en;q=0.9,ru;q=0.8"),
            Some(Lang::En)
        );
        assert_eq!(
            Lang::from_accept_language("de, ru;q=0.5, en;q=0.4"),
            Some(Lang::Ru)
        );
        assert_eq!(Lang::from_accept_language("de, fr"), None);
        assert_eq!(
            Lang::from_accept_language("en;q=0, ru;q=0.1"),
            Some(Lang::Ru)
        );
    }

    #[test]
    fn the_cookie_beats_the_header() {
        assert_eq!(Lang::negotiate(Some("en"), Some("ru")), Lang::En);
        assert_eq!(Lang::negotiate(Some("xx"), Some("en")), Lang::En);
        assert_eq!(Lang::negotiate(None, None), Lang::Ru);
    }

    #[test]
    fn core_catalogs_load_and_match() {
        let catalog = Catalog::core().unwrap();
        assert!(catalog.has("app-name"));
        assert_eq!(catalog.t(Lang::Ru, "app-name"), "Вече");
        assert_eq!(catalog.t(Lang::En, "app-name"), "Veche");
    }

    #[test]
    fn a_key_in_one_language_only_is_refused() {
        let err = Catalog::new(&[("a = А\nb = Б\n", "a = A\n")])
            .err()
            .unwrap();
        assert!(err.contains("only in Russian [\"b\"]"), "{err}");
    }
}
