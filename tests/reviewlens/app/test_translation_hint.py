"""Reviews in other languages read in the packaged 0.5B's machine translation: the analysis run, `complaints` and
the dashboard's Overview say so, with what to do. The 0.5B lost product words ("Reißverschluss" -> "reiss ending",
"fermeture éclair" -> "closing of the door") and one planted complaint in five languages became five themes with
invented names, while nothing said that the themes rested on a weak translation."""

from __future__ import annotations

from reviewlens import queries as Q
from reviewlens.app import jobs
from reviewlens.app.cli import main
from reviewlens.config import AnalysisSettings

from tests.dashboard.seed import seeded_sqlite  # noqa: F401  (fixture)
from tests.helpers import app_test


def test_the_run_says_when_many_reviews_were_read_in_the_small_models_translation(seeded_sqlite):
    from analysis.analyzer import Analyzer

    store, _, _ = seeded_sqlite
    an = Analyzer(AnalysisSettings())  # the packaged 0.5B translates when the 1.5B is not installed
    assert "0.5b" in an.translator.name.lower()
    run_id = store.start_run("analyze", an.model_id, "manual")
    s = jobs.AnalysisSummary(run_id=run_id, model=an.model_id, prompt_version=an.prompt_version, analyzed=40)
    jobs._translation_hint(store, an, run_id, s, translated=12)
    said = Q.translation_hint(store)
    assert said and said.startswith("12 of the 40 reviews just analyzed are in other languages") and \
        "--model-1.5b" in said and "--retranslate" in said, said
    assert store.list_runs(kind="analyze")[0]["detail"]["translation_hint"] == said
    # a run that analyzed nothing leaves it; one that translated few clears it
    jobs._translation_hint(store, an, run_id, jobs.AnalysisSummary(run_id=run_id, model="m", prompt_version="p"), 0)
    assert Q.translation_hint(store) == said
    jobs._translation_hint(store, an, run_id, s, translated=2)
    assert Q.translation_hint(store) is None


def test_complaints_and_the_overview_say_it(monkeypatch, seeded_sqlite, capsys):
    store, _, db = seeded_sqlite
    hint = "12 of the 40 reviews just analyzed are in other languages and were read in the packaged 0.5B's ..."
    store.save_checkpoint(Q.TRANSLATION_HINT, {"hint": hint, "run_id": 1})
    assert main(["--db", db, "-q", "complaints", "--stored"]) == 0
    assert f"Note: {hint}." in capsys.readouterr().out
    at = app_test(monkeypatch, db)
    assert f"{hint}." in [i.value for i in at.info], [i.value for i in at.info]
    store.save_checkpoint(Q.TRANSLATION_HINT, {"hint": None, "run_id": 2})
    assert main(["--db", db, "-q", "complaints", "--stored"]) == 0
    assert "Note:" not in capsys.readouterr().out
