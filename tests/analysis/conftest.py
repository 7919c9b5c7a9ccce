"""Fixtures for the analysis tests: ONE real model (the packaged 0.5B, converted once and cached) per session."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


@pytest.fixture(scope="session")
def backend():
    """The real local backend (precision auto: bf16 on this CPU, 4-bit on a GPU), loaded once."""
    from analysis.backends.local import LocalBackend

    b = LocalBackend("qwen2.5-coder-0.5b", precision="auto", batch_size=8)
    b.load()
    return b


@pytest.fixture(scope="session")
def analysis_settings():
    from reviewlens.config import AnalysisSettings

    return AnalysisSettings(model="qwen2.5-coder-0.5b", batch_size=8, max_chars=600)
