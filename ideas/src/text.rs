//! What an idea's words are, for search and for finding duplicates: text normalised so that
//! case, «ё»/«е», punctuation and Latin letters that look Cyrillic make no difference, then
//! split into terms (Snowball stems, Russian or English), each with a weight.
//!
//! Pure functions, no I/O: the same text gives the same terms on every store and every run.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use rust_stemmers::{Algorithm, Stemmer};

/// Latin letters that residents type (or keyboards substitute) in Cyrillic words, and the
/// Cyrillic letters they stand for. Applied only inside words that hold a Cyrillic letter:
/// an English word stays English.
const LOOK_ALIKES: &[(char, char)] = &[
    ('a', 'а'),
    ('b', 'в'),
    ('c', 'с'),
    ('e', 'е'),
    ('h', 'н'),
    ('k', 'к'),
    ('m', 'м'),
    ('n', 'п'),
    ('o', 'о'),
    ('p', 'р'),
    ('r', 'г'),
    ('t', 'т'),
    ('u', 'и'),
    ('x', 'х'),
    ('y', 'у'),
    ('3', 'з'),
    ('0', 'о'),
];

fn is_cyrillic(c: char) -> bool {
    matches!(c, 'а'..='я' | 'ё' | 'А'..='Я' | 'Ё')
}

/// One word of normalised text: lower case, «ё» as «е», look-alike Latin letters as the
/// Cyrillic ones when the word is Cyrillic.
fn normalise_word(word: &str, out: &mut String) {
    let cyrillic = word.chars().any(is_cyrillic);
    for c in word.chars().flat_map(char::to_lowercase) {
        let c = if c == 'ё' { 'е' } else { c };
        let c = if cyrillic {
            LOOK_ALIKES
                .iter()
                .find(|(latin, _)| *latin == c)
                .map_or(c, |(_, cyr)| *cyr)
        } else {
            c
        };
        out.push(c);
    }
}

/// The words of a text, normalised: letters and digits only, one space between words.
pub fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut out = String::with_capacity(w.len());
            normalise_word(w, &mut out);
            out
        })
        .collect()
}

/// The words of a text, normalised, each with whether it reads as a name: capitalised
/// inside a sentence («парк Горького», «на Лесной»), not shouted in capitals.
fn words_and_names(text: &str) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    let mut sentence_start = true;
    let mut rest = text;
    while !rest.is_empty() {
        let start = rest
            .find(|c: char| c.is_alphanumeric())
            .unwrap_or(rest.len());
        let gap = &rest[..start];
        if gap.contains(['.', '!', '?', '\n', ':', '—', '«', '"']) {
            sentence_start = true;
        }
        rest = &rest[start..];
        let end = rest
            .find(|c: char| !c.is_alphanumeric())
            .unwrap_or(rest.len());
        let word = &rest[..end];
        rest = &rest[end..];
        if word.is_empty() {
            continue;
        }
        let mut chars = word.chars();
        let capital = chars.next().is_some_and(char::is_uppercase);
        let shouted = word
            .chars()
            .filter(|c| c.is_alphabetic())
            .all(char::is_uppercase);
        let name = capital && !shouted && !sentence_start;
        sentence_start = false;
        let mut normal = String::with_capacity(word.len());
        normalise_word(word, &mut normal);
        out.push((normal, name));
    }
    out
}

/// The normalised text: its words joined by single spaces.
pub fn normalise(text: &str) -> String {
    words(text).join(" ")
}

/// The key of an idea's exact text: the blake3 hash (hex) of its normalised title and text.
/// Two ideas with the same key say the same words in the same order.
pub fn exact_key(title: &str, body: &str) -> String {
    let mut hasher = blake3::Hasher::new();
    hasher.update(normalise(title).as_bytes());
    hasher.update(b"\n");
    hasher.update(normalise(body).as_bytes());
    hasher.finalize().to_hex().to_string()
}

/// Address words a name follows («улица Ленина»): the name is a place, not a request.
const ADDRESS: &[&str] = &[
    "ул",
    "улица",
    "улице",
    "улицы",
    "улицу",
    "пр",
    "проспект",
    "проспекте",
    "проспекта",
    "пер",
    "переулок",
    "переулке",
    "переулка",
    "бульвар",
    "бульваре",
    "бульвара",
    "шоссе",
    "площадь",
    "площади",
    "пл",
    "наб",
    "набережная",
    "набережной",
    "street",
    "st",
    "avenue",
    "ave",
];

