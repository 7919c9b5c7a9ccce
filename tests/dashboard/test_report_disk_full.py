"""A report that fails (a full disk: `/dev/full` answers every write with ENOSPC) raises the one error and leaves
nothing behind: the openpyxl write-only sheets' streams, left to the garbage collector, printed some twenty
"Exception ignored in: <generator object WorksheetWriter.get_stream ...>" tracebacks into the cron log."""

from __future__ import annotations

import gc
import os
import sys

import pytest
from openpyxl.worksheet import _writer

from dashboard.report import build_workbook
from reviewlens.filters import Filters
from tests.dashboard.seed import seeded_sqlite  # noqa: F401  (fixture)


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full")
def test_a_report_on_a_full_disk_fails_once_and_cleanly(seeded_sqlite, monkeypatch):  # noqa: F811
    ignored = []
    monkeypatch.setattr(sys, "unraisablehook", ignored.append)
    temp_files = len(_writer.ALL_TEMP_FILES)
    with pytest.raises(OSError) as e:
        build_workbook(seeded_sqlite[0], "/dev/full", Filters())
    assert "No space left" in str(e.value)
    e = None
    gc.collect()
    assert [repr(u.object) for u in ignored] == []
    leftover = [p for p in _writer.ALL_TEMP_FILES[temp_files:] if os.path.exists(p)]
    assert leftover == []  # the sheets' temporary files are removed
