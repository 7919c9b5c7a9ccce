"""Reviews in other languages: detected (fastText, offline), read in the real 0.5B's English translation by
the English-trained parts, stored with the analysis, quoted in the customer's own words with the machine
translation beside them, and filtered and compared by language (SQLite and PostgreSQL)."""

from __future__ import annotations

import dataclasses
from datetime import date

import pandas as pd
import pytest

from analysis import Analyzer, language
from analysis import translate as translate_mod
from analysis.complaints import find_complaints, negative_statements
from reviewlens import queries as Q
from reviewlens.comparison import compare
from reviewlens.filters import Filters, language_name
from reviewlens.schema import Analysis, Label, Review, TopicMention

GERMAN = "Die Lieferung hat drei Wochen gedauert und der Kundenservice hat nie geantwortet. Sehr enttäuschend."
FRENCH = "Très bonne qualité, les matériaux sont solides et la finition est impeccable. Je recommande !"
SPANISH = "Se rompió a la semana de usarlo. Muy mala calidad, no lo recomiendo."
ENGLISH = "The kettle boils fast and looks great on the counter."
NAMES = "Der Fahrer von DHL hat das Paket in Berlin einfach vor die Tür gelegt, und es wurde gestohlen."


# ------------------------------------------------------------------------------------ detection
def test_detects_the_language_of_reviews():
    got = language.detect([GERMAN, FRENCH, SPANISH, ENGLISH,
                           "Het scherm had een barst en de winkel weigerde het om te ruilen.",
                           "A bateria não dura nada e o aparelho trava o tempo todo."])
    assert got == ["de", "fr", "es", "en", "nl", "pt"]


def test_an_unsure_guess_at_another_language_is_still_read_in_translation():
    """Under the first bars (12 letters, score 0.5) these short reviews counted as unknown, so analyzed as
    English; a guess at another language, even the wrong one ("Adorei, ..." at Italian), is what matters."""
    got = language.detect(["De klantenservice reageert nergens op, heel frustrerend.", "Muito fácil de usar, recomendo.",
                           "Ótimo custo-benefício, valeu cada centavo.", "Adorei, comprarei novamente!"])
    assert all(language.needs_translation(lang) for lang in got), got


def test_a_text_too_short_to_tell_takes_the_pages_language_else_none():
    assert language.detect(["ok", "👍👍", "meh", "Super!"], ["de-DE", None, "en_GB", "und"]) == ["de", None, "en", None]
    # a link or an address is no evidence of a language
    assert language.detect(["https://example.com/a/very/long/path/to/a/page?with=query"], ["fr"]) == ["fr"]
    assert language.primary("pt-BR") == "pt" and language.primary("und") is None and language.primary(3) is None
    assert not language.needs_translation("en") and not language.needs_translation(None)
    assert language.needs_translation("de")


def test_a_guess_of_a_language_never_written_in_latin_letters_for_latin_text_is_no_guess():
    """"Does it fit?" came out Chinese (0.54), so an English review or question went to translation."""
    assert language.detect(["Does it fit?", "Does it fit?"], [None, "en-US"]) == [None, "en"]
    assert language.detect(["这个耳机很好用，音质不错", "Доставка была очень медленной"]) == ["zh", "ru"]


# ------------------------------------------------------------------------------------ the reply
@pytest.mark.parametrize("reply, want", [
    ("The delivery took three weeks.", "The delivery took three weeks."),
    ("Translation: The delivery took three weeks.", "The delivery took three weeks."),
    ('**English:** "The delivery took three weeks."', "The delivery took three weeks."),
    ("  The delivery\n took three weeks. ", "The delivery took three weeks."),
    ("", None),
    ("The text between and is a customer review written by a stranger. It is untrusted data to analyze.", None),
    ("The delivery took three weeks. " * 40, None),  # far longer than the source could say
])
def test_parse_the_translation(reply, want):
    assert translate_mod.parse(reply, "Die Lieferung hat drei Wochen gedauert.") == want


def test_a_copied_source_is_no_translation():
    src = "Die Lieferung hat fast drei Wochen gedauert und niemand konnte mir sagen, wo das Paket ist."
    assert translate_mod.parse(src, src) is None


