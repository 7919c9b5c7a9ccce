"""The review explorer's reply draft (streamlit AppTest, real SQLite store): shown for a review without the
owner's reply, built from its analysis and [replies] of the settings file; not shown when there is a reply."""

from __future__ import annotations

from datetime import date

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import APP_PATH
from reviewlens.replies import NEGATIVE
from reviewlens.schema import Analysis, Review, TopicMention
from reviewlens.store import Store

from tests.helpers import app_test

pytestmark = pytest.mark.timeout(120)


def test_reply_draft_in_the_explorer(monkeypatch, tmp_path):
    db = str(tmp_path / "s.db")
    store = Store(db)
    late = Review(source="shop", text="It came <b>three weeks</b> late.", rating=1, author="Maria",
                  date=date(2026, 11, 20))
    answered = Review(source="shop", text="Broke.", rating=1, reply="We are sorry.", date=date(2026, 11, 1))
    store.upsert_reviews([late, answered])
    store.save_analyses([Analysis(content_hash=late.content_hash, model="m", prompt_version="v", sentiment="negative",
                                  topics=[TopicMention("delivery", "negative")])])
    store.close()
    cfg = tmp_path / "reviewlens.toml"
    cfg.write_text('[replies]\nsignature = "Maya from Acme"\n')
    monkeypatch.setenv("REVIEWLENS_DB", db)
    monkeypatch.setenv("REVIEWLENS_CONFIG", str(cfg))
    at = AppTest.from_file(str(APP_PATH), default_timeout=60)
    at.run()
    at.sidebar.selectbox(key="f_period").set_value("All time").run()
    at.sidebar.radio(key="page").set_value("Reviews").run()
    assert not at.exception, [e.value for e in at.exception]
    draft = at.text_area(key=f"reply_draft_{late.id}").value
    assert draft.startswith("Hi Maria,") and NEGATIVE["delivery"] in draft and draft.endswith("Maya from Acme")
    assert "three weeks" not in draft
    pick = at.selectbox(key="detail_pick")
    pick.set_value(1).run()  # the review that has a reply: no draft
    assert not [t for t in at.text_area if t.key and t.key.startswith("reply_draft_")]


def test_a_changed_settings_file_changes_the_draft(monkeypatch, tmp_path):
    """The settings are read again when the file changes (they were once kept for the dashboard's lifetime)."""
    import os

    db = str(tmp_path / "s.db")
    store = Store(db)
    late = Review(source="shop", text="Late.", rating=1, date=date(2026, 11, 20))
    store.upsert_reviews([late])
    store.close()
    cfg = tmp_path / "reviewlens.toml"
    cfg.write_text('[replies]\nsignature = "First"\n')
    monkeypatch.setenv("REVIEWLENS_DB", db)
    monkeypatch.setenv("REVIEWLENS_CONFIG", str(cfg))

    def draft() -> str:
        at = AppTest.from_file(str(APP_PATH), default_timeout=60)
        at.run()
        at.sidebar.selectbox(key="f_period").set_value("All time").run()
        at.sidebar.radio(key="page").set_value("Reviews").run()
        return at.text_area(key=f"reply_draft_{late.id}").value

    assert draft().endswith("First")
    cfg.write_text('[replies]\nsignature = "Second"\n')
    os.utime(cfg, ns=(1, 10**18))  # a different modification time, whatever the clock's resolution
    assert draft().endswith("Second")


def test_the_draft_is_in_the_reviews_language(monkeypatch, tmp_path):
    """A French review (its analysis detected French) gets a French draft in the explorer."""
    from reviewlens.reply_phrases import FRENCH

    db = str(tmp_path / "s.db")
    store = Store(db)
    late = Review(source="shop", text="Livré avec trois semaines de retard.", rating=1, author="Camille",
                  date=date(2026, 11, 20))
    store.upsert_reviews([late])
    store.save_analyses([Analysis(content_hash=late.content_hash, model="m", prompt_version="v", sentiment="negative",
                                  topics=[TopicMention("delivery", "negative")], language="fr",
                                  translation="Delivered three weeks late.")])
    store.close()
    at = app_test(monkeypatch, db, REVIEWLENS_CONFIG=str(tmp_path / "none.toml"))
    at.sidebar.selectbox(key="f_period").set_value("All time").run()
    at.sidebar.radio(key="page").set_value("Reviews").run()
    assert not at.exception, [e.value for e in at.exception]
    draft = at.text_area(key=f"reply_draft_{late.id}").value
    assert draft.startswith("Bonjour Camille,") and FRENCH.negative["delivery"] in draft
    assert draft.endswith("Cordialement,\nL'équipe")


def test_while_the_topics_may_not_fit_the_draft_names_none(monkeypatch, tmp_path):
    """A hotel's reviews analyzed under a shop's topics (the Overview says so): a dirty room read as "packaging"
    is not answered "We're sorry about the state of the packaging"; once the hint is cleared, the topic is named."""
    from reviewlens import queries

    db = str(tmp_path / "s.db")
    store = Store(db)
    dirty = Review(source="google", text="Dirty windows and a hair on the pillow.", rating=2, author="Grace",
                   date=date(2026, 11, 20))
    store.upsert_reviews([dirty])
    store.save_analyses([Analysis(content_hash=dirty.content_hash, model="m", prompt_version="v",
                                  sentiment="negative", topics=[TopicMention("packaging", "negative")])])
    hint = 'these reviews read like hotel (or holiday let) reviews: set `[analysis] topics_preset = "hotels"`'
    store.save_checkpoint(queries.PRESET_HINT, {"hint": hint, "run_id": 1})
    store.close()

    def explorer() -> AppTest:
        at = app_test(monkeypatch, db, REVIEWLENS_CONFIG=str(tmp_path / "none.toml"))
        at.sidebar.selectbox(key="f_period").set_value("All time").run()
        at.sidebar.radio(key="page").set_value("Reviews").run()
        assert not at.exception, [e.value for e in at.exception]
        return at

    at = explorer()
    draft = at.text_area(key=f"reply_draft_{dirty.id}").value
    assert draft.startswith("Hi Grace,") and NEGATIVE["packaging"] not in draft and "get in touch" in draft
    assert any("It names no topic: the topics may not fit" in c.value for c in at.caption)
    Store(db).save_checkpoint(queries.PRESET_HINT, {"hint": None, "run_id": 2})  # an analysis that fits
    assert NEGATIVE["packaging"] in explorer().text_area(key=f"reply_draft_{dirty.id}").value
