"""Review exports published at a web address, served by a real local HTTP server: `reviewlens import URL`
and a schedule source whose `files` is a URL (a spreadsheet published as CSV, fetched each run, imported when
it changed)."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from reviewlens.app.cli import main
from reviewlens.app.scheduler import Scheduler
from reviewlens.config import load_settings
from reviewlens.records_io import ImportFileError
from reviewlens.remote_files import download, is_remote
from reviewlens.schedule import load_schedule
from reviewlens.store import Store
from tests.helpers import count_rows

SHEET = {"body": b"Review,Rating,Date\nThe lid leaks.,1,2026-11-02\nLovely.,5,2026-11-03\n"}


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802
        routes = {"/exports/reviews.csv": ("text/plain", SHEET["body"]),
                  "/spreadsheets/d/e/XYZ/pub?output=csv": ("text/csv; charset=utf-8", SHEET["body"]),
                  "/page": ("text/html", b"<html>not an export</html>")}
        if self.path == "/moved":
            self.send_response(302)
            self.send_header("Location", "/spreadsheets/d/e/XYZ/pub?output=csv")
            self.end_headers()
            return
        if self.path not in routes:
            self.send_response(404)
            self.end_headers()
            return
        kind, body = routes[self.path]
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    t = threading.Thread(target=httpd.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def test_downloads_name_the_file_by_its_address_or_its_type(server, tmp_path):
    assert is_remote(server + "/x.csv") and not is_remote("exports/x.csv")
    assert download(server + "/exports/reviews.csv", tmp_path).name == "reviews.csv"
    published = download(server + "/moved", tmp_path)  # redirected to a Google-Sheets-like link
    assert published.suffix == ".csv" and published.read_bytes() == SHEET["body"]
    with pytest.raises(ImportFileError, match="text/html, not a CSV, JSON or Excel file"):
        download(server + "/page", tmp_path)
    with pytest.raises(ImportFileError, match="HTTP 404"):
        download(server + "/missing.csv", tmp_path)
    with pytest.raises(ImportFileError, match="could not be downloaded"):
        download("http://127.0.0.1:9/x.csv", tmp_path)


def test_import_a_url_and_schedule_one(server, tmp_path, capsys):
    db = str(tmp_path / "s.db")
    url = server + "/spreadsheets/d/e/XYZ/pub?output=csv"
    assert main(["import", url, "--db", db, "--source", "sheet"]) == 0
    assert f"read 2 rows from {url}: 2 new reviews" in capsys.readouterr().out
    store = Store(db)
    assert store.list_runs(kind="import")[0]["source"] == url and count_rows(store) == 2

    sched = tmp_path / "schedule.toml"
    sched.write_text(f'[schedule]\nanalyze = false\nreport = false\n\n[[sources]]\nname = "sheet"\n'
                     f'files = "{url}"\nevery = "1d"\n')
    s = Scheduler(load_schedule(sched), store, load_settings(None, db=db, data_dir=str(tmp_path / "data")))
    assert s.schedule.sources[0].files == url  # a web address is not made a path
    res = s.run_once()["sheet"]
    assert res["import"]["files"] == 1 and res["import"]["seen"] == 2 and res["import"]["new"] == 0
    res = s.run_once(datetime.now(timezone.utc) + timedelta(days=1, minutes=1))["sheet"]
    assert res["import"]["files"] == 0  # unchanged: not imported again
    SHEET["body"] += b"Crashes daily.,1,2026-11-04\n"
    try:
        res = s.run_once(datetime.now(timezone.utc) + timedelta(days=2, minutes=2))["sheet"]
    finally:
        SHEET["body"] = SHEET["body"].rsplit(b"Crashes", 1)[0]
    assert res["import"]["files"] == 1 and res["import"]["new"] == 1 and count_rows(store) == 3
