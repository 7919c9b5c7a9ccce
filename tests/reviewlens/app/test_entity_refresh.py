"""A newer entity finder (analysis.entities.REFRESH_FROM) does not re-read the reviews: the next `reviewlens
analyze` finds the entities of the analyses made before it again and keeps their sentiment, topics and
translation; other version changes still analyze in full (SQLite and PostgreSQL)."""

from __future__ import annotations

from analysis.analyzer import Analyzer
from reviewlens.app.jobs import run_analysis
from reviewlens.config import AnalysisSettings
from reviewlens.schema import Analysis, Entity, Review, TopicMention


class NoLLM:
    """Finding these texts' entities, and what their clauses say of them, needs no LLM (the heads are sure of
    them): any call fails the test."""

    name = "no-llm"

    def score_choices(self, conversations, choices):
        raise AssertionError("the LLM was asked")

    def generate(self, conversations, **kw):
        raise AssertionError("the LLM was asked")


ENGLISH = "I bought the Dell XPS 13 in March and the hinge cracked."
GERMAN = "Mein Dell XPS 13 kam mit einem Riss im Scharnier an."
GERMAN_EN = "My Dell XPS 13 arrived with a crack in the hinge."
NEW = "Absolutely wonderful, I love it."


def test_a_newer_entity_finder_refreshes_entities_only(store):
    an = Analyzer(AnalysisSettings(), backend=NoLLM())
    old = an.entity_upgrades()
    assert old and all(v != an.prompt_version and v.split(".")[3] == an.prompt_version.split(".")[3] for v in old)
    revs = [Review(source="s", text=t, rating=2) for t in (ENGLISH, GERMAN, NEW)]
    store.upsert_reviews(revs)
    cut = Entity("Dell XPS", "ORG", 13, 21)
    store.save_analyses([
        Analysis(content_hash=revs[0].content_hash, model=an.model_id, prompt_version=old[0], sentiment="negative",
                 sentiment_score=0.4321, topics=[TopicMention("Build quality", "negative")], entities=[cut]),
        Analysis(content_hash=revs[1].content_hash, model=an.model_id, prompt_version=old[0], sentiment="negative",
                 sentiment_score=0.8765, language="de", translation=GERMAN_EN,
                 entities=[Entity("Dell XPS", "ORG", 5, 13)]),
        # another change of the analysis (here: of the topics' version) is a full new analysis
        Analysis(content_hash=revs[2].content_hash, model=an.model_id, prompt_version="sv2.tv0.ev4.00000000",
                 sentiment="negative")])

    first = run_analysis(store, an, quiet=True)
    assert first.entities_refreshed == 2 and first.analyzed == 1, first
    assert "found the entities of 2 analyzed review texts again" in first.line()
    frame = store.reviews_frame().set_index("text")
    for text in (ENGLISH, GERMAN):
        ents = frame.loc[text, "entities"]
        assert [(e["text"], e["type"]) for e in ents] == [("Dell XPS 13", "PRODUCT")], ents
        assert all(text[e["start"]:e["end"]] == e["text"] for e in ents)  # placed in the customer's own words
        assert ents[0]["sentiment"] == "negative"  # what the clause that names it says ("... the hinge cracked")
    kept = {a.content_hash: a for _, a in store.analyses_at(an.model_id, [an.prompt_version],
                                                               not_at="none", limit=10)}
    english, german = kept[revs[0].content_hash], kept[revs[1].content_hash]
    assert (english.sentiment, english.sentiment_score, english.topics) == \
        ("negative", 0.4321, [TopicMention("Build quality", "negative")])
    assert (german.sentiment_score, german.language, german.translation) == (0.8765, "de", GERMAN_EN)
    assert kept[revs[2].content_hash].sentiment == "positive"  # analyzed in full
    run = store.list_runs(limit=1, kind="analyze")[0]
    assert run["detail"]["entities_refreshed"] == 2 and run["detail"]["pending"] == 1

    again = run_analysis(store, an, quiet=True)
    assert (again.entities_refreshed, again.analyzed) == (0, 0)
