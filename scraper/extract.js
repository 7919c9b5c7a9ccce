/* ReviewLens in-page review extractor: one call returns every review on a document.
 *
 * extractReviews(doc, cfg, baseUrl, opts) -> {strategy, reviews, problems, blocks, next, product}
 *   cfg   null            zero-config: JSON-LD, then microdata, then embedded page state (by shape)
 *         {review, fields, next, ...}   a site config: CSS selectors for the review block and fields
 *   opts  {skip: N}       ignore the first N review blocks (load more / infinite scroll batches)
 * Values come back as raw strings/numbers; normalisation (ratings, dates, text) happens in Python.
 * The page's own scripts are never executed on fetched documents (DOMParser), and nothing here
 * evaluates page text: JSON is parsed with JSON.parse only.
 */
function extractReviews(doc, cfg, baseUrl, opts) {
  "use strict";
  opts = opts || {};
  var problems = [];
  var MAX_NODES = 200000;

  function abs(href) {
    if (!href) return null;
    href = String(href).trim();
    if (!href || href.charAt(0) === "#" || /^javascript:/i.test(href)) return null;
    try { return new URL(href, baseUrl).href; } catch (e) { return null; }
  }
  function str(v) {
    if (v === null || v === undefined) return null;
    if (typeof v === "string") return v;
    if (typeof v === "number" || typeof v === "boolean") return String(v);
    if (Array.isArray(v)) return v.length ? str(v[0]) : null;
    if (typeof v === "object") {
      var keys = ["name", "displayName", "@value", "value", "text", "nick", "username", "handle", "title", "label"];
      for (var i = 0; i < keys.length; i++) if (v[keys[i]] !== undefined) return str(v[keys[i]]);
      var other = Object.keys(v).filter(function (k) { return /name|nick|handle|login|user/i.test(k) && typeof v[k] === "string"; });
      if (other.length) return v[other[0]];
    }
    return null;
  }
  function text(el) { return el ? (el.textContent || "").trim() : null; }

  /* ------------------------------------------------------------ JSON-LD */
  function typeIs(o, names) {
    var t = o["@type"];
    var list = Array.isArray(t) ? t : [t];
    return list.some(function (x) {
      if (typeof x !== "string") return false;
      var short = x.replace(/^.*[\/#:]/, "");
      return names.indexOf(short) >= 0;
    });
  }
  var REVIEW_TYPES = ["Review", "UserReview", "CriticReview", "EmployerReview", "Recommendation"];

  function fromLd(o, product) {
    return ldExtras(fromLdCore(o, product), o);
  }
  function fromLdCore(o, product) {
    var rr = o.reviewRating || o.rating || {};
    var ratingValue = typeof rr === "object" ? (rr.ratingValue !== undefined ? rr.ratingValue : rr.value) : rr;
    var ident = o.identifier;
    if (ident && typeof ident === "object") ident = ident.value || ident["@id"] || null;
    var item = o.itemReviewed ? str(o.itemReviewed) : null;
    return {
      text: str(o.reviewBody) || str(o.description) || str(o.text),
      title: str(o.name) || str(o.headline),
      author: str(o.author) || str(o.creator),
      rating: ratingValue === undefined ? null : ratingValue,
      rating_best: typeof rr === "object" ? (rr.bestRating === undefined ? null : rr.bestRating) : null,
      rating_worst: typeof rr === "object" ? (rr.worstRating === undefined ? null : rr.worstRating) : null,
      date: str(o.datePublished) || str(o.dateCreated) || str(o.dateModified),
      id: ident ? String(ident) : (o["@id"] ? String(o["@id"]) : null),
      product: item || product || null,
      url: o.url ? abs(str(o.url)) : null
    };
  }

  function jsonLd() {
    var out = [];
    var pageProduct = null;
    var seen = 0;
    function walk(node, product) {
      if (++seen > MAX_NODES || node === null || typeof node !== "object") return;
      if (Array.isArray(node)) { node.forEach(function (n) { walk(n, product); }); return; }
      if (typeIs(node, REVIEW_TYPES)) { out.push(fromLd(node, product)); return; }
      var p = product;
      if ((node.review || node.reviews) && node.name) p = str(node.name);
      if (typeIs(node, ["Product", "ProductGroup"]) && node.name && !pageProduct) pageProduct = str(node.name);
      Object.keys(node).forEach(function (k) { if (k !== "@context") walk(node[k], p); });
    }
    doc.querySelectorAll('script[type="application/ld+json"]').forEach(function (s, i) {
      var data;
      try { data = JSON.parse(s.textContent); } catch (e) {
        problems.push("JSON-LD block " + (i + 1) + " is not valid JSON (" + e.message + ")");
        return;
      }
      walk(data, null);
    });
    return { reviews: out, product: pageProduct };
  }

  /* ------------------------------------------------------------ microdata */
  function owner(el) {
    var start = el.hasAttribute("itemscope") ? el.parentElement : el;
    return start ? start.closest("[itemscope]") : null;
  }
  var propsCache = new Map();  /* scope element -> its properties (a product scope is asked once per review) */
  function props(scope) {
    var map = propsCache.get(scope);
    if (map) return map;
    map = {};
    scope.querySelectorAll("[itemprop]").forEach(function (el) {
      if (owner(el) !== scope) return;
      el.getAttribute("itemprop").split(/\s+/).forEach(function (name) {
        (map[name] = map[name] || []).push(el);
      });
    });
    propsCache.set(scope, map);
    return map;
  }
  function mdValue(el) {
    if (!el) return null;
    if (el.hasAttribute("itemscope")) {
      var p = props(el);
      return mdValue((p.name || p.ratingValue || [])[0]) || text(el);
    }
    var tag = el.tagName.toLowerCase();
    if (tag === "meta") return el.getAttribute("content");
    if (tag === "a" || tag === "link" || tag === "area") return el.getAttribute("href");
    if (tag === "img" || tag === "source") return el.getAttribute("src");
    if (tag === "time") return el.getAttribute("datetime") || text(el);
    if (tag === "data" || tag === "meter") return el.getAttribute("value");
    if (el.hasAttribute("content")) return el.getAttribute("content");
    return text(el);
  }
  function microdata() {
    var out = [];
    var pageProduct = null;
    var re = /schema\.org\/(Review|UserReview|CriticReview|EmployerReview)$/i;
    doc.querySelectorAll("[itemscope][itemtype]").forEach(function (scope) {
      var type = (scope.getAttribute("itemtype") || "").trim();
      if (/schema\.org\/Product$/i.test(type) && !pageProduct) {
        var pp = props(scope);
        if (pp.name) pageProduct = mdValue(pp.name[0]);
      }
      if (!re.test(type)) return;
      var p = props(scope);
      var first = function (names) {
        for (var i = 0; i < names.length; i++) if (p[names[i]]) return p[names[i]][0];
        return null;
      };
      var ratingEl = first(["reviewRating"]);
      var rating = null, best = null, worst = null;
      if (ratingEl && ratingEl.hasAttribute("itemscope")) {
        var rp = props(ratingEl);
        rating = mdValue((rp.ratingValue || [])[0]);
        best = mdValue((rp.bestRating || [])[0]);
        worst = mdValue((rp.worstRating || [])[0]);
      } else if (ratingEl) {
        rating = mdValue(ratingEl);
      }
      var product = null;
      var itemEl = first(["itemReviewed"]);
      if (itemEl) product = mdValue(itemEl);
      if (!product) {
        var anc = scope.parentElement ? scope.parentElement.closest("[itemscope][itemtype]") : null;
        if (anc) { var ap = props(anc); if (ap.name) product = mdValue(ap.name[0]); }
      }
      var idv = scope.getAttribute("itemid") || scope.getAttribute("data-review-id") || mdValue(first(["identifier"])) || scope.id || null;
      var mdReply = null, mdReplyDate = null, cms = p.comment || [];
      for (var ci = 0; ci < cms.length && mdReply === null; ci++) {
        if (!cms[ci].hasAttribute("itemscope")) continue;
        var cp = props(cms[ci]), ca = (cp.author || [])[0];
        if (ca && /schema\.org\/Person$/i.test(ca.getAttribute("itemtype") || "")) continue;
        mdReply = mdValue((cp.text || cp.description || [])[0]);
        mdReplyDate = mdValue((cp.dateCreated || cp.datePublished || [])[0]);
      }
      var upv = first(["upvoteCount"]);
      out.push({
        reply: mdReply, reply_date: mdReplyDate, helpful: upv ? mdValue(upv) : null,
        verified: null, language: mdValue(first(["inLanguage"])) || scope.getAttribute("lang") || null,
        text: mdValue(first(["reviewBody", "description", "text"])),
        title: mdValue(first(["name", "headline"])),
        author: mdValue(first(["author", "creator"])),
        rating: rating, rating_best: best, rating_worst: worst,
        date: mdValue(first(["datePublished", "dateCreated"])),
        id: idv, product: product, url: null
      });
    });
    return { reviews: out, product: pageProduct };
  }

  /* ------------------------------------------------------------ embedded page state, by shape */
  function sliceJson(src, start) {
    var open = src.charAt(start);
    if (open !== "{" && open !== "[") return null;
    var depth = 0, inStr = false, quote = "", i;
    for (i = start; i < src.length; i++) {
      var c = src.charAt(i);
      if (inStr) {
        if (c === "\\") { i++; continue; }
        if (c === quote) inStr = false;
        continue;
      }
      if (c === '"' || c === "'") { inStr = true; quote = c; continue; }
      if (c === "{" || c === "[") depth++;
      else if (c === "}" || c === "]") { depth--; if (depth === 0) return src.slice(start, i + 1); }
    }
    return null;
  }
  function stateRoots() {
    var roots = [];
    doc.querySelectorAll("script:not([src])").forEach(function (s) {
      var type = (s.getAttribute("type") || "").toLowerCase();
      if (type === "application/ld+json") return;
      var src = s.textContent || "";
      if (type === "application/json") {
        try { roots.push({ name: s.id || "application/json", data: JSON.parse(src) }); } catch (e) { /* not JSON */ }
        return;
      }
      var re = /(?:window|self|globalThis)\s*\.\s*([A-Za-z_$][\w$]*)\s*=\s*/g, m;
      while ((m = re.exec(src)) !== null) {
        var chunk = sliceJson(src, m.index + m[0].length);
        if (!chunk) continue;
        try { roots.push({ name: m[1], data: JSON.parse(chunk) }); } catch (e) {
          problems.push("page state " + m[1] + " is not plain JSON; skipped");
        }
      }
    });
    return roots;
  }

  var HINT = {
    rating: /(rating|stars?|score|rate|grade|overall)/i,
    author: /(author|user|reviewer|customer|nick|by$|profile|owner|writer|display_?name|^name$)/i,
    title: /(title|headline|summary|subject|heading|caption)/i,
    date: /(date|time|created|published|posted|submitted|updated|^ts$|_at$|At$)/,
    id: /^(id|_id|uuid|uid|key|guid)$|(review_?id|reviewId)$/i,
    text: /(body|text|content|comment|review|description|message|opinion)/i
  };
  var ISO = /^\d{4}-\d{2}-\d{2}/;
  function looksDate(v) {
    if (typeof v === "string") return v.length < 40 && /\d/.test(v) && (ISO.test(v) || !isNaN(Date.parse(v)));
    return false;
  }
  function wordy(v) { return typeof v === "string" && v.length >= 15 && /\s/.test(v.trim()); }
  function nameLike(v) {
    if (typeof v === "string") return v.length > 0 && v.length <= 80 && v.split(/\s+/).length <= 6;
    if (v && typeof v === "object" && !Array.isArray(v)) return Object.keys(v).some(function (k) {
      return /name|nick|user|display|handle|title/i.test(k) && typeof v[k] === "string" && v[k].length <= 80;
    });
    return false;
  }
  function num(v) {
    if (typeof v === "number") return v;
    if (typeof v === "string" && /^\s*\d+([.,]\d+)?\s*$/.test(v)) return parseFloat(v.replace(",", "."));
    if (v && typeof v === "object" && !Array.isArray(v)) {
      var ks = ["value", "ratingValue", "score", "rating", "stars"];
      for (var i = 0; i < ks.length; i++) if (v[ks[i]] !== undefined) return num(v[ks[i]]);
    }
    return null;
  }
  function reviewish(o) {
    if (!o || typeof o !== "object" || Array.isArray(o)) return 0;
    var keys = Object.keys(o), hasText = false, hasRating = false, hasAuthor = false, hasDate = false;
    keys.forEach(function (k) {
      var v = o[k];
      if (wordy(v)) hasText = true;
      var n = num(v);
      if (n !== null && n >= 0 && n <= 10 && HINT.rating.test(k)) hasRating = true;
      if (HINT.author.test(k) && nameLike(v)) hasAuthor = true;
      if (looksDate(v) || (typeof v === "number" && v > 1e9 && v < 2e12 && HINT.date.test(k))) hasDate = true;
    });
    if (!hasText) return 0;
    var extra = (hasRating ? 1 : 0) + (hasAuthor ? 1 : 0) + (hasDate ? 1 : 0);
    return extra >= 2 ? 1 : 0;
  }
  function findArrays(root) {
    var found = [], seen = 0;
    function walk(node, depth) {
      if (++seen > MAX_NODES || depth > 40 || node === null || typeof node !== "object") return;
      if (Array.isArray(node)) {
        var objs = node.filter(function (x) { return x && typeof x === "object" && !Array.isArray(x); });
        if (objs.length) {
          var hits = objs.filter(reviewish).length;
          if (hits && hits >= objs.length * 0.6) { found.push({ items: objs, hits: hits }); return; }
        }
        node.forEach(function (n) { walk(n, depth + 1); });
        return;
      }
      Object.keys(node).forEach(function (k) { walk(node[k], depth + 1); });
    }
    walk(root, 0);
    return found;
  }
  function pickKey(items, test, hint, prefer) {
    var scores = {};
    items.forEach(function (o) {
      Object.keys(o).forEach(function (k) { if (test(o[k], k)) scores[k] = (scores[k] || 0) + 1; });
    });
    var best = null, bestScore = -1;
    Object.keys(scores).forEach(function (k) {
      var s = scores[k] + (hint && hint.test(k) ? items.length : 0) + (prefer ? prefer(k) : 0);
      if (s > bestScore) { best = k; bestScore = s; }
    });
    return best;
  }
  function fromState(items) {
    var lens = {};
    items.forEach(function (o) {
      Object.keys(o).forEach(function (k) { if (typeof o[k] === "string") lens[k] = (lens[k] || 0) + o[k].length; });
    });
    var textKey = null;
    Object.keys(lens).forEach(function (k) { if (textKey === null || lens[k] > lens[textKey]) textKey = k; });
    var used = {}; used[textKey] = 1;
    var ratingKey = pickKey(items, function (v, k) { var n = num(v); return !used[k] && n !== null && n >= 0 && n <= 10; }, HINT.rating,
      function (k) { return HINT.rating.test(k) ? 0 : -items.length * 2; });
    if (ratingKey && !HINT.rating.test(ratingKey)) ratingKey = null;
    if (ratingKey) used[ratingKey] = 1;
    var dateKey = pickKey(items, function (v, k) { return !used[k] && (looksDate(v) || (typeof v === "number" && v > 1e9 && v < 2e12 && HINT.date.test(k))); }, HINT.date);
    if (dateKey) used[dateKey] = 1;
    var idKey = pickKey(items, function (v, k) { return !used[k] && (typeof v === "string" || typeof v === "number") && HINT.id.test(k); }, null);
    if (idKey) used[idKey] = 1;
    var authorKey = pickKey(items, function (v, k) { return !used[k] && nameLike(v) && HINT.author.test(k); }, null);
    if (authorKey) used[authorKey] = 1;
    var titleKey = pickKey(items, function (v, k) { return !used[k] && typeof v === "string" && v.length <= 200 && HINT.title.test(k); }, null);
    return items.map(function (o) {
      return withExtras({
        text: str(o[textKey]), title: titleKey ? str(o[titleKey]) : null, author: authorKey ? str(o[authorKey]) : null,
        rating: ratingKey ? num(o[ratingKey]) : null, rating_best: null, rating_worst: null,
        date: dateKey ? o[dateKey] : null, id: idKey && o[idKey] !== null && o[idKey] !== undefined ? String(o[idKey]) : null,
        product: null, url: null
      }, o, dateKey);
    });
  }
  function embeddedState() {
    var best = null, bestRoot = null;
    stateRoots().forEach(function (root) {
      findArrays(root.data).forEach(function (a) {
        if (!best || a.hits > best.hits) { best = a; bestRoot = root.name; }
      });
    });
    return best ? { reviews: fromState(best.items), source: bestRoot } : { reviews: [], source: null };
  }

  /* ------------------------------------------------------------ replies, votes, verified, language (by shape) */
  var REPLY_KEY = /^(owner_?(response|reply|comment|answer)s?|(developer|merchant|business|company|seller|store|shop|brand|vendor|host|hotel|management|official|partner)_?(owner_?)?(reply|replies|response|responses|answer|comment)|repl(y|ies)|responses?|response_?from_?(the_?)?owner)$/i;
  var REPLY_TEXT_KEY = /^(repl(y|ied)_?(text|content|body|message|comment)|(owner_?)?response_?(text|body|content|message)|developer_?(reply|response)_?text)$/i;
  var REPLY_DATE_KEY = /^(repl(y|ied)_?(at|date|time|on|timestamp)|response_?(date|time|at)|developer_?(reply|response)_?(date|time|at).*)$/i;
  var HELPFUL_KEY = /^(helpful(_?(votes?|count|yes|ness))?|helpful_?vote_?count|votes?_?helpful|useful(_?count)?|likes?(_?count)?|likescount|num_?likes|upvotes?(_?count)?|thumbs_?up(_?count)?|positive_?feedback(_?count)?|total_?feedback_?positive)$/i;
  var VERIFIED_KEY = /^(is_?)?verified(_?(purchase|purchaser|buyer|customer|owner|reviewer|review|stay|order))?$/i;
  var LANG_KEY = /^(lang|language|locale|in_?language|review_?language|reviewer_?language|language_?code|lang_?code|original_?language)$/i;
  var REPLY_BODY = ["text", "message", "body", "content", "comment", "reply", "responseText", "replyText", "value", "description", "answer"];

  function replyFrom(v) {
    /* {text|message|body|...: "...", date-like key: "..."} (or a list of them: the first), or a string */
    if (Array.isArray(v)) v = v.length ? v[0] : null;
    if (typeof v === "string") return wordy(v) || v.length > 2 ? { text: v, date: null } : null;
    if (!v || typeof v !== "object") return null;
    var t = null, d = null, i;
    for (i = 0; i < REPLY_BODY.length && t === null; i++) {
      var b = v[REPLY_BODY[i]];
      if (typeof b === "string" && b.trim()) t = b;
      else if (b && typeof b === "object" && !Array.isArray(b) && typeof (b.text || b.value || b.body) === "string") t = b.text || b.value || b.body;
    }
    if (t === null) return null;
    var dk = ["datePublished", "dateCreated", "publishedDate", "published", "date", "createdAt", "created_at",
              "created", "postedAt", "updatedDate", "dateModified", "modified", "updatedAt", "lastModified", "time", "timestamp", "localizedDate"];
    for (i = 0; i < dk.length && d === null; i++) if (v[dk[i]] !== undefined && v[dk[i]] !== null && typeof v[dk[i]] !== "object") d = v[dk[i]];
    if (d === null && v.dates && typeof v.dates === "object") d = v.dates.publishedDate || v.dates.updatedDate || null;
    return { text: t, date: d };
  }
  function countOf(v) {
    if (typeof v === "number" || typeof v === "string") return v;
    if (v && typeof v === "object" && !Array.isArray(v)) {
      var ks = ["count", "total", "value", "yes", "positive", "up", "helpful"];
      for (var i = 0; i < ks.length; i++) if (typeof v[ks[i]] === "number" || typeof v[ks[i]] === "string") return v[ks[i]];
    }
    return null;
  }
  function langOf(v) {
    if (typeof v === "string") return v.length <= 35 ? v : null;
    if (v && typeof v === "object" && !Array.isArray(v)) return langOf(v.code || v.alternateName || v.id || v.value || v.name || null);
    return null;
  }
  function findKey(o, re) {
    var ks = Object.keys(o);
    for (var i = 0; i < ks.length; i++) if (re.test(ks[i]) && o[ks[i]] !== null && o[ks[i]] !== undefined) return ks[i];
    return null;
  }
  /* The reply, votes, verified and language of one review-like object (page state, JSON-LD), by the
     shapes sites use: nested reply objects (reply: {message, publishedDate}, ownerResponse,
     developerReply, response), flat reply keys (replyText + repliedAt), vote counts, verified flags
     (also one level down: reviewer: {verified}), language keys. */
  function extrasOf(o) {
    var out = { reply: null, reply_date: null, helpful: null, verified: null, language: null };
    if (!o || typeof o !== "object" || Array.isArray(o)) return out;
    var k = findKey(o, REPLY_KEY), r = k ? replyFrom(o[k]) : null;
    if (r) { out.reply = r.text; out.reply_date = r.date; }
    if (out.reply === null) { k = findKey(o, REPLY_TEXT_KEY); if (k && typeof o[k] === "string") out.reply = o[k]; }
    if (out.reply !== null && out.reply_date === null) { k = findKey(o, REPLY_DATE_KEY); if (k && typeof o[k] !== "object") out.reply_date = o[k]; }
    k = findKey(o, HELPFUL_KEY); if (k) out.helpful = countOf(o[k]);
    var subs = [o].concat(Object.keys(o).map(function (x) { return o[x]; }).filter(function (v) {
      return v && typeof v === "object" && !Array.isArray(v);
    }));
    for (var i = 0; i < subs.length && out.verified === null; i++) {
      k = findKey(subs[i], VERIFIED_KEY);
      if (k && typeof subs[i][k] !== "object") out.verified = subs[i][k];
    }
    k = findKey(o, LANG_KEY); if (k) out.language = langOf(o[k]);
    return out;
  }
  function withExtras(rec, o, dateKey) {
    var x = extrasOf(o);
    Object.keys(x).forEach(function (f) { rec[f] = x[f]; });
    if (dateKey && REPLY_DATE_KEY.test(dateKey)) {
      /* the date picked for the list is the reply's (repliedAt beside a plain "at"): the review's own date instead */
      rec.date = null;
      Object.keys(o).forEach(function (k) {
        if (rec.date === null && !REPLY_DATE_KEY.test(k) && (looksDate(o[k]) || (typeof o[k] === "number" && o[k] > 1e9 && o[k] < 2e12 && HINT.date.test(k)))) rec.date = o[k];
      });
    }
    return rec;
  }
  function ldExtras(rec, o) {
    /* schema.org: comment (a Comment whose author is not a Person: the owner), upvoteCount,
       interactionStatistic (LikeAction / AgreeAction), inLanguage; then the page-state shapes */
    withExtras(rec, o);
    var cs = o.comment || o.comments;
    cs = Array.isArray(cs) ? cs : (cs ? [cs] : []);
    for (var i = 0; i < cs.length && rec.reply === null; i++) {
      var c = cs[i];
      if (!c || typeof c !== "object") continue;
      var a = Array.isArray(c.author) ? c.author[0] : c.author;
      if (a && typeof a === "object" && typeIs(a, ["Person"])) continue;
      var r = replyFrom(c);
      if (r) { rec.reply = r.text; rec.reply_date = r.date; }
    }
    if (rec.helpful === null && o.upvoteCount !== undefined) rec.helpful = o.upvoteCount;
    var st = o.interactionStatistic;
    st = Array.isArray(st) ? st : (st ? [st] : []);
    st.forEach(function (s) {
      if (rec.helpful === null && s && typeof s === "object" && /(Like|Agree|Vote)Action/.test(str(s.interactionType) || "")) rec.helpful = s.userInteractionCount;
    });
    if (o.inLanguage !== undefined) rec.language = langOf(o.inLanguage);
    return rec;
  }

  /* ------------------------------------------------------------ site config (CSS selectors) */
  function fieldValue(block, spec) {
    if (!spec) return { value: null, found: true };
    if (typeof spec === "string") spec = { selector: spec };
    var scopeEl = block;
    if (spec.scope === "page") scopeEl = doc;
    if (spec.count) {
      var n = spec.selector ? scopeEl.querySelectorAll(spec.selector).length : 0;
      return { value: n, found: n > 0 };
    }
    var el = spec.selector ? scopeEl.querySelector(spec.selector) : block;
    if (!el && spec.scope !== "page" && spec.selector && spec.fallback_page) el = doc.querySelector(spec.selector);
    if (!el) return { value: null, found: false };
    var v;
    if (spec.attr) v = el.getAttribute(spec.attr);
    else if (spec.style) v = el.style ? el.style.getPropertyValue(spec.style) : null;
    else v = (el.innerText !== undefined && spec.inner_text) ? el.innerText : el.textContent;
    if (v !== null && spec.regex) {
      var m = new RegExp(spec.regex).exec(v);
      v = m ? (m[1] !== undefined ? m[1] : m[0]) : null;
    }
    return { value: v === null ? null : String(v).trim(), found: v !== null && v !== undefined };
  }
  function configExtract() {
    var blocks = doc.querySelectorAll(cfg.review);
    var fields = cfg.fields || {};
    var out = [];
    var skip = opts.skip || 0;
    for (var i = skip; i < blocks.length; i++) {
      var b = blocks[i], r = { missing: [] };
      ["text", "title", "author", "rating", "date", "id", "product", "url"].forEach(function (f) {
        var res = fieldValue(b, fields[f]);
        r[f] = res.value;
        if (fields[f] && !res.found) r.missing.push(f);
      });
      if (r.url) r.url = abs(r.url);
      ["reply", "reply_date", "helpful", "verified", "language"].forEach(function (f) {  /* optional: never "missing" */
        r[f] = fields[f] ? fieldValue(b, fields[f]).value : null;
      });
      if (!fields.language) r.language = b.getAttribute("lang");
      r.rating_best = null; r.rating_worst = null;
      out.push(r);
    }
    return { reviews: out, blocks: blocks.length };
  }

  /* ------------------------------------------------------------ next page */
  function nextLink() {
    if (cfg && cfg.next) {
      var el = doc.querySelector(cfg.next);
      if (!el) return null;
      var href = abs(el.getAttribute("href"));
      return href ? { url: href } : { click: true };
    }
    var rel = doc.querySelector('link[rel~="next"][href], a[rel~="next"][href]');
    if (rel && abs(rel.getAttribute("href"))) return { url: abs(rel.getAttribute("href")) };
    var as = doc.querySelectorAll("a[href]");
    for (var i = 0; i < as.length; i++) {
      var t = (as[i].textContent || "").trim().toLowerCase().replace(/\s+/g, " ");
      var label = (as[i].getAttribute("aria-label") || "").toLowerCase();
      if (/^(next|next page|next ›|next »|next >|›|»|>)$/.test(t) || /^next( page)?$/.test(label)) {
        var u = abs(as[i].getAttribute("href"));
        if (u) return { url: u };
      }
    }
    return null;
  }

  /* ------------------------------------------------------------ run */
  var result = { strategy: null, reviews: [], problems: problems, blocks: 0, next: null, product: null };
  if (cfg && cfg.review) {
    var c = configExtract();
    result.strategy = "config";
    result.reviews = c.reviews;
    result.blocks = c.blocks;
  } else {
    var ld = jsonLd();
    var md = ld.reviews.length ? { reviews: [], product: null } : microdata();
    result.product = ld.product || md.product;
    if (ld.reviews.length) { result.strategy = "jsonld"; result.reviews = ld.reviews; }
    else if (md.reviews.length) { result.strategy = "microdata"; result.reviews = md.reviews; }
    else {
      var st = embeddedState();
      if (st.reviews.length) { result.strategy = st.source === "__NEXT_DATA__" ? "nextdata" : "state"; result.reviews = st.reviews; }
    }
    result.blocks = result.reviews.length;
    if (opts.skip) result.reviews = result.reviews.slice(opts.skip);
  }
  if (!result.product) {
    var og = doc.querySelector('meta[property="og:title"]');
    var h1 = doc.querySelector("h1");
    result.product = (og && og.getAttribute("content")) || (h1 && text(h1)) || null;
  }
  result.next = nextLink();
  return result;
}
