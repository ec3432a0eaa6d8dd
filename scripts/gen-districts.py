#!/usr/bin/env python3
"""Generate core/data/moscow-districts.json from data/moscow-districts.geojson.

Usage: python3 scripts/gen-districts.py [INPUT.geojson] [OUTPUT.json]

Produces the seed list of Moscow's 12 administrative okrugs and 146 municipal
formations (districts), with Russian names from the source and English names
from a hand-written okrug table and a practical (BGN/PCGN-like) romanisation
of the district names. Ids are official codes: OKATO of the okrug, OKTMO of
the district.

Source data: (c) OpenStreetMap contributors, ODbL 1.0 (see data/README.md).
Pure python3 standard library; fails loudly on anything unexpected.
"""

import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_IN = os.path.join(ROOT, "data", "moscow-districts.geojson")
DEFAULT_OUT = os.path.join(ROOT, "core", "data", "moscow-districts.json")

# NAME_AO -> (abbreviation, English name). The order here is the conventional
# order of Moscow's okrugs and is the order of the output list.
OKRUGS = [
    ("Центральный", "ЦАО", "Central"),
    ("Северный", "САО", "Northern"),
    ("Северо-Восточный", "СВАО", "North-Eastern"),
    ("Восточный", "ВАО", "Eastern"),
    ("Юго-Восточный", "ЮВАО", "South-Eastern"),
    ("Южный", "ЮАО", "Southern"),
    ("Юго-Западный", "ЮЗАО", "South-Western"),
    ("Западный", "ЗАО", "Western"),
    ("Северо-Западный", "СЗАО", "North-Western"),
    ("Зеленоградский", "ЗелАО", "Zelenograd"),
    ("Новомосковский", "НАО", "Novomoskovsky"),
    ("Троицкий", "ТАО", "Troitsky"),
]

KINDS = {
    "Муниципальный округ": "municipal_district",
    "Поселение": "settlement",
    "Городской округ": "city_district",
}

VOWELS = set("аеёиоуыэюя")
SIGNS = set("ьъ")

SIMPLE = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "ж": "zh", "з": "z",
    "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o",
    "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh",
    "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ы": "y", "э": "e",
    "ю": "yu", "я": "ya", "ё": "yo",
}


def translit_word(word):
    """Romanise one word of letters (no spaces or hyphens)."""
    if not word:
        return word
    low = word.lower()
    # Word endings: -ый / -ий -> -y (so -ский -> -sky, -ный -> -ny).
    suffix = ""
    if len(low) > 2 and low.endswith(("ый", "ий")):
        low, suffix = low[:-2], "y"
    out = []
    for i, ch in enumerate(low):
        prev = low[i - 1] if i > 0 else None
        if ch in SIGNS:
            # Signs are dropped, except that a soft sign before и is heard as
            # "y" (Марьина -> Maryina); before е/ё/ю/я the vowel already
            # starts with y.
            nxt = low[i + 1] if i + 1 < len(low) else None
            if ch == "ь" and nxt == "и":
                out.append("y")
            continue
        if ch == "е":
            if prev is None or prev in VOWELS or prev in SIGNS:
                out.append("ye")
            else:
                out.append("e")
            continue
        if ch not in SIMPLE:
            raise SystemExit(f"gen-districts: no romanisation for {ch!r} in {word!r}")
        out.append(SIMPLE[ch])
    res = "".join(out) + suffix
    if word[0].isupper():
        res = res[:1].upper() + res[1:]
    return res


def translit(name):
    """Romanise a name, keeping spaces, hyphens and capitalisation."""
    parts = []
    word = ""
    for ch in name:
        if ch in " -":
            parts.append(translit_word(word))
            parts.append(ch)
            word = ""
        else:
            word += ch
    parts.append(translit_word(word))
    return "".join(parts)


def ru_key(s):
    # Sort ё like е (Unicode puts ё after я), then by the exact string.
    return (s.replace("ё", "е").replace("Ё", "Е"), s)


