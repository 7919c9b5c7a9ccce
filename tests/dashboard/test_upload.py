"""The dashboard's Import page (streamlit AppTest, real SQLite store): a file added there is imported as
`reviewlens import` would, skipped rows are named, a bad file is refused with its own name, and the analysis
is asked for; the background analyzer (reviewlens.app.analyzing) takes the request with the real model."""

from __future__ import annotations

import html
import io
from datetime import datetime, timezone

import pytest

from reviewlens import queries
from reviewlens.analysis_queue import REQUEST_KEY, STATE_KEY, analyzer_state, claim_request, open_request
from reviewlens.store import Store
from tests.helpers import app_test, count_rows

pytestmark = pytest.mark.timeout(180)

CSV = ("Review Content,Review Stars,Review Created (UTC),Product Title\n"
       "The lid broke on day two.,1,2026-11-02T09:00:00Z,Kettle\n"
       "Boils fast and quietly.,5,2026-11-03T09:00:00Z,Kettle\n"
       ",,2026-11-04T09:00:00Z,Kettle\n"  # neither words nor stars: skipped (a rating alone: a star-only review)
       "Arrived a week late.,2,next tuesday,Kettle\n").encode()


def _plain(elements) -> str:
    """The texts of `elements` without Markdown's escapes."""
    return html.unescape(" ".join(e.value for e in elements).replace("\\", "").replace("\u200b", ""))


def _submit(at, name: str | list[tuple[str, bytes]], data: bytes = b"", **fields: str):
    files = [(n, d, "application/octet-stream") for n, d in name] if isinstance(name, list) else \
        (name, data, "application/octet-stream")
    at.file_uploader(key="import_upload").set_value(files)
    for label, value in fields.items():
        next(t for t in at.text_input if t.label == label).set_value(value)
    next(b for b in at.button if b.label == "Import").click()
    return at.run()


def test_a_new_user_adds_a_file_from_the_empty_dashboard(monkeypatch, tmp_path):
    db = str(tmp_path / "new.db")
    Store(db).close()
    at = app_test(monkeypatch, db)
    assert "add a file of reviews below" in at.info[0].value
    at = _submit(at, "../../etc/Trustpilot export.csv", CSV, **{"Source name": "trustpilot"})
    assert not at.exception, [e.value for e in at.exception]
    said = _plain(at.success)
    assert "read 4 rows from ../../etc/Trustpilot export.csv" in said and "2 new reviews" in said
    skipped = _plain(at.warning)
    assert "line 4: empty review text" in skipped and "line 5: date 'next tuesday' is not a date" in skipped
    store = Store(db)
    assert count_rows(store) == 2 and set(store.reviews_frame()["source"]) == {"trustpilot"}
    assert [(r["kind"], r["source"], r["trigger"]) for r in store.list_runs()] == [
        ("import", "Trustpilot_export.csv (uploaded)", "dashboard")]  # not the temporary copy's path
    req = store.load_checkpoint(REQUEST_KEY)
    assert req and "2 reviews imported" in req["why"] and open_request(store) == req
    # nobody runs the analysis: the page says how to get it done
    assert any("no background analyzer is running" in w.value for w in at.warning)


def test_what_the_import_kept_without_a_value_or_assumed_is_said(monkeypatch, tmp_path):
    """A rating that cannot be read keeps its review (said, with the line), a date order the file does not
    show is said, and survey answers written alike stay separate reviews."""
    db = str(tmp_path / "s.db")
    Store(db).close()
    at = app_test(monkeypatch, db)
    survey = ("comment,score,date\nGreat,5,03/04/2026\nGreat,5,03/04/2026\nSlow,great big smile,05/06/2026\n"
              "Okay,3 out of 5,05/06/2026\n").encode()
    at = _submit(at, "survey.csv", survey)
    assert not at.exception, [e.value for e in at.exception]
    assert "4 new reviews" in _plain(at.success)
    kept = _plain(at.warning)
    assert "Imported without a value" in kept and "line 4: rating" in kept, kept
    assert "--" not in kept + _plain(at.caption)  # the page's own boxes, not the command's options
    assert "(Day first under Dates such as 03/04/2026 if not)" in _plain(at.caption), _plain(at.caption)
    assert "read month first" in _plain(at.caption), _plain(at.caption)
    assert count_rows(Store(db)) == 4


def test_a_booking_export_reads_both_halves_and_its_scores_out_of_10_in_the_pages_words(monkeypatch, tmp_path):
    db = str(tmp_path / "s.db")
    Store(db).close()
    at = app_test(monkeypatch, db)
    booking = ("Review date,Guest name,Positive review,Negative review,Review score\n"
               + "".join(f'2026-11-{10 + i},Guest {i},"Great view {i}.","Cold shower {i}.",{6 + i % 5}\n'
                         for i in range(6))).encode()
    at = _submit(at, "booking.csv", booking)
    assert not at.exception, [e.value for e in at.exception]
    assert "6 new reviews" in _plain(at.success)
    said = _plain(at.caption) + _plain(at.info) + _plain(at.success)
    assert "scores out of 10" in said and "with Ratings: 1 to 5 stars" in said and "--" not in said, said
    texts = sorted(Store(db).reviews_frame()["text"])
    assert texts[0] == "Great view 0.\n\nCold shower 0." and len(texts) == 6


