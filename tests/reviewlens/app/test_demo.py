"""`reviewlens demo`: the main job on the bundled demo shop, through the command line."""

from __future__ import annotations

import json
import shlex

import pytest
from openpyxl import load_workbook

from reviewlens import queries
from reviewlens.app.cli import main
from reviewlens.app.demo_shop import default_root
from reviewlens.store import Store
from tests.helpers import count_rows

N_SHOP = len(json.loads((default_root() / "reviews.json").read_text(encoding="utf-8"))["reviews"])


def test_demo_without_analysis_scrapes_everything_and_writes_the_report(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("REVIEWLENS_DATA_DIR", str(tmp_path / "data"))
    db, out = tmp_path / "my demo.db", tmp_path / "demo.xlsx"  # the hints quote a path with a space
    assert main(["demo", "--no-analyze", "--port", "0", "--db", str(db), "-o", str(out), "-q"]) == 0
    text = capsys.readouterr().out
    assert f"{N_SHOP} reviews ({N_SHOP} new" in text
    assert f"Excel report: {out}" in text and "reviewlens dashboard" in text
    q = shlex.quote(str(db))
    assert q != str(db) and f"reviewlens compare --db {q}" in text and f"reviewlens alerts check --dry-run --db {q}" in text
    assert count_rows(Store(db)) == N_SHOP
    wb = load_workbook(out, read_only=True)
    assert {"Summary", "Reviews", "Runs"} <= set(wb.sheetnames)
    kinds = [r["kind"] for r in Store(db).list_runs()]
    assert kinds == ["report", "scrape"]


def test_demo_with_its_shop_data_missing_says_so_instead_of_blaming_the_port(tmp_path, capsys, monkeypatch):
    """A missing data file used to be reported as "port 8765 is busy" before failing on a free port."""
    monkeypatch.setenv("REVIEWLENS_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setattr("reviewlens.app.demo_shop.default_root", lambda: tmp_path / "no-shop")
    code = main(["demo", "--no-analyze", "--port", "0", "--db", str(tmp_path / "d.db"), "-q"])
    err = capsys.readouterr().err
    assert code != 0
    assert "demo shop's data is missing" in err and "git checkout -- data/demo_shop" in err
    assert "busy" not in err


def test_demo_on_a_busy_port_moves_to_a_free_one(tmp_path, capsys, monkeypatch, caplog):
    import socket
    monkeypatch.setenv("REVIEWLENS_DATA_DIR", str(tmp_path / "data"))
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["demo", "--no-analyze", "--port", str(port), "--db", str(tmp_path / "d.db"),
                     "-o", str(tmp_path / "r.xlsx")]) == 0
    out = capsys.readouterr().out
    assert f"port {port} is busy" in caplog.text
    running = next(ln for ln in out.splitlines() if ln.startswith("demo shop running at"))
    assert not running.endswith(f":{port}")


@pytest.mark.slow
def test_demo_analyzes_and_prints_top_complaints(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("REVIEWLENS_DATA_DIR", str(tmp_path / "data"))
    db, out = tmp_path / "demo.db", tmp_path / "demo.xlsx"
    assert main(["demo", "--limit", "24", "--port", "0", "--db", str(db), "-o", str(out), "-q"]) == 0
    text = capsys.readouterr().out
    assert "analyzed 24 review texts" in text
    assert "Top complaints" in text or "No complaint themes" in text
    store = Store(db)
    assert count_rows(store, "analyses") == 24  # one analysis (ok or failed) per analyzed text
    themes, scope = queries.latest_complaints(store)
    by_id = {r.id: r for r in store.reviews_frame().itertuples()}
    loved, _ = queries.latest_complaints(store, "praise")  # what customers love, computed with the complaints
    assert loved and "What customers love most: " + loved[0].label in text
    for t in themes + loved:  # quotes are verbatim and point at their reviews
        for q in t.quotes:
            assert q.text in by_id[q.review_id].text
    assert "Praise" in load_workbook(out, read_only=True).sheetnames
    assert [r["kind"] for r in store.list_runs()] == ["report", "analyze", "scrape"]


def test_demo_on_a_changed_layout_exits_3_as_scrape_does(tmp_path, capsys, monkeypatch):
    """README: `REVIEWLENS_DEMO_CHANGED_LAYOUT=aurora-headphones reviewlens demo --no-analyze` after a normal demo
    shows the degraded exit status (3); demo used to exit 1."""
    import socket
    monkeypatch.setenv("REVIEWLENS_DATA_DIR", str(tmp_path / "data"))
    with socket.socket() as s:  # the same port both times, so the reviews keep their identities
        s.bind(("127.0.0.1", 0))
        port = str(s.getsockname()[1])
    db = str(tmp_path / "d.db")
    assert main(["demo", "--no-analyze", "--port", port, "--db", db, "-o", str(tmp_path / "1.xlsx"), "-q"]) == 0
    monkeypatch.setenv("REVIEWLENS_DEMO_CHANGED_LAYOUT", "aurora-headphones")
    assert main(["demo", "--no-analyze", "--port", port, "--db", db, "-o", str(tmp_path / "2.xlsx"), "-q"]) == 3
    assert "degraded: " in capsys.readouterr().out