def main(argv):
    src = argv[1] if len(argv) > 1 else DEFAULT_IN
    dst = argv[2] if len(argv) > 2 else DEFAULT_OUT
    with open(src, encoding="utf-8") as f:
        gj = json.load(f)

    okrug_order = {name: i for i, (name, _, _) in enumerate(OKRUGS)}
    okrug_info = {name: (abbr, en) for name, abbr, en in OKRUGS}
    okrug_ids = {}  # NAME_AO -> OKATO_AO
    districts = []
    for feat in gj["features"]:
        p = feat["properties"]
        ao = p["NAME_AO"]
        if ao not in okrug_info:
            raise SystemExit(f"gen-districts: unknown okrug NAME_AO={ao!r}")
        okato_ao = p["OKATO_AO"]
        if okrug_ids.setdefault(ao, okato_ao) != okato_ao:
            raise SystemExit(f"gen-districts: okrug {ao!r} has two OKATO codes")
        kind = p["TYPE_MO"]
        if kind not in KINDS:
            raise SystemExit(f"gen-districts: unknown TYPE_MO={kind!r} ({p['NAME']})")
        for key in ("OKTMO", "OKATO"):
            if not (isinstance(p[key], str) and p[key].isdigit() and len(p[key]) == 8):
                raise SystemExit(f"gen-districts: bad {key}={p[key]!r} ({p['NAME']})")
        districts.append({
            "id": p["OKTMO"],
            "okato": p["OKATO"],
            "okrug_id": okato_ao,
            "name_ru": p["NAME"],
            "name_en": translit(p["NAME"]),
            "kind": KINDS[kind],
            "_ao": ao,
        })

    districts.sort(key=lambda d: (okrug_order[d["_ao"]], ru_key(d["name_ru"])))
    for d in districts:
        del d["_ao"]

    missing = [name for name, _, _ in OKRUGS if name not in okrug_ids]
    if missing:
        raise SystemExit(f"gen-districts: okrugs without districts: {missing}")
    okrugs = [
        {"id": okrug_ids[name], "abbrev": abbr, "name_ru": name, "name_en": en}
        for name, abbr, en in OKRUGS
    ]

    # Checks.
    def unique(values, what):
        if len(set(values)) != len(values):
            raise SystemExit(f"gen-districts: duplicate {what}")

    if len(okrugs) != 12:
        raise SystemExit(f"gen-districts: expected 12 okrugs, got {len(okrugs)}")
    if len(districts) != 146:
        raise SystemExit(f"gen-districts: expected 146 districts, got {len(districts)}")
    unique([o["id"] for o in okrugs], "okrug ids")
    unique([d["id"] for d in districts], "district ids (OKTMO)")
    unique([d["okato"] for d in districts], "district OKATO codes")
    unique([d["name_ru"] for d in districts], "district Russian names")
    unique([d["name_en"] for d in districts], "district English names")
    for d in districts:
        if not d["name_en"].isascii():
            raise SystemExit(f"gen-districts: non-ASCII English name {d['name_en']!r}")

    doc = {
        "city": {"name_ru": "Москва", "name_en": "Moscow"},
        "okrugs": okrugs,
        "districts": districts,
    }
    os.makedirs(os.path.dirname(os.path.abspath(dst)), exist_ok=True)
    with open(dst, "w", encoding="utf-8") as f:
        json.dump(doc, f, ensure_ascii=False, indent=2)
        f.write("\n")

    kinds = {}
    for d in districts:
        kinds[d["kind"]] = kinds.get(d["kind"], 0) + 1
    print(f"okrugs: {len(okrugs)}")
    print(f"districts: {len(districts)} "
          + ", ".join(f"{k}={v}" for k, v in sorted(kinds.items())))
    print(f"wrote {os.path.relpath(dst)}")


if __name__ == "__main__":
    main(sys.argv)
