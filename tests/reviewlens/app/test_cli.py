"""The command line: every subcommand has a help text, bad input gives a clear message and an exit code."""

from __future__ import annotations

import subprocess
import sys

import pytest

from reviewlens.app.cli import COMMANDS, main
from reviewlens.app.parser import build_parser


def test_every_subcommand_has_help_and_db(capsys):
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    assert set(sub.choices) == set(COMMANDS)
    for name in COMMANDS:
        with pytest.raises(SystemExit) as e:
            parser.parse_args([name, "--help"])
        assert e.value.code == 0
        out = capsys.readouterr().out
        assert "--db" in out, name
        assert len(out.splitlines()) > 5, name


def test_console_script_help():
    out = subprocess.run([sys.executable, "-m", "reviewlens.app.cli", "--help"], capture_output=True, text=True,
                         check=True).stdout
    for name in ("scrape", "import", "export", "runs", "schedule", "demo", "analyze", "complaints", "report",
                 "dashboard"):
        assert name in out


def test_clear_errors(tmp_path, capsys):
    assert main(["import", str(tmp_path / "missing.csv"), "--db", str(tmp_path / "s.db")]) == 1
    err = capsys.readouterr().err
    assert "missing.csv: no such file" in err and "Traceback" not in err
    bad = tmp_path / "bad.toml"
    bad.write_text("[scraper]\nspeed = 3\n")
    assert main(["runs", "--config", str(bad), "--db", str(tmp_path / "s.db")]) == 2
    assert "unknown setting 'speed'" in capsys.readouterr().err
    assert main(["schedule", str(tmp_path / "nope.toml"), "--once", "--db", str(tmp_path / "s.db")]) == 2
    assert "schedule file not found" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["export", "--format", "xml", "-o", "x"])


def test_runs_lists_history(tmp_path, capsys):
    from reviewlens.store import Store

    db = tmp_path / "s.db"
    s = Store(db)
    rid = s.start_run("scrape", "shop-a")
    s.update_run(rid, pages=3, new=12, seen=4, errors=[{"url": "http://a/3", "message": "no reviews on page"}])
    s.finish_run(rid, "partial")
    assert main(["runs", "--errors", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "partial" in out and "shop-a" in out and "http://a/3 no reviews on page" in out
    assert main(["runs", "--json", "--db", str(db)]) == 0
    assert '"reviews_new": 12' in capsys.readouterr().out


def test_settings_file_and_env(tmp_path, monkeypatch):
    from reviewlens.config import load_settings

    cfg = tmp_path / "reviewlens.toml"
    cfg.write_text('db = "x.db"\n[scraper]\ndelay = 2.5\nbrowsers = 3\n[analysis]\nmodel = "Qwen/Qwen2.5-1.5B-Instruct"\n'
                   '[[analysis.topics]]\nname = "battery"\ndescription = "battery life and charging"\n')
    s = load_settings(cfg)
    assert s.db == "x.db" and s.scraper.delay == 2.5 and s.scraper.browsers == 3
    assert s.analysis.model == "Qwen/Qwen2.5-1.5B-Instruct" and s.analysis.topics[0]["name"] == "battery"
    monkeypatch.setenv("REVIEWLENS_DB", "postgresql://u@h/d")
    assert load_settings(cfg).db == "postgresql://u@h/d"
    assert load_settings(cfg, db="cli.db").db == "cli.db"  # the command line wins


def test_reading_commands_work_on_a_read_only_store(tmp_path, capsys, caplog):
    """`report`, `runs`, `export` and `complaints --stored` only read: a read-only store is enough
    (the report's run cannot be recorded, which is said, not fatal)."""
    from reviewlens.schema import Review
    from reviewlens.store import Store

    db = tmp_path / "s.db"
    s = Store(db)
    s.upsert_reviews([Review(source="shop", text=f"review number {i}", rating=1 + i % 5) for i in range(5)])
    s.close()
    ro = f"sqlite:///file:{db}?mode=ro&uri=true"
    out = tmp_path / "r.xlsx"
    assert main(["report", "-o", str(out), "--db", ro]) == 0
    assert out.is_file()
    assert "not recorded in the run history" in caplog.text and "read-only" in caplog.text
    assert main(["runs", "--db", ro]) == 0
    assert main(["complaints", "--stored", "--db", ro]) == 0
    assert main(["export", "--format", "csv", "-o", str(tmp_path / "x.csv"), "--db", ro]) == 0
    assert "wrote 5 reviews" in capsys.readouterr().out
    assert Store(db).list_runs() == []  # nothing was written
