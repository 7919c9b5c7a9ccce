"""One rule for what the command line says when something goes wrong: the user's own mistake (an option's
value, an empty date range, a missing file, a wrong extension) as `reviewlens COMMAND: message`, exit 2,
without a Python class name or the -vv hint; anything unexpected with its class name and the hint, exit 1."""

from __future__ import annotations

import argparse
import json

import pytest

from reviewlens.app import cli
from reviewlens.app.cli import ExitStatus, main
from reviewlens.app.parser import build_parser
from reviewlens.schema import Analysis, Entity, Review
from reviewlens.store import Store
from tests.helpers import write_csv

ROWS = [{"text": f"Review {i}: the strap broke after a week.", "rating": 1 + i % 5,
         "date": f"2026-10-{1 + i % 20:02d}", "product": "Pulse Fitness Smartwatch"} for i in range(12)]


@pytest.fixture
def db(tmp_path, capsys):
    path = str(tmp_path / "s.db")
    assert main(["import", write_csv(tmp_path / "r.csv", ROWS), "--db", path, "-q"]) == 0
    capsys.readouterr()
    return path


def _subparsers(parser: argparse.ArgumentParser, path: tuple = ()):
    """(command words, parser) for every command and action of the command line."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield (*path, name), sub
                yield from _subparsers(sub, (*path, name))


def _plain(err: str, command: str) -> None:
    assert err.startswith(f"reviewlens {command}: "), err
    assert "Error" not in err and "-vv" not in err and "Traceback" not in err, err


def test_every_option_has_help():
    """`report --help` showed --since and --until without a word; so did runs --limit and others."""
    missing = [f"{' '.join(words)} {a.option_strings or a.dest}" for words, sub in _subparsers(build_parser())
               for a in sub._actions
               if not a.help and not isinstance(a, (argparse._HelpAction, argparse._SubParsersAction))]
    assert missing == []


def test_an_empty_date_range_is_the_same_error_everywhere(db, tmp_path, capsys):
    """It was a ValueError with the -vv hint (exit 1) in complaints, suspicious, report and competitors, a
    "configuration error" in compare, and export quietly wrote 0 reviews."""
    extra = {"export": ["-o", str(tmp_path / "e.csv")], "ask": ["battery?"], "report": ["-o", str(tmp_path / "r.xlsx")]}
    takes = sorted(words[0] for words, sub in _subparsers(build_parser())
                   if {"--since", "--until"} <= {o for a in sub._actions for o in a.option_strings})
    assert {"complaints", "suspicious", "report", "competitors", "compare", "export", "ask"} <= set(takes)
    for command in takes:
        argv = [command, *extra.get(command, []), "--since", "2026-10-09", "--until", "2026-10-02", "--db", db]
        assert main(argv) == ExitStatus.CONFIG_ERROR, command
        err = capsys.readouterr().err
        _plain(err, command)
        assert "--since 2026-10-09 is after --until 2026-10-02" in err
    assert not (tmp_path / "e.csv").exists() and not (tmp_path / "r.xlsx").exists()


def test_users_mistakes_are_plain_and_surprises_keep_their_class(db, tmp_path, capsys, monkeypatch):
    assert main(["tag", "add", "escalated", "nosuchid", "--db", db]) == 2
    err = capsys.readouterr().err
    _plain(err, "tag")
    assert "no review with id 'nosuchid'" in err and "configuration error" not in err
    assert main(["label", "import", str(tmp_path / "missing.csv"), "--db", db]) == 2
    _plain(capsys.readouterr().err, "label")
    with pytest.raises(SystemExit) as e:
        main(["changes", "delete", "abc", "--db", db])
    assert e.value.code == 2 and "invalid value 'abc': a whole number above 0" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["runs", "--limit", "0", "--db", db])
    assert "invalid value '0': a whole number above 0" in capsys.readouterr().err

    def broken(args, settings):
        raise RuntimeError("the disk is on fire")

    monkeypatch.setitem(cli.COMMANDS, "runs", broken)
    assert main(["runs", "--db", db]) == ExitStatus.ERROR
    err = capsys.readouterr().err
    assert "reviewlens runs: RuntimeError: the disk is on fire" in err and "-vv" in err


def test_export_writes_what_its_name_says(db, tmp_path, capsys, monkeypatch):
    """`-o x.xlsx` wrote JSON lines into a file named .xlsx; `-o folder/` failed with an IsADirectoryError and
    left a .part file beside the folder."""
    for name, says in (("x.xlsx", "the Excel report is `reviewlens report -o FILE.xlsx`"),
                       (f"{tmp_path}/", "is a folder: give a file name")):
        with pytest.raises(SystemExit) as e:
            main(["export", "-o", str(tmp_path / name) if not name.endswith("/") else name, "--format", "csv",
                  "--db", db])
        assert e.value.code == 2 and says in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.parent.iterdir() if p.name.endswith(".part")) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.csv", "s.db"]
    assert main(["export", "-o", str(tmp_path / "x.jsonl"), "--format", "csv", "--db", db]) == 2
    assert "--format csv, but" in capsys.readouterr().err
    assert main(["export", "-o", str(tmp_path / "x.json"), "--db", db, "-q"]) == 0
    assert "(JSONL)" in capsys.readouterr().out
    assert len([json.loads(line) for line in (tmp_path / "x.json").read_text().splitlines()]) == len(ROWS)

    def fails_halfway(store, path, fmt, **kw):
        (path.parent / (path.name + ".part")).write_text("half")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("reviewlens.records_io.export_records", fails_halfway)
    assert main(["export", "-o", str(tmp_path / "y.csv"), "--db", db]) == 1
    assert not (tmp_path / "y.csv.part").exists() and not (tmp_path / "y.csv").exists()


def test_report_and_label_files_need_their_extension(db, tmp_path, capsys):
    with pytest.raises(SystemExit) as e:
        main(["report", "-o", str(tmp_path / "r.csv"), "--db", db])
    err = capsys.readouterr().err
    assert e.value.code == 2 and "r.csv: the report is an Excel workbook: end the name in .xlsx" in err
    assert "ValueError" not in err


def test_impossible_filters_are_errors(db, capsys):
    """`ask --min-rating 6`, `--max-rating 0`, `--language xx` and `compare --language xx` said "no reviews to
    search (is the store empty...)" and exited 0."""
    for argv in (["--min-rating", "6"], ["--max-rating", "0"], ["--min-rating", "many"]):
        with pytest.raises(SystemExit) as e:
            main(["ask", "strap?", *argv, "--no-llm", "--db", db])
        assert e.value.code == 2 and "a rating from 1 to 5 stars" in capsys.readouterr().err
    assert main(["ask", "strap?", "--min-rating", "4", "--max-rating", "2", "--no-llm", "--db", db]) == 2
    err = capsys.readouterr().err
    _plain(err, "ask")
    assert "rating range is empty" in err
    for argv in (["ask", "strap?", "--no-llm"], ["compare"]):
        assert main([*argv, "--language", "xx", "--db", db]) == 2
        err = capsys.readouterr().err
        _plain(err, argv[0])
        assert "--language 'xx': no analyzed review is in that language" in err