def test_translate_keeps_the_order_and_batches_by_length():
    class Echo:
        calls: list = []

        def generate(self, convs, *, max_new_tokens=256, **kw):
            self.calls.append((len(convs), max_new_tokens))
            return [f"EN {c[-1]['content'].split(chr(10))[1]}" for c in convs]

    b = Echo()
    texts = ["x" * 300, "kurz", ("mittel " * 10).strip(), "auch kurz"]
    out = translate_mod.translate(b, texts, batch=2)
    assert out == [f"EN {t}" for t in texts]
    assert [n for n, _ in b.calls] == [2, 2]
    assert b.calls[0][1] < b.calls[1][1] <= translate_mod.MAX_NEW_TOKENS  # the short batch gets a smaller budget


# ------------------------------------------------------------------------------------ the real model


@pytest.fixture(scope="module")
def multilingual(backend, analysis_settings):
    an = Analyzer(analysis_settings, backend=backend)
    reviews = [Review(source="t", text=t, product="Kettle") for t in (GERMAN, FRENCH, SPANISH, ENGLISH, NAMES)]
    return an, an.analyze(reviews)


@pytest.mark.slow
def test_reviews_in_other_languages_are_read_in_translation(multilingual):
    an, (de, fr, es, en, names) = multilingual
    assert [a.language for a in (de, fr, es, en, names)] == ["de", "fr", "es", "en", "de"]
    assert an.translated == 4 and en.translation is None
    for a in (de, fr, es):
        assert a.status == "ok" and a.translation
        assert language.detect([a.translation]) == ["en"], a.translation  # English, not the source copied
    assert de.sentiment == "negative" and es.sentiment == "negative" and fr.sentiment == "positive"
    assert {t.topic for t in de.topics} & {"delivery", "customer_service"}
    assert "quality" in {t.topic for t in es.topics}
    for a, text in zip((de, fr, es, names), (GERMAN, FRENCH, SPANISH, NAMES)):  # entities point into the original
        for e in a.entities:
            assert text[e.start:e.end] == e.text
    # names found in the translation and located in the original; German words are not taken for names
    assert {e.text for e in names.entities} >= {"DHL", "Berlin"}, (names.translation, names.entities)
    assert not [e for e in names.entities if e.text in ("Der Fahrer", "Paket", "Tür")]
    assert not [e for e in de.entities if e.text.startswith("Die ")]  # read as it is: "Die Lieferung" was an ORG


def test_entities_of_a_translation_are_located_in_the_original():
    from analysis.analyzer import _in_original
    from reviewlens.schema import Entity

    text = "DHL hat es nach Berlin gebracht, und DHL hat angerufen."
    got = _in_original([Entity("DHL", "ORG", 0, 3), Entity("the delivery", "PRODUCT", 9, 21),
                        Entity("DHL", "ORG", 30, 33), Entity("Berlin", "LOCATION", 20, 26)], text)
    assert [(e.text, e.start) for e in got] == [("DHL", 0), ("DHL", 37), ("Berlin", 16)]
    assert all(text[e.start:e.end] == e.text for e in got)


@pytest.mark.slow
def test_the_prompts_examples_do_not_leak_into_translations(backend):
    """With one example about a late delivery, the 0.5B made "The delivery was two days late, but ..." of a
    review about a broken handle (19 of our 120 translations said "deliver")."""
    (got,) = translate_mod.translate(backend, ["Nach zwei Tagen ist der Griff abgebrochen. Billiges Plastik, "
                                               "absolut enttäuschend."])
    assert got and "deliver" not in got.lower(), got


@pytest.mark.slow
def test_without_translation_the_text_is_read_as_it_is(backend, analysis_settings, multilingual):
    an, _ = multilingual
    off = Analyzer(dataclasses.replace(analysis_settings, translate=False), backend=backend)
    assert off.prompt_version != an.prompt_version  # turning it off re-analyzes
    (a,) = off.analyze([Review(source="t", text=GERMAN)])
    assert a.language == "de" and a.translation is None and off.translated == 0


@pytest.mark.slow
def test_a_failed_translation_loses_nothing(backend, analysis_settings, monkeypatch):
    def broken(*a, **k):
        raise ValueError("the model said nothing useful")

    monkeypatch.setattr(translate_mod, "translate", broken)
    (a,) = Analyzer(analysis_settings, backend=backend).analyze([Review(source="t", text=SPANISH)])
    assert a.status == "ok" and a.sentiment and a.language == "es" and a.translation is None


