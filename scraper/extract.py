"""Run the in-page extractor (extract.js) and turn its raw records into `Review`s.

One `execute_script` call returns every review on the current page; `execute_async_script` fetches
later pages inside the browser session (fetch() + DOMParser) and extracts them the same way.
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

from reviewlens.schema import Review

from .normalize import MAX_TEXT, clean_text, parse_date, parse_language, parse_rating, parse_verified, parse_votes
from .siteconfig import SiteConfig

log = logging.getLogger(__name__)

_JS = Path(__file__).with_name("extract.js").read_text(encoding="utf-8")

# Current page: reviews + the main document's HTTP status, in one round trip.
EXTRACT_LIVE = _JS + """
var nav = (performance.getEntriesByType && performance.getEntriesByType('navigation')[0]) || null;
var res = extractReviews(document, arguments[0], location.href, arguments[1] || {});
res.status = nav && nav.responseStatus ? nav.responseStatus : 0;
res.url = location.href;
return JSON.stringify(res);  /* one string: far cheaper through WebDriver than a nested object */
"""

# Later pages fetched inside the browser, as a background job in the page: FETCH_START starts it
# (after FETCH_INSTALL, once per document) and returns its id at once; the job follows next links
# (or a page parameter) for up to opts.max pages, honouring robots rules and the delay, same-origin
# only, and queues one item per page.
# FETCH_TAKE (one round trip) waits until `want` items are queued (or `maxWait` ms after the first,
# or the job ended) and returns them; the job keeps fetching meanwhile, so the browser never idles
# on WebDriver round trips, but it pauses while opts.buffer items wait to be taken. FETCH_STOP ends
# it (pages still in flight finish, unparsed). Navigating away from the page ends every job on it.
# With opts.parallel > 1 (only used when there is no delay), the URLs of the following pages are
# predicted from the pagination pattern (a page parameter, or a next link whose URL differs from
# the current one by one increasing number) and fetched concurrently; each prediction is checked
# against the next link the page really has, and pages fetched on a wrong guess are discarded.
# Installed once per document (kept hot by the JavaScript engine across start URLs):
# window.__reviewlensScraper.start(startUrl, cfg, opts) starts a job and returns its id.
FETCH_INSTALL = _JS + r"""
window.__reviewlensScraper = { start: function (startUrl, cfg, opts) {
  var jobs = window.__reviewlensJobs || (window.__reviewlensJobs = {});
  var id = "j" + Date.now().toString(36) + Math.random().toString(36).slice(2, 10);
  var job = { queue: [], done: false, stopped: false, cb: null, want: 1, maxWait: 0, timer: null,
              resume: null };
  jobs[id] = job;
  job.flush = function () {
    if (!job.cb) return;
    var cb = job.cb, q = job.queue;
    job.cb = null; job.queue = [];
    if (job.timer) { clearTimeout(job.timer); job.timer = null; }
    if (job.resume) { var r = job.resume; job.resume = null; r(); }
    cb(JSON.stringify({ items: q, done: job.done }));
  };
  job.check = function () {
    if (!job.cb) return;
    if (job.done || job.queue.length >= job.want) { job.flush(); return; }
    if (job.queue.length && !job.timer) job.timer = setTimeout(job.flush, job.maxWait);
  };
  job.take = function (want, maxWait, cb) {
    job.want = Math.max(1, want); job.maxWait = maxWait; job.cb = cb; job.check();
  };
  job.stop = function () {
    /* Pages still in flight finish unparsed: aborting them would close their keep-alive connections. */
    job.stopped = true;
    if (job.resume) { var r = job.resume; job.resume = null; r(); }
    job.done = true;
    job.check();
  };
  function allowed(u) {
    var rb = opts.robots;
    if (!rb || rb.all === true) return true;
    if (rb.all === false) return false;
    var x = new URL(u), path = x.pathname + x.search;
    for (var i = 0; i < rb.rules.length; i++) {
      var rule = rb.rules[i];
      if (rule[0] === '*' || path.indexOf(rule[0]) === 0) return rule[1];
    }
    return true;
  }
  function usable(u) {
    try { return new URL(u).origin === location.origin && allowed(u); } catch (e) { return false; }
  }
  function nextByParam(u) {
    var x = new URL(u), p = opts.pageParam;
    var cur = parseInt(x.searchParams.get(p.name) || String(p.start), 10);
    x.searchParams.set(p.name, String(cur + p.step));
    return x.href;
  }
  function learn(a, b) {
    /* successor function when b is a with exactly one number increased, else null */
    if (!a || !b) return null;
    var ta = a.split(/(\d+)/), tb = b.split(/(\d+)/);
    if (ta.length !== tb.length) {
      /* a page parameter appearing where the first page had none: "/p" -> "/p?page=2" or "?start=10" */
      var xa = new URL(a), xb = new URL(b), extra = null, same = xa.origin + xa.pathname === xb.origin + xb.pathname;
      xb.searchParams.forEach(function (v, k) {
        if (xa.searchParams.get(k) === v) return;
        if (xa.searchParams.has(k) || extra !== null || !/^\d+$/.test(v)) same = false; else extra = [k, parseInt(v, 10)];
      });
      if (!same || extra === null) return null;
      var pstep = extra[1] === 2 ? 1 : extra[1], pname = extra[0];
      if (pstep <= 0) return null;
      return function (u) {
        var x = new URL(u), v = parseInt(x.searchParams.get(pname), 10);
        if (isNaN(v)) return null;
        x.searchParams.set(pname, String(v + pstep));
        return x.href;
      };
    }
    var idx = -1, step = 0;
    for (var i = 0; i < ta.length; i++) {
      if (ta[i] === tb[i]) continue;
      if (i % 2 === 0 || idx >= 0) return null;
      idx = i; step = parseInt(tb[i], 10) - parseInt(ta[i], 10);
    }
    if (idx < 0 || step <= 0) return null;
    return function (u) {
      var t = u.split(/(\d+)/);
      if (t.length !== ta.length) return null;
      t[idx] = String(parseInt(t[idx], 10) + step);
      return t.join("");
    };
  }
  async function fetchOne(url, entry) {
    var item = { url: url };
    var ctl = new AbortController(), timedOut = false;
    var timer = setTimeout(function () { timedOut = true; ctl.abort(); }, opts.timeoutMs);
    try {
      var resp = await fetch(url, { credentials: 'include', signal: ctl.signal, redirect: 'follow' });
      var body = await resp.text();
      item.status = resp.status;
      item.retryAfter = resp.headers.get('Retry-After');
      item.finalUrl = resp.url;
      if (resp.status !== 200) { item.html = body.slice(0, 2000000); return item; }
      if (job.stopped || entry.dropped) return item;
      var doc = new DOMParser().parseFromString(body, 'text/html');
      var res = extractReviews(doc, cfg, resp.url, {});
      for (var k in res) item[k] = res[k];
      if (!res.reviews.length || res.problems.length) item.html = body;
      if (res.reviews.length) {
        item.nextUrl = opts.pageParam ? nextByParam(resp.url) : (res.next && res.next.url) || null;
      }
    } catch (e) {
      item.error = timedOut ? "timed out after " + (opts.timeoutMs / 1000) + " s" : String((e && e.message) || e);
    } finally {
      clearTimeout(timer);
    }
    return item;
  }
  (async function () {
    /* A sliding window: up to opts.parallel fetches in flight, consumed in page order. */
    var count = 0, cur = startUrl, prev = opts.prevUrl || null, inflight = [];
    var width = Math.max(1, opts.parallel || 1), buffer = Math.max(1, opts.buffer || 1);
    var succ = opts.pageParam ? nextByParam : learn(prev, cur);
    function start(u) {
      var entry = { url: u };
      entry.p = fetchOne(u, entry);
      inflight.push(entry);
    }
    function fill() {
      if (!inflight.length) start(cur);
      while (succ && inflight.length < width && count + inflight.length < opts.max) {
        var guess = succ(inflight[inflight.length - 1].url);
        if (!guess || !usable(guess)) break;
        start(guess);
      }
    }
    try {
      while (count < opts.max && !job.stopped) {
        if (count > 0 && opts.delayMs > 0) await new Promise(function (r) { setTimeout(r, opts.delayMs); });
        while (job.queue.length >= buffer && !job.stopped) await new Promise(function (r) { job.resume = r; });
        if (job.stopped) break;
        fill();
        var item = await inflight.shift().p;
        if (job.stopped) break;
        count++;
        job.queue.push(item);
        job.check();
        if (item.error || item.status !== 200 || !item.reviews || !item.reviews.length || !item.nextUrl) break;
        if (!usable(item.nextUrl)) break;
        prev = item.finalUrl || item.url;
        cur = item.nextUrl;
        if (!succ) succ = learn(prev, cur);
        if (inflight.length && inflight[0].url !== cur) {  /* wrong guess: drop those pages */
          inflight.forEach(function (x) { x.dropped = true; });
          inflight = [];
        }
      }
    } catch (e) {
      job.queue.push({ url: cur, error: String((e && e.message) || e) });
    } finally {
      job.done = true;
      job.stopped = true;  /* speculative pages still in flight finish unparsed */
      job.check();
    }
  })();
  return id;
} };
return true;
"""

FETCH_START = """
var rl = window.__reviewlensScraper;
return rl ? rl.start(arguments[0], arguments[1], arguments[2]) : null;
"""

FETCH_TAKE = """
var job = (window.__reviewlensJobs || {})[arguments[0]], cb = arguments[arguments.length - 1];
if (!job) cb('{"gone": true}'); else job.take(arguments[1], arguments[2], cb);
"""

FETCH_STOP = """
var jobs = window.__reviewlensJobs || {}, job = jobs[arguments[0]];
if (job) { job.stop(); delete jobs[arguments[0]]; }
return !!job;
"""

COUNT_JS = "return document.querySelectorAll(arguments[0]).length;"
SCROLL_JS = ("window.scrollTo(0, document.body.scrollHeight || document.documentElement.scrollHeight);"
             "return document.querySelectorAll(arguments[0]).length;")
VISIBLE_JS = ("var b = document.querySelector(arguments[0]); if (!b) return false;"
              "var s = getComputedStyle(b); return s.display !== 'none' && s.visibility !== 'hidden' && !b.hidden;")


def _short(value: Any, limit: int) -> str | None:
    s = clean_text(value)
    if s is None:
        return None
    s = " ".join(s.split())
    return s[:limit] if len(s) > limit else s


def build_reviews(raw: dict[str, Any], *, page_url: str, source: str, site: SiteConfig | None,
                  today: date | None = None, skip: int = 0) -> tuple[list[Review], list[str]]:
    """Reviews from the extractor's raw records, and the problems found (each naming the URL).

    A record without text is skipped and reported; other missing fields become None (and a field
    that a site config names but no review on the page has is reported as a possible layout change).
    """
    problems = [f"{p} at {page_url}" for p in raw.get("problems") or []]
    records = raw.get("reviews") or []
    fmt = site.date_format if site else None
    scale = site.rating_scale if site else None
    page_product = raw.get("product")
    out: list[Review] = []
    no_text: list[str] = []
    missing: Counter[str] = Counter()
    for i, r in enumerate(records):
        for f in r.get("missing") or []:
            missing[f] += 1
        text = clean_text(r.get("text"))
        if not text:
            no_text.append(str(r.get("id") or f"#{skip + i + 1}"))
            continue
        extra: dict[str, Any] = {}
        if len(text) > MAX_TEXT:
            extra["truncated_from"] = len(text)
            text = text[:MAX_TEXT]
        rating = parse_rating(r.get("rating"), r.get("rating_best"), r.get("rating_worst"), scale)
        if r.get("rating") not in (None, "") and rating is None:
            missing["rating (unreadable: %r)" % (str(r.get("rating"))[:40],)] += 1
        out.append(Review(
            source=source, text=text,
            product=_short(r.get("product") or page_product, 500),
            url=r.get("url") or page_url,
            author=_short(r.get("author"), 500),
            rating=rating,
            title=_short(r.get("title"), 1000),
            date=parse_date(r.get("date"), fmt, today),
            site_review_id=_short(r.get("id"), 300),
            extra=extra,
            reply=clean_text(r.get("reply"), MAX_TEXT),
            reply_date=parse_date(r.get("reply_date"), fmt, today),
            helpful_votes=parse_votes(r.get("helpful")),
            verified=parse_verified(r.get("verified")),
            language=parse_language(r.get("language")),
        ))
    if no_text:
        shown = ", ".join(no_text[:10]) + (" ..." if len(no_text) > 10 else "")
        problems.append(f"{len(no_text)} review(s) skipped, missing field 'text' ({shown}) at {page_url}")
    n = len(records)
    for f, c in sorted(missing.items()):
        if f == "text":
            continue
        if f.startswith("rating (unreadable"):
            problems.append(f"{c} review(s) with an {f} at {page_url}")
        elif c == n:
            sel = (site.fields.get(f) or {}).get("selector") if site else None
            problems.append(f"field '{f}' (selector {sel!r}) missing in all {n} reviews at {page_url}: "
                            f"the page layout may have changed")
    return out, problems
