"""Fixtures for the analysis tests: ONE real model (the packaged 0.5B, converted once and cached) and one
real MiniLM embedder per session."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


@pytest.fixture(scope="session")
def backend():
    """The real local backend (precision auto: bf16 on a CPU with native bf16, 4-bit on a GPU), loaded once."""
    from analysis.backends.local import LocalBackend

    b = LocalBackend("qwen2.5-coder-0.5b", precision="auto", batch_size=8)
    b.load()
    return b


@pytest.fixture(scope="session")
def llm():
    """The configured backend (the packaged 0.5B; converted once and cached)."""
    from analysis.backends import get_backend
    from reviewlens.config import AnalysisSettings

    return get_backend(AnalysisSettings())


@pytest.fixture(scope="session")
def analysis_settings():
    from reviewlens.config import AnalysisSettings

    return AnalysisSettings(model="qwen2.5-coder-0.5b", batch_size=8, max_chars=600)


@pytest.fixture(scope="session")
def embedder():
    """The packaged all-MiniLM-L6-v2 sentence embedder."""
    from analysis.embeddings import get_embedder

    return get_embedder()


def review_frame(rows, columns=("id", "text", "rating", "product")):
    """A frame of reviews as `analysis.answers` reads them: `rows` of `columns`, no url nor date."""
    import pandas as pd

    return pd.DataFrame([{**dict(zip(columns, row)), "url": None, "date": None} for row in rows])