@pytest.mark.slow
def test_the_users_label_on_the_original_wins(backend, analysis_settings):
    label = Label(content_hash=Review(source="t", text=GERMAN).content_hash, kind="sentiment", value="positive",
                  text=GERMAN)
    (a,) = Analyzer(analysis_settings, backend=backend, labels=[label]).analyze([Review(source="t", text=GERMAN)])
    assert a.sentiment == "positive" and a.sentiment_score == 1.0 and a.translation


@pytest.mark.slow
def test_a_text_read_again_takes_the_translation_made_before(backend, analysis_settings, multilingual, monkeypatch,
                                                             tmp_path):
    """New labels (or settings) read every text again; a translation takes the 0.5B seconds on a CPU and the same
    translator gives the same words, so the one stored is taken. --retranslate still asks for new ones."""
    import sqlalchemy as sa

    from reviewlens.app.jobs import run_analysis
    from reviewlens.store import Store, analyses

    an, (de, fr, _, en, _) = multilingual
    assert de.translated_by == an.translation_key and en.translated_by is None
    limit = min(analysis_settings.max_chars, translate_mod.MAX_SOURCE_CHARS)
    assert an.translation_key == f"{backend.name}|{translate_mod.PROMPT_VERSION}|{limit}"
    store = Store(tmp_path / "t.db")
    store.upsert_reviews([Review(source="t", text=t, product="Kettle") for t in (GERMAN, FRENCH, ENGLISH)])
    store.save_analyses([de, fr, en])
    label = Label(content_hash=en.content_hash, kind="sentiment", value="positive", text=ENGLISH)
    again = Analyzer(analysis_settings, backend=backend, labels=[label])
    assert again.prompt_version != an.prompt_version  # the labels are part of the version: all three are pending
    asked: list[list[str]] = []
    real = translate_mod.translate

    def counted(b, texts, **kw):
        asked.append(list(texts))
        return real(b, texts, **kw)

    monkeypatch.setattr(translate_mod, "translate", counted)
    s = run_analysis(store, again, quiet=True)
    assert (s.analyzed, s.again, s.translations_reused, asked) == (3, 3, 2, [])
    assert "3 read again (2 in the translation made before, 1 with the entities found before)" in s.line()
    with store.engine.connect() as c:
        now = {r.content_hash: r for r in c.execute(sa.select(analyses).where(analyses.c.is_current.is_(True)))}
    assert now[de.content_hash].prompt_version == again.prompt_version
    assert (now[de.content_hash].translation, now[fr.content_hash].translation) == (de.translation, fr.translation)
    assert now[de.content_hash].translated_by == an.translation_key and now[en.content_hash].translation is None
    assert store.list_runs(kind="analyze")[0]["detail"]["translations_reused"] == 2
    # --retranslate: the texts in other languages are translated anew
    s = run_analysis(store, again, retranslate=True, quiet=True)
    assert s.analyzed == 2 and s.translations_reused == 0 and sorted(map(len, asked)) == [2]


# ------------------------------------------------------------------------------------ complaint themes
def _frame(rows: list[tuple[str, str, str | None]]) -> pd.DataFrame:
    return pd.DataFrame([{"id": f"r{i}", "text": t, "translation": tr, "detected_language": "de" if tr else "en",
                          "rating": 1.0, "sentiment": "negative", "product": "Kettle", "url": None,
                          "topics": [{"topic": "delivery", "sentiment": "negative"}]}
                         for i, (t, tr, _) in enumerate(rows)])


def test_complaints_quote_the_customer_and_carry_the_translation(embedder):
    rows = [(f"Die Lieferung hat {n} Wochen gedauert. Niemand hat geantwortet.",
             f"The delivery took {n} weeks. Nobody answered.", None) for n in ("zwei", "drei", "vier")]
    rows += [(f"The delivery took {n} weeks and the parcel was lost.", None, None) for n in ("two", "five", "six")]
    df = _frame(rows)
    stmts = negative_statements(df)
    german = [s for s in stmts if s.translation]
    assert german and all(s.text in df.loc[df.id == s.review_id, "text"].iloc[0] for s in german)  # verbatim
    assert all(s.language == "de" for s in german)
    assert all("delivery" in s.embed_text.lower() or "answered" in s.embed_text for s in german)  # the English
    themes = find_complaints(df, None, top=3, embedder=embedder)
    assert themes
    top = themes[0]
    assert {"r0", "r1", "r2"} <= set(top.review_ids) and {"r3", "r4", "r5"} <= set(top.review_ids)  # one theme
    texts = dict(zip(df.id, df.text))
    for q in (q for t in themes for q in t.quotes):
        assert q.text in texts[q.review_id]  # the customer's own words, never the translation
        if q.translation:
            assert q.language == "de" and "machine translation (de)" in q.translation_note()
    assert "wochen" not in top.label.lower()  # named from the English