def test_the_columns_read_a_date_column_named_otherwise_and_analysis_off_are_said(monkeypatch, tmp_path):
    """A file whose date column is "when": every review was stored undated without a word, a date in the future
    among them, "1 rows skipped", and on a dashboard started with --no-analysis the page said no analyzer runs
    and to start the dashboard. The columns read are said, the column that holds dates with how to read it (the
    Columns box, after Undo), the undated reviews counted; read through the Columns box, the future date is left
    out, said; a bad Columns entry imports nothing."""
    from datetime import date, timedelta

    future = f"{date.today() + timedelta(days=30):%d/%m/%Y}"
    up = ("review,stars,when,product\n\"Great pool, terrible lift\",5,03/04/2026,Harbour View Hotel\n"
          "Bad,abc,30/11/2025,Harbour View Hotel\n,,30/11/2025,Harbour View Hotel\n"
          f"Room fine,4,{future},Harbour View Hotel\n").encode()
    db = str(tmp_path / "s.db")
    Store(db).close()
    at = app_test(monkeypatch, db, REVIEWLENS_ANALYSIS="off")  # as `reviewlens dashboard --no-analysis` serves it
    at = _submit(at, "up.csv", up)
    assert not at.exception, [e.value for e in at.exception]
    assert "3 new reviews**, 0 already stored, 1 row skipped." in _plain(at.success), _plain(at.success)
    assert ("Columns read: text ← review, rating ← stars, product ← product, date ← (none); kept as the reviews' "
            "own fields: when") in _plain(at.caption), _plain(at.caption)
    warned = _plain(at.warning)
    assert ("No date column found (columns: review, stars, when, product); the column 'when' holds dates (such as "
            "03/04/2026): undo this import first (the Undo button below; else its 3 new reviews are stored twice, "
            "undated and dated), then import the file again with date=when in the Columns box") in warned, warned
    assert ("3 reviews are stored without a date: a period (Last 90 days, or any period chosen) leaves them out; "
            "the period All time shows them") in warned
    assert "--" not in warned.replace("`--no-analysis`", "")
    assert "analysis is off in this dashboard (it was started with `--no-analysis`). Run `reviewlens analyze`" in warned
    assert "no background analyzer is running" not in warned
    next(b for b in at.button if b.label.startswith("Undo: delete the 3 reviews")).click().run()
    at = _submit(at, "up.csv", up, Columns="date=fecha")
    assert "Nothing was imported from up.csv: up.csv: no column 'fecha' in the file" in _plain(at.error)
    assert "date=fecha in the Columns box" in _plain(at.error)
    at = _submit(at, "up.csv", up, Columns="dat=when")
    assert "Nothing was imported: Columns 'dat=when': no field 'dat'" in _plain(at.error), _plain(at.error)
    at = _submit(at, "up.csv", up, Columns="date=when")
    assert "date ← when" in _plain(at.caption) and "No date column" not in _plain(at.warning)
    assert f"line 5: date '{future}' is in the future" in _plain(at.warning)
    assert "1 review is stored without a date" in _plain(at.warning)
    frame = Store(db).reviews_frame()
    assert len(frame) == 3 and frame["date"].notna().sum() == 2


def test_reviewlens_dashboard_no_analysis_tells_the_page(monkeypatch, tmp_path):
    """`reviewlens dashboard --no-analysis` runs no analyzer: the Streamlit process it starts is told so."""
    import dashboard.serve as serve_mod
    from reviewlens.app.cli import main

    seen = {}

    class Proc:
        def __init__(self, cmd, env, **kw):
            seen.update(env)

        def wait(self):
            return 0

        def poll(self):
            return 0

    monkeypatch.setattr(serve_mod.subprocess, "Popen", Proc)
    db = str(tmp_path / "s.db")
    assert main(["dashboard", "--no-analysis", "--no-answers", "--db", db]) == 0
    assert seen["REVIEWLENS_ANALYSIS"] == "off"
    monkeypatch.setenv("REVIEWLENS_ANALYSIS", "off")  # left in the environment: not passed on when analysis runs
    seen.clear()
    assert serve_mod.serve(db) == 0 and seen["REVIEWLENS_DB"] == db and "REVIEWLENS_ANALYSIS" not in seen


def test_the_sample_file_imports_as_it_is(tmp_path):
    from dashboard.upload import SAMPLE
    from reviewlens.records_io import read_reviews_file

    f = tmp_path / "reviewlens-sample.csv"
    f.write_text(SAMPLE, encoding="utf-8")
    res = read_reviews_file(f)
    assert not res.errors and len(res.reviews) == 3
    assert res.reviews[1].reply == "Thank you, Bo!" and res.reviews[2].version == "3.2.1"


