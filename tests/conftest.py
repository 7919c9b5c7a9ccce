"""Shared fixtures: stores on SQLite and (when REVIEWLENS_TEST_PG_URL is set, as .ci/run does) PostgreSQL."""

from __future__ import annotations

import os
import uuid

import pytest

from reviewlens.store import Store

PG_URL = os.environ.get("REVIEWLENS_TEST_PG_URL")
REQUIRE_PG = os.environ.get("REVIEWLENS_REQUIRE_PG") == "1"  # set by .ci/run: a missing server fails, not skips


@pytest.fixture
def sqlite_store(tmp_path):
    s = Store(tmp_path / "reviews.db")
    yield s
    s.close()


def _pg_store():
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
    return s, admin, schema


@pytest.fixture
def pg_store():
    import sqlalchemy as sa

    s, admin, schema = _pg_store()
    yield s
    s.close()
    with admin.engine.begin() as c:
        c.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
    admin.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path):
    """The same test against SQLite and PostgreSQL."""
    if request.param == "sqlite":
        s = Store(tmp_path / "reviews.db")
        yield s
        s.close()
    else:
        import sqlalchemy as sa

        s, admin, schema = _pg_store()
        yield s
        s.close()
        with admin.engine.begin() as c:
            c.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
        admin.close()
