"""A question about an app's release is answered from that release's reviews (analysis.answers.asked_versions):
asked "what do people say about the latest update?", the sentences came from every version (the last update two
releases ago among them); "in 4.2.0", "v4.2", "version 5" name versions; a question that names nothing else is
answered with the release's most typical sentences, the way it leans first. Real MiniLM, a real SQLite store."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.answers import about_nothing_else, answer, asked_versions
from reviewlens.questions import asked_of
from tests.analysis.conftest import review_frame

ROWS = [  # id, text, rating, product, version
    ("a1", "Love the new budget view. Clean and simple.", 5, "Budget", "4.1.0"),
    ("a2", "Too many ads since the last update, an ad after every screen.", 2, "Budget", "4.1.0"),
    ("a3", "Crashes every time I open it. Useless now.", 1, "Budget", "4.2.0"),
    ("a4", "The app freezes on the login screen.", 1, "Budget", "4.2.0"),
    ("a5", "The startup crash is gone, thanks for the quick fix.", 4, "Budget", "4.10.0"),
    ("a6", "Still slow to load, ten seconds to open.", 2, "Budget", "4.10.0"),
    ("a7", "My runs sync to the watch in seconds now.", 5, "Runner", "2.0"),
    ("a8", "Runner stopped tracking my route after the update.", 1, "Runner", "1.9"),
    ("a9", "No version on this one, from the website.", 3, "Budget", None),
]


@pytest.fixture(scope="module")
def df() -> pd.DataFrame:
    return review_frame(ROWS, ("id", "text", "rating", "product", "version"))


def _ids(df, mask):
    return set(df[mask]["id"])


@pytest.mark.parametrize("question, ids, said", [
    ("What do people say about the latest update?", {"a5", "a6", "a7"}, ["Budget 4.10.0", "Runner 2.0"]),
    ("Is the new version any better?", {"a5", "a6", "a7"}, ["Budget 4.10.0", "Runner 2.0"]),
    ("Why did people hate 4.2.0?", {"a3", "a4"}, ["4.2.0"]),
    ("What broke in v4.2?", {"a3", "a4"}, ["4.2.0"]),
    ("How was version 4?", {"a1", "a2", "a3", "a4", "a5", "a6"}, ["4.1.0", "4.2.0", "4.10.0"]),
])
def test_the_versions_a_question_asks_about(df, question, ids, said):
    mask, words = asked_versions([question], df)
    assert _ids(df, mask) == ids and words == said


@pytest.mark.parametrize("question", ["Is delivery fast?", "Is it worth 4.99?", "What happened in 2026?",
                                      "Why do people hate the ads?"])
def test_a_question_about_no_version_the_store_has_searches_every_review(df, question):
    assert asked_versions([question], df) == (None, [])


def test_without_versions_nothing_is_asked_of_them(df):
    assert asked_versions(["What about the latest update?"], df.drop(columns="version")) == (None, [])


def test_a_question_that_names_nothing_but_the_version():
    assert about_nothing_else(["What do people say about the latest update?"])
    assert about_nothing_else(["Why did people hate 4.2.0?"])
    assert not about_nothing_else(["Is the login fixed in 4.2.1?"])


def test_the_answer_comes_from_the_versions_reviews(df, embedder):
    one = df[df["product"] == "Budget"]
    res = answer("What do people say about the latest update?", one, embedder=embedder, k=5)
    assert res.versions == ["4.10.0"] and res.searched == 2  # 4.10.0 after 4.2.0, as people read versions
    assert {s.review_id for s in res.sources} == {"a5", "a6"}  # both, though neither says "update"
    res = answer("Why did people hate 4.2.0?", one, embedder=embedder, k=5)
    assert {s.review_id for s in res.sources} == {"a3", "a4"} and res.versions == ["4.2.0"]
    res = answer("Is the login broken in 4.2.0?", one, embedder=embedder, k=5)
    assert [s.review_id for s in res.sources][0] == "a4"  # a subject: found by it first, among that version's reviews
    res = answer("Are there too many ads?", one, embedder=embedder, k=5)
    assert res.versions == [] and res.searched == len(one)


def test_the_ask_command_says_which_version_it_searched(tmp_path, capsys):
    from reviewlens.app.cli import main
    from reviewlens.schema import Review
    from reviewlens.store import Store

    db = str(tmp_path / "a.db")
    Store(db).upsert_reviews([Review(source="play", text=t, rating=r, product=p, version=v)
                              for _, t, r, p, v in ROWS if p == "Budget"])
    assert main(["ask", "What do people say about the latest update?", "--no-llm", "--db", db]) == 0
    out = capsys.readouterr().out
    assert "Searched 2 reviews of version 4.10.0 (the question asks about it)" in out
    assert "Crashes every time" not in out and "startup crash is gone" in out
    assert asked_of(["Budget"], ["4.2.0", "4.10.0"]) == (" of Budget (named in the question) of versions 4.2.0, "
                                                          "4.10.0 (the question asks about them)")
