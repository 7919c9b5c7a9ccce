"""`reviewlens complaints --split THEME`: a theme that is two complaints becomes two, now and later."""

from __future__ import annotations

import numpy as np
import pytest

from analysis.complaints import split_as_told
from reviewlens import queries
from reviewlens.app.cli import main
from reviewlens.schema import ComplaintTheme
from reviewlens.store import Store
from tests.helpers import write_csv
from tests.reviewlens.app.test_theme_merge import BROKE, LATE, TRACKING

LOST = ["My parcel was lost and never arrived.", "The package got lost in transit.",
        "Courier lost my order completely."]


@pytest.fixture
def db(tmp_path, capsys) -> str:
    """Late and lost deliveries, which the complaint finder puts in one theme, and two other complaints."""
    rows = [{"text": t, "rating": 1, "date": "2026-11-10"} for t in LATE + TRACKING + BROKE + LOST]
    out = str(tmp_path / "s.db")
    assert main(["import", write_csv(tmp_path / "r.csv", rows), "--db", out, "-q"]) == 0
    assert main(["complaints", "--no-llm", "--db", out, "-q"]) == 0
    capsys.readouterr()
    return out


def _texts(db: str) -> dict[str, str]:
    df = Store(db).reviews_frame()
    return dict(zip(df["id"], df["text"]))


def test_split_a_theme_that_is_two_complaints(db, capsys):
    store, texts = Store(db), _texts(db)
    first, _ = queries.latest_complaints(store)
    lumped = next(t for t in first if {texts[i] for i in t.review_ids} >= set(LATE[:2]) | set(LOST[:2]))
    assert main(["complaints", "--no-llm", "--split", "Nope", "--db", db, "-q"]) == 2
    assert "--split: no theme named 'Nope' among the last computed ones" in capsys.readouterr().err
    assert store.theme_splits() == []

    assert main(["complaints", "--no-llm", "--split", lumped.label, "--db", db, "-q"]) == 0
    out = capsys.readouterr().out
    [rule] = store.theme_splits()
    assert f"{lumped.label!r} split into {rule[0]!r} and {rule[1]!r}" in out and lumped.label in rule
    parts = {t.label: {texts[i] for i in t.review_ids} for t in queries.latest_complaints(store)[0] if t.label in rule}
    late = next(p for p in parts.values() if LATE[0] in p)
    lost = next(p for p in parts.values() if LOST[0] in p)
    assert late is not lost and set(LATE) - {LATE[-1]} <= late and set(LOST) <= lost  # each part is one complaint
    assert not late & set(LOST) and not lost & set(LATE[:3])

    # the next computation keeps them apart, under the same names; a rename of a part carries the rule
    assert main(["complaints", "--no-llm", "--db", db, "-q"]) == 0
    again = {t.label: {texts[i] for i in t.review_ids} for t in queries.latest_complaints(store)[0]}
    assert {n: again[n] for n in rule} == parts
    other = next(n for n in rule if n != lumped.label)
    assert main(["complaints", "--rename", other, "Lost parcels", "--db", db, "-q"]) == 0
    assert store.theme_splits() == [[n if n != other else "Lost parcels" for n in rule]]
    assert main(["complaints", "--no-llm", "--db", db, "-q"]) == 0
    assert queries.latest_complaints(store)[0][0].label in ("Lost parcels", lumped.label)
    assert {"Lost parcels", lumped.label} <= {t.label for t in queries.latest_complaints(store)[0]}

    # merged back by the user: the split is forgotten, and they are one theme again
    capsys.readouterr()
    assert main(["complaints", "--no-llm", "--merge", "Lost parcels", lumped.label, "--db", db, "-q"]) == 0
    assert store.theme_splits() == []
    one = next(t for t in queries.latest_complaints(store)[0] if t.label == lumped.label)
    assert {texts[i] for i in one.review_ids} >= set(LOST) | set(LATE[:2])


def test_a_theme_too_small_to_split_is_said_and_forgotten(db, capsys):
    store = Store(db)
    small = next(t for t in queries.latest_complaints(store)[0] if len(t.review_ids) == 2)
    assert main(["complaints", "--no-llm", "--split", small.label, "--db", db, "-q"]) == 0
    assert f"{small.label!r} was not split" in capsys.readouterr().out
    assert store.theme_splits() == []
    assert small.label in [t.label for t in queries.latest_complaints(store)[0]]