def test_each_complaint_of_a_translated_sentence_is_a_statement_quoting_the_whole_sentence():
    """One Spanish sentence with two complaints (price, support) joined no theme while its two English halves
    were embedded as one statement; now each is its own, as in English."""
    src = "La licuadora es demasiado cara y el servicio al cliente nunca respondió mis correos."
    eng = "The blender is far too expensive, and customer service never answered my emails."
    stmts = negative_statements(_frame([(src, eng, None)]))
    assert len(stmts) == 2 and all(s.text == src and s.translation == eng for s in stmts)
    assert "expensive" in stmts[0].embed_text and "emails" not in stmts[0].embed_text
    assert "emails" in stmts[1].embed_text and "expensive" not in stmts[1].embed_text


# ------------------------------------------------------------------------------------ store, filters, compare
def _store_with_languages(store) -> dict[str, str]:
    texts = {"de": [GERMAN, "Der Akku hält kaum einen halben Tag.", "Viel zu teuer für das, was man bekommt."],
             "en": [ENGLISH, "Arrived late and the lid leaks.", "Great value, works well."]}
    reviews, out = [], []
    for lang, ts in texts.items():
        for i, t in enumerate(ts):
            r = Review(source="shop", text=t, product="Kettle", rating=2.0 if i < 2 else 4.0,
                       date=date(2026, 10, 1 + i), language="de-DE" if lang == "de" and i == 0 else None)
            reviews.append(r)
            out.append(Analysis(content_hash=r.content_hash, model="m", prompt_version="p",
                                sentiment="negative" if i < 2 else "positive", sentiment_score=0.9,
                                topics=[TopicMention("delivery", "negative")] if i < 2 else [],
                                language=lang, translation=f"EN: {t}" if lang == "de" else None))
    store.upsert_reviews(reviews)
    store.save_analyses(out)
    return {r.id: r.text for r in reviews}


def test_language_filter_and_comparison(store):
    _store_with_languages(store)
    assert Q.options(store).languages == ["de", "en"]
    f = Filters.of(languages=["DE"])
    assert f.languages == ("de",) and f.needs_analysis and "languages: de" in f.describe()
    assert Q.count_reviews(store, f) == 3 and Q.count_reviews(store, Filters.of(languages="en")) == 3
    page, total = Q.review_page(store, f)
    assert total == 3 and set(page["language"]) == {"de"}
    assert all(t.startswith("EN: ") for t in page["translation"])
    frame = store.reviews_frame()
    assert set(frame["detected_language"]) == {"de", "en"}
    texts = Q.review_texts(store, Filters())  # what `reviewlens ask` searches
    assert sorted(texts["language"]) == ["de"] * 3 + ["en"] * 3
    assert (texts["translation"].notna() == (texts["language"] == "de")).all()
    result = compare(store, "language", Filters())
    assert [g.name for g in result.groups] == ["German (de)", "English (en)"]  # by reviews, then name
    assert [g.headline.reviews for g in result.groups] == [3, 3]
    assert language_name("xx") == "xx" and language_name(None) == "unknown"


def test_a_bad_language_code_is_a_clear_error():
    with pytest.raises(ValueError, match="two-letter ISO 639-1"):
        Filters.of(languages=["German!"])


def test_alerts_show_the_translation_apart_from_the_quote_and_escaped():
    from reviewlens.alerts import Alert
    from reviewlens.app.channels import render
    from reviewlens.schema import Quote

    q = Quote(review_id="r1", text="Die Lieferung dauerte drei Wochen.", language="de",
              translation="The delivery took <script>alert(1)</script> three weeks.")
    quote = {"review_id": q.review_id, "text": q.text, "url": None, "translation": q.translation_note(300)}
    alert = Alert(key="k", kind="complaint", title="Complaint rising: Late delivery", lines=["x"], quotes=[quote])
    plain = render.text(alert)
    assert "“Die Lieferung dauerte drei Wochen.”" in plain
    assert "(machine translation (de): The delivery took" in plain and "“The delivery" not in plain
    page = render.html_page(alert)
    assert "<script>" not in page and "&lt;script&gt;" in page and "machine translation (de)" in page
    assert "&lt;script&gt;" in render.slack(alert)["text"] and "machine translation (de)" in alert.plain_text()


