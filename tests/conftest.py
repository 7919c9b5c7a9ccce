"""Shared fixtures: stores on SQLite and (when REVIEWLENS_TEST_PG_URL is set, as .ci/run does) PostgreSQL."""

from __future__ import annotations

import contextlib
import os
import uuid

import pytest

from reviewlens.store import Store

PG_URL = os.environ.get("REVIEWLENS_TEST_PG_URL")
REQUIRE_PG = os.environ.get("REVIEWLENS_REQUIRE_PG") == "1"  # set by .ci/run: a missing server fails, not skips


@pytest.fixture(autouse=True)
def _data_dir_of_its_own(tmp_path, monkeypatch):
    """Every test's data folder (debug captures, reports, locks: `Settings.data_dir`, "data" in the working
    folder by default) under its tmp_path, for the commands it runs in-process and in a child process: the
    scrapes of broken local pages left their captures in the repository's data/debug/ (git-ignored, so unseen).
    A test that sets REVIEWLENS_DATA_DIR or data_dir itself keeps its own."""
    monkeypatch.setenv("REVIEWLENS_DATA_DIR", str(tmp_path / "data"))
    # and its own file of sentence vectors kept between runs (analysis.vector_cache): what one test embedded is no
    # other test's, and none writes to the user's cache
    monkeypatch.setenv("REVIEWLENS_VECTOR_CACHE", str(tmp_path / "sentence-vectors.sqlite3"))
    # the same for the LLM server's answers kept for a day (analysis.backends.server_cache), which a deletion erases
    monkeypatch.setenv("REVIEWLENS_SERVER_CACHE", str(tmp_path / "server-answers.sqlite3"))


@pytest.fixture(scope="session")
def truth() -> dict:
    """The demo shop's reviews.json: products and reviews (with their ground truth) keyed by id."""
    import json

    from reviewlens.app.demo_shop import default_root

    data = json.loads((default_root() / "reviews.json").read_text(encoding="utf-8"))
    data["by_id"] = {r["id"]: r for r in data["reviews"]}
    return data


@pytest.fixture(scope="session")
def demo_site():
    """The bundled demo shop on a free port of 127.0.0.1, for the whole session; yields its base URL."""
    from reviewlens.app.demo_shop import start_demo_site

    base, stop = start_demo_site()
    yield base
    stop()


@pytest.fixture
def sqlite_store(tmp_path):
    s = Store(tmp_path / "reviews.db")
    yield s
    s.close()


@contextlib.contextmanager
def _pg_store():
    """A Store on PostgreSQL in a fresh schema of its own, dropped afterwards."""
    import sqlalchemy as sa

    if not PG_URL:
        if REQUIRE_PG:
            pytest.fail("REVIEWLENS_REQUIRE_PG=1 but REVIEWLENS_TEST_PG_URL is not set")
        pytest.skip("PostgreSQL not configured (set REVIEWLENS_TEST_PG_URL; .ci/run does)")
    schema = "t_" + uuid.uuid4().hex[:10]
    admin = Store(PG_URL, create=False)
    with admin.engine.begin() as c:
        c.execute(sa.text(f"CREATE SCHEMA {schema}"))
    sep = "&" if "?" in PG_URL else "?"
    s = Store(f"{PG_URL}{sep}options=-csearch_path%3D{schema}")
    try:
        yield s
    finally:
        s.close()
        with admin.engine.begin() as c:
            c.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
        admin.close()


@pytest.fixture
def pg_store():
    with _pg_store() as s:
        yield s


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path):
    """The same test against SQLite and PostgreSQL."""
    if request.param == "sqlite":
        s = Store(tmp_path / "reviews.db")
        yield s
        s.close()
    else:
        with _pg_store() as s:
            yield s
