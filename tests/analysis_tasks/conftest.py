"""Fixtures for the analysis-task tests (topics, entities, complaints, evaluation): one real LLM backend
and one real MiniLM embedder per session."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


@pytest.fixture(scope="session")
def llm():
    """The configured backend (the packaged 0.5B; converted once and cached)."""
    from analysis.backends import get_backend
    from reviewlens.config import AnalysisSettings

    return get_backend(AnalysisSettings())


@pytest.fixture(scope="session")
def embedder():
    """The packaged all-MiniLM-L6-v2 sentence embedder."""
    from analysis.embeddings import get_embedder

    return get_embedder()
