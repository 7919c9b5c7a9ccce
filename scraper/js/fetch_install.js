/* Run after extract.js, once per document: installs window.__reviewlensScraper.start(startUrl, cfg, opts),
 * the in-page background job that fetches later pages (fetch() + DOMParser), see scraper/fetch.py. */
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
