"""The page's side of the background analyzer of `reviewlens dashboard`: show its results once it finished.

The analyzer keeps its state in a checkpoint (reviewlens.analysis_queue); a page that asked it for
something records, per thing waited for, the last finish it has seen, and reruns when a newer one appears.
"""

from __future__ import annotations

from typing import Any

import streamlit as st


def rerun_when_done(state: dict[str, Any], key: str, clear_cache: bool = False) -> None:
    """Rerun the whole page when the analyzer (`state`, analysis_queue.analyzer_state) finished a run since
    this session last looked (`key`: the session's record of the last finish seen; nothing recorded yet: no
    rerun); `clear_cache`: its results change the cached numbers."""
    finished, seen = state.get("finished"), st.session_state.get(key)
    if finished and seen is not None and finished != seen:
        st.session_state[key] = finished
        if clear_cache:
            st.cache_data.clear()
        st.rerun(scope="app")


def start_watching(state: dict[str, Any], key: str) -> None:
    """Record the analyzer's last finish as seen, unless this session already looked (`rerun_when_done`)."""
    st.session_state.setdefault(key, state.get("finished") or "")
