"""Reply drafts for an app's reviews (the "apps" topics preset): a happy user is not told "We hope to see you
again soon" (there is nowhere to see them), and a suggestion in a review that is no complaint ("Login works again.
Please add Face ID.", feature_requests read as neutral) is thanked for; it got nothing before."""

from __future__ import annotations

import csv

from reviewlens import queries
from reviewlens.app.cli import main
from reviewlens.app.jobs import Job, JobOptions
from reviewlens.config import Settings
from reviewlens.replies import NEGATIVE, draft_for, draft_reply
from reviewlens.reply_phrases import ENGLISH, PHRASEBOOKS
from reviewlens.schema import Analysis, Review, TopicMention
from reviewlens.store import Store
from tests.helpers import FixedAnalyzer

ASKS = [{"topic": "feature_requests", "sentiment": "neutral"}, {"topic": "account", "sentiment": "positive"}]


def test_an_apps_draft_closes_with_the_app_and_thanks_for_a_suggestion():
    d = draft_reply(rating=4, sentiment="positive", topics=ASKS, app=True)
    assert NEGATIVE["feature_requests"] in d and d.index(NEGATIVE["feature_requests"]) < d.index(ENGLISH.enjoy_app)
    assert ENGLISH.see_you not in d
    shop = draft_reply(rating=5, sentiment="positive", topics=[{"topic": "quality", "sentiment": "positive"}])
    assert ENGLISH.see_you in shop and ENGLISH.enjoy_app not in shop  # a shop's draft as before


def test_a_complaint_gets_no_thanks_for_a_suggestion_and_the_contact_line_stays():
    d = draft_reply(rating=1, sentiment="negative", app=True,
                    topics=[{"topic": "bugs", "sentiment": "negative"}, {"topic": "feature_requests",
                                                                         "sentiment": "neutral"}])
    assert NEGATIVE["bugs"] in d and NEGATIVE["feature_requests"] not in d and ENGLISH.enjoy_app not in d
    assert ENGLISH.contact_support in d


def test_every_language_has_its_own_closing_for_an_app():
    closings = {lang: book.enjoy_app for lang, book in PHRASEBOOKS.items()}
    assert len(set(closings.values())) == len(closings)  # none left in English
    for lang, closing in closings.items():
        d = draft_reply(rating=5, sentiment="positive", topics=[], language=lang, app=True)
        assert closing in d and PHRASEBOOKS[lang].see_you not in d


def _asks(r):
    return Analysis(content_hash=r.content_hash, model="m", prompt_version="p", sentiment="positive",
                    topics=[TopicMention("feature_requests", "neutral")])


def test_reviewlens_replies_drafts_an_apps_reviews_so(tmp_path, capsys):
    db = str(tmp_path / "app.db")
    store = Store(db)
    r = Review(source="play", product="com.example", text="Login works again. Please add Face ID.", rating=4)
    store.upsert_reviews([r])
    settings = Settings(db=db)
    settings.analysis.topics_preset = "apps"
    Job(store, settings, analyzer=FixedAnalyzer(_asks)).run(JobOptions(complaints=False, quiet=True))
    assert queries.topics_preset(store) == "apps" and queries.options(store).topics_preset == "apps"
    store.close()
    out = tmp_path / "drafts.csv"
    assert main(["replies", "--db", db, "-o", str(out), "-q"]) == 0
    [row] = csv.DictReader(out.open(encoding="utf-8"))
    assert NEGATIVE["feature_requests"] in row["draft_reply"] and ENGLISH.enjoy_app in row["draft_reply"]
    plain = draft_for({"rating": 4.0, "sentiment": "positive", "text": r.text,
                       "topics": [{"topic": "feature_requests", "sentiment": "neutral"}]})
    assert ENGLISH.see_you in plain  # what the draft said of it without knowing the reviews are an app's