/// Words that say nothing about what an idea asks for: function words, and the words every
/// request uses («предлагаю», «необходимо», «жители»).
const STOP: &[&str] = &[
    // Russian function words, and the words every request uses
    "а",
    "без",
    "бы",
    "в",
    "во",
    "вот",
    "все",
    "всех",
    "где",
    "да",
    "для",
    "до",
    "его",
    "ее",
    "если",
    "же",
    "за",
    "и",
    "из",
    "или",
    "им",
    "их",
    "к",
    "как",
    "ко",
    "ли",
    "либо",
    "мы",
    "на",
    "над",
    "не",
    "нет",
    "ни",
    "но",
    "о",
    "об",
    "около",
    "от",
    "очень",
    "по",
    "под",
    "при",
    "про",
    "с",
    "со",
    "так",
    "также",
    "то",
    "только",
    "у",
    "уже",
    "чем",
    "что",
    "чтобы",
    "это",
    "этот",
    "эта",
    "эти",
    "этом",
    "этой",
    "я",
    "мой",
    "наш",
    "наши",
    "нашем",
    "нашей",
    "нашего",
    "нам",
    "нас",
    "вас",
    "вы",
    "он",
    "она",
    "они",
    "там",
    "тут",
    "здесь",
    "есть",
    "был",
    "была",
    "были",
    "будет",
    "может",
    "можно",
    "ещё",
    "еще",
    "уж",
    "лишь",
    "том",
    "тех",
    "той",
    "которые",
    "который",
    "которая",
    "которое",
    "своих",
    "свой",
    "сам",
    "всё",
    "весь",
    "вся",
    "более",
    "менее",
    "тоже",
    "пожалуйста",
    "просим",
    "прошу",
    "просьба",
    "предлагаю",
    "предлагаем",
    "предложение",
    "необходимо",
    "нужно",
    "надо",
    "требуется",
    "хотелось",
    "хотим",
    "хочу",
    "давно",
    "наконец",
    "срочно",
    "жители",
    "жителей",
    "жителям",
    "жителя",
    "житель",
    "город",
    "города",
    "городе",
    "район",
    "района",
    "районе",
    "г",
    "т",
    "е",
    "др",
    "имени",
    // address words after which no name follows
    "б",
    "д",
    "дом",
    "дома",
    "доме",
    "домом",
    "корп",
    "корпус",
    "стр",
    "строение",
    "кв",
    "возле",
    "рядом",
    "напротив",
    "между",
    "вдоль",
    // English
    "a",
    "an",
    "and",
    "are",
    "as",
    "at",
    "be",
    "by",
    "for",
    "from",
    "in",
    "is",
    "it",
    "of",
    "on",
    "or",
    "please",
    "our",
    "the",
    "this",
    "to",
    "we",
    "with",
    "near",
];

/// Words that name the same thing in a city's requests, as their stems: the first of each
/// group stands for the group. A stem of four letters or more also stands for the longer
/// stems it begins (word forms the stemmer leaves apart: «лавочек», «лавочки»).
const SAME: &[&[&str]] = &[
    &["лавочк", "лавоч", "скаме", "скамь", "лавк", "bench"],
    &["урн", "мусорк", "мусорн", "bin"],
    &["велосипед", "вело", "велосипедн", "bike", "cycl", "bicycl"],
    &["дорожк", "дорог", "полос", "lane"],
    &["тротуар", "пешеходн", "sidewalk", "pavement"],
    &[
        "освещен",
        "фонар",
        "светильник",
        "освет",
        "темн",
        "light",
        "lamp",
    ],
    &["детск", "ребенк", "дет", "ребят", "children", "kid"],
    &["ям", "выбоин", "pothol"],
    &["ремонт", "отремонтирова", "почин", "repair", "fix"],
    &["останов", "остановочн"],
    &["автобус", "маршрут", "bus"],
    &["парковк", "стоянк", "парков", "parking"],
    &["дерев", "деревц", "tree"],
    &["высад", "посад", "сажа", "озелен", "plant"],
    &["собак", "собач", "выгул", "dog"],
    &["светофор", "traffic"],
    &["переход", "зебр", "crossing"],
    &["снег", "наледь", "гололед", "snow", "ice"],
    &["туалет", "уборн", "toilet"],
    &[
        "спорт",
        "спортивн",
        "тренажер",
        "воркаут",
        "турник",
        "sport",
        "gym",
    ],
    &["убра", "убор", "вывез", "clean"],
    &["мусор", "свалк", "отход", "garbag", "rubbish"],
    &["шум", "шумозащитн", "шумов", "громк", "noise"],
    &["библиотек", "library"],
    &["фонтан", "fountain"],
    &["пандус", "ramp"],
    &["оград", "огражден", "забор", "fence"],
    &["полив", "полива"],
    &["wifi", "вайфа", "интернет"],
    &["видеонаблюден", "камер", "наблюден", "camera"],
    &["запис", "онлайн"],
    &["частот", "интервал", "чащ", "редк"],
    &["лежач", "неровн", "полицейск"],
    &["пляж", "beach"],
    &["навес", "козырек"],
    &["цвет", "клумб", "flower"],
    &["мангал", "пикник", "шашлык"],
];