def test_parts_found_together_again_are_divided_by_what_they_say():
    """A group that holds statements of two parts of a split (their known themes) is divided: each statement
    goes to the part whose statements in the group it is nearest."""
    vecs = np.array([[1, 0, 0], [0.9, 0.1, 0], [0.95, 0, 0.05], [0, 1, 0], [0.1, 0.9, 0], [0, 0.95, 0.05]], float)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    reviews = ["a1", "a2", "x1", "b1", "b2", "x2"]  # x1, x2: new reviews of neither
    known = [ComplaintTheme("Late", "", 2, 0.1, review_ids=["a1", "a2"]),
             ComplaintTheme("Lost", "", 2, 0.1, review_ids=["b1", "b2"])]
    groups = [[0, 1, 2, 3, 4, 5]]
    assert sorted(split_as_told(groups, vecs, reviews, known, [["Late", "Lost"]])) == [[0, 1, 2], [3, 4, 5]]
    assert split_as_told(groups, vecs, reviews, known, [["Late", "Gone"]]) == groups  # a part not known: as it was
    # asked to split "All" (the theme the group is): in two by k-means, along what the statements say
    everything = ComplaintTheme("All", "", 6, 0.3, review_ids=reviews)
    assert sorted(split_as_told(groups, vecs, reviews, [everything], [["All"]])) == [[0, 1, 2], [3, 4, 5]]
    # too small to split (a part would have one review): as it was
    assert split_as_told([[0, 3, 4]], vecs, reviews, [everything], [["All"]]) == [[0, 3, 4]]


@pytest.mark.slow
def test_split_on_the_dashboard_is_computed_by_the_background_analyzer(db, monkeypatch):
    """The Overview's "Rename, merge or split" box: Split in two records the split; `reviewlens dashboard`'s
    background analyzer (here `take_request`, with the real model naming the new part) computes the themes
    again, and the Overview shows the two parts."""
    from datetime import datetime, timezone

    from reviewlens.analysis_queue import STATE_KEY, open_request
    from reviewlens.app.analyzing import take_request
    from reviewlens.app.jobs import Job
    from reviewlens.config import load_settings
    from tests.helpers import app_test, as_read

    store, texts = Store(db), _texts(db)
    first, _ = queries.latest_complaints(store)
    rank, lumped = next((k, t) for k, t in enumerate(first, 1) if LOST[0] in {texts[i] for i in t.review_ids})
    store.save_checkpoint(STATE_KEY, {"at": datetime.now(timezone.utc).isoformat(), "state": "idle"})
    at = app_test(monkeypatch, db)
    next(b for b in at.button if b.key == f"split_btn_{rank}").click().run()
    assert not at.exception
    assert any("will be split in two" in s.value for s in at.success), [s.value for s in at.success]
    assert store.theme_splits() == [[lumped.label]] and open_request(store)["themes"] is True
    line = take_request(store, Job(store, load_settings(None, db=db)))
    assert line.startswith("top complaints: "), line
    [rule] = store.theme_splits()  # the parts, as the model named them (a key-word name is named anew)
    assert len(rule) == 2 and len(set(rule)) == 2
    parts = {t.label: {texts[i] for i in t.review_ids} for t in queries.latest_complaints(store)[0] if t.label in rule}
    assert sorted(LOST[0] in p for p in parts.values()) == [False, True]
    at.run()
    shown = [as_read(e.label) for e in at.expander]
    assert all(any(f". {name} — " in label for label in shown) for name in rule), shown
    assert not any(f". {lumped.label} — " in label for label in shown if lumped.label not in rule)


def test_a_changes_themes_keep_the_split(tmp_path, capsys):
    """A change's before-and-since themes are found with the user's rules: the parts of a split stay two
    (they were one theme there before the split was passed to the change's computation)."""
    rows = [{"text": t, "rating": 1, "date": f"2026-11-{8 + i % 2:02d}"}  # half the day before the 9th, half on it
            for i, t in enumerate(LATE + TRACKING + BROKE + LOST)]
    db = str(tmp_path / "s.db")
    assert main(["import", write_csv(tmp_path / "r.csv", rows), "--db", db, "-q"]) == 0
    assert main(["complaints", "--no-llm", "--db", db, "-q"]) == 0
    store, texts = Store(db), _texts(db)
    lumped = next(t for t in queries.latest_complaints(store)[0] if LOST[0] in {texts[i] for i in t.review_ids})
    assert {texts[i] for i in lumped.review_ids} & set(LATE)  # one theme of both
    assert main(["complaints", "--no-llm", "--split", lumped.label, "--db", db, "-q"]) == 0
    [rule] = store.theme_splits()
    assert main(["changes", "add", "2026-11-09", "New courier", "--no-llm", "--db", db, "-q"]) == 0
    labels = {t["label"] for t in store.changes()[0]["effect"]["themes"]}
    assert set(rule) <= labels
