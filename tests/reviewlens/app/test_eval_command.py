"""`reviewlens eval` outside the repository: its default data folder was `../shared/eval` from the current
folder (not found anywhere else, exit 1 with a Python class name); now shared/eval beside the project, and a
missing file is the user's to fix (exit 2, saying where the data must be). It says what it measures."""

from __future__ import annotations

from pathlib import Path

import pytest

from reviewlens.app import cli
from reviewlens.app.cli import main


@pytest.fixture
def seen(monkeypatch):
    from analysis import evaluate

    got = {}

    def fake(settings, eval_dir, **kw):
        got["dir"] = Path(eval_dir)
        if not (Path(eval_dir) / "semeval14_restaurants_train.xml").is_file():
            raise evaluate.EvalDataMissing(f"{Path(eval_dir) / 'semeval14_restaurants_train.xml'} not found")
        return {}

    monkeypatch.setattr(evaluate, "run_eval", fake)
    monkeypatch.setattr(evaluate, "format_report", lambda metrics: "| task | metric |")
    return got


def test_the_default_data_folder_does_not_depend_on_the_current_folder(seen, tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("REVIEWLENS_EVAL_DIR", raising=False)
    monkeypatch.chdir(tmp_path)
    main(["eval", "--tasks", "topics"])
    project = Path(cli.__file__).resolve().parents[2]
    assert seen["dir"] == project.parent / "shared" / "eval" and seen["dir"].is_absolute()


def test_missing_data_exits_2_saying_where_it_must_be(seen, tmp_path, capsys):
    assert main(["eval", "--tasks", "topics", "--eval-dir", str(tmp_path / "none")]) == 2
    err = capsys.readouterr().err
    assert "semeval14_restaurants_train.xml not found" in err and "--eval-dir" in err
    assert "EvalDataMissing" not in err and str(tmp_path / "none") in err


def test_a_missing_folder_named_by_the_environment_is_said_to_come_from_it(seen, tmp_path, monkeypatch, capsys):
    """REVIEWLENS_EVAL_DIR naming a missing folder was called "(the default)"."""
    monkeypatch.setenv("REVIEWLENS_EVAL_DIR", str(tmp_path / "gone"))
    assert main(["eval", "--tasks", "topics"]) == 2
    err = capsys.readouterr().err
    assert f"{tmp_path / 'gone'} (from REVIEWLENS_EVAL_DIR)" in err and "(the default)" not in err


def test_it_says_that_topics_are_the_packaged_restaurant_categories(seen, tmp_path, capsys):
    (tmp_path / "semeval14_restaurants_train.xml").write_text("<sentences/>")
    assert main(["eval", "--tasks", "topics", "--eval-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "packaged restaurant categories" in out and "not your taxonomy" in out
    with pytest.raises(SystemExit):
        main(["eval", "--help"])
    assert "whatever your taxonomy" in " ".join(capsys.readouterr().out.split())
