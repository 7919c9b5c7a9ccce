"""`--language CODE[,CODE]` on every command that filters reviews (complaints, praise, requests, report,
export, replies, compare, ask, mentions), the one filter the dashboard's Language filter is, and `compare
--by language` saying which languages it left out (a European team's 124 reviews: nl, pl and ja went unsaid)."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook

from reviewlens.app.cli import main
from reviewlens.schema import Analysis, ComplaintTheme, Quote, Review, TopicMention
from reviewlens.store import Store

NEWEST = date(2026, 11, 20)
#: language -> (review texts, the English of each); complaints about the zipper and late delivery
TEXTS = {
    "de": ["Der Reißverschluss ist nach einer Woche kaputt.", "Die Lieferung hat drei Wochen gedauert.",
           "Der Reißverschluss klemmt ständig.", "Paket kam erst nach 16 Tagen an."],
    "fr": ["La fermeture éclair a cassé tout de suite.", "La livraison a pris trois semaines.",
           "Livraison très en retard."],
    "en": ["The zipper broke after a week.", "Delivery took three weeks."],
    "nl": ["De rits is kapot."],
    "pl": ["Zamek błyskawiczny się zepsuł."],
}


@pytest.fixture
def db(tmp_path):
    """A store of reviews in five languages, analyzed, with two complaint themes found across them."""
    path = tmp_path / "eu.db"
    store = Store(path)
    items, analyses, by_lang = [], [], {}
    for lang, texts in TEXTS.items():
        for i, text in enumerate(texts):
            r = Review(source="import:eu", text=text, product="Jacket", rating=1.0,
                       date=NEWEST - timedelta(days=len(items)))
            items.append(r)
            by_lang.setdefault(lang, []).append(r)
            topic = "delivery" if any(w in text.lower() for w in ("liefer", "livraison", "deliver", "paket")) \
                else "quality"
            analyses.append(Analysis(content_hash=r.content_hash, model="m", prompt_version="v", sentiment="negative",
                                     sentiment_score=0.9, topics=[TopicMention(topic, "negative")], language=lang,
                                     translation=None if lang == "en" else f"English of: {text}"))
    store.upsert_reviews(items)
    store.save_analyses(analyses)
    zipper = [r for r in items if "delivery" not in _topic(analyses, r)]
    late = [r for r in items if "delivery" in _topic(analyses, r)]
    store.save_complaints([
        ComplaintTheme(label="Broken zipper", summary="The zipper breaks.", count=len(zipper),
                       share=len(zipper) / len(items), topic="quality", review_ids=[r.id for r in zipper],
                       quotes=[Quote(r.id, r.text, None, language=_lang(r), translation="x") for r in zipper]),
        ComplaintTheme(label="Late delivery", summary="Orders arrive weeks late.", count=len(late),
                       share=len(late) / len(items), topic="delivery", review_ids=[r.id for r in late],
                       quotes=[Quote(r.id, r.text, None, language=_lang(r)) for r in late])],
        scope={"since": str(NEWEST - timedelta(days=89)), "until": str(NEWEST), "reviews": len(items),
               "products": [], "previous_since": str(NEWEST - timedelta(days=179)),
               "previous_until": str(NEWEST - timedelta(days=90)), "previous_reviews": 0})
    store.close()
    return str(path)


def _topic(analyses, r) -> str:
    return next(a.topics[0].topic for a in analyses if a.content_hash == r.content_hash)


def _lang(r) -> str:
    return next(lang for lang, texts in TEXTS.items() if r.text in texts)


def test_complaints_in_some_languages_are_counted_and_quoted_in_them(db, capsys):
    """`complaints --language de,fr`: the themes found across all languages, counted and quoted in the German
    and French reviews only, said so in the title; no trend (the previous period is not known by language)."""
    assert main(["complaints", "--stored", "--language", "de,fr", "--db", db, "-q"]) == 0
    out = capsys.readouterr().out
    assert "Top complaints in German (de) and French (fr)" in out
    assert "(7 of the 11 reviews the themes were found in;" in out
    assert "1. Late delivery — 4 reviews (57%)" in out and "2. Broken zipper — 3 reviews (43%)" in out
    assert "Der Reißverschluss ist nach einer Woche kaputt." in out and "La fermeture éclair" in out
    assert "The zipper broke" not in out and "De rits" not in out  # the other languages' quotes are left out
    assert main(["complaints", "--stored", "--language", "pl", "--json", "--db", db, "-q"]) == 0
    got = json.loads(capsys.readouterr().out)
    assert got["scope"]["languages"] == ["pl"] and [(t["label"], t["count"]) for t in got["themes"]] == \
        [("Broken zipper", 1)]
    assert [q["text"] for q in got["themes"][0]["quotes"]] == ["Zamek błyskawiczny się zepsuł."]


def test_export_report_and_replies_keep_to_the_languages(db, tmp_path, capsys):
    out = tmp_path / "fr.jsonl"
    assert main(["export", "--language", "fr", "--language", "nl", "-o", str(out), "--db", db, "-q"]) == 0
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert sorted(r["detected_language"] for r in rows) == ["fr", "fr", "fr", "nl"]
    xlsx = tmp_path / "de.xlsx"
    assert main(["report", "--language", "de", "-o", str(xlsx), "--db", db, "-q"]) == 0
    sheet = load_workbook(xlsx)["Reviews"]
    texts = {c.value for row in sheet.iter_rows() for c in row if isinstance(c.value, str)}
    assert set(TEXTS["de"]) <= texts and not (set(TEXTS["fr"]) | set(TEXTS["en"])) & texts
    capsys.readouterr()
    assert main(["replies", "--language", "pl", "--db", db, "-q"]) == 0
    drafts = capsys.readouterr().out
    assert "Zamek błyskawiczny" in drafts and "Reißverschluss" not in drafts
    assert main(["export", "--language", "sv", "-o", str(out), "--db", db, "-q"]) == 2
    assert "--language 'sv': no analyzed review is in that language" in capsys.readouterr().err
    assert main(["export", "--language", "de,français", "-o", str(out), "--db", db, "-q"]) == 2
    assert "--language: not a language code: 'français'" in capsys.readouterr().err


def test_compare_by_language_says_which_languages_it_left_out(db, capsys):
    assert main(["compare", "--by", "language", "--top", "3", "--db", db, "-q"]) == 0
    out = capsys.readouterr().out
    assert "A = German (de)\nB = French (fr)\nC = English (en)\n" in out
    assert ("2 more languages are not compared: Dutch (nl) 1 review, Polish (pl) 1 review (only the 3 with the "
            "most reviews are; name the ones to compare with --language)") in out
    assert main(["compare", "--by", "language", "--language", "nl,pl", "--json", "--db", db, "-q"]) == 0
    got = json.loads(capsys.readouterr().out)
    assert [g["name"] for g in got["groups"]] == ["Dutch (nl)", "Polish (pl)"] and got["left_out"] == []
    assert main(["compare", "--by", "language", "--json", "--db", db, "-q"]) == 0  # 5 languages, 5 compared
    assert json.loads(capsys.readouterr().out)["left_out"] == []


def test_one_language_option_for_every_filtering_command():
    """One option, made in one place: the same help wherever the other filters are accepted."""
    from reviewlens.app.parser import build_parser

    subs = next(a for a in build_parser()._actions if a.dest == "command").choices
    for name in ("complaints", "praise", "requests", "report", "export", "replies", "compare", "ask", "mentions",
                 "competitors", "suspicious"):
        opt = next((a for a in subs[name]._actions if "--language" in a.option_strings), None)
        assert opt is not None, name
        assert opt.help.startswith("only reviews in this language, as the analysis detected it"), name
