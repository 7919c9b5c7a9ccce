"""`analyze` on a store with a large backlog: a retailer could only take `--limit N` (the newest, not said), could not
analyze one product's reviews or last month's, was not told how many were left nor how long they would take, and
waited two minutes for the themes step with nothing on screen."""

from __future__ import annotations

from datetime import date, timedelta

from reviewlens.app import jobs
from reviewlens.app.cli import main
from reviewlens.app.jobs import AnalysisSummary, Job, JobOptions, run_analysis
from reviewlens.config import Settings
from reviewlens.schema import Review
from tests.reviewlens.app.test_redo_letterless import StubAnalyzer

NEWEST = date(2026, 11, 30)


def _seed(store) -> None:
    store.upsert_reviews([Review(source="web" if i % 2 else "app", text=f"{product} review {i}", product=product,
                                 rating=3, author=f"{product}{i}", date=NEWEST - timedelta(days=i))
                          for product in ("Laptop", "Kettle") for i in range(20)])


def test_a_slice_is_analyzed_and_what_is_left_is_said(store):
    _seed(store)
    stub = StubAnalyzer()
    s = run_analysis(store, stub, quiet=True, only={"products": ["Laptop"], "sources": ["web"],
                                                    "since": NEWEST - timedelta(days=9)})
    assert sorted(stub.seen) == sorted(f"Laptop review {i}" for i in (1, 3, 5, 7, 9))
    assert (s.analyzed, s.left, s.left_selected) == (5, 35, 0)
    s = run_analysis(store, stub, quiet=True, limit=3, only={"products": ["Kettle"]})
    assert stub.seen[-3:] == ["Kettle review 0", "Kettle review 1", "Kettle review 2"]  # the newest first
    assert (s.left, s.left_selected) == (32, 17)
    line = s.left_line()
    assert line.startswith("review texts still not analyzed: 17 of the selection, about ")
    assert "; 32 in the store (" in line
    assert store.list_runs(limit=1)[0]["detail"]["only"] == {"products": ["Kettle"]}


def test_the_time_left_is_estimated_at_the_measured_rate():
    s = AnalysisSummary(run_id=1, model="m", prompt_version="p", analyzed=300, seconds=310.0, themes_seconds=110.0,
                        left=102_083)
    assert s.rate == 1.5
    assert s.left_line().startswith("review texts still not analyzed: 102,083 in the store, about 18.9 h at this "
                                    "run's 1.50 reviews/s (reviewlens analyze reads them, the newest first; --product")


def test_the_command_takes_a_selection_and_says_the_themes_step_before_it(tmp_path, monkeypatch, capsys):
    from reviewlens.store import Store

    db = str(tmp_path / "a.db")
    _seed(Store(db))
    monkeypatch.setattr(Job, "analyzer", property(lambda self: StubAnalyzer()))
    monkeypatch.setattr(Job, "complaints", lambda self, **kw: ([], {}))
    monkeypatch.setattr(Job, "praise", lambda self, **kw: ([], {}))
    monkeypatch.setattr(Job, "requests", lambda self, **kw: ([], {}))
    monkeypatch.setattr(jobs, "themes_outdated", lambda store: None)
    assert main(["analyze", "--db", db, "--product", "Laptop", "--until", str(NEWEST - timedelta(days=10))]) == 0
    out = capsys.readouterr().out.splitlines()
    at = next(i for i, line in enumerate(out) if line.startswith("computing the top complaints, praise and requests"))
    assert out[at + 1].startswith("top complaints recomputed")
    assert "analyzed 10 review texts" in next(line for line in out if line.startswith("run "))
    assert out[-2].startswith("review texts still not analyzed: none of the selection; 30 in the store, about ")
    assert main(["analyze", "--db", db, "--product", "Laptopp"]) == 2
    assert "Laptop" in capsys.readouterr().err
    try:
        main(["analyze", "--help"])
    except SystemExit:
        pass
    helptext = " ".join(capsys.readouterr().out.split())
    assert "the newest first" in helptext and "--product" in helptext and "--since" in helptext


def test_job_options_carry_the_selection(store):
    _seed(store)
    job = Job(store, Settings(db="unused.db"))
    job._analyzer, job._label_version = StubAnalyzer(), store.label_version()
    res = job.run(JobOptions(quiet=True, complaints=False, only={"sources": ["app"]}), echo=lambda line: None)
    assert res.analysis.analyzed == 20 and res.analysis.left == 20
