"""The dashboard's Ask page: ask a question about the reviews, read the answer and the reviews it rests on.

The dashboard loads no model: a question is stored (Store.add_question) with what it searches (the
sidebar's filters), and answered in the background by the process that started the
dashboard (`reviewlens dashboard`; reviewlens.app.answering), or by `reviewlens ask --pending`. The page
polls for the answer. Every source shown is checked word for word against its review in the store before
it is shown in quotation marks (reviewlens.questions.verbatim_sources); the model's answer and a machine
translation are labelled as what they are.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from dashboard.safe import escape_html, escape_markdown, safe_url
from reviewlens.alerts import quote_meta
from reviewlens.filters import Filters, language_name
from reviewlens.questions import (HEARTBEAT_KEY, MAX_QUESTION, NOT_ANSWERED, answerer_alive, asked_of, describe_scope,
                                  dropped_note, facts_line, scope_of, verbatim_sources)
from reviewlens.schema import Quote
from reviewlens.store import Store, StoreReadOnly

HISTORY = 10   # questions shown, newest first
SUGGESTED = 3  # top complaints offered as questions
SUGGESTION = "What exactly do customers say about {theme}?"
POLL = "2s"    # how often the page looks for an answer while one is awaited


def _store_question(store: Store, question: str, scope: dict[str, Any]) -> None:
    try:
        store.add_question(" ".join(question.split()), scope)
    except StoreReadOnly as e:
        st.session_state["_ask_error"] = f"Not asked: {e}"


def ask_page(store: Store, f: Filters, themes: list[str] = ()) -> None:
    """`themes`: the names of the top complaints within the filters, offered as questions."""
    st.subheader("Ask the reviews")
    scope = scope_of(f)
    st.caption(f"Searches {escape_html(describe_scope(scope))} (the sidebar's filters). The answer cites the "
               "reviews it rests on; below it are their own words, verbatim.")
    with st.form("ask_form", clear_on_submit=True):
        question = st.text_area("Your question", max_chars=MAX_QUESTION, height=80,
                                placeholder="Why do people return the headphones?")
        asked = st.form_submit_button("Ask")
    if themes:
        st.caption(f"Or ask about a top complaint: “{SUGGESTION.format(theme='…')}”")
        cols = st.columns(len(themes[:SUGGESTED]))
        for col, (i, label) in zip(cols, enumerate(themes[:SUGGESTED])):
            q = SUGGESTION.format(theme=label.lower())
            col.button(escape_markdown(label), key=f"ask_theme_{i}", on_click=_store_question, args=(store, q, scope),
                       width="stretch", help=escape_markdown(q))
    if asked:
        if not question.strip():
            st.error("Write a question first.")
        else:
            _store_question(store, question, scope)
    if "_ask_error" in st.session_state:
        st.error(st.session_state.pop("_ask_error"))
    st.fragment(_history, run_every=POLL if store.questions_waiting() else None)(store)


def _history(store: Store) -> None:
    beat = store.load_checkpoint(HEARTBEAT_KEY)
    if answerer_alive(beat):
        st.caption(f"Questions are answered in the background: {escape_html((beat or {}).get('model', ''))}.")
    else:
        st.warning("No answering process is running, so a question will wait: start the dashboard with "
                   "`reviewlens dashboard` (it answers in the background), or run `reviewlens ask --pending`.")
    rows = store.list_questions(HISTORY)
    if not rows:
        st.info("No question yet. Try “What do people say about delivery?” or “Why do people return it?”.")
        return
    ids = {str(s.get("review_id")) for r in rows for s in ((r["result"] or {}).get("sources") or [])
           if isinstance(s, dict)}
    texts = store.review_texts(ids)
    for r in rows:
        with st.container(border=True):
            st.markdown(f"**Q:** {escape_markdown(r['question'])}")
            asked = r["asked_at"].strftime("%Y-%m-%d %H:%M UTC") if r["asked_at"] else ""
            st.caption(f"Asked {asked} · {escape_html(describe_scope(r['scope']))}")
            if r["status"] == "pending":
                st.info("Waiting for an answer…")
            elif r["status"] == "answering":
                st.info("Being answered…")
            elif r["status"] == "failed":
                st.error(f"Could not be answered: {r['error'] or 'no reason recorded'}")
            else:
                _answer(r["result"] or {}, texts)


def _answer(res: dict[str, Any], texts: dict[str, str]) -> None:
    if res.get("question_translation"):
        st.caption(f"Searched in English as: {escape_html(res['question_translation'])} (a machine translation)")
    elif res.get("question_language"):
        st.caption(f"The question looks {escape_html(language_name(res['question_language']))}: it was searched as it "
                   "is, which finds the reviews written in it by their words; ask in English to find the others too.")
    if res.get("facts"):
        st.markdown(f"**Numbers** (counted in the store, not written by the model): "
                    f"{escape_markdown(facts_line(res['facts']))}. The Complaints and Praise pages count reviews "
                    "by theme.")
    dropped = int(res.get("dropped") or 0)
    if res.get("answer"):
        st.markdown(f"**A:** {escape_markdown(res['answer'])}")
        left_out = f"; {dropped_note(dropped)}" if dropped else ""
        st.caption(f"Written by {escape_html(res.get('model') or 'the model')} from the numbered excerpts "
                   f"below{left_out}; read them before you rely on it.")
    elif res.get("not_answered"):
        st.markdown(f"**A:** {escape_markdown(NOT_ANSWERED)}")
        st.caption(f"So says {escape_html(res.get('model') or 'the model')}: the excerpts below are the closest "
                   "the reviews come.")
    elif res.get("why_no_answer"):
        st.caption(f"No written answer: {escape_html(res['why_no_answer'])}.")
    stored = res.get("sources") or []
    sources = verbatim_sources(res, texts)
    if not stored:
        st.caption(f"No review among the {int(res.get('searched') or 0):,} searched speaks to this question.")
        return
    cited = set(res.get("cited") or [])
    html = []
    for s in sources:
        meta = quote_meta(s)
        url = safe_url(s.get("url"))
        link = (f' <a href="{escape_html(url)}" target="_blank" rel="noopener noreferrer nofollow">review ↗</a>'
                if url else "")
        mark = "<b>*</b>" if s.get("n") in cited else ""
        html.append(f'<div class="rl-quote">{mark}[{int(s.get("n") or 0)}] “{escape_html(s["text"])}”'
                    f' <small>— {escape_html(meta)}</small>{link}</div>')
        note = Quote(str(s.get("review_id")), s["text"], language=s.get("language"),
                     translation=s.get("translation")).translation_note(300)
        if note:  # the model's words, never shown as the customer's
            html.append(f'<div class="rl-translation"><small>{escape_html(note)}</small></div>')
    st.markdown("\n".join(html), unsafe_allow_html=True)
    of = asked_of([str(p) for p in res.get("products") or []], [str(v) for v in res.get("versions") or []])
    of = f" {escape_markdown(of)}" if of else ""  # the names are the page's or the file's words
    notes = [f"Searched {int(res.get('searched') or 0):,} reviews{of}" + ("; * = cited in the answer" if cited else "")]
    matched = int(res.get("matched") or 0)
    if matched > len(stored):
        notes.append(f"{len(stored)} of {matched} matching excerpts shown (`reviewlens ask -k {matched}` shows "
                     "them all)")
    if len(sources) < len(stored):
        notes.append(f"{len(stored) - len(sources)} source(s) not shown: their words are no longer in their reviews")
    st.caption(". ".join(notes) + ".")
