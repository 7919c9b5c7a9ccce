"""Themes computed for one product (`complaints --product X`) do not replace those of the whole store that
the dashboard, the report and the alerts read; the dashboard filtered to X reads X's own."""

from __future__ import annotations

import pytest

from reviewlens import queries
from reviewlens.app.cli import main
from reviewlens.filters import Filters
from reviewlens.store import Store
from tests.helpers import app_test, write_csv

LATE = ["Delivery took three weeks, far too slow.", "The parcel arrived two weeks late.",
        "Shipping was painfully slow, ten days late.", "My order came a fortnight after the promised date."]
LEAK = ["The lid leaks every time I pour.", "Water leaks from the bottom of the kettle.",
        "It leaks all over the counter."]


@pytest.fixture
def db(tmp_path, capsys):
    rows = ([{"text": t, "rating": 1, "date": "2026-11-10", "product": "Acme Kettle"} for t in LEAK + LATE[:1]]
            + [{"text": t, "rating": 1, "date": "2026-11-11", "product": "Acme Toaster"} for t in LATE[1:]])
    out = str(tmp_path / "s.db")
    assert main(["import", write_csv(tmp_path / "r.csv", rows), "--db", out, "-q"]) == 0
    capsys.readouterr()
    return out


def test_a_product_computation_does_not_replace_the_stores_themes(db, capsys):
    assert main(["complaints", "--no-llm", "--db", db, "-q"]) == 0
    store = Store(db)
    everything, scope = queries.latest_complaints(store)
    assert scope["products"] == [] and scope["reviews"] == 7
    assert main(["complaints", "--no-llm", "--product", "Acme Kettle", "--db", db, "-q"]) == 0
    capsys.readouterr()
    kettle, kscope = queries.latest_complaints(store, products=["Acme Kettle"])
    assert kscope["products"] == ["Acme Kettle"] and kscope["reviews"] == 4
    # what the dashboard's overview, the report and the alerts read for the whole store is unchanged
    again, scope2 = queries.latest_complaints(store)
    assert [t.label for t in again] == [t.label for t in everything] and scope2["batch"] == scope["batch"]
    assert main(["complaints", "--stored", "--db", db, "-q"]) == 0
    assert "(7 reviews;" in capsys.readouterr().out
    # the dashboard filtered to the kettle reads the kettle's own; to the toaster (none of its own), the store's
    views, vscope = queries.complaints(store, Filters.of(products=["Acme Kettle"]))
    assert vscope["batch"] == kscope["batch"] and views[0].filtered_count == 3  # the leaks
    views, vscope = queries.complaints(store, Filters.of(products=["Acme Toaster"]))
    assert vscope["batch"] == scope["batch"]
    # a rename names the theme of the batch asked for, not the newest one
    label = everything[0].label
    queries.rename_theme(store, label, "Slow shipping")
    assert queries.latest_complaints(store)[0][0].label == "Slow shipping"
    assert label not in {t.label for t in kettle} or queries.latest_complaints(store, products=["Acme Kettle"])[0][0].label == kettle[0].label


def test_a_product_the_store_does_not_have_is_named(db, capsys):
    assert main(["complaints", "--no-llm", "--product", "Kettle", "--db", db, "-q"]) != 0
    err = capsys.readouterr().err
    assert "--product 'Kettle': no review in the store is about that product; did you mean 'Acme Kettle'?" in err


@pytest.mark.parametrize("argv", [
    ["report", "-o", "{tmp}/r.xlsx", "--product", "Acme Kettel"],
    ["export", "-o", "{tmp}/e.csv", "--product", "Acme Kettel"],
    ["replies", "--product", "Acme Kettel"],
    ["ask", "--no-llm", "does it leak?", "--product", "Acme Kettel"],
    ["compare", "--product", "Acme Kettel", "--product", "Acme Toaster"],
])
def test_every_command_names_a_misspelt_product(db, tmp_path, capsys, argv):
    """They found nothing and said so as if the store were empty (`report` wrote a report of 0 reviews)."""
    argv = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    assert main(argv + ["--db", db, "-q"]) == 2
    assert "--product 'Acme Kettel': no review in the store is about that product; did you mean 'Acme Kettle'" \
        in capsys.readouterr().err
    assert not (tmp_path / "r.xlsx").exists() and not (tmp_path / "e.csv").exists()  # nothing written


