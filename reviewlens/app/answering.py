"""Answering questions about the reviews: `reviewlens ask` now, and the dashboard's Ask page in the background.

The dashboard cannot load the models itself (it reads the store only), so a question asked there is stored
(Store.add_question) and answered here: `reviewlens dashboard` runs `serve_questions` in a thread beside
Streamlit, which claims each waiting question, answers it with analysis.answers from the reviews in its
scope, and stores the answer with its sources (the reviews' own words, with their ids). `reviewlens ask
--pending` answers what waits and exits (for a dashboard started some other way). The embedder and the model
are loaded once, at the first question.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timezone
from typing import Any

from ..config import Settings
from ..filters import Filters
from ..queries import review_texts
from ..questions import HEARTBEAT_EVERY, HEARTBEAT_KEY, filters_of
from ..store import Store
from . import background

log = logging.getLogger(__name__)


class Answerer:
    """Answers questions from a store's reviews with one embedder and, unless `use_llm` is off, the model of
    the settings (`can_write` decides whether it writes an answer or the sources speak alone)."""

    def __init__(self, settings: Settings, *, use_llm: bool = True, k: int = 8):
        self.settings, self.use_llm, self.k = settings, use_llm, k
        self._lock = threading.Lock()
        self._embedder: Any = None
        self._loaded = False
        self.writer: Any = None    # the model settings that would write answers (None: --no-llm)
        self.backend: Any = None   # loaded only when `writer` can write

    def _load(self) -> None:
        if self._loaded:
            return
        from analysis.answers import can_write
        from analysis.embeddings import get_embedder

        self._embedder = get_embedder()
        if self.use_llm:
            from analysis.backends import best_settings, get_backend

            self.writer = best_settings(self.settings.analysis)
            self.backend = get_backend(self.writer) if can_write(self.writer) else None  # too small: not loaded
        self._loaded = True

    def _translator(self, question: str) -> Any:
        """The model that translates a question in another language (None: searched as it is)."""
        from analysis.answers import question_language

        if not (self.use_llm and self.settings.analysis.translate and question_language(question)):
            return None
        if self.backend is not None:
            return self.backend
        from analysis.backends import best_backend

        return best_backend(self.settings.analysis)

    def answer(self, store: Store, question: str, f: Filters | None = None) -> Any:
        """analysis.answers.Answer for `question` over the reviews within the filters `f`."""
        from analysis.answers import answer

        df = review_texts(store, f or Filters())
        with self._lock:  # one question at a time: the model is not shared across threads
            self._load()
            return answer(question, df, embedder=self._embedder, backend=self.backend, k=self.k,
                          translator=self._translator(question) if not df.empty else None)

    def why_no_answer(self, res: Any) -> str | None:
        """Why `res` has sources but no written answer (None when it has one, or no sources)."""
        if res.answer or not res.sources:
            return None
        if self.writer is None:
            return "no model was asked (--no-llm): the review sentences found speak for themselves"
        if self.backend is None:
            return (f"{self.writer.model} is too small to write one well; install the 1.5B with "
                    "scripts/setup.sh --model-1.5b, or use --llm-url")
        if res.not_answered:
            return "the model found that the excerpts below do not answer it (\"The reviews do not say.\")"
        if res.dropped:
            return (f"no excerpt says what the model wrote ({res.dropped} claim{'s' * (res.dropped != 1)} removed), "
                    "so it is not shown")
        return "the model's answer cited none of the excerpts, so it is not shown"

    def describe(self) -> str:
        if not self.use_llm:
            return "the review sentences that speak to them (no model)"
        if not self._loaded:
            return "the models load at the first question"
        return f"answers written by {self.writer.model}, with the review sentences they rest on" \
            if self.backend is not None else \
            f"the review sentences that speak to them ({self.writer.model} is too small to write answers)"


def answer_waiting(store: Store, answerer: Answerer) -> int:
    """Answer every question waiting in the store (claimed one at a time); how many were answered or failed."""
    n = 0
    while (row := store.claim_question()) is not None:
        n += 1
        try:
            res = answerer.answer(store, row["question"], filters_of(row["scope"]))
        except Exception as e:  # noqa: BLE001 - the question is marked failed with why; the next one is tried
            log.exception("question %d could not be answered", row["id"])
            store.finish_question(row["id"], error=f"{type(e).__name__}: {e}")
            continue
        result = res.as_dict()
        result["why_no_answer"] = answerer.why_no_answer(res)
        store.finish_question(row["id"], result=result)
        log.info("question %d answered: %d sources from %d reviews%s", row["id"], len(res.sources), res.searched,
                 " with a written answer" if res.answer else "")
    return n


def serve_questions(db: str, settings: Settings, stop: threading.Event, *, use_llm: bool = True,
                    poll: float = 1.0) -> None:
    """Answer the questions asked in the dashboard until `stop` is set, looking every `poll` seconds and
    leaving a heartbeat (HEARTBEAT_KEY) the Ask page reads to know that questions will be answered."""
    def make(store: Store) -> background.Worker:
        answerer = Answerer(settings, use_llm=use_llm)
        log.info("answering the dashboard's questions in the background (%s)", answerer.describe())

        def beat() -> None:  # after an answer, at once: the models are known now
            store.save_checkpoint(HEARTBEAT_KEY, {"at": datetime.now(timezone.utc).isoformat(),
                                                  "model": answerer.describe()})
        return beat, lambda: answer_waiting(store, answerer) > 0

    background.serve(db, stop, make, doing="answering the dashboard's questions", poll=poll,
                     beat_every=HEARTBEAT_EVERY, read_only="no question can be asked in the dashboard, so none is "
                     "answered", log=log)


def start_background(db: str, settings: Settings, *, use_llm: bool = True) -> tuple[threading.Thread, threading.Event]:
    """`serve_questions` in a daemon thread; set the returned event to stop it."""
    return background.start(serve_questions, "reviewlens-answers", db, settings, use_llm=use_llm)
