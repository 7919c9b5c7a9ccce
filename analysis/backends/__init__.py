"""LLM backends: the interface (base), a local transformers model (local), an OpenAI-compatible server.

`get_backend(settings)` picks one: `settings.llm_url` set -> OpenAICompatBackend, else LocalBackend.
Backends are cached per settings (one loaded model per process), and load their model lazily.
"""

from __future__ import annotations

import threading

from analysis.backends.base import BackendError, LLMBackend, Message

__all__ = ["BackendError", "LLMBackend", "Message", "get_backend", "best_backend", "clear_backends"]

_cache: dict[tuple, LLMBackend] = {}
_lock = threading.Lock()


def _key(settings) -> tuple:
    return (settings.model, settings.llm_url, settings.llm_api_key, settings.precision, int(settings.batch_size),
            int(settings.llm_in_flight), float(settings.llm_timeout), float(settings.llm_retry_seconds))


def get_backend(settings) -> LLMBackend:
    """The backend for `settings` (reviewlens.config.AnalysisSettings), created once and cached."""
    key = _key(settings)
    with _lock:
        backend = _cache.get(key)
        if backend is None:
            if settings.llm_url:
                from analysis.backends import server_cache
                from analysis.backends.openai_compat import OpenAICompatBackend

                # the server's answers kept for a day: a run the server's going away ended continues there
                answers = server_cache.default_path()
                backend = OpenAICompatBackend(settings.llm_url, model=settings.model, api_key=settings.llm_api_key,
                                              batch_size=settings.batch_size, in_flight=settings.llm_in_flight,
                                              timeout=settings.llm_timeout, retry_seconds=settings.llm_retry_seconds,
                                              answers=answers)
            else:
                from analysis.backends.local import LocalBackend

                backend = LocalBackend(settings.model, precision=settings.precision, batch_size=settings.batch_size)
            _cache[key] = backend
        return backend


def best_settings(settings):
    """The settings of the strongest model at hand, for the few calls where quality beats speed (naming
    complaint themes, writing answers): the configured server, else the largest packaged model that is
    installed when the configured model is a smaller packaged one (the 1.5B named the demo's themes much
    better than the 0.5B), else the configured model. Nothing is loaded."""
    import dataclasses

    from analysis import models

    if not settings.llm_url and settings.model in models.PACKAGED:
        sizes = list(models.PACKAGED)  # smallest first
        for alias in reversed(sizes[sizes.index(settings.model) + 1:]):
            if models.installed(alias):
                return dataclasses.replace(settings, model=alias)
    return settings


def best_backend(settings) -> LLMBackend:
    """The backend of `best_settings` (loaded on first use, then kept)."""
    return get_backend(best_settings(settings))


def clear_backends() -> None:
    """Forget cached backends (closing them)."""
    with _lock:
        for b in _cache.values():
            b.close()
        _cache.clear()
