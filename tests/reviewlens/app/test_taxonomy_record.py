"""The store remembers the taxonomy its analyses were made with: `analyze` (and `label import`) with settings
that give other topics (a run from a folder without the store's reviewlens.toml) stops with exit 2 naming
both, instead of re-analyzing every review under the default `products` topics; `analyze --retopic` does it
on purpose. A store analyzed before the record: its analyses' topics stand for it."""

from __future__ import annotations

import pytest

from reviewlens.app.cli import main
from reviewlens.app.jobs import Job, JobOptions
from reviewlens.config import ConfigError, Settings
from reviewlens.schema import Analysis, Review, TopicMention

KEY = "analysis:taxonomy"


class StubAnalyzer:
    """The analysis stage's interface as run_analysis uses it."""

    model_id, prompt_version, chunk_size = "m", "p", 64

    def entity_upgrades(self):
        return []

    def analyze_chunks(self, reviews, progress=None):
        yield [Analysis(content_hash=r.content_hash, model="m", prompt_version="p", sentiment="negative",
                        topics=[TopicMention("food", "negative")]) for r in reviews]


def _settings(db: str, preset: str = "products", config: str = "") -> Settings:
    s = Settings(db=db)
    s.analysis.topics_preset = preset
    s.config_file = config
    return s


def _analyze(store, settings, **kw):
    return Job(store, settings, analyzer=StubAnalyzer()).run(JobOptions(complaints=False, quiet=True, **kw))


def test_analyze_under_other_topics_stops_naming_both(sqlite_store):
    store = sqlite_store
    store.upsert_reviews([Review(source="s", text="The pasta was cold.", rating=2)])
    rest = _settings("s.db", "restaurants", "/shop/reviewlens.toml")
    assert _analyze(store, rest).analysis.analyzed == 1
    assert store.load_checkpoint(KEY)["preset"] == "restaurants"
    assert "food" in store.load_checkpoint(KEY)["topics"]

    store.upsert_reviews([Review(source="s", text="Rude waiter.", rating=1)])
    with pytest.raises(ConfigError) as e:  # the weekly job from another folder: the defaults
        _analyze(store, _settings("s.db"))
    msg = str(e.value)
    assert "'restaurants' preset" in msg and "/shop/reviewlens.toml" in msg and "'products' preset" in msg
    assert "built-in defaults" in msg and "--config FILE" in msg and "--retopic" in msg
    assert store.pending_analysis("m", "p")  # nothing analyzed under the wrong topics
    assert store.load_checkpoint(KEY)["preset"] == "restaurants"

    # the store's own settings go on
    assert _analyze(store, rest).analysis.analyzed == 1
    # on purpose: --retopic
    store.upsert_reviews([Review(source="s", text="Slow delivery.", rating=1)])
    assert _analyze(store, _settings("s.db"), retopic=True).analysis.analyzed == 1
    assert store.load_checkpoint(KEY)["preset"] == "products"


def test_own_topics_are_part_of_the_taxonomy(sqlite_store):
    store = sqlite_store
    store.upsert_reviews([Review(source="s", text="Battery died.", rating=1)])
    mine = _settings("s.db", "none", "/a/reviewlens.toml")
    mine.analysis.topics = [{"name": "Battery", "description": "battery life"}]
    _analyze(store, mine)
    assert store.load_checkpoint(KEY)["own"] == ["battery"]
    mine.analysis.topics[0]["description"] = "battery life and charging"  # an edit: same topics
    store.upsert_reviews([Review(source="s", text="Battery died again.", rating=1)])
    assert _analyze(store, mine).analysis.analyzed == 1
    mine.analysis.topics.append({"name": "screen", "description": "the display"})
    store.upsert_reviews([Review(source="s", text="Screen cracked.", rating=1)])
    # a topic added in the same settings file: the user's own change, made to take (no --retopic to find)
    assert _analyze(store, mine).analysis.analyzed == 1
    assert store.load_checkpoint(KEY)["own"] == ["battery", "screen"]
    elsewhere = _settings("s.db", "none", "/b/reviewlens.toml")  # another folder's file, other topics
    elsewhere.analysis.topics = [{"name": "Battery", "description": "battery life"}]
    store.upsert_reviews([Review(source="s", text="Battery died once more.", rating=1)])
    with pytest.raises(ConfigError, match="your topics battery, screen"):
        _analyze(store, elsewhere)


