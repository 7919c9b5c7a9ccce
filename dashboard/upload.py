"""The dashboard's Import page: add reviews from a file, and have them analyzed in the background.

The import is the core's (reviewlens.records_io.import_file): the same columns, checks, messages and run
history as `reviewlens import`. The dashboard loads no model, so the analysis is asked for
(reviewlens.analysis_queue) and run by the process that started the dashboard (`reviewlens dashboard`:
reviewlens.app.analyzing), or by `reviewlens analyze`. The page polls while an analysis is asked for or
running, and refreshes the other pages' data when it is done.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

import streamlit as st

from dashboard.safe import escape_html, escape_markdown
from dashboard.serve import ANALYSIS_ENV
from dashboard.settings import settings
from reviewlens import queries as Q
from reviewlens.analysis_queue import analyzer_alive, analyzer_state, open_request, request_analysis
from reviewlens.privacy import Masker, masked_line
from reviewlens.records_io import (COLUMN_ALIASES, NO_DATE_COLUMN, UNDATED, ImportFileError, column_mapping,
                                   columns_line, edited_words, import_file, safe_stem)
from reviewlens.store import Store, StoreReadOnly
from reviewlens.words import counted as _n

UPLOAD_TYPES = ["csv", "tsv", "txt", "jsonl", "ndjson", "json", "xlsx"]
DATE_ORDERS = {"As the file's dates show": None, "Day first (31/03/2026)": "day", "Month first (03/31/2026)": "month"}
RATING_SCALES = {"As the file shows (stars, or scores out of 10 or 100)": None, "1 to 5 stars": 5.0,
                 "Out of 10 (an NPS 0-10, a 1-10 score)": 10.0, "Out of 100": 100.0}
ERRORS_SHOWN = 20
#: A file to start from: the columns the import reads, one review a row (a date cell in Excel works too).
SAMPLE = ("text,rating,date,author,title,product,reply,reply_date,version\n"
          "\"The lid broke on day two, and support never answered.\",1,2026-11-02,Ann,Broken lid,Kettle,,,\n"
          "\"Boils fast and quietly.\",5,2026-11-03,Bo,Love it,Kettle,\"Thank you, Bo!\",2026-11-04,\n"
          "\"Crashes when I open the camera since the update.\",2,2026-11-05,Cy,,Notes app,,,3.2.1\n")
POLL = "2s"    # how often the page looks at the background analysis while one is asked for or running


def _file_name(name: str) -> str:
    """An uploaded file's name made safe to save under (the browser's name is untrusted)."""
    base = Path(name.replace("\\", "/")).name
    stem, suffix = Path(base).stem, Path(base).suffix.lower()
    stem = safe_stem(stem, "upload")
    return stem + (suffix if suffix.lstrip(".") in UPLOAD_TYPES else ".csv")


def _columns(text: str) -> dict[str, str]:
    """The Columns box ("date=when, rating=Our score"): {field: column}; ValueError saying what is wrong."""
    return column_mapping(item for item in re.split(r"[,\n]", text) if item.strip())


def _import(store: Store, upload: Any, source: str, product: str, date_order: str | None,
            scale: float | None, columns: dict[str, str] | None = None) -> dict[str, Any]:
    """Import one uploaded file (saved to a temporary folder under its own name, so the default source is
    import:<its name>), as its own run; the outcome for the page. `columns`: the Columns box's {field: column}."""
    cfg, problem = settings()
    if problem:  # what to mask is in the settings: nothing is stored without knowing it
        return {"name": upload.name, "error": f"the settings file has a problem, fix it first: {problem}"}
    folder = Path(tempfile.mkdtemp(prefix="reviewlens-upload-"))
    path = folder / _file_name(upload.name)
    try:
        path.write_bytes(upload.getvalue())
        res, run_id, new, seen = import_file(store, path, source=source.strip() or None,
                                             product=product.strip() or None, date_order=date_order,
                                             rating_scale=scale, columns=columns or None, trigger="dashboard",
                                             run_source=f"{path.name} (uploaded)",
                                             masker=Masker.from_settings(cfg.privacy, store))
    except ImportFileError as e:
        return {"name": upload.name, "error": _page_words(str(e).replace(str(path), upload.name))}
    except StoreReadOnly as e:
        return {"name": upload.name, "error": f"the store is read-only here, so nothing can be added: {e}"}
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    remarks = [_page_words(r) for r in res.remarks]
    return {"name": upload.name, "run": run_id, "rows": res.rows, "new": new, "seen": seen,  # in the page's words:
            "columns": _page_words(columns_line(res)),
            "dates": [r for r in remarks if r.startswith(NO_DATE_COLUMN) or UNDATED in r],  # said as warnings
            "errors": [_page_words(f"line {e['line']}: {e['message']}") for e in res.errors],
            "date_order": res.date_order, "masked": masked_line(res.masked, res.masked_kinds) if res.masked else "",
            "notes": [_page_words(f"line {e['line']}: {e['message']}") for e in res.notes],  # kept without a value
            "remarks": [r for r in remarks if not (r.startswith(NO_DATE_COLUMN) or UNDATED in r)],
            "repeated": res.repeated, "edited": edited_words(res)}


