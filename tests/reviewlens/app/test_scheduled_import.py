"""A schedule source of `files`: review exports dropped into a folder (Google Play's monthly CSVs synced from
its bucket, say) are imported once each, by content, with the run history and the analysis of a scheduled run."""

from __future__ import annotations

import shutil
from datetime import datetime, timedelta, timezone

import pytest

from reviewlens.app.scheduler import Scheduler
from reviewlens.config import ConfigError, load_settings
from reviewlens.schedule import load_schedule
from reviewlens.store import Store
from tests.helpers import count_rows

SCHEDULE = """
[schedule]
analyze = false
report = false

[[sources]]
name = "google-play"
files = "exports/*.csv"
every = "1d"
product = "com.acme.notes"
"""


def _scheduler(tmp_path) -> tuple[Store, Scheduler]:
    """The store and scheduler of SCHEDULE, with an empty exports/ folder beside it."""
    (tmp_path / "exports").mkdir()
    (tmp_path / "schedule.toml").write_text(SCHEDULE)
    db = str(tmp_path / "s.db")
    store = Store(db)
    return store, Scheduler(load_schedule(tmp_path / "schedule.toml"), store,
                            load_settings(None, db=db, data_dir=str(tmp_path / "data")))


def _export(path, rows: list[tuple[str, int]]) -> None:
    """Google Play's column names, written UTF-16 as its exports are."""
    lines = ["Review Text,Star Rating,Review Submit Date and Time,App Version Name"]
    lines += [f"\"{t}\",{r},2026-11-{i + 1:02d}T10:00:00Z,3.2.{i % 2}" for i, (t, r) in enumerate(rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-16")


def test_files_are_imported_once_each_by_content(tmp_path):
    (tmp_path / "exports").mkdir()
    sched_file = tmp_path / "schedule.toml"
    sched_file.write_text(SCHEDULE)
    db = str(tmp_path / "s.db")
    store = Store(db)
    s = Scheduler(load_schedule(sched_file), store, load_settings(None, db=db, data_dir=str(tmp_path / "data")))
    [src] = s.schedule.sources
    assert src.files == str(tmp_path / "exports" / "*.csv")  # relative to the schedule file

    first = s.run_once()["google-play"]
    assert first["import"] == {"files": 0, "new": 0, "seen": 0, "skipped_rows": 0, "failed": 0}
    assert [(r["kind"], r["source"], r["status"]) for r in store.list_runs()] == [("import", "google-play", "ok")]
    assert s.last_start(src) is not None and not s.due()  # the check counts as the day's run

    _export(tmp_path / "exports" / "reviews_202611.csv", [("Crashes on start.", 1), ("Lovely app.", 5)])
    later = datetime.now(timezone.utc) + timedelta(days=1, minutes=1)
    res = s.run_once(later)["google-play"]
    assert res["import"]["files"] == 1 and res["import"]["new"] == 2 and "error" not in res
    df = store.reviews_frame()
    assert set(df["source"]) == {"google-play"} and set(df["product"]) == {"com.acme.notes"}
    assert set(df["version"]) == {"3.2.0", "3.2.1"}
    run = store.list_runs(kind="import")[0]
    assert run["trigger"] == "schedule" and run["detail"]["file"].endswith("reviews_202611.csv")

    # the same file copied under another name: not imported again; the next month's export is
    shutil.copy(tmp_path / "exports" / "reviews_202611.csv", tmp_path / "exports" / "copy.csv")
    _export(tmp_path / "exports" / "reviews_202612.csv", [("Crashes on start.", 1), ("Lovely app.", 5),
                                                           ("Login loop since 3.2.1.", 1)])
    res = s.run_once(later + timedelta(days=1, minutes=1))["google-play"]
    assert res["import"]["files"] == 1 and res["import"]["new"] == 1 and res["import"]["seen"] == 2
    assert count_rows(store) == 3

    # a file that cannot be imported: a failed run with why, and the run reports an error; fixed, it is imported
    (tmp_path / "exports" / "broken.csv").write_text("a,b\n1,2\n")
    res = s.run_once(later + timedelta(days=2, minutes=2))["google-play"]
    assert res["import"]["failed"] == 1 and "could not be imported" in res["error"]
    failed = store.list_runs(kind="import")[0]
    assert failed["status"] == "failed" and "no review text column" in str(failed["errors"])
    from reviewlens.alerts import scrape_alerts
    [alert] = scrape_alerts(store, datetime.now(timezone.utc) - timedelta(hours=1))
    assert alert.title == "Import for google-play failed" and "broken.csv: no review text column" in alert.lines[0]
    (tmp_path / "exports" / "broken.csv").write_text("review,rating\nFixed file.,4\n")
    res = s.run_once(later + timedelta(days=3, minutes=3))["google-play"]
    assert res["import"]["files"] == 1 and res["import"]["new"] == 1 and "error" not in res


def test_a_file_still_being_written_waits_for_the_next_check(tmp_path, monkeypatch):
    """A half-copied export (a `cp` or a sync still writing it) was imported as it stood: its cut last row
    ("Serv") became a review of its own, and the whole file, arriving under the same name, stored it again."""
    import threading
    import time

    from reviewlens.app import scheduler as sched_mod

    store, s = _scheduler(tmp_path)
    path = tmp_path / "exports" / "play.csv"
    path.write_text("review,rating\nCrashes on start.,1\nServ", encoding="utf-8")
    monkeypatch.setattr(sched_mod, "SETTLE_WAIT", 0.6)
    writer = threading.Timer(0.2, lambda: path.write_text("review,rating\nCrashes on start.,1\n"
                                                          "Service is slow.,2\n", encoding="utf-8"))
    writer.start()
    res = s.run_once()["google-play"]
    writer.join()
    assert res["import"]["files"] == 0 and res["import"]["waiting"] == 1 and count_rows(store) == 0
    assert "1 file still being written, left for the next check" in res["summary"]
    assert store.list_runs(kind="import")[0]["detail"]["message"].startswith("1 file still being written")
    time.sleep(0.1)
    res = s.run_once(datetime.now(timezone.utc) + timedelta(days=1, minutes=1))["google-play"]
    assert res["import"]["files"] == 1 and res["import"]["new"] == 2  # the whole file: no "Serv"
    assert sorted(store.reviews_frame()["text"]) == ["Crashes on start.", "Service is slow."]


def test_fresh_files_are_watched_in_one_wait_not_one_each(tmp_path, monkeypatch):
    """A synced folder of fresh monthly exports waited SETTLE_WAIT seconds per file (30 files: half a minute per
    check); they are watched together, and one still growing among them is the only one left."""
    import threading
    import time

    from reviewlens.app import scheduler as sched_mod

    store, s = _scheduler(tmp_path)
    for month in range(1, 6):
        _export(tmp_path / "exports" / f"reviews_2026{month:02d}.csv", [(f"Month {month}: crashes on start.", 1)])
    growing = tmp_path / "exports" / "reviews_202606.csv"
    growing.write_text("review,rating\nServ", encoding="utf-8")
    waits: list[float] = []
    real_sleep = time.sleep
    monkeypatch.setattr(sched_mod.time, "sleep", lambda t: waits.append(t) or real_sleep(t))
    monkeypatch.setattr(sched_mod, "SETTLE_WAIT", 0.5)
    writer = threading.Timer(0.2, lambda: growing.write_text("review,rating\nService is slow.,2\n", encoding="utf-8"))
    writer.start()
    res = s.run_once()["google-play"]
    writer.join()
    assert waits.count(0.5) == 1, waits  # one wait for the six fresh files
    assert res["import"]["files"] == 5 and res["import"]["new"] == 5 and res["import"]["waiting"] == 1


def test_a_source_has_urls_or_files(tmp_path):
    p = tmp_path / "s.toml"
    p.write_text('[[sources]]\nname = "x"\nurl = "https://shop.example/p"\nfiles = "*.csv"\nevery = "1d"\n')
    with pytest.raises(ConfigError, match="not both"):
        load_schedule(p)
    p.write_text('[[sources]]\nname = "x"\nevery = "1d"\n')
    with pytest.raises(ConfigError, match="or `files`"):
        load_schedule(p)
    p.write_text('[[sources]]\nname = "x"\nfiles = 3\nevery = "1d"\n')
    with pytest.raises(ConfigError, match="files must be a file pattern"):
        load_schedule(p)


def test_a_folder_that_does_not_exist_is_a_failed_run_with_an_alert(tmp_path):
    """A broken bucket sync or mount must not pass for "no new file" run after run; an empty folder does."""
    from reviewlens.alerts import scrape_alerts

    sched_file = tmp_path / "schedule.toml"
    sched_file.write_text(SCHEDULE)
    store = Store(str(tmp_path / "s.db"))
    s = Scheduler(load_schedule(sched_file), store, load_settings(None, db=store.url, data_dir=str(tmp_path / "d")))
    res = s.run_once()["google-play"]
    assert res["error"] == f"the folder {tmp_path / 'exports'} does not exist (a sync or a mount that broke?)"
    [run] = store.list_runs()
    assert (run["kind"], run["status"], run["trigger"]) == ("import", "failed", "schedule")
    assert "does not exist" in run["errors"][0]["message"]
    [alert] = scrape_alerts(store, datetime.now(timezone.utc) - timedelta(hours=1))
    assert alert.title == "Import for google-play failed" and "exports does not exist" in alert.lines[0]

    (tmp_path / "exports").mkdir()  # there, with nothing new in it: ok
    res = s.run_once(datetime.now(timezone.utc) + timedelta(days=1, minutes=1))["google-play"]
    assert "error" not in res and store.list_runs()[0]["status"] == "ok"


def test_once_says_each_source_in_a_line_and_list_its_last_status(tmp_path, capsys, monkeypatch):
    """`schedule --once`: one readable line per source (-q: the failures only); `--list`: how the last run
    ended, so a source that fails every run does not look healthy."""
    from reviewlens.app.cli import main

    monkeypatch.setenv("REVIEWLENS_DATA_DIR", str(tmp_path / "data"))
    (tmp_path / "exports").mkdir()
    _export(tmp_path / "exports" / "reviews_202611.csv", [("Crashes on start.", 1), ("Lovely app.", 5)])
    sched_file = tmp_path / "schedule.toml"
    sched_file.write_text(SCHEDULE + '\n[[sources]]\nname = "web"\nurl = "http://127.0.0.1:9/p"\n'
                          'site = "demo-js"\nevery = "1d"\n')  # nothing listens on port 9
    db = str(tmp_path / "s.db")
    assert main(["schedule", str(sched_file), "--once", "--db", db]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "google-play: imported 1 file: 2 new reviews, 0 already stored"
    assert out[1].startswith("web: failed: scrape failed: the site did not serve the page (down, refusing "
                             "connections, or moved?): ") and len(out) == 2

    assert main(["schedule", str(sched_file), "--list", "--db", db]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert listed[0].startswith("google-play: every 1d, last run ") and listed[0].endswith(" UTC, ok")
    assert ", failed: scrape failed: the site did not serve the page" in listed[1] and listed[1].endswith(" …")

    # -q (cron writing to a log): the failures only, and nothing when nothing is due
    other = str(tmp_path / "other.db")
    assert main(["schedule", str(sched_file), "--once", "-q", "--db", other]) == 1
    [line] = capsys.readouterr().out.splitlines()
    assert line.startswith("web: failed: scrape failed: the site did not serve")
    assert main(["schedule", str(sched_file), "--once", "-q", "--db", other]) == 0
    assert capsys.readouterr().out == ""


def test_a_scheduled_file_with_star_only_reviews_is_an_ok_run_and_its_remarks_are_logged(tmp_path, caplog):
    """Google's star-only reviews in a weekly export: each was a skipped row, the run "partial", and the
    scrape_problems alert raised every week; what the import says of the file went nowhere in a scheduled run."""
    import logging

    store, s = _scheduler(tmp_path)
    lines = ["Review Text,Star Rating,Review Submit Date and Time"]
    lines += ["\"Crashes when I open a photo\",1,2026-11-01T10:00:00Z", ",5,2026-11-02T10:00:00Z",
              ",4,2026-11-03T10:00:00Z", "\"Love the widgets\",5,2026-11-04T10:00:00Z"]
    (tmp_path / "exports" / "week.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with caplog.at_level(logging.INFO, logger="reviewlens.app.scheduler"):
        out = s.run_once()["google-play"]
    assert out["import"] == {"files": 1, "new": 2, "seen": 0, "skipped_rows": 0, "failed": 0}
    assert [r["status"] for r in store.list_runs(kind="import")] == ["ok"]
    assert "week.csv: 2 ratings without a text (star-only reviews), 4.5★ on average: kept as ratings, not as reviews" in caplog.text
