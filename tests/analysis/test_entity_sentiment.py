"""What a review says of each name it mentions (analysis.entity_sentiment): the sentiment of the clause that
names it, a compared name read the other way round; and through the packaged model, in `reviewlens analyze`."""

from __future__ import annotations

import pytest

from analysis.entity_sentiment import compared_against, mention_clause, with_sentiment
from reviewlens.schema import Analysis, Entity, Review

WORDS = {"lovely": "positive", "great": "positive", "better": "positive", "rude": "negative", "cold": "negative",
         "lost": "negative", "worse": "negative", "comfortable": "positive"}


class Lexicon:
    """A sentiment function that reads a few words, and records what it was asked."""

    def __init__(self):
        self.asked: list[list[str]] = []

    def __call__(self, texts: list[str]) -> list[str]:
        self.asked.append(list(texts))
        out = []
        for t in texts:
            found = [lab for w, lab in WORDS.items() if w in t.lower()]
            out.append(found[0] if found else "neutral")
        return out


def ents(text: str, *names: str, kind: str = "PERSON") -> list[Entity]:
    return [Entity(n, kind, text.index(n), text.index(n) + len(n)) for n in names]


def test_the_clause_that_names_it():
    text = "The pasta was cold, but Marco was lovely."
    s, e = mention_clause(text, text.index("Marco"), text.index("Marco") + 5)
    assert text[s:e] == "but Marco was lovely."
    text = "We waited an hour. Our waiter Marco was lovely though."
    s, e = mention_clause(text, text.index("Marco"), text.index("Marco") + 5)
    assert text[s:e] == "Our waiter Marco was lovely"
    assert mention_clause("", 0, 0) == (0, 0)


def test_a_negative_review_can_praise_a_name_and_a_positive_one_fault_one():
    texts = ["The pasta was cold and we waited an hour. Our waiter Marco was lovely though.",
             "DHL lost my parcel twice. The kettle itself is great.",
             "Jonas at the door was rude, but Giulia was lovely."]
    found = [ents(texts[0], "Marco"), ents(texts[1], "DHL", kind="ORG"), ents(texts[2], "Jonas", "Giulia")]
    got = with_sentiment(texts, found, Lexicon())
    assert [[(e.text, e.sentiment) for e in x] for x in got] == [
        [("Marco", "positive")], [("DHL", "negative")], [("Jonas", "negative"), ("Giulia", "positive")]]
    assert got[0][0] == found[0][0] and (got[0][0].start, got[0][0].end) == (found[0][0].start, found[0][0].end)


@pytest.mark.parametrize("text, name, expected", [
    ("These sound much better than the Sony WH-1000XM4.", "Sony WH-1000XM4", "negative"),
    ("The microphone is much worse than on my AirPods Pro 2.", "AirPods Pro 2", "positive"),
    ("Navigation is far better compared to Windows.", "Windows", "negative"),
    ("Great sound, unlike my old Bose.", "Bose", "negative"),
    ("The Sony WH-1000XM5 sounds better.", "Sony WH-1000XM5", "positive"),     # what the clause says of it
    ("It made for a less than comfortable Dinner.", "Dinner", "positive"),   # "less than comfortable" compares nothing
    ("For authentic Thai food, look no further than Toons, great.", "Toons", "positive"),  # a recommendation
    ("Our waiter was none other than Marco, lovely as ever.", "Marco", "positive"),
])
def test_a_compared_name_is_read_the_other_way_round(text, name, expected):
    got = with_sentiment([text], [ents(text, name, kind="PRODUCT")], Lexicon())
    assert got[0][0].sentiment == expected


def test_compared_against():
    text = "Better than the Sony."
    assert compared_against(text, 0, text.index("Sony"))
    assert not compared_against("The Sony is better.", 0, 4)


def test_each_clause_is_read_once_and_odd_answers_are_neutral():
    texts = ["Marco and Giulia were lovely.", "Marco and Giulia were lovely.", "Nobody was named here.", "Ana was."]
    found = [ents(texts[0], "Marco", "Giulia"), ents(texts[1], "Marco", "Giulia"), [], None]
    fn = Lexicon()
    got = with_sentiment(texts[:3], found[:3], fn)
    assert fn.asked == [["Marco and Giulia were lovely."]]
    assert got[2] == [] and all(e.sentiment == "positive" for x in got[:2] for e in x)
    assert with_sentiment(["Ana was."], [None], fn) == [None]  # entities that could not be found stay so
    odd = with_sentiment(["Ana was."], [ents("Ana was.", "Ana")], lambda ts: ["very happy"])
    assert odd[0][0].sentiment == "neutral"
    with pytest.raises(ValueError, match="1 clauses"):
        with_sentiment(["Ana was."], [ents("Ana was.", "Ana")], lambda ts: [])


def test_an_entitys_sentiment_is_not_part_of_its_identity():
    a, b = Entity("Marco", "PERSON", 0, 5), Entity("Marco", "PERSON", 0, 5, sentiment="positive")
    assert a == b
    stored = Analysis(content_hash="h", model="m", prompt_version="p", entities=[{**b.__dict__}])
    assert stored.entities[0].sentiment == "positive"
    assert Analysis(content_hash="h", model="m", prompt_version="p",
                    entities=[{"text": "Marco", "type": "PERSON", "start": 0, "end": 5}]).entities[0].sentiment is None


@pytest.mark.slow
def test_the_packaged_model_says_what_a_review_says_of_each_name(store):
    from analysis.analyzer import Analyzer
    from reviewlens.app.jobs import run_analysis
    from reviewlens.config import AnalysisSettings
    from reviewlens import queries as Q
    from reviewlens.filters import Filters

    texts = ["The pasta was cold and we waited an hour for the bill. Our waiter Marco was lovely though.",
             "DHL lost my parcel twice. The kettle itself is great and boils fast.",
             "Marco was rude to us and the wine was warm."]
    store.upsert_reviews([Review(source="s", text=t, rating=r) for t, r in zip(texts, (2, 5, 1))])
    an = Analyzer(AnalysisSettings())
    assert an.prompt_version.split(".")[2] == "ev10"
    run_analysis(store, an, quiet=True)
    frame = store.reviews_frame().set_index("text")
    said = {(e["text"], t): e.get("sentiment") for t in texts for e in frame.loc[t, "entities"]}
    assert said[("Marco", texts[0])] == "positive" and said[("DHL", texts[1])] == "negative"
    assert said[("Marco", texts[2])] == "negative"
    top = Q.top_entities(store, Filters()).set_index("entity")
    assert (top.loc["Marco", "positive"], top.loc["Marco", "negative"]) == (1, 1)  # by the clause, not the review
    assert top.loc["DHL", "negative"] == 1 and top.loc["DHL", "positive"] == 0