#: The import's messages name the command's options; this page has boxes for them.
_OPTION_WORDS = (("with --rating-scale 5", "with Ratings: 1 to 5 stars"),
                 ("(use --rating-scale)", "(choose the scale under Ratings)"),
                 ("(--rating-scale)", "(under Ratings)"), ("--rating-scale", "the Ratings box"),
                 ("--date-order day", "Day first under Dates such as 03/04/2026"),
                 ("--date-order month", "Month first under Dates such as 03/04/2026"),
                 ("--source", "a Source name"),
                 ("the dashboard's Last 90 days, --since", "Last 90 days, or any period chosen"),
                 ("the dashboard's All time", "the period All time"))


def _page_words(text: str) -> str:
    """An import message in this page's words ("use --rating-scale" -> "choose the scale under Ratings",
    "--column date=when" -> "date=when in the Columns box", `reviewlens delete --run` -> the Undo button, shown
    below the message)."""
    for option, words in _OPTION_WORDS:
        text = text.replace(option, words)
    text = re.sub(r"`reviewlens delete --run \d+ --yes`", "the Undo button below", text)
    text = re.sub(r'--column "((?:[^"\\]|\\.)+)"', lambda m: m.group(1).replace('\\"', '"') + " in the Columns box",
                  text)
    return re.sub(r"--column (\S+=\S+|\S+=.+?)(?= to | \(|,|;|$)", r"\1 in the Columns box", text)


def _undo(store: Store, result: dict[str, Any]) -> None:
    """Delete the reviews the import stored first (`reviewlens delete --run`), recorded as a run."""
    try:
        _, n = store.delete_reviews(run_id=result["run"], trigger="dashboard")
    except StoreReadOnly as e:
        result["undo_error"] = str(e)
        return
    result["undone"] = n
    st.cache_data.clear()


def _show(store: Store, result: dict[str, Any]) -> None:
    if "error" in result:
        st.error(f"Nothing was imported from {escape_markdown(result['name'])}: {escape_markdown(result['error'])}")
        return
    say = (f"Run {result['run']}: read {_n(result['rows'], 'row')} from {escape_markdown(result['name'])}: "
           f"**{_n(result['new'], 'new review')}**, {result['seen']:,} already stored"
           + (f" ({result['edited']})" if result.get("edited") else "") + ", "
           f"{_n(len(result['errors']), 'row')} skipped"
           + (f", {_n(result['repeated'], 'row')} repeating a review id" if result.get("repeated") else "") + "."
           + (f" {result['masked'][0].upper()}{result['masked'][1:]}." if result.get("masked") else ""))
    if "undone" in result:
        st.info(f"{say} Undone: its {result['undone']:,} new reviews were deleted.")
        return
    (st.success if result["new"] else st.info)(say)
    if result.get("columns"):  # which column each field was read from, and which were kept as the reviews' fields
        st.caption(escape_markdown(result["columns"][0].upper() + result["columns"][1:]))
    for line in result.get("dates") or ():  # no date column (and one that holds dates), reviews stored undated
        st.warning(escape_markdown(line[0].upper() + line[1:]))
    if result.get("undo_error"):
        st.error(escape_markdown(result["undo_error"]))
    if result["new"]:
        st.button(f"Undo: delete the {result['new']:,} reviews this import added", key=f"undo_{result['run']}",
                  on_click=_undo, args=(store, result),
                  help="Imported the wrong file, or with the wrong date order? This deletes what this import "
                       "stored (as `reviewlens delete --run` does); import the file again afterwards.")
    for remark in result.get("remarks") or ():  # what the import assumed of the whole file (a date order)
        st.caption(escape_markdown(remark))
    for key, lead in (("errors", "Rows skipped (fix them and import the file again: nothing is stored twice)"),
                      ("notes", "Imported without a value that could not be read (fix the file, or the rating "
                                "scale, and import it again: the values are filled in), or without a date in the "
                                "future (no review is written after today)")):
        if result.get(key):
            shown = result[key][:ERRORS_SHOWN]
            more = len(result[key]) - len(shown)
            st.warning(f"{lead}:\n\n" + "\n".join(f"- {escape_markdown(e)}" for e in shown)
                       + (f"\n- … and {more:,} more" if more else ""))


