"""The theme step's progress bar: minutes on a large store (110 s over 16,000 reviews) were silent between
"computing the top complaints ..." and its end. A bar per kind now counts the sentences embedded."""

from __future__ import annotations

import io
from datetime import date, timedelta

from tqdm import tqdm

from analysis.embeddings import counting_on, get_embedder
from reviewlens.app import jobs
from reviewlens.schema import Review

UNTIL = date(2026, 11, 30)
SAID = ["The battery died after {} days.", "Delivery took {} weeks, far too slow.", "The strap broke on day {}.",
        "Support never answered my {} emails.", "The screen cracked after {} drops."]


def _bar(**kw) -> tqdm:
    return tqdm(file=io.StringIO(), disable=False, mininterval=0, **{k: v for k, v in kw.items() if k != "quiet"})


def test_the_texts_embedded_within_move_the_bar_and_none_outside():
    embedder = get_embedder()
    texts = [f"A sentence of its own for the bar test, number {i}." for i in range(70)]
    with _bar() as bar, counting_on(bar):
        embedder.encode(texts + texts[:5])  # a text twice is embedded once
        embedder.encode(texts[:10])  # remembered: nothing to embed
    assert bar.n == 70
    embedder.encode([f"Outside the bar, {i}." for i in range(3)])  # after the block: counted nowhere
    assert bar.n == 70


def test_each_theme_kind_counts_its_sentences(store, monkeypatch):
    rs = [Review(source="shop", text=SAID[i % 5].format(i + 2), product="Watch", rating=1 + i % 2, author=f"a{i}",
                 date=UNTIL - timedelta(days=i * 4)) for i in range(40)]  # 23 in the 90 days, 17 before
    store.upsert_reviews(rs)
    monkeypatch.setattr(get_embedder(), "_memo", {})  # embedded afresh (the test runs on SQLite, then PostgreSQL)
    bars: list[tqdm] = []
    monkeypatch.setattr(jobs, "progress", lambda **kw: bars.append(_bar(**kw)) or bars[-1])
    themes, scope = jobs.run_complaints(store, since=UNTIL - timedelta(days=89), until=UNTIL, backend=None,
                                        taxonomy=None, sharp=False)
    assert themes and scope["reviews"] == 23
    [bar] = bars
    assert bar.desc == "complaints: sentences embedded"
    assert bar.n >= 17, bar.n  # the period's and the previous period's statements, none remembered before
    assert f"complaints: sentences embedded: {bar.n} " in bar.fp.getvalue()


def test_the_commands_quiet_goes_to_the_bars(tmp_path, monkeypatch):
    """`complaints -q` and `analyze -q` (its theme step) show no bar; without -q they do (on a terminal)."""
    from reviewlens.app.cli import main
    from reviewlens.store import Store

    db = str(tmp_path / "s.db")
    Store(db).upsert_reviews([Review(source="shop", text=SAID[i % 5].format(i + 2), rating=1, author=f"a{i}",
                                     date=UNTIL - timedelta(days=i)) for i in range(6)])
    asked: list[tuple[str, bool]] = []
    monkeypatch.setattr(jobs, "progress", lambda **kw: asked.append((kw.get("desc"), kw.get("quiet"))) or _bar(**kw))
    for kind in ("complaints", "praise", "requests"):
        assert main([kind, "--db", db, "--no-llm", "--since", "2026-09-01", "--until", "2026-11-30", "-q"]) == 0
    assert main(["complaints", "--db", db, "--no-llm", "--since", "2026-09-01", "--until", "2026-11-30"]) == 0
    assert [(d.split(":")[0], q) for d, q in asked] == [("complaints", True), ("praise", True), ("requests", True),
                                                        ("complaints", False)]