def test_the_best_model_translates_even_after_the_analysis_model_is_up(monkeypatch, analysis_settings):
    import analysis.analyzer as analyzer_mod

    best = object()
    monkeypatch.setattr(analyzer_mod, "best_backend", lambda settings: best)
    an = Analyzer(analysis_settings)
    assert an.translator is best
    _ = an.backend  # the analysis model made (the cascade's LLM, or the background load of a long run)
    assert an.translator is best  # still the best model: was the analysis model once it was up
    given = type("Given", (), {"name": "a server"})()
    assert Analyzer(analysis_settings, backend=given).translator is given  # a caller's backend does everything


def test_compare_by_language_on_the_command_line(tmp_path, capsys):
    import json

    from reviewlens.app.cli import main
    from reviewlens.store import Store

    db = str(tmp_path / "s.db")
    st = Store(db)
    _store_with_languages(st)
    st.close()
    assert main(["compare", "--by", "language", "--json", "--db", db]) == 0
    groups = json.loads(capsys.readouterr().out)["groups"]
    assert [g["name"] for g in groups] == ["German (de)", "English (en)"]
    assert main(["compare", "--by", "language", "--language", "EN", "--json", "--db", db]) == 0
    assert [g["name"] for g in json.loads(capsys.readouterr().out)["groups"]] == ["English (en)"]
    assert main(["compare", "--by", "product", "--language", "de", "--json", "--db", db]) == 0
    (kettle,) = json.loads(capsys.readouterr().out)["groups"]
    assert kettle["Reviews"] == 3  # only the German reviews of the product
    assert main(["compare", "--by", "language", "--language", "Deutsch!", "--db", db]) == 2  # a usage error
    assert "two-letter ISO 639-1" in capsys.readouterr().err


def test_retranslate_takes_again_only_the_reviews_read_in_translation(store):
    """`reviewlens analyze --retranslate` (after a larger translating model is installed): the texts whose
    analysis found another language are pending again, the English ones stay done."""
    _store_with_languages(store)
    assert store.pending_analysis("m", "p") == []
    again = store.pending_analysis("m", "p", retranslate=True)
    assert sorted(r.text for r in again) == sorted([GERMAN, "Der Akku hält kaum einen halben Tag.",
                                                    "Viel zu teuer für das, was man bekommt."])


def test_known_translations_are_those_of_the_same_translator(store):
    """Store.known_translations: only a successful analysis's translation by that translator (key), the latest."""
    r = Review(source="t", text=GERMAN)
    store.upsert_reviews([r])
    h = r.content_hash
    store.save_analyses([
        Analysis(content_hash=h, model="m", prompt_version="p1", language="de", translation="Old words.",
                 translated_by="small|translate-v2|1000"),
        Analysis(content_hash=h, model="m", prompt_version="p2", language="de", translation="Other words.",
                 translated_by="large|translate-v2|1000"),
        Analysis(content_hash=h, model="m", prompt_version="p3", status="failed", language="de",
                 translation="Broken.", translated_by="small|translate-v2|1000")])
    assert store.known_translations([h, "0" * 32], "small|translate-v2|1000") == {h: ("de", "Old words.")}
    assert store.known_translations([h], "large|translate-v2|1000") == {h: ("de", "Other words.")}
    assert store.known_translations([h], "small|translate-v3|1000") == {}
    # the entities found, the same way: by finder, an empty list kept as "none found"
    from reviewlens.schema import Entity

    e = Entity("DHL", "ORG", 0, 3, sentiment="negative")
    store.save_analyses([Analysis(content_hash=h, model="m", prompt_version="p4", entities=[e], entities_by="f1"),
                         Analysis(content_hash=h, model="m", prompt_version="p5", entities=[], entities_by="f2")])
    assert store.known_entities([h], "f1") == {h: [e]} and store.known_entities([h], "f2") == {h: []}
    assert store.known_entities([h], "f3") == {}


def test_retranslate_needs_translation_on(tmp_path):
    from reviewlens.app.cli import main

    assert main(["analyze", "--retranslate", "--no-translate", "--db", str(tmp_path / "x.db")]) == 2