/// Stems of the words every request uses to ask («поставьте», «сделать», «нужен»): they say
/// that something is asked for, not what.
const ASKING: &[&str] = &[
    "постав",
    "установ",
    "размест",
    "сдела",
    "сдел",
    "постро",
    "построй",
    "организова",
    "оборудова",
    "обустро",
    "нужн",
    "нуж",
    "нет",
    "негд",
    "хот",
    "хотел",
    "сейчас",
    "всег",
    "очен",
    "люд",
    "постоя",
    "мест",
    "проблем",
    "вопрос",
    "решит",
    "решен",
    "install",
    "build",
    "make",
    "need",
    "want",
    "put",
];

/// Words written as one that stand for two (the stems they stand for).
const COMPOUNDS: &[(&str, &[&str])] = &[
    ("велопарковк", &["велосипед", "парковк"]),
    ("велодорожк", &["велосипед", "дорожк"]),
    ("велодорог", &["велосипед", "дорожк"]),
    ("велополос", &["велосипед", "дорожк"]),
    ("спортплощадк", &["спорт", "площадк"]),
    ("детсад", &["детск", "сад"]),
    ("скейтпарк", &["скейт", "парк"]),
    ("тц", &["торгов", "центр"]),
    ("дк", &["дворц", "культур"]),
    ("жд", &["железн", "дорожк"]),
];

/// Stems that say where, not what: many different requests are about one park, one school,
/// one courtyard.
const WHERE: &[&str] = &[
    "парк",
    "сквер",
    "двор",
    "школ",
    "школьн",
    "останов",
    "метр",
    "станц",
    "площадк",
    "пруд",
    "стадион",
    "квартал",
    "микрорайон",
    "перекрестк",
    "перекрест",
    "платформ",
    "подъезд",
    "торгов",
    "центр",
    "театр",
    "дворц",
    "культур",
    "рынок",
    "рынк",
    "площад",
    "набережн",
    "рек",
    "аллег",
    "аллея",
    "въезд",
    "выезд",
    "вход",
    "выход",
    "мост",
    "гараж",
    "пустыр",
    "нов",
    "стар",
    "главн",
    "больш",
    "мал",
    "park",
    "school",
    "square",
    "yard",
    "station",
];

fn stemmers() -> &'static (Stemmer, Stemmer) {
    static STEMMERS: OnceLock<(Stemmer, Stemmer)> = OnceLock::new();
    STEMMERS.get_or_init(|| {
        (
            Stemmer::create(Algorithm::Russian),
            Stemmer::create(Algorithm::English),
        )
    })
}

/// The stems of one normalised word: Snowball Russian for Cyrillic words, English otherwise;
/// then the group's first stem when the word names something a group names, or the two
/// stems a compound word stands for.
pub fn stems(word: &str) -> Vec<String> {
    let (ru, en) = stemmers();
    let stemmed = if word.chars().any(is_cyrillic) {
        ru.stem(word).into_owned()
    } else {
        en.stem(word).into_owned()
    };
    if let Some((_, parts)) = COMPOUNDS
        .iter()
        .find(|(c, _)| stemmed == *c || (c.chars().count() >= 4 && stemmed.starts_with(c)))
    {
        return parts.iter().map(|p| p.to_string()).collect();
    }
    vec![canonical(without_fleeting_vowel(stemmed))]
}

/// Genitive plurals insert a vowel the other forms lack («кабинок», «кабинки»): a stem that
/// ends in a consonant and «ок»/«ек» loses the vowel, in every form alike.
fn without_fleeting_vowel(stem: String) -> String {
    let chars: Vec<char> = stem.chars().collect();
    let n = chars.len();
    if n >= 5
        && chars[n - 1] == 'к'
        && matches!(chars[n - 2], 'о' | 'е')
        && !"аеиоуыэюяй".contains(chars[n - 3])
    {
        let mut out: String = chars[..n - 2].iter().collect();
        out.push('к');
        return out;
    }
    stem
}

/// The stem of one normalised word (the first, for a compound).
pub fn stem(word: &str) -> String {
    stems(word).into_iter().next().unwrap_or_default()
}

fn canonical(stemmed: String) -> String {
    for group in SAME {
        if group
            .iter()
            .any(|s| stemmed == *s || (s.chars().count() >= 4 && stemmed.starts_with(s)))
        {
            return group[0].to_string();
        }
    }
    stemmed
}

fn is_stop(word: &str) -> bool {
    STOP.contains(&word) || is_address_word(word)
}

