"""Which topics preset reviews read like (analysis.preset_fit), with the packaged MiniLM embedder: the bundled
restaurant and app reviews under a shop's topics get a hint naming their preset, and the run of `reviewlens
analyze` says it; reviews under the preset that fits them, a few reviews, and a taxonomy of one's own get none."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from analysis import preset_fit
from analysis.embeddings import get_embedder
from reviewlens.config import AnalysisSettings
from reviewlens.schema import Review

EXAMPLES = Path(__file__).resolve().parents[2] / "data" / "examples"


def texts(name: str) -> list[str]:
    with open(EXAMPLES / name, newline="", encoding="utf-8") as fh:
        return [row["text"] for row in csv.DictReader(fh)]


@pytest.fixture(scope="module")
def embedder():
    return get_embedder()


def test_the_bundled_examples_read_like_their_presets(embedder):
    trattoria, jotter, headphones = (texts("trattoria-reviews.csv"), texts("jotter-app-reviews.csv"),
                                     texts("headphones-reviews.csv"))
    got = preset_fit.better_preset(trattoria, "products", embedder)
    assert got and got[0] == "restaurants", got
    fits = got[1]
    assert fits["restaurants"][0] - fits["products"][0] >= preset_fit.MIN_MARGIN and fits["restaurants"][1] >= .5
    assert preset_fit.better_preset(jotter, "products", embedder)[0] == "apps"
    hotel = texts("hotel-reviews.csv")   # a hotel's reviews: the hotels preset, also under the restaurants one
    assert [preset_fit.better_preset(hotel, p, embedder)[0] for p in ("products", "restaurants")] == ["hotels"] * 2
    assert preset_fit.better_preset(hotel, "hotels", embedder) is None
    assert preset_fit.better_preset(trattoria, "hotels", embedder)[0] == "restaurants"  # and the other way
    assert preset_fit.better_preset(jotter, "restaurants", embedder)[0] == "apps"
    # under the preset that fits them, or a shop's reviews under a shop's topics: nothing to say
    assert preset_fit.better_preset(trattoria, "restaurants", embedder) is None
    assert preset_fit.better_preset(jotter, "apps", embedder) is None
    assert preset_fit.better_preset(headphones, "products", embedder) is None
    # too few reviews to tell, a taxonomy of the user's own, empty texts
    assert preset_fit.better_preset(trattoria[:preset_fit.MIN_TEXTS - 1], "products", embedder) is None
    assert preset_fit.better_preset(trattoria, "none", embedder) is None
    assert preset_fit.better_preset(["", "  "] * 20, "products", embedder) is None
    assert 'topics_preset = "restaurants"' in preset_fit.hint("restaurants")


def test_the_analysis_run_says_it(sqlite_store):
    """`reviewlens analyze` warns, and keeps the hint in the run's detail; with the preset set, it does not."""
    from analysis.analyzer import Analyzer
    from reviewlens import queries as Q
    from reviewlens.app import jobs

    reviews = [Review(source="t", text=t) for t in texts("trattoria-reviews.csv")]
    for preset, expected in (("products", "restaurants"), ("restaurants", None)):
        an = Analyzer(AnalysisSettings(topics_preset=preset))
        run_id = sqlite_store.start_run("analyze", an.model_id, "manual")
        summary = jobs.AnalysisSummary(run_id=run_id, model=an.model_id, prompt_version=an.prompt_version)
        jobs._preset_hint(sqlite_store, an, run_id, summary, reviews)
        detail = sqlite_store.list_runs(kind="analyze")[0]["detail"] or {}
        if expected:
            assert f'topics_preset = "{expected}"' in summary.hint and detail["hint"] == summary.hint
            assert set(detail["preset_fits"]) == {"products", "restaurants", "apps", "hotels"}
            assert Q.preset_hint(sqlite_store) == summary.hint    # what the dashboard's Overview shows
        else:  # the preset set: the hint is gone, from the Overview too
            assert summary.hint is None and "hint" not in detail and Q.preset_hint(sqlite_store) is None
    # a run of a few reviews says nothing, and leaves what the last check said
    sqlite_store.save_checkpoint(Q.PRESET_HINT, {"hint": "earlier", "run_id": 0})
    summary = jobs.AnalysisSummary(run_id=run_id, model=an.model_id, prompt_version=an.prompt_version)
    jobs._preset_hint(sqlite_store, Analyzer(AnalysisSettings()), run_id, summary, reviews[:3])
    assert summary.hint is None and Q.preset_hint(sqlite_store) == "earlier"
