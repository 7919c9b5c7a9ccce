"""Words a translation left as they were are no names: spaCy's English model, reading the 0.5B's translation
"Bequemer as every Rucksack I had before.", took "Bequemer" for a person, and "Trop good for this." made "Trop"
a company, in the dashboard's Mentions and the report's Names sheet. The real entity finder (spaCy's small
model and the trained typer, no LLM) on the tester's reviews, and the rule itself on real names."""

from __future__ import annotations

import pytest

from analysis.analyzer import Analyzer
from analysis.entities import untranslated_word
from reviewlens.app.jobs import run_analysis
from reviewlens.config import AnalysisSettings
from reviewlens.schema import Analysis, Entity, Review
from reviewlens.store import Store

#: (the review, its language, the local 0.5B's translation of it) from the tester's store
TRANSLATED = [
    ("Bequemer als jeder Rucksack, den ich vorher hatte.", "de", "Bequemer as every Rucksack I had before."),
    ("Trop cher pour ce que c'est.", "fr", "Trop good for this."),
    ("Marco war am Telefon super freundlich.", "de", "Marco was super friendly on the phone."),
    ("DHL hat das Paket zwei Wochen lang verloren.", "de", "DHL lost the package for two weeks."),
    ("Réponse méprisante du SAV quand j'ai signalé le problème.", "fr",
     "Response very negative to the SAV when I reported the problem."),
]


class NoLLM:
    """The entities of these texts need no LLM: any call fails the test."""

    name = "no-llm"

    def score_choices(self, conversations, choices):
        raise AssertionError("the LLM was asked")

    def generate(self, conversations, **kw):
        raise AssertionError("the LLM was asked")


def test_untranslated_words_are_no_names_and_names_stay(tmp_path):
    store = Store(tmp_path / "eu.db")
    an = Analyzer(AnalysisSettings(), backend=NoLLM())
    reviews = [Review(source="import:eu", text=t, rating=2) for t, _, _ in TRANSLATED]
    store.upsert_reviews(reviews)
    # analyzed by an earlier entity finder: the next analyze finds their entities again, from the translations
    store.save_analyses([Analysis(content_hash=r.content_hash, model=an.model_id, prompt_version=an.entity_upgrades()[0],
                                  sentiment="negative", language=lang, translation=english)
                         for r, (_, lang, english) in zip(reviews, TRANSLATED)])
    assert run_analysis(store, an, quiet=True).entities_refreshed == len(TRANSLATED)
    found = {t: [(e["text"], e["type"]) for e in ents]
             for t, ents in store.reviews_frame().set_index("text")["entities"].items()}
    store.close()
    assert found[TRANSLATED[0][0]] == [] and found[TRANSLATED[1][0]] == []  # no person "Bequemer", company "Trop"
    assert ("Marco", "PERSON") in found[TRANSLATED[2][0]]
    assert ("DHL", "ORG") in found[TRANSLATED[3][0]]
    assert [n for n, _ in found[TRANSLATED[4][0]]] == ["SAV"]  # not at a sentence's start: left as it was


#: Names at the start of a sentence, in the languages of the tester's reviews: each stays a name
NAMES = {"de": ["Berlin", "Müller", "DHL", "Zalando", "Hermes", "Otto", "Lidl", "Hamburg", "Klein", "Vogel", "München",
                "Köln", "Aldi", "Jack Wolfskin"],
         "fr": ["Paris", "Decathlon", "Fnac", "Carrefour", "Pierre", "Lyon", "Colissimo", "Chronopost", "Cdiscount"],
         "es": ["Madrid", "Juan", "El Corte Inglés", "Lucía", "García", "Sevilla", "Zara"],
         "it": ["Marco", "Giuseppe", "Roma", "Milano", "Bartolini", "Esselunga", "Napoli"],
         "nl": ["Amsterdam", "Jumbo", "Albert Heijn", "PostNL", "Bol", "Utrecht"],
         "pl": ["Warszawa", "Allegro", "InPost", "Kowalski", "Kraków", "Gdańsk", "Piotr"]}


@pytest.mark.parametrize("lang", sorted(NAMES))
def test_names_at_a_sentences_start_stay(lang):
    for name in NAMES[lang]:
        text = f"Gut. {name} war super."
        e = Entity(name, "ORG", 5, 5 + len(name))
        assert not untranslated_word(e, text, lang), (lang, name)


@pytest.mark.parametrize("lang,word", [("de", "Bequemer"), ("de", "Sehr"), ("de", "Angenehm"), ("fr", "Trop"),
                                       ("fr", "Dommage"), ("es", "Muy"), ("es", "Cremallera"), ("it", "Ottimo"),
                                       ("nl", "Fijne"), ("pl", "Bardzo")])
def test_common_words_at_a_sentences_start_are_no_names(lang, word):
    text = f"“{word} ...” und so."
    assert untranslated_word(Entity(word, "PERSON", 1, 1 + len(word)), text, lang)
    assert not untranslated_word(Entity(word, "PERSON", 1, 1 + len(word)), text, "en")  # English: as found
    mid = f"Das ist {word} hier."  # not at a sentence's start: left to the entity finder
    assert not untranslated_word(Entity(word, "PERSON", 8, 8 + len(word)), mid, lang)