def test_runs_says_what_a_deletion_took(db, capsys):
    store = Store(db)
    assert main(["runs", "--kind", "delete", "--db", db]) == 0
    assert capsys.readouterr().out == "no delete runs yet\n"   # not "no runs yet (try reviewlens demo)"
    run_id, n = store.delete_reviews(run_id=store.list_runs(kind="import")[0]["id"])
    assert n == len(ROWS)
    assert main(["runs", "--kind", "delete", "--db", db]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 and lines[1].split()[:2] == [str(run_id), "delete"]
    # id kind status date time secs pages [new seen: empty] errs source; the count was in `seen`
    assert lines[1].split()[6:10] == ["0", "0", "deleted", f"{n}:"]


def test_a_selection_keeps_the_products_spelling_and_suggests_only_mentions(tmp_path, capsys):
    """`suspicious --product "Pulse Fitness Smartwatch"` printed "Products: pulse fitness smartwatch"; `export
    --mentions DHL` suggested 'Pulse', a part of the product's own name that `mentions` does not list."""
    path = str(tmp_path / "m.db")
    store = Store(path)
    rows = [("Pulse tracks my runs well.", [("Pulse", "ORG")]), ("Marco at the shop helped.", [("Marco", "PERSON")])]
    revs = [Review(source="shop", text=t, rating=4, product="Pulse Fitness Smartwatch") for t, _ in rows]
    store.upsert_reviews(revs)
    store.save_analyses([Analysis(content_hash=r.content_hash, model="m", prompt_version="p", sentiment="positive",
                                  entities=[Entity(n, k, t.index(n), t.index(n) + len(n)) for n, k in ents])
                         for r, (t, ents) in zip(revs, rows)])
    for command in ("suspicious", "competitors"):
        assert main([command, "--product", "Pulse Fitness Smartwatch", "--db", path, "-q"]) == 0
        assert capsys.readouterr().out.startswith("Products: Pulse Fitness Smartwatch")
    assert main(["export", "--mentions", "DHL", "-o", str(tmp_path / "x.csv"), "--db", path]) == 2
    err = capsys.readouterr().err
    assert "(the most named: 'Marco')" in err and "Pulse" not in err


def test_a_site_config_that_cannot_be_used_is_the_users_mistake(tmp_path, capsys):
    """`scrape --site bad.toml`: exit 2 as `scrape --help` says (it was 1, with the class name)."""
    bad = tmp_path / "bad.toml"
    bad.write_text('review = ".r"\nrevew_typo = 1\n', encoding="utf-8")
    for site in (str(bad), "no-such-site"):
        assert main(["scrape", "http://127.0.0.1:9/p", "--site", site, "--db", str(tmp_path / "s.db"), "-q"]) == 2
        err = capsys.readouterr().err
        assert "SiteConfigError" not in err and "-vv" not in err and err.startswith("reviewlens scrape: "), err


def test_one_review_is_said_as_one(tmp_path, capsys):
    """'wrote 1 reviews' (export) and '— 1 reviews (12%)' (complaints) read '1 review'."""
    from reviewlens.app.jobs import format_complaints
    from reviewlens.schema import ComplaintTheme

    db = str(tmp_path / "one.db")
    Store(db).upsert_reviews([Review(source="s", text="The lid sticks.", rating=2)])
    assert main(["export", "-o", str(tmp_path / "one.csv"), "--db", db]) == 0
    assert "wrote 1 review to " in capsys.readouterr().out
    text = format_complaints([ComplaintTheme(label="Old device failure", summary="", count=1, share=0.12,
                                             previous_count=0, trend=None)], {})
    assert "1. Old device failure — 1 review (12%)" in text
