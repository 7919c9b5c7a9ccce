"""The command line: every subcommand has a help text, bad input gives a clear message and an exit code."""

from __future__ import annotations

import subprocess
import sys

import pytest

from reviewlens.app.cli import COMMANDS, ExitStatus, main
from reviewlens.app.parser import build_parser, parse_args
from reviewlens.store import Store


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
    assert main(["import", str(tmp_path / "missing.csv"), "--db", str(tmp_path / "s.db")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("reviewlens import: ") and "missing.csv: no such file" in err
    assert "Traceback" not in err and "Error" not in err and "-vv" not in err
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
    assert "partial" in out and "shop-a" in out and "http://a/3: no reviews on page" in out
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


def test_label_actions_have_help_and_take_db_before_or_after(capsys, tmp_path):
    parser = build_parser()
    for action in ("import", "list", "export"):
        with pytest.raises(SystemExit) as e:
            parser.parse_args(["label", action, "--help"])
        assert e.value.code == 0 and "--db" in capsys.readouterr().out, action
    # --db before the action is not lost to the action's defaults (argparse copies its namespace up)
    assert parser.parse_args(["label", "--db", "a.db", "-v", "list"]).db == "a.db"
    args = parser.parse_args(["label", "import", "f.csv", "--db", "b.db", "-q"])
    assert (args.db, args.quiet, args.verbose, args.label_command) == ("b.db", True, 0, "import")


def test_common_options_before_the_command(tmp_path, capsys):
    # `reviewlens --db x.db runs` was "invalid choice: 'x.db'"; the value after the command wins
    args = parse_args(["--db", "a.db", "-v", "--config", "c.toml", "-q", "runs"])
    assert (args.db, args.config, args.verbose, args.quiet) == ("a.db", "c.toml", 1, True)
    args = parse_args(["--db", "a.db", "-v", "runs", "--db", "b.db", "-v"])
    assert (args.db, args.config, args.verbose, args.quiet) == ("b.db", None, 2, False)
    assert not any(k.startswith("top_") for k in vars(args))
    db = tmp_path / "before.db"
    assert main(["--db", str(db), "import", str(tmp_path / "missing.csv")]) == 2
    assert "missing.csv: no such file" in capsys.readouterr().err
    assert main(["--db", str(db), "runs"]) == 0
    assert db.exists() and not (tmp_path / "data").exists()


def test_label_import_list_export(tmp_path, capsys):
    """Good and bad rows from a file; topics from the settings' taxonomy (user topics too); list; export and
    import the export into another store."""
    from reviewlens.schema import Review
    from reviewlens.store import Store

    db = tmp_path / "s.db"
    s = Store(db)
    r = Review(source="shop", text="Battery died after a day. Shipping was slow.")
    s.upsert_reviews([r])
    s.close()
    cfg = tmp_path / "reviewlens.toml"
    cfg.write_text('[[analysis.topics]]\nname = "battery"\ndescription = "battery life and charging"\n')
    f = tmp_path / "mine.csv"
    f.write_text("id,text,sentiment,topic,topic_sentiment\n"
                 f"{r.id},,Negative,battery,negative\n"
                 f"{r.id},,,Delivery,\n"
                 ",Some other review,positive,,\n"
                 ",Some other review,,teleportation,\n"
                 "unknown-id,,neutral,,\n", encoding="utf-8")
    base = ["--db", str(db), "--config", str(cfg)]
    assert main(["label", "import", str(f), *base]) == 0
    out = capsys.readouterr().out
    assert "read 5 rows" in out and "4 labels, 4 added, 0 replaced" in out and "2 rows skipped" in out
    assert "the next `reviewlens analyze` learns from them" in out
    assert f"{f}, line 5: topic 'teleportation' is not in the taxonomy" in out and "battery" in out
    assert f"{f}, line 6: id 'unknown-id' is not a review in the store" in out
    # again: nothing new
    assert main(["label", "import", str(f), *base]) == 0
    out = capsys.readouterr().out
    assert "0 added, 0 replaced, 4 already stored" in out and "learns from them" not in out
    one = tmp_path / "one.csv"
    one.write_text("text,sentiment\nSome other review,great\n", encoding="utf-8")
    assert main(["label", "import", str(one), *base]) == 0
    assert "read 1 row from" in (out := capsys.readouterr().out) and "0 labels, 0 added" in out and "; 1 row skipped" in out

    assert main(["label", "list", "--kind", "topic", *base]) == 0
    out = capsys.readouterr().out
    assert "battery (negative)" in out and "delivery" in out and "positive" not in out
    assert "import:mine.csv" in out and "Battery died after a day." in out and "label version" in out
    assert main(["label", "list", "--limit", "1", *base]) == 0
    assert len([ln for ln in capsys.readouterr().out.splitlines() if "import:mine.csv" in ln]) == 1

    exported = tmp_path / "labels.jsonl"
    assert main(["label", "export", "-o", str(exported), *base]) == 0
    assert "wrote 4 labels" in capsys.readouterr().out
    other = tmp_path / "other.db"
    assert main(["label", "import", str(exported), "--db", str(other), "--config", str(cfg)]) == 0
    assert "4 added" in capsys.readouterr().out
    assert Store(other).label_version() == Store(db).label_version()


def test_label_commands_fail_clearly(tmp_path, capsys):
    db = str(tmp_path / "s.db")
    assert main(["label", "list", "--db", db]) == 0
    assert "no labels yet" in capsys.readouterr().out
    assert main(["label", "import", str(tmp_path / "missing.csv"), "--db", db]) == 2
    err = capsys.readouterr().err
    assert "missing.csv: no such file" in err and "Traceback" not in err and "ImportFileError" not in err
    f = tmp_path / "reviews.csv"
    f.write_text("text,rating\nfine,5\n", encoding="utf-8")
    assert main(["label", "import", str(f), "--db", db]) == 2
    assert "needs an id or text column and a sentiment and/or topic column" in capsys.readouterr().err
    with pytest.raises(SystemExit) as e:
        main(["label", "export", "-o", str(tmp_path / "x.xlsx"), "--db", db])
    assert e.value.code == 2 and "x.xlsx: the name must end in .csv, .jsonl or .ndjson" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["label", "list", "--kind", "rating", "--db", db])


@pytest.mark.parametrize("with_torch", [False, True])
def test_entry_point_exits_with_the_status_after_exit_handlers_and_flushed_output(tmp_path, with_torch):
    """`run()` (the console script) returns main's status; with torch loaded it skips Python's teardown,
    but exit handlers still run and everything printed arrives, also when stdout is a pipe."""
    marker = tmp_path / "atexit-ran"
    code = (f"import atexit, pathlib, sys\n{'import torch' if with_torch else ''}\n"
            f"atexit.register(lambda: pathlib.Path({str(marker)!r}).write_text('yes'))\n"
            "sys.argv = ['reviewlens', 'runs', '--db', sys.argv[1]]\n"
            "print('x' * 200000, end='')\n"  # more than a pipe buffer: must be flushed, not lost
            "from reviewlens.app.cli import run\nrun()\n")
    db = tmp_path / "r.db"
    Store(db).close()  # an empty store: `runs` on a file that is not there is refused (a mistyped --db)
    r = subprocess.run([sys.executable, "-c", code, str(db)], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("x" * 200000) and r.stdout.endswith("no runs yet (try `reviewlens demo` or `reviewlens scrape URL`)\n")
    assert marker.read_text() == "yes"
    bad = subprocess.run([sys.executable, "-c", code.replace("'runs', '--db', sys.argv[1]", "'report', '--db', sys.argv[1], "
                                                              "'--config', '/nonexistent/x.toml'"), str(db)],
                         capture_output=True, text=True, timeout=120)
    assert bad.returncode == ExitStatus.CONFIG_ERROR and "configuration error" in bad.stderr


def test_entry_point_leaves_the_sqlite_file_complete(tmp_path):
    """After the quick exit, what a command wrote is in the .db file itself (the store is closed at exit, so
    SQLite folds its write-ahead log in): a copy of the file alone has the imported reviews."""
    import shutil
    import sqlite3

    src = tmp_path / "in.csv"
    src.write_text("text,rating\nThe lid broke on day two.,1\nLovely kettle.,5\n", encoding="utf-8")
    db = tmp_path / "r.db"
    code = ("import sys, torch\nsys.argv = ['reviewlens', 'import', sys.argv[1], '--db', sys.argv[2]]\n"
            "from reviewlens.app.cli import run\nrun()\n")
    r = subprocess.run([sys.executable, "-c", code, str(src), str(db)], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert not (tmp_path / "r.db-wal").exists() or (tmp_path / "r.db-wal").stat().st_size == 0
    shutil.copy(db, tmp_path / "copy.db")
    with sqlite3.connect(tmp_path / "copy.db") as con:
        assert con.execute("select count(*) from reviews").fetchone()[0] == 2


def test_analysis_switches_reach_the_settings(tmp_path):
    from reviewlens.app.cli import _settings

    cfg = tmp_path / "reviewlens.toml"
    cfg.write_text("[analysis]\ntranslate = true\nsecond_head = true\n")
    s = _settings(parse_args(["analyze", "--config", str(cfg), "--no-translate", "--no-second-head"]))
    assert s.analysis.translate is False and s.analysis.second_head is False
    s = _settings(parse_args(["analyze", "--config", str(cfg)]))
    assert s.analysis.translate is True and s.analysis.second_head is True
    cfg.write_text("[analysis]\ntranslate = 'yes please'\n")
    from reviewlens.config import ConfigError

    with pytest.raises(ConfigError, match="translate"):
        _settings(parse_args(["analyze", "--config", str(cfg)]))


def test_scrape_says_what_is_not_a_web_address(capsys):
    from reviewlens.app.parser import _url

    for bad in ("notaurl", "javascript:alert(1)", "ftp://example.com/x", "file:///etc/passwd"):
        with pytest.raises(SystemExit) as e:
            main(["scrape", bad])
        assert e.value.code == 2 and "not a web address" in capsys.readouterr().err
    assert _url("www.example.com/p/1") == "https://www.example.com/p/1"
    assert _url(" http://127.0.0.1:8765/static/x ") == "http://127.0.0.1:8765/static/x"


def test_a_schedules_unknown_site_is_said_when_it_starts(tmp_path, capsys):
    """`site = "trustpilt"` was found only when the source first came due (hours later, in a log); a site
    config file is read next to the schedule file, wherever the command is run from."""
    db = str(tmp_path / "s.db")
    sched = tmp_path / "conf" / "schedule.toml"
    sched.parent.mkdir()
    sched.write_text('[[sources]]\nname = "shop"\nurl = "https://shop.example/p/1"\nsite = "trustpilt"\nevery = "1d"\n')
    assert main(["schedule", str(sched), "--list", "--db", db]) == 2
    err = capsys.readouterr().err
    assert f"{sched}: source 'shop' ([[sources]] #1): site: unknown site config 'trustpilt'" in err
    assert "trustpilot" in err and "Traceback" not in err
    (sched.parent / "shop.toml").write_text('match = ["shop.example/*"]\nreview = ".r"\n[fields]\ntext = ".t"\n')
    sched.write_text(sched.read_text().replace('"trustpilt"', '"shop.toml"'))
    assert main(["schedule", str(sched), "--list", "--db", db]) == 0, capsys.readouterr().err
    assert "shop: every 1d, never run (due)" in capsys.readouterr().out


def test_a_command_that_reads_reviews_refuses_a_store_that_is_not_there(tmp_path, capsys):
    """`runs --db /nonexistent/dir/x.db` said "no runs yet" and `complaints` "are the reviews analyzed?" on a
    mistyped path, and each left a new empty database (and its folders) there."""
    missing = tmp_path / "typo" / "reviewz.db"
    for cmd in (["runs"], ["complaints", "--stored"], ["report", "-o", str(tmp_path / "r.xlsx")], ["export", "-o",
                str(tmp_path / "e.jsonl")]):
        assert main([*cmd, "--db", str(missing)]) == 2
        err = capsys.readouterr().err
        assert f"no store at {missing} (a mistyped --db?)" in err and "Traceback" not in err
    assert not missing.parent.exists()
    assert main(["import", str(tmp_path / "none.csv"), "--db", str(missing)]) == 2  # its own error: the file
    assert "none.csv: no such file" in capsys.readouterr().err


def test_database_urls_that_cannot_be_used_are_said_plainly(capsys):
    """`mysql://` and `postgresql+psycopg2://` were ModuleNotFoundError (exit 1); a password with an unescaped @
    showed part of it as the host; a server that is down came with SQLAlchemy's background link."""
    assert main(["runs", "--db", "mysql://u:p@127.0.0.1/db"]) == 2
    assert "mysql:// databases are not supported: ReviewLens stores in SQLite" in capsys.readouterr().err
    assert main(["runs", "--db", "postgresql://u:p@ss@127.0.0.1/db"]) == 2
    err = capsys.readouterr().err
    assert "password holds an '@': write it as %40" in err and "ss@127" not in err
    assert main(["runs", "--db", "postgresql+psycopg2://u:secret@127.0.0.1:1/db"]) == 1  # psycopg 3 drives it
    err = capsys.readouterr().err
    assert err.startswith("reviewlens runs: the database: connection failed: ") and "Connection refused" in err
    assert "sqlalche.me" not in err and "secret" not in err and "Traceback" not in err


def test_help_names_every_alert_rule_and_what_export_refuses(capsys):
    """`alerts --help` left out name_complaints; `export --help` said another extension gave JSONL (it is refused)."""
    import dataclasses

    from reviewlens.config import AlertSettings

    with pytest.raises(SystemExit):
        main(["alerts", "--help"])
    text = capsys.readouterr().out
    assert [f.name for f in dataclasses.fields(AlertSettings) if f"{f.name} = " not in text] == ["channels"]
    with pytest.raises(SystemExit):
        main(["export", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "or another: JSONL" not in text and "another is refused" in text