def test_a_store_analyzed_before_the_record_is_judged_by_its_topics(sqlite_store):
    store = sqlite_store
    r = Review(source="s", text="The soup was salty.", rating=2)
    store.upsert_reviews([r])
    store.save_analyses([Analysis(content_hash=r.content_hash, model="m", prompt_version="old",
                                  sentiment="negative", topics=[TopicMention("food", "negative")])])
    with pytest.raises(ConfigError, match=r"the 'restaurants' preset's topics \(food\).*without food"):
        _analyze(store, _settings("s.db"))
    assert store.load_checkpoint(KEY) is None
    assert _analyze(store, _settings("s.db", "restaurants")).analysis.analyzed == 1  # recorded on the next one
    assert store.load_checkpoint(KEY)["preset"] == "restaurants"


def test_label_import_under_other_topics_exits_2(tmp_path, capsys, monkeypatch):
    db = str(tmp_path / "s.db")
    cfg = tmp_path / "shop" / "reviewlens.toml"
    cfg.parent.mkdir()
    cfg.write_text('[analysis]\ntopics_preset = "restaurants"\n')
    from reviewlens.store import Store

    store = Store(db)
    r = Review(source="s", text="The soup was salty.", rating=2)
    store.upsert_reviews([r])
    store.save_analyses([Analysis(content_hash=r.content_hash, model="m", prompt_version="old",
                                  sentiment="negative", topics=[TopicMention("food", "negative")])])
    store.close()
    f = tmp_path / "labels.csv"
    f.write_text(f"id,topic,topic_sentiment\n{r.id},food,negative\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)  # no reviewlens.toml here
    assert main(["label", "import", str(f), "--db", db]) == 2
    err = capsys.readouterr().err
    assert "'restaurants' preset's topics" in err and "built-in defaults" in err and "--config FILE" in err
    assert main(["label", "import", str(f), "--db", db, "--config", str(cfg)]) == 0
    assert "1 added" in capsys.readouterr().out


@pytest.mark.parametrize("saved", [{"preset": "restaurants"}, {}])  # {}: a hint saved before its preset was
def test_setting_the_preset_the_analysis_hinted_at_is_no_mismatch(sqlite_store, saved):
    """A new user's store, analyzed with the built-in defaults, whose analysis said "these reviews read like
    restaurant ... reviews: set topics_preset = "restaurants" in reviewlens.toml (then `reviewlens analyze` reads
    them again)": a new reviewlens.toml that does so was refused as other settings than the store's."""
    from reviewlens import queries

    store = sqlite_store
    store.upsert_reviews([Review(source="s", text="The pasta was cold.", rating=2)])
    assert _analyze(store, _settings("s.db")).analysis.analyzed == 1  # the defaults: products
    hint = ('these reviews read like restaurant (or café, bar) reviews: for topics that fit them, set `[analysis] '
            'topics_preset = "restaurants"` in reviewlens.toml (then `reviewlens analyze` reads them again)')
    store.save_checkpoint(queries.PRESET_HINT, {"hint": hint, "run_id": 1, **saved})
    with pytest.raises(ConfigError):  # another preset than the one hinted at is still a mismatch
        _analyze(store, _settings("s.db", "apps", "/work/reviewlens.toml"))
    _analyze(store, _settings("s.db", "restaurants", "/work/reviewlens.toml"))  # no TaxonomyMismatch
    assert store.load_checkpoint(KEY)["preset"] == "restaurants"
    store.save_checkpoint(queries.PRESET_HINT, {"hint": None, "run_id": 2, "preset": None})  # that analysis fit
    with pytest.raises(ConfigError):  # the defaults again, from another folder: stopped as before
        _analyze(store, _settings("s.db"))