def test_a_misspelt_source_or_version_is_named_too(db, tmp_path, capsys):
    source = Store(db).reviews_frame()["source"].iloc[0]
    assert main(["export", "-o", str(tmp_path / "e.csv"), "--source", source[:-1], "--db", db, "-q"]) == 2
    assert f"--source {source[:-1]!r}: no review in the store comes from that source; did you mean {source!r}" \
        in capsys.readouterr().err
    assert main(["delete", "--source", "nope", "--yes", "--db", db, "-q"]) == 2
    assert "no review in the store comes from that source" in capsys.readouterr().err
    assert len(Store(db).reviews_frame()) == 7
    assert main(["report", "-o", str(tmp_path / "r.xlsx"), "--app-version", "2.1", "--db", db, "-q"]) == 2
    assert "--app-version '2.1': no review in the store names that version (the store has none)" \
        in capsys.readouterr().err
    assert main(["export", "-o", str(tmp_path / "e.csv"), "--source", source, "--db", db, "-q"]) == 0


@pytest.mark.slow
def test_the_dashboard_asks_for_a_products_own_themes_and_shows_them(db, monkeypatch, capsys):
    """Filtered to a product without themes of its own, the Overview says it shows the store's, recounted;
    with a background analyzer beating, a button asks for the product's own, which `take_request` (what
    `reviewlens dashboard` runs beside Streamlit) computes with the real model; the Overview then shows them."""
    from datetime import datetime, timezone

    from reviewlens.analysis_queue import STATE_KEY, open_request
    from reviewlens.app.analyzing import take_request
    from reviewlens.app.jobs import Job
    from reviewlens.config import load_settings

    assert main(["complaints", "--no-llm", "--db", db, "-q"]) == 0
    store = Store(db)
    at = app_test(monkeypatch, db)
    at.sidebar.multiselect(key="f_products").set_value(["Acme Kettle"]).run()
    assert not at.exception
    notes = " ".join(c.value for c in at.caption)
    assert "top complaints of all products, recounted for Acme Kettle" in notes
    assert 'reviewlens complaints --product "Acme Kettle"' in notes
    assert not [b for b in at.button if b.key == "own_themes_btn"]  # nobody to compute them: no button
    store.save_checkpoint(STATE_KEY, {"at": datetime.now(timezone.utc).isoformat(), "state": "idle"})
    at.run()
    next(b for b in at.button if b.key == "own_themes_btn").click().run()
    assert open_request(store)["products"] == ["Acme Kettle"]
    line = take_request(store, Job(store, load_settings(None, db=db)))
    assert line.startswith("top complaints of Acme Kettle: "), line
    own, scope = queries.latest_complaints(store, products=["Acme Kettle"])
    assert own and scope["reviews"] == 4
    assert queries.latest_complaints(store)[1]["products"] == []  # the store's own are still there
    at.run()
    assert not at.exception
    assert not any("recounted for Acme Kettle" in c.value for c in at.caption)
    assert any(e.label.startswith(f"1. {own[0].label} — ") for e in at.expander), [e.label for e in at.expander]


def test_a_schedule_sources_name_given_as_source_names_the_reviews_sources(tmp_path, capsys):
    """The history lists a schedule's runs by its source's name ("demo-shop"); its reviews are stored under each
    site config's name or the site's host. `delete --source demo-shop` said "did you mean 'demo-static'", one of
    the three products: following it deletes the wrong set."""
    from reviewlens.schema import Review

    db = str(tmp_path / "s.db")
    store = Store(db)
    run = store.start_run("scrape", "demo-shop", "schedule")
    store.upsert_reviews([Review(source="demo-static", text=f"Static {i}.") for i in range(3)]
                         + [Review(source="127.0.0.1:8765", text=f"Host {i}.") for i in range(2)], run)
    store.finish_run(run, "ok")
    assert main(["delete", "--source", "demo-shop", "--yes", "--db", db, "-q"]) == 2
    err = capsys.readouterr().err
    assert "--source 'demo-shop': the reviews come from no source of that name; it names runs in the history" in err
    assert "stored under the sources 'demo-static', '127.0.0.1:8765'" in err
    assert "--source 'demo-static' --source '127.0.0.1:8765'" in err and "did you mean" not in err
    assert len(store.reviews_frame()) == 5
