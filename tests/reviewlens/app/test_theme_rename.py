"""`reviewlens complaints --rename OLD NEW`: a theme gets the user's name in the latest computed themes (which the
next computation keeps while it finds the theme again: tests/analysis/test_complaints.py)."""

from __future__ import annotations

from reviewlens import queries
from reviewlens.app.cli import main
from reviewlens.schema import ComplaintTheme
from reviewlens.store import Store

SCOPE = {"since": "2026-08-01", "until": "2026-10-30"}


def test_rename_in_the_store(store):
    store.save_complaints([ComplaintTheme(label="Old", summary="", count=1, share=0.1, review_ids=["a"])], SCOPE)
    store.save_complaints([ComplaintTheme(label="Call issue", summary="", count=3, share=0.3, review_ids=["b"]),
                           ComplaintTheme(label="Old", summary="", count=2, share=0.2, review_ids=["c"])], SCOPE)
    assert store.rename_theme("Call issue", "Unanswered calls") == 1
    assert [t.label for t in queries.latest_complaints(store)[0]] == ["Unanswered calls", "Old"]
    assert store.rename_theme("Nope", "X") == 0


def test_rename_command(tmp_path, capsys):
    db = str(tmp_path / "t.db")
    Store(db).save_complaints([ComplaintTheme(label="Call issue", summary="", count=3, share=0.3)], SCOPE)
    assert main(["complaints", "--rename", "Call issue", "Unanswered <b>support</b> calls", "--db", db]) == 0
    out = capsys.readouterr().out
    assert "renamed 'Call issue' to 'Unanswered support calls'" in out  # markup removed, as from an LLM
    assert "1. Unanswered support calls — 3 reviews" in out
    assert main(["complaints", "--rename", "Nope", "X y", "--db", db]) == 2
    assert "no theme named 'Nope'" in capsys.readouterr().err
    assert main(["complaints", "--rename", "Unanswered support calls", "<>", "--db", db]) == 2
