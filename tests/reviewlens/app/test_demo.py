"""`reviewlens demo`: the main job on the bundled demo shop, through the command line."""

from __future__ import annotations

import contextlib
import io
import json
import logging
import shlex
import shutil
import socket
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from openpyxl import load_workbook

from reviewlens import queries
from reviewlens.app.cli import main
from reviewlens.app.demo_shop import default_root
from reviewlens.store import Store
from tests.helpers import count_rows

N_SHOP = len(json.loads((default_root() / "reviews.json").read_text(encoding="utf-8"))["reviews"])


@pytest.fixture(scope="module")
def first_demo(tmp_path_factory):
    """One `reviewlens demo --no-analyze` for the tests that read what it did (each whole demo scrapes the
    shop's 199 reviews: ~15 s), started on a busy port, which it leaves for a free one. The tests that run the
    demo again do so on a copy of its store."""
    tmp = tmp_path_factory.mktemp("demo")
    db, out = tmp / "my demo.db", tmp / "demo.xlsx"  # the hints quote a path with a space
    stdout, logged = io.StringIO(), []
    handler = logging.Handler(logging.WARNING)
    handler.emit = lambda record: logged.append(record.getMessage())
    logging.getLogger().addHandler(handler)
    try:
        with pytest.MonkeyPatch.context() as mp, socket.socket() as taken, contextlib.redirect_stdout(stdout):
            mp.setenv("REVIEWLENS_DATA_DIR", str(tmp / "data"))
            taken.bind(("127.0.0.1", 0))
            taken.listen()
            busy = taken.getsockname()[1]
            code = main(["demo", "--no-analyze", "--port", str(busy), "--db", str(db), "-o", str(out), "-q"])
    finally:
        logging.getLogger().removeHandler(handler)
    text = stdout.getvalue()
    running = next(ln for ln in text.splitlines() if ln.startswith("demo shop running at"))
    return {"code": code, "db": db, "out": out, "text": text, "logged": "\n".join(logged), "busy": busy,
            "port": str(urlsplit(running.split()[-1]).port)}


def _copy_of(first_demo, tmp_path: Path) -> str:
    db = tmp_path / "d.db"
    shutil.copy(first_demo["db"], db)
    return str(db)


def test_demo_without_analysis_scrapes_everything_and_writes_the_report(first_demo):
    db, out, text = first_demo["db"], first_demo["out"], first_demo["text"]
    assert first_demo["code"] == 0, text
    assert f"{N_SHOP} reviews ({N_SHOP} new" in text
    assert f"Excel report: {out}" in text and "reviewlens dashboard" in text
    q = shlex.quote(str(db))
    assert q != str(db) and f"reviewlens compare --db {q}" in text and f"reviewlens alerts check --dry-run --db {q}" in text
    assert count_rows(Store(db)) == N_SHOP
    wb = load_workbook(out, read_only=True)
    assert {"Summary", "Reviews", "Runs"} <= set(wb.sheetnames)
    kinds = [r["kind"] for r in Store(db).list_runs()]
    assert kinds == ["report", "scrape"]


def test_demo_on_a_busy_port_moves_to_a_free_one(first_demo):
    busy = first_demo["busy"]
    assert f"port {busy} is busy" in first_demo["logged"] and "avoid a second copy" in first_demo["logged"]
    assert first_demo["port"] != str(busy)


def test_demo_with_its_shop_data_missing_says_so_instead_of_blaming_the_port(tmp_path, capsys, monkeypatch):
    """A missing data file used to be reported as "port 8765 is busy" before failing on a free port."""
    monkeypatch.setattr("reviewlens.app.demo_shop.default_root", lambda: tmp_path / "no-shop")
    code = main(["demo", "--no-analyze", "--port", "0", "--db", str(tmp_path / "d.db"), "-q"])
    err = capsys.readouterr().err
    assert code != 0
    assert "demo shop's data is missing" in err and "git checkout -- data/demo_shop" in err
    assert "busy" not in err


@pytest.mark.slow
def test_demo_analyzes_and_prints_top_complaints(first_demo, tmp_path, capsys):
    """The demo with its analysis (on the first demo's store, on its port: the reviews are known, so the
    scrape reads the first pages only)."""
    db, out = _copy_of(first_demo, tmp_path), tmp_path / "demo.xlsx"
    assert main(["demo", "--limit", "24", "--port", first_demo["port"], "--db", db, "-o", str(out), "-q"]) == 0
    text = capsys.readouterr().out
    assert "analyzed 24 review texts" in text
    assert "Top complaints" in text or "No complaint themes" in text
    store = Store(db)
    assert count_rows(store) == N_SHOP  # the same reviews: nothing stored twice
    assert count_rows(store, "analyses") == 24  # one analysis (ok or failed) per analyzed text
    themes, scope = queries.latest_complaints(store)
    by_id = {r.id: r for r in store.reviews_frame().itertuples()}
    loved, _ = queries.latest_complaints(store, "praise")  # what customers love, computed with the complaints
    assert loved and "What customers love most: " + loved[0].label in text
    for t in themes + loved:  # quotes are verbatim and point at their reviews
        for q in t.quotes:
            assert q.text in by_id[q.review_id].text
    assert "Praise" in load_workbook(out, read_only=True).sheetnames
    assert [r["kind"] for r in store.list_runs()] == ["report", "analyze", "scrape", "report", "scrape"]


def test_demo_on_a_changed_layout_exits_3_as_scrape_does(first_demo, tmp_path, capsys, monkeypatch):
    """README: `REVIEWLENS_DEMO_CHANGED_LAYOUT=aurora-headphones reviewlens demo --no-analyze` after a normal demo
    shows the degraded exit status (3); demo used to exit 1. (After the first demo, on its port, so the reviews
    keep their identities.)"""
    db = _copy_of(first_demo, tmp_path)
    monkeypatch.setenv("REVIEWLENS_DEMO_CHANGED_LAYOUT", "aurora-headphones")
    assert main(["demo", "--no-analyze", "--port", first_demo["port"], "--db", db, "-o", str(tmp_path / "2.xlsx"),
                 "-q"]) == 3
    assert "degraded: " in capsys.readouterr().out