/// How much a term says about what an idea asks for.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Kind {
    /// A word of the request itself (what to do, to what).
    Word,
    /// A number (a house, a bus route): the same number in two ideas means little alone.
    Number,
    /// The name after an address word (the street, the square): many different requests
    /// name the same street.
    Place,
}

impl Kind {
    pub fn weight(self) -> f32 {
        match self {
            Kind::Word => 1.0,
            Kind::Number => 0.3,
            Kind::Place => 0.3,
        }
    }
}

/// How much more a title's word weighs than the text's.
pub const TITLE: f32 = 1.5;

/// The terms of a title and a text: each distinct stem with its weight (a title's words
/// count more: a title says what the idea is).
pub fn terms(title: &str, body: &str) -> BTreeMap<String, f32> {
    let mut out: BTreeMap<String, f32> = BTreeMap::new();
    for (text, factor) in [(title, TITLE), (body, 1.0)] {
        let mut after_address = false;
        for (word, name) in words_and_names(text) {
            if is_stop(&word) {
                after_address = is_address_word(&word);
                continue;
            }
            let number = word.chars().all(|c| c.is_ascii_digit());
            let place = after_address || name;
            after_address = false;
            if word.chars().count() < 2 && !number {
                continue;
            }
            for stem in stems(&word) {
                if ASKING.contains(&stem.as_str()) {
                    continue;
                }
                let kind = if number {
                    Kind::Number
                } else if place || WHERE.contains(&stem.as_str()) {
                    Kind::Place
                } else {
                    Kind::Word
                };
                let weight = kind.weight() * factor;
                let entry = out.entry(stem).or_insert(0.0);
                if weight > *entry {
                    *entry = weight;
                }
            }
        }
    }
    out
}

/// The stems a search matches: an idea is found by a query when it holds every stem of the
/// query («велодорожки» finds «велодорожку», «bike lanes» finds «bike lane»). Function words
/// are left out of both; each word's stems are its Snowball stems, merged with synonyms.
pub fn search_stems(text: &str) -> BTreeSet<String> {
    words(text)
        .iter()
        .filter(|w| !is_stop(w))
        .flat_map(|w| stems(w))
        .filter(|s| !s.is_empty())
        .collect()
}

fn is_address_word(word: &str) -> bool {
    ADDRESS.contains(&word)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_yo_punctuation_and_look_alikes_do_not_matter() {
        assert_eq!(normalise("Ёлки, ПАЛКИ!!!"), "елки палки");
        // Latin «a», «o», «c», «e» and «p» inside Cyrillic words.
        assert_eq!(
            normalise("Пaрк Горькoгo: cкамейки, пpошу"),
            "парк горького скамейки прошу"
        );
        // English words stay English.
        assert_eq!(normalise("Bike lanes"), "bike lanes");
    }

    #[test]
    fn word_forms_share_a_stem() {
        assert_eq!(stem("велодорожки"), stem("велодорожку"));
        assert_eq!(stem("скамейки"), stem("лавочек"));
        assert_eq!(stem("parks"), stem("park"));
    }

    #[test]
    fn the_exact_key_ignores_form_but_not_words() {
        assert_eq!(
            exact_key("Скамейки в парке", "Поставьте, пожалуйста, скамейки."),
            exact_key("СКАМЕЙКИ  в пaрке!", "поставьте пожалуйста скамейки")
        );
        assert_ne!(
            exact_key("Скамейки в парке", "Поставьте скамейки"),
            exact_key("Скамейки в сквере", "Поставьте скамейки")
        );
    }

    #[test]
    fn a_search_finds_other_word_forms() {
        let idea = search_stems("Сделать велодорожку вдоль набережной, поставить скамейки");
        for query in ["велодорожки", "Велодорожка", "скамеек", "лавочки"]
        {
            let wanted = search_stems(query);
            assert!(!wanted.is_empty(), "{query}");
            assert!(wanted.is_subset(&idea), "{query}: {wanted:?} in {idea:?}");
        }
        assert!(!search_stems("фонтан").is_subset(&idea));
        assert!(search_stems("bike lanes").is_subset(&search_stems("A protected bike lane")));
        // Function words alone find nothing rather than everything.
        assert!(search_stems("и в на").is_empty());
    }

    #[test]
    fn places_and_numbers_weigh_less_than_words() {
        let t = terms("Светофор на улице Ленина, 5", "");
        assert_eq!(t.get(&stem("светофор")), Some(&1.5));
        assert_eq!(t.get(&stem("ленина")), Some(&(0.3 * 1.5)));
        assert_eq!(t.get("5"), Some(&(0.3 * 1.5)));
        assert!(!t.contains_key("улиц"));
    }
}
