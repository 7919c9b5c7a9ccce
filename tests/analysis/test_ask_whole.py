"""A question that names no subject of the reviews ("what do people complain about?", "what do they complain about
in the Hamburg branch?") is answered with the reviews' most typical sentences, the way it leans first: searched by
its bare words, one sentence of a pizza chain's 96 reviews, or none, was near enough to it ("No review among the
96 searched speaks to this question"). A question with a subject is searched as before. Real MiniLM."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.answers import about_nothing_else, answer
from tests.analysis.conftest import review_frame

ROWS = [  # id, text, rating, product
    ("h1", "We waited fifty minutes for our pizzas and nobody apologised.", 1, "Pizza Roma (Hamburg)"),
    ("h2", "The waiter was rude and ignored us all evening.", 1, "Pizza Roma (Hamburg)"),
    ("h3", "Over an hour for a table even though we had booked.", 2, "Pizza Roma (Hamburg)"),
    ("h4", "Lovely tiramisu, the best part of the night.", 4, "Pizza Roma (Hamburg)"),
    ("b1", "The margherita was perfect, thin and crispy.", 5, "Pizza Roma (Berlin)"),
    ("b2", "Friendly staff and quick service, we will be back.", 5, "Pizza Roma (Berlin)"),
    ("b3", "Too expensive for what you get, fourteen euros for a salad.", 3, "Pizza Roma (Berlin)"),
    ("b4", "Cosy room with candles on every table.", 5, "Pizza Roma (Berlin)"),
]


@pytest.fixture(scope="module")
def df() -> pd.DataFrame:
    return review_frame(ROWS)


def test_what_people_complain_about_is_the_complaints(df, embedder):
    got = answer("What do people complain about?", df, embedder=embedder)
    ids = [s.review_id for s in got.sources]
    assert len(ids) >= 4 and set(ids[:3]) <= {"h1", "h2", "h3", "b3"}, ids  # the complaints first


def test_a_branch_named_in_the_question_is_all_it_names(df, embedder):
    assert about_nothing_else(["What do people complain about in the Hamburg branch?"], ["Pizza Roma (Hamburg)"])
    assert not about_nothing_else(["What do people complain about in the Hamburg branch?"])  # Hamburg: a subject
    got = answer("What do people complain about in the Hamburg branch?", df, embedder=embedder)
    assert got.products == ["Pizza Roma (Hamburg)"]
    ids = [s.review_id for s in got.sources]
    assert {"h1", "h2", "h3"} <= set(ids) and ids[-1] == "h4" or "h4" not in ids, ids  # the praise last, if at all
    liked = [s.review_id for s in answer("What do customers love about Berlin?", df, embedder=embedder).sources]
    assert liked[0] in {"b1", "b2", "b4"} and set(liked) <= {"b1", "b2", "b3", "b4"}, liked


def test_a_question_with_a_subject_is_searched_by_it(df, embedder):
    assert not about_nothing_else(["Why do people complain about the price?"])
    # returning, refunds, breaking: subjects, not only a way of leaning
    assert not about_nothing_else(["Why do people return the headphones?"], ["Aurora Wireless Headphones"])
    assert not about_nothing_else(["What broke in the Hamburg branch?"], ["Pizza Roma (Hamburg)"])
    got = answer("Why do people complain about the price?", df, embedder=embedder)
    assert got.sources and got.sources[0].review_id == "b3"
