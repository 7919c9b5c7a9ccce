"""`reviewlens demo`: the main job on the bundled demo shop, through the command line."""

from __future__ import annotations

import json

import pytest
from openpyxl import load_workbook

from reviewlens.cli import main
from reviewlens.demo_site import default_root
from reviewlens.store import Store

N_SHOP = len(json.loads((default_root() / "reviews.json").read_text(encoding="utf-8"))["reviews"])


def test_demo_without_analysis_scrapes_everything_and_writes_the_report(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("REVIEWLENS_DATA_DIR", str(tmp_path / "data"))
    db, out = tmp_path / "demo.db", tmp_path / "demo.xlsx"
    assert main(["demo", "--no-analyze", "--port", "0", "--db", str(db), "-o", str(out), "-q"]) == 0
    text = capsys.readouterr().out
    assert f"{N_SHOP} reviews ({N_SHOP} new" in text
    assert f"Excel report: {out}" in text and "reviewlens dashboard" in text
    assert Store(db).count_reviews() == N_SHOP
    wb = load_workbook(out, read_only=True)
    assert {"Summary", "Reviews", "Runs"} <= set(wb.sheetnames)
    kinds = [r["kind"] for r in Store(db).list_runs()]
    assert kinds == ["report", "scrape"]


@pytest.mark.slow
def test_demo_analyzes_and_prints_top_complaints(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("REVIEWLENS_DATA_DIR", str(tmp_path / "data"))
    db, out = tmp_path / "demo.db", tmp_path / "demo.xlsx"
    assert main(["demo", "--limit", "24", "--port", "0", "--db", str(db), "-o", str(out), "-q"]) == 0
    text = capsys.readouterr().out
    assert "analyzed 24 review texts" in text
    assert "Top complaints" in text or "No complaint themes" in text
    store = Store(db)
    counts = store.analysis_counts()
    assert counts["ok"] + counts["failed"] == 24
    themes, scope = store.latest_complaints()
    by_id = {r.id: r for r in store.get_reviews()}
    for t in themes:  # quotes are verbatim and point at their reviews
        for q in t.quotes:
            assert q.text in by_id[q.review_id].text
    assert [r["kind"] for r in store.list_runs()] == ["report", "analyze", "scrape"]
