"""The settings file as the dashboard reads it (REVIEWLENS_CONFIG, else ./reviewlens.toml): read again when
the file changes; when it is broken, the defaults stand in and the error is said where it matters."""

from __future__ import annotations

import os

import streamlit as st

from reviewlens.config import ConfigError, Settings, load_settings


@st.cache_resource(show_spinner=False, max_entries=4)
def _read(path: str | None, version: int) -> tuple[Settings, str | None]:
    try:
        return load_settings(path), None
    except ConfigError as e:
        return Settings(), str(e)


def settings() -> tuple[Settings, str | None]:
    """The settings, and the error that made the defaults stand in, if any."""
    path = os.environ.get("REVIEWLENS_CONFIG") or ("reviewlens.toml" if os.path.isfile("reviewlens.toml") else None)
    try:
        version = os.stat(path).st_mtime_ns if path else 0
    except OSError:
        version = -1
    return _read(path, version)