def test_a_bad_file_is_refused_by_its_own_name_and_an_excel_file_is_read(monkeypatch, tmp_path):
    import openpyxl

    db = str(tmp_path / "s.db")
    Store(db).close()
    at = app_test(monkeypatch, db)
    at = _submit(at, "reviews.csv", b"a,b\n1,2\n")
    err = _plain(at.error)
    assert "Nothing was imported" in err and "reviews.csv: no review text column" in err
    assert "reviewlens-upload" not in err  # the temporary copy's path is not the user's business
    assert count_rows(Store(db)) == 0 and Store(db).load_checkpoint(REQUEST_KEY) is None
    wb = openpyxl.Workbook()
    wb.active.append(["Review", "Rating", "Date"])
    wb.active.append(["Great kettle.", 5, datetime(2026, 11, 2)])
    buf = io.BytesIO()
    wb.save(buf)
    at = _submit(at, "shop.xlsx", buf.getvalue())
    assert "**1 new review**, 0 already stored, 0 rows skipped" in " ".join(s.value for s in at.success)
    assert Store(db).reviews_frame()["source"].tolist() == ["import:shop"]
    at = _submit(at, [("more.csv", CSV), ("notes.csv", b"a,b\n1,2\n")])  # two at once: each its own run
    assert "read 4 rows from more.csv" in _plain(at.success)
    assert "Nothing was imported from notes.csv: notes.csv: no review text column" in _plain(at.error)
    assert count_rows(Store(db)) == 3 and len(Store(db).list_runs(kind="import")) == 2
    next(b for b in at.button if b.label.startswith("Undo: delete the 2 reviews")).click().run()  # more.csv's
    assert "Undone: its 2 new reviews were deleted." in _plain(at.info)
    assert count_rows(Store(db)) == 1 and Store(db).list_runs()[0]["kind"] == "delete"


def test_the_page_follows_the_background_analysis(monkeypatch, tmp_path):
    db = str(tmp_path / "s.db")
    store = Store(db)
    at = app_test(monkeypatch, db)
    at = _submit(at, "r.csv", CSV)
    now = datetime.now(timezone.utc).isoformat()
    store.save_checkpoint(STATE_KEY, {"at": now, "state": "idle", "model": "m"})  # an analyzer beats
    at.run()
    assert "takes it within a few seconds" in _plain(at.info), [_plain(at.info), _plain(at.warning), _plain(at.caption)]
    req = claim_request(store)  # as the analyzer takes it, and runs
    rid = store.start_run("analyze", "m", "dashboard", detail={"pending": 2})
    store.update_run(rid, new=1)
    store.save_checkpoint(STATE_KEY, {"at": now, "state": "running", "taken": req["at"], "model": "m"})
    at.run()
    bars = at.get("progress")
    assert bars and "1 of 2 review texts" in bars[0].proto.text and bars[0].proto.value == 50
    store.finish_run(rid, "ok")
    store.save_checkpoint(STATE_KEY, {"at": now, "state": "idle", "taken": req["at"], "model": "m",
                                      "last": "analyzed 2 review texts (0 failed)", "finished": now})
    at.run()
    captions = _plain(at.caption)
    assert "Last analysis here: analyzed 2 review texts (0 failed)" in captions
    assert "2 reviews wait for analysis" in captions  # not analyzed in this test: the button offers it
    next(b for b in at.button if b.label.startswith("Analyze the 2 reviews")).click().run()
    assert open_request(store) is not None


@pytest.mark.slow
def test_the_background_analyzer_takes_the_request_with_the_real_model(tmp_path):
    from reviewlens.app.analyzing import serve_analysis, take_request
    from reviewlens.app.jobs import Job
    from reviewlens.analysis_queue import request_analysis
    from reviewlens.config import load_settings
    from reviewlens.records_io import import_file

    db = str(tmp_path / "s.db")
    store = Store(db)
    path = tmp_path / "r.csv"
    path.write_bytes(CSV)
    import_file(store, path)
    settings = load_settings(None, db=db)
    job = Job(store, settings)
    assert take_request(store, job) is None  # nothing asked
    request_analysis(store, "test")
    line = take_request(store, job, "m")
    assert line.startswith("analyzed 2 review texts (0 failed)"), line
    assert queries.count_unanalyzed(store) == 0 and open_request(store) is None
    state = analyzer_state(store)
    assert state["state"] == "idle" and state["last"] == line
    run = store.list_runs(kind="analyze")[0]
    assert run["trigger"] == "dashboard" and run["status"] == "ok"
    assert set(store.reviews_frame()["sentiment"]) == {"negative", "positive"}

    import threading
    stop = threading.Event()  # the loop beats, and stops when told
    t = threading.Thread(target=serve_analysis, args=(db, settings, stop), kwargs={"poll": 0.1})
    t.start()
    try:
        for _ in range(100):
            if analyzer_state(store).get("at", "") > state.get("finished", ""):
                break
            stop.wait(0.1)
        assert analyzer_state(store)["at"] > state["finished"]
    finally:
        stop.set()
        t.join(10)
    assert not t.is_alive()