def import_page(store: Store, *, first: bool = False) -> None:
    """`first`: shown on an empty store's page, where there is no page choice yet: after an import the
    dashboard opens on this page (the result and the analysis), not on the Overview."""
    st.subheader("Add reviews from a file")
    st.caption("A CSV, TSV, JSON lines, JSON or Excel (.xlsx) file, exported from an app store, a review platform, "
               "a survey tool or a spreadsheet. Columns are found by their usual names (text or review, rating, "
               "date, author, title, product, reply, version, id), or as named under Columns; a review in two "
               "halves (Booking.com's positive and negative review, G2's pros and cons) is read whole, and a Google "
               "Business Profile's or a review API's JSON, a shop review app's export (Judge.me, Yotpo, Okendo) or "
               "a Google Maps scraper's file (Outscraper, Apify) as it is. A row with a bad value is skipped and "
               "named; star-only reviews (a rating, no text) are left out and counted. The same as "
               "`reviewlens import FILE`.")
    st.download_button("Download a sample file", SAMPLE, file_name="reviewlens-sample.csv", mime="text/csv",
                       help="The columns the import reads, with three example reviews: fill it in, or compare it "
                            "with your export's columns.")
    with st.form("import_form", clear_on_submit=True):
        uploads = st.file_uploader("Reviews file(s)", type=UPLOAD_TYPES, key="import_upload",
                                   accept_multiple_files=True)
        c1, c2 = st.columns(2)
        source = c1.text_input("Source name", max_chars=300, placeholder="import:<file name>",
                               help="Where these reviews come from, as filters and comparisons name it.")
        product = c2.text_input("Product", max_chars=500, placeholder="for rows that name none")
        c3, c4 = st.columns(2)
        order = c3.selectbox("Dates such as 03/04/2026", list(DATE_ORDERS))
        scale = c4.selectbox("Ratings", list(RATING_SCALES))
        named = st.text_input("Columns", max_chars=1000, placeholder="date=when, rating=Our score",
                              help="Only for columns named otherwise than the import expects: FIELD=COLUMN, "
                                   "separated by commas (as `reviewlens import --column date=when`). Fields: "
                                   + ", ".join(COLUMN_ALIASES) + ".")
        go = st.form_submit_button("Import")
    if go:
        try:
            columns = _columns(named)
        except ValueError as e:
            columns = None
            st.error(f"Nothing was imported: Columns {escape_markdown(str(e))}")
        if columns is None:
            pass
        elif not uploads:
            st.error("Choose a file first.")
        else:
            with st.spinner("Importing…"):
                results = [_import(store, u, source, product, DATE_ORDERS[order], RATING_SCALES[scale], columns)
                           for u in uploads]
            st.session_state["_import_results"] = results
            new = sum(r.get("new", 0) for r in results)
            if new:
                names = ", ".join(r["name"] for r in results if r.get("new"))
                request_analysis(store, f"{new} reviews imported in the dashboard from {names}"[:200])
                st.cache_data.clear()  # the other pages count them now
            if first and new:
                st.session_state["page"] = "Import"
                st.rerun()
    for result in st.session_state.get("_import_results", []):
        _show(store, result)
    state = analyzer_state(store)
    busy = analyzer_alive(state) and (open_request(store) is not None or state.get("state") == "running")
    st.fragment(_analysis, run_every=POLL if busy else None)(store)


def _analysis(store: Store) -> None:
    """Where the analysis of what waits stands: asked for, running (with its progress), done, or nobody to run it."""
    st.subheader("Analysis")
    state, asked = analyzer_state(store), open_request(store)
    alive = analyzer_alive(state)
    waiting = Q.count_unanalyzed(store)
    progress = Q.analysis_progress(store)
    if "_analysis_error" in st.session_state:
        st.error(escape_markdown(st.session_state.pop("_analysis_error")))
    if state.get("state") == "running" and alive:
        done, total = progress or (0, 0)
        st.progress(min(1.0, done / total) if total else 0.0,
                    text=f"Analyzing in the background: {done:,} of {total:,} review texts" if total else
                    "Analyzing in the background (loading the model)…")
    elif asked and alive:
        st.info("Analysis asked for: the background analyzer takes it within a few seconds.")
    elif (asked or waiting) and not alive and os.environ.get(ANALYSIS_ENV) == "off":
        st.warning(f"{_n(waiting, 'review')} wait{'s' if waiting == 1 else ''} for analysis: analysis is off in this "
                   "dashboard (it was started with `--no-analysis`). Run `reviewlens analyze` to analyze "
                   f"{'it' if waiting == 1 else 'them'}, or start the dashboard without `--no-analysis`.")
    elif (asked or waiting) and not alive:
        st.warning(f"{_n(waiting, 'review')} wait{'s' if waiting == 1 else ''} for analysis, and no background "
                   "analyzer is running: start the dashboard with `reviewlens dashboard` (it analyzes what is added "
                   "here), or run `reviewlens analyze`.")
    elif waiting:
        st.caption(f"{waiting:,} reviews wait for analysis.")
        if st.button(f"Analyze the {waiting:,} reviews waiting"):
            try:
                request_analysis(store, "asked for in the dashboard")
            except StoreReadOnly as e:
                st.session_state["_analysis_error"] = f"The store is read-only here: {e}"
            st.rerun(scope="app")  # the whole page, so that it polls while the analysis runs
    else:
        st.caption("Every review is analyzed.")
    if state.get("last"):
        st.caption(f"Last analysis here: {escape_html(str(state['last']))} "
                   f"({escape_html(str(state.get('finished', ''))[:16].replace('T', ' '))} UTC).")
    finished = state.get("finished")
    seen = st.session_state.get("_analysis_seen")
    if finished and seen is not None and finished != seen:  # it just finished: every page's numbers change
        st.session_state["_analysis_seen"] = finished
        st.cache_data.clear()
        st.rerun(scope="app")  # and the page stops polling
    st.session_state.setdefault("_analysis_seen", finished or "")
