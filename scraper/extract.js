/* ReviewLens in-page review extractor: one call returns every review on a document.
 *
 * extractReviews(doc, cfg, baseUrl, opts) -> {strategy, reviews, problems, blocks, next, more, product}
 *   cfg   null            zero-config: JSON-LD, then microdata, then embedded page state (by shape)
 *         {review, fields, next, ...}   a site config: CSS selectors for the review block and fields
 *   opts  {skip: N}       ignore the first N review blocks (load more / infinite scroll batches)
 *   next  {url} a next page link; {click: "css selector"} a next button without a link (zero-config),
 *         {click: true} the site config's next button; null
 *   more  {click: "css selector"} a "show more reviews" button that adds reviews to this page (zero-config)
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
  /* What a reader sees of an element: its text without the contents of script, style, template and noscript
     elements and without hidden descendants (the hidden attribute, an inline display:none or visibility:hidden,
     and on a live document the computed style). The element itself is not judged: reviews in a closed tab are
     still read. Text is joined as textContent joins it, so a page without such content reads as before.
     `breaks`: a line break for <br> and around blocks (HTML written inside a JSON-LD string). */
  var UNSEEN = { SCRIPT: 1, STYLE: 1, TEMPLATE: 1, NOSCRIPT: 1 };
  var BLOCK = /^(P|DIV|LI|UL|OL|H[1-6]|BLOCKQUOTE|TR|TABLE|SECTION|ARTICLE|PRE|HR)$/;
  function unseenEl(el, win, rootVisibility) {
    if (UNSEEN[el.tagName.toUpperCase()] || el.hasAttribute("hidden")) return true;
    if (/display\s*:\s*none|visibility\s*:\s*hidden/i.test(el.getAttribute("style") || "")) return true;
    if (!win) return false;
    var cs = win.getComputedStyle(el);
    return cs.display === "none" || (cs.visibility === "hidden" && rootVisibility !== "hidden");
  }
  /* The text a reader sees in `root` (no hidden elements). `breaks`: none (falsy); true, a line break for <br> and
     around blocks; "paragraphs", also a blank line around <p>, <blockquote>, <pre>. */
  var PARAGRAPH = /^(P|BLOCKQUOTE|PRE)$/;
  function seen(root, breaks) {
    if (!root.firstElementChild) return root.textContent || "";
    var win = root.ownerDocument && root.ownerDocument.defaultView;
    if (!(win && win.getComputedStyle && root.isConnected)) win = null;  /* fetched documents have no layout */
    var rootVisibility = win ? win.getComputedStyle(root).visibility : null;
    var out = [];
    (function walk(node, depth) {
      for (var c = node.firstChild; c; c = c.nextSibling) {
        if (c.nodeType === 3) { out.push(c.nodeValue); continue; }
        if (c.nodeType !== 1 || depth > 200 || unseenEl(c, win, rootVisibility)) continue;
        var tag = c.tagName.toUpperCase();
        if (breaks && tag === "BR") { out.push("\n"); continue; }
        var gap = !breaks ? "" : breaks === "paragraphs" && PARAGRAPH.test(tag) ? "\n\n" : BLOCK.test(tag) ? "\n" : "";
        if (gap) out.push(gap);
        walk(c, depth + 1);
        if (gap) out.push(gap);
      }
    })(root, 0);
    return out.join("");
  }
  /* Line breaks without the indentation around them, at most one blank line in a row. */
  function lines(s) { return s.replace(/[ \t]*\n[ \t]*/g, "\n").replace(/\n{3,}/g, "\n\n").trim(); }
  function text(el) { return el ? seen(el).trim() : null; }
  function squash(s) { return s.replace(/\s+/g, " ").trim(); }
  /* A review's text, its paragraphs kept: a blank line between paragraphs (<p>, <blockquote>), a line break for
     <br> and around other blocks; textContent glued "...behind the toaster.</p><p>Refund was quick" into
     "toaster.Refund". Line breaks of the text itself are kept as before (a widget that shows its text with
     white-space: pre-line; a fetched page has no styles to tell), indentation around them dropped. */
  function shown(el) {
    if (!el) return null;
    return el.firstElementChild ? lines(seen(el, "paragraphs")) : el.textContent || "";
  }
  /* A review's text cut off at a "Read more" teaser ("... Support s…") while the whole text is in the review's
     block, hidden until the button is clicked (display:none, the hidden attribute): the text of the hidden
     element whose words begin with the teaser's. Other texts are returned as they are. */
  var ELLIPSIS_END = /(\u2026|\.\.\.)\s*$/;
  function unfolded(visible, block) {
    if (typeof visible !== "string" || !block || !ELLIPSIS_END.test(visible)) return visible;
    var head = squash(visible).replace(/[.\u2026\s]+$/, "");
    if (head.length < 10) return visible;
    var win = block.ownerDocument && block.ownerDocument.defaultView;
    if (!(win && win.getComputedStyle && block.isConnected)) win = null;
    var els = block.querySelectorAll("*");
    for (var i = 0; i < els.length && i < 2000; i++) {
      var el = els[i];
      if (UNSEEN[el.tagName.toUpperCase()] || !unseenEl(el, win, null)) continue;
      var full = shown(el), words = squash(full);
      if (words.length > head.length + 1 && words.indexOf(head) === 0 && !ELLIPSIS_END.test(full)) return full;
    }
    return visible;
  }
  /* A JSON-LD text as a browser shows it, when the site wrote HTML there: an entity (the site escaped the text for
     HTML: "&lt;b&gt;Broken&lt;/b&gt; ... &amp;" was stored so) or paragraph and line-break markup (a rich-text
     body: <p>, <br>, <div>, <li>). Parsed inert (DOMParser runs no script, loads nothing): entities become the
     characters they stand for, tags go, script contents too. Other text is kept exactly as written: a site that
     writes plain text into its JSON-LD shows a customer's "<b>" as "<b>". */
  var HTML_IN_TEXT = /&(#\d{1,7}|#x[0-9a-f]{1,6}|[a-z][a-z0-9]{1,31});|<(br|p|div|li)(\s[^<>]*)?\/?>|<\/(p|div|li)>/i;
  function ldText(s) {
    if (typeof s !== "string" || !HTML_IN_TEXT.test(s) || typeof DOMParser === "undefined") return s;
    var body = new DOMParser().parseFromString("<!doctype html><body>" + s, "text/html").body;
    return body ? lines(seen(body, true)) : s;
  }

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
    var rec = ldExtras(fromLdCore(o, product), o);
    ["text", "title", "author", "reply", "product"].forEach(function (f) { rec[f] = ldText(rec[f]); });
    return rec;
  }
  function fromLdCore(o, product) {
    var rr = o.reviewRating || o.rating || {};
    var ratingValue = typeof rr === "object" ? (rr.ratingValue !== undefined ? rr.ratingValue : rr.value) : rr;
    var ident = o.identifier;
    if (ident && typeof ident === "object") ident = ident.value || ident["@id"] || null;
    var item = o.itemReviewed ? str(o.itemReviewed) || ldNamed(o.itemReviewed) : null;
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

  /* The number of reviews a page says it has (an AggregateRating's reviewCount, else its ratingCount): a run
     that collected far fewer says so (many pages count ratings without a text, so it is a note, not an error). */
  function countIn(v) {
    var n = typeof v === "number" ? v : (typeof v === "string" && /^\s*\d[\d,.\s]*$/.test(v) ? parseInt(v.replace(/[,.\s]/g, ""), 10) : NaN);
    return isFinite(n) && n >= 0 ? n : null;
  }
  /* A node that a JSON-LD graph names by its @id elsewhere: a Review's itemReviewed is often {"@id": ...} only,
     the LocalBusiness or Product it points at holding the name. */
  var ldIds = {};
  function ldNamed(ref) {
    var node = ref && typeof ref === "object" && typeof ref["@id"] === "string" ? ldIds[ref["@id"]] : null;
    return node ? str(node.name) : null;
  }
  function jsonLd() {
    var out = [], blocks = [];
    var pageProduct = null, pageThing = null, stated = null;
    var seen = 0;
    doc.querySelectorAll('script[type="application/ld+json"]').forEach(function (s, i) {
      try { blocks.push(JSON.parse(s.textContent)); } catch (e) {
        problems.push("JSON-LD block " + (i + 1) + " is not valid JSON (" + e.message + ")");
      }
    });
    (function index(node) {
      if (++seen > MAX_NODES || node === null || typeof node !== "object") return;
      if (Array.isArray(node)) { node.forEach(index); return; }
      if (typeof node["@id"] === "string" && node.name && !ldIds[node["@id"]]) ldIds[node["@id"]] = node;
      Object.keys(node).forEach(function (k) { if (k !== "@context") index(node[k]); });
    })(blocks);
    seen = 0;
    function walk(node, product) {
      if (++seen > MAX_NODES || node === null || typeof node !== "object") return;
      if (Array.isArray(node)) { node.forEach(function (n) { walk(n, product); }); return; }
      if (typeIs(node, REVIEW_TYPES)) { out.push(fromLd(node, product)); return; }
      /* what the reviews are of, when no Product is named: the business, hotel or app that holds the rating */
      if (!pageThing && node.name && (node.aggregateRating || node.review || node.reviews)) pageThing = str(node.name);
      var agg = typeIs(node, ["AggregateRating"]) ? node : node.aggregateRating;
      if (stated === null && agg && typeof agg === "object") stated = countIn(agg.reviewCount) !== null ? countIn(agg.reviewCount) : countIn(agg.ratingCount);
      var p = product;
      if ((node.review || node.reviews) && node.name) p = str(node.name);
      if (typeIs(node, ["Product", "ProductGroup"]) && node.name && !pageProduct) pageProduct = str(node.name);
      Object.keys(node).forEach(function (k) { if (k !== "@context") walk(node[k], p); });
    }
    blocks.forEach(function (data) { walk(data, null); });
    return { reviews: out, product: ldText(pageProduct || pageThing), stated: stated };
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
  function mdBody(el) {  /* a microdata text, its paragraphs kept (shown) where it is the element's own text */
    var v = mdValue(el);
    return el && v === text(el) ? shown(el) : v;
  }
  function microdata() {
    var out = [];
    var pageProduct = null, pageThing = null, stated = null;
    var re = /schema\.org\/(Review|UserReview|CriticReview|EmployerReview)$/i;
    doc.querySelectorAll("[itemscope][itemtype]").forEach(function (scope) {
      var type = (scope.getAttribute("itemtype") || "").trim();
      if (/schema\.org\/AggregateRating$/i.test(type) && stated === null) {
        var ap0 = props(scope);
        stated = countIn(mdValue((ap0.reviewCount || [])[0]));
        if (stated === null) stated = countIn(mdValue((ap0.ratingCount || [])[0]));
      }
      if (/schema\.org\/Product$/i.test(type) && !pageProduct) {
        var pp = props(scope);
        if (pp.name) pageProduct = mdValue(pp.name[0]);
      }
      if (!pageThing && !pageProduct && !/schema\.org\/(Review|UserReview|CriticReview|EmployerReview|Rating|AggregateRating|Person|Comment|Answer|Question|Offer|PostalAddress|ImageObject)$/i.test(type)) {
        var tp = props(scope);  /* what the reviews are of, when no Product is named: the business that holds the rating */
        if (tp.name && (tp.aggregateRating || tp.review || tp.reviews)) pageThing = mdValue(tp.name[0]);
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
        text: unfolded(mdBody(first(["reviewBody", "description", "text"])), scope),
        title: mdValue(first(["name", "headline"])),
        author: mdValue(first(["author", "creator"])),
        rating: rating, rating_best: best, rating_worst: worst,
        date: mdValue(first(["datePublished", "dateCreated"])),
        id: idv, product: product, url: null
      });
    });
    return { reviews: out, product: pageProduct || pageThing, stated: stated };
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
    function parseJson(src) {
      src = src.trim().replace(/^<!--/, "").replace(/-->$/, "").trim();  /* hypernova-style <!--{...}--> */
      return JSON.parse(src);
    }
    doc.querySelectorAll("script:not([src])").forEach(function (s) {
      var type = (s.getAttribute("type") || "").toLowerCase();
      if (type === "application/ld+json") return;
      var src = s.textContent || "";
      if (/json|shoebox/.test(type)) {
        try { roots.push({ name: s.id || type, data: parseJson(src) }); } catch (e) { /* not JSON */ }
        return;
      }
      if (type && !/javascript|ecmascript|module/.test(type)) return;
      /* window.X = {...}, window["X"] = {...}, var/let/const X = {...}, and X = JSON.parse("...") */
      var re = /(?:(?:window|self|globalThis)\s*(?:\.\s*([A-Za-z_$][\w$]*)|\[\s*["']([^"']{1,80})["']\s*\])|\b(?:var|let|const)\s+([A-Za-z_$][\w$]*))\s*=\s*/g, m;
      while ((m = re.exec(src)) !== null) {
        var name = m[1] || m[2] || m[3], declared = !!m[3], at = m.index + m[0].length, chunk = null, data;
        var jp = /^JSON\.parse\(\s*"/.exec(src.slice(at, at + 40));
        if (jp) {  /* a JSON string literal holding the state */
          var q = at + jp[0].length - 1, j = q + 1;
          while (j < src.length && src.charAt(j) !== '"') j += src.charAt(j) === "\\" ? 2 : 1;
          try { data = JSON.parse(JSON.parse(src.slice(q, j + 1))); roots.push({ name: name, data: data }); } catch (e) {
            if (!declared) problems.push("page state " + name + " is not plain JSON; skipped");
          }
          continue;
        }
        chunk = sliceJson(src, at);
        if (!chunk || (declared && chunk.length < 50)) continue;
        try { roots.push({ name: name, data: JSON.parse(chunk) }); } catch (e) {
          /* a declared variable holding a JavaScript object literal is ordinary code, not page state */
          if (!declared) problems.push("page state " + name + " is not plain JSON; skipped");
        }
      }
    });
    return roots;
  }

  /* Review records are recognised by what they hold, nested objects included (each item is
     flattened to dotted paths: consumer.displayName, dates.publishedDate, attributes.rating):
     a long text, and two of a rating-like number, a date and an author-like name. A record that
     also names a business or a product (price, address, review count, logo...) must have both a
     date and an author. Candidate lists are ranked by how review-like their items are. */
  var HINT = {
    rating: /(rating|stars?|score|rate|grade|overall)/i,
    author: /(author|user|reviewer|customer|consumer|member|nick|by$|profile|writer|poster|display_?name|^name$)/i,
    title: /(title|headline|summary|subject|heading|caption)/i,
    date: /(date|Date|time|Time|created|published|posted|submitted|updated|written|^ts$|^at$|_at$|At$|_on$|On$)/,
    id: /^(id|_id|uuid|uid|key|guid|enc_?id)$|(review_?id|reviewId)$/i,
    text: /(body|text|content|comment|review|description|message|opinion)/i
  };
  var AUTHOR_KEY = /^((author|user|reviewer|customer|consumer|member|profile|guest|poster|writer)_?(display_?)?(name|nick_?name|nick|handle)?|nick_?name|nick|handle|screen_?name|(written|posted|reviewed|submitted)_?by|by)$/i;
  var NAME_SEG = /(name|nick|handle|login)$/i;
  var NOT_PERSON_NAME = /(company|business|product|brand|file|store|shop|app|artist|developer|job|city|country|location|category|org|organi[sz]ation|site|domain|host|identifying)_?name$/i;
  var PERSON_PATH = /(author|user|reviewer|customer|consumer|member|profile|writer|poster|guest|person|by$)/i;
  var REPLY_PATH = /(repl(y|ies|ied)|respon[sd]|owner_?(comment|answer|reply))/i;
  var NOISE_SEG = /(url|uri|href|link|src|image|img|avatar|icon|photo|thumb|thumbnail|logo|slug|email|address|street|class|style|token|hash|cursor|path)$/i;
  var RATING_NOT = /(count|total|number|^num|num$|votes?|helpful|likes?|useful|funny|cool|thumbs|max|min|best|worst|scale|out_?of|percent|pct|histogram|distribution|id$|version|rank|index|position|page)/i;
  var RATING_SEG = /^(rating|stars?|score|overall(_?rating)?|star_?rating|rating_?value|grade|value|rate|review_?rating)$/i;
  var BIZ_SEG = /^(price|prices|pricing|sale_?price|list_?price|sku|gtin\d*|mpn|upc|brand|address|formatted_?address|street(_?address)?|city|zip(_?code)?|postal_?code|phone|telephone|website(_?url)?|logo(_?url)?|categories|category|trust_?score|number_?of_?reviews|num_?reviews|review_?count|reviews_?count|rating_?count|ratings_?count|total_?reviews|aggregate_?rating|avg_?rating|average_?rating|average_?score|in_?stock|availability|offers|identifying_?name|business_?unit_?id|biz_?id|app_?id|installs|price_?range|neighborhoods?|opening_?hours|coordinates|latitude|longitude|artist_?name|developer|seller_?name|subtitle)$/i;
  var ISO = /^\d{4}-\d{2}-\d{2}/;
  var HALF_GOOD = /^(positive|pros?|liked|likes|good|plus|plusses|pluses|upside)(_?(text|content|comment|review|points?))?$/i;
  var HALF_BAD = /^(negative|cons?|disliked|dislikes|bad|minus|minuses|downside)(_?(text|content|comment|review|points?))?$/i;
  function seg(k) { var i = k.lastIndexOf("."); return i < 0 ? k : k.slice(i + 1); }
  function parentPath(k) { var i = k.lastIndexOf("."); return i < 0 ? "" : k.slice(0, i); }
  function looksDate(v) {  /* a date by its value alone */
    if (typeof v !== "string" || v.length > 40 || !/\d/.test(v)) return false;
    if (ISO.test(v)) return true;
    return /\b(19|20)\d{2}\b/.test(v) && !/^\s*[\d.,]+\s*$/.test(v) && !isNaN(Date.parse(v));
  }
  /* a date relative to the day, in the languages scraper/normalize.py reads ("3 weeks ago", "vor 2 Wochen", "il y a 3 jours") */
  var RELATIVE_DAY = /(^|[\s(])(ago|yesterday|today|vor|gestern|heute|il y a|hier|aujourd|hace|ayer|hoy|fa|ieri|oggi|geleden|gisteren|vandaag|h\u00e1|atr\u00e1s|ontem|hoje|temu|wczoraj|dzisiaj|sedan|siden|sitten|p\u0159ed|\u043d\u0430\u0437\u0430\u0434|\u00f6nce)($|[\s).,'\u2019])/i;
  function dateish(v, k) {  /* a date by its value, or a timestamp / localized or relative date under a date-like key */
    if (looksDate(v)) return true;
    if (!HINT.date.test(seg(k))) return false;
    if (typeof v === "number") return v > 1e9 && v < 2e12;
    return typeof v === "string" && v.length <= 40 && (/\b(19|20)\d{2}\b/.test(v) || RELATIVE_DAY.test(v));
  }
  function wordy(v) { return typeof v === "string" && v.length >= 15 && /\s/.test(v.trim()); }
  function textish(v, k) { return wordy(v) && !/^(https?:)?\/\//.test(v) && !NOISE_SEG.test(seg(k)) && !looksDate(v); }
  function nameLike(v) {
    if (typeof v === "string") return v.length > 0 && v.length <= 80 && v.split(/\s+/).length <= 6;
    if (v && typeof v === "object" && !Array.isArray(v)) return Object.keys(v).some(function (k) {
      return /name|nick|user|display|handle|title/i.test(k) && typeof v[k] === "string" && v[k].length <= 80;
    });
    return false;
  }
  function authorish(v, k) {
    if (typeof v !== "string" || !v.trim() || v.length > 80 || v.split(/\s+/).length > 6) return false;
    if (/^(https?:)?\/\/|^\d+$|@.*\./.test(v.trim()) || REPLY_PATH.test(k)) return false;
    var s = seg(k);
    if (AUTHOR_KEY.test(s)) return true;  /* author, userName, user_name, reviewerName, nickname, handle... */
    return k.indexOf(".") > 0 && NAME_SEG.test(s) && !NOT_PERSON_NAME.test(s) && PERSON_PATH.test(parentPath(k));
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
  function ratingish(v, k) {
    var n = num(v), s = seg(k);
    if (n === null || n < 0 || n > 10 || typeof v === "boolean" || RATING_NOT.test(s)) return false;
    return HINT.rating.test(s) || (/^(value|average|avg)$/i.test(s) && HINT.rating.test(parentPath(k)));
  }
  var refIndex = null;  /* a normalized (Apollo-like) cache: {__ref: "User:1"} points at refIndex["User:1"] */
  var flatCache = new Map();
  function flatten(o) {
    var out = flatCache.get(o);
    if (out) return out;
    out = {};
    var n = 0;
    (function walk(v, path, depth) {
      if (++n > 500 || v === null || v === undefined) return;
      if (typeof v === "object" && !Array.isArray(v)) {
        if (typeof v.__ref === "string" && refIndex && refIndex[v.__ref] && depth > 0) v = refIndex[v.__ref];
        if (depth < 5) Object.keys(v).forEach(function (k) { if (k !== "__ref") walk(v[k], path ? path + "." + k : k, depth + 1); });
      } else if (path) out[path] = v;
    })(o, "", 0);
    flatCache.set(o, out);
    return out;
  }
  var featCache = new Map();
  function features(o) {
    var ft = featCache.get(o);
    if (ft) return ft;
    var f = flatten(o);
    ft = { text: 0, rating: false, date: false, author: false, biz: 0 };
    Object.keys(f).forEach(function (k) {
      var v = f[k];
      if (BIZ_SEG.test(seg(k))) ft.biz++;
      if (REPLY_PATH.test(k)) return;
      if (textish(v, k) && v.length > ft.text) ft.text = v.length;
      if (!ft.rating && ratingish(v, k)) ft.rating = true;
      if (!ft.date && dateish(v, k)) ft.date = true;
      if (!ft.author && authorish(v, k)) ft.author = true;
    });
    var extra = (ft.rating ? 1 : 0) + (ft.date ? 1 : 0) + (ft.author ? 1 : 0);
    ft.ok = ft.text > 0 && extra >= 2 && (ft.biz < 2 || (ft.date && ft.author));
    ft.score = (ft.text ? 1 + Math.min(ft.text, 600) / 300 : 0) + (ft.rating ? 1 : 0) + (ft.date ? 1.5 : 0) +
      (ft.author ? 1.5 : 0) - 0.75 * Math.min(ft.biz, 4);
    featCache.set(o, ft);
    return ft;
  }
  function reviewish(o) {
    if (!o || typeof o !== "object" || Array.isArray(o)) return 0;
    return features(o).ok ? 1 : 0;
  }
  function findArrays(root) {
    var found = [], seen = 0, parsed = 0;
    function consider(objs) {
      if (!objs.length) return false;
      var hits = 0, sum = 0;
      objs.forEach(function (o) { var ft = features(o); if (ft.ok) { hits++; sum += ft.score; } });
      if (!hits || hits < objs.length * 0.6) return false;
      /* how review-like the items are, times how complete the list is, growing slowly with its length */
      found.push({ items: objs, hits: hits, score: (sum / hits) * (hits / objs.length) * Math.log2(1 + hits),
                   parents: parents.slice() });
      return true;
    }
    var parents = [];  /* the objects above the node walked: where the list's product or business is named */
    function walk(node, depth) {
      if (++seen > MAX_NODES || depth > 40 || node === null) return;
      if (typeof node === "string") {  /* state serialized twice (a JSON string inside JSON) */
        var t = node.charAt(0);
        if (node.length > 100 && (t === "{" || t === "[") && parsed < 50) {
          parsed++;
          try { walk(JSON.parse(node), depth + 1); } catch (e) { /* not JSON */ }
        }
        return;
      }
      if (typeof node !== "object") return;
      if (Array.isArray(node)) {
        if (consider(node.filter(function (x) { return x && typeof x === "object" && !Array.isArray(x); }))) return;
        node.forEach(function (n) { walk(n, depth + 1); });
        return;
      }
      /* a normalized cache keyed by id ({"Review:1": {__typename: "Review", ...}}): its records of one type */
      parents.push(node);
      try { walkObject(node, depth); } finally { parents.pop(); }
    }
    function walkObject(node, depth) {
      var keys = Object.keys(node);
      if (node.ROOT_QUERY !== undefined || keys.filter(function (k) { return /^[A-Z]\w*:\S/.test(k); }).length >= 2) refIndex = node;
      var byType = {};
      Object.keys(node).forEach(function (k) {
        var v = node[k];
        if (v && typeof v === "object" && !Array.isArray(v) && typeof v.__typename === "string") (byType[v.__typename] = byType[v.__typename] || []).push(v);
      });
      var grouped = [];
      Object.keys(byType).forEach(function (t) { if (byType[t].length >= 2 && consider(byType[t])) grouped = grouped.concat(byType[t]); });
      Object.keys(node).forEach(function (k) { if (grouped.indexOf(node[k]) < 0) walk(node[k], depth + 1); });
    }
    walk(root, 0);
    return found;
  }
  function fromState(items) {
    var flats = items.map(flatten), n = items.length;
    function pickKey(test, prefer) {
      var scores = {};
      flats.forEach(function (f) {
        Object.keys(f).forEach(function (k) { if (!used[k] && !REPLY_PATH.test(k) && test(f[k], k)) scores[k] = (scores[k] || 0) + 1; });
      });
      var best = null, bestScore = -Infinity;
      Object.keys(scores).forEach(function (k) {
        var s = scores[k] + (prefer ? prefer(k) * n : 0);
        if (s > bestScore) { best = k; bestScore = s; }
      });
      if (best) used[best] = 1;
      return best;
    }
    function depth(k) { return k.split(".").length - 1; }
    var used = {}, lens = {};
    flats.forEach(function (f) {
      Object.keys(f).forEach(function (k) { if (!REPLY_PATH.test(k) && textish(f[k], k)) lens[k] = (lens[k] || 0) + f[k].length; });
    });
    var textKey = null;
    Object.keys(lens).forEach(function (k) { if (textKey === null || lens[k] > lens[textKey]) textKey = k; });
    if (textKey) used[textKey] = 1;
    /* A text in two halves, what the guest liked and what not (Booking's positiveText / negativeText, pros /
       cons): both are the review, each as written, the liked one first, on their own lines; either may be empty. */
    var halves = null;
    if (textKey && (HALF_GOOD.test(seg(textKey)) || HALF_BAD.test(seg(textKey)))) {
      var other = null, want = HALF_GOOD.test(seg(textKey)) ? HALF_BAD : HALF_GOOD, sizes = {};
      flats.forEach(function (f) {
        Object.keys(f).forEach(function (k) {
          if (typeof f[k] === "string" && parentPath(k) === parentPath(textKey) && want.test(seg(k))) sizes[k] = (sizes[k] || 0) + f[k].length;
        });
      });
      Object.keys(sizes).forEach(function (k) { if (other === null || sizes[k] > sizes[other]) other = k; });
      if (other) {
        halves = HALF_GOOD.test(seg(textKey)) ? [textKey, other] : [other, textKey];
        used[other] = 1;
      }
    }
    function textOf(f) {
      if (!halves) return textKey ? str(f[textKey]) : null;
      var parts = halves.map(function (k) { return typeof f[k] === "string" ? f[k].trim() : ""; }).filter(Boolean);
      return parts.length ? parts.join("\n\n") : null;
    }
    var ratingKey = pickKey(ratingish, function (k) { return (RATING_SEG.test(seg(k)) ? 0.5 : 0) - 0.1 * depth(k); });
    var bestKey = null;
    if (ratingKey) flats.some(function (f) {
      return Object.keys(f).some(function (k) {
        if (parentPath(k) === parentPath(ratingKey) && /^(best|max|best_?rating|max_?rating|out_?of|scale)$/i.test(seg(k)) && num(f[k]) !== null) { bestKey = k; return true; }
        return false;
      });
    });
    var dateKey = pickKey(dateish, function (k) {
      var s = seg(k);
      return (/(publish|posted)/i.test(s) ? 0.6 : /(created|submitted|written|^date$|^at$|^time$|^ts$)/i.test(s) ? 0.4 : 0) -
        (/(updated|modified|edited|experienced|visit|stay|purchase|expir|birth|last|seen|since)/i.test(s) ? 0.5 : 0) - 0.05 * depth(k);
    });
    var idKey = pickKey(function (v, k) { return (typeof v === "string" || typeof v === "number") && HINT.id.test(seg(k)); },
      function (k) { return -0.5 * depth(k); });
    var authorKey = pickKey(authorish, function (k) {
      return (/(display_?name|user_?name|nick|^name$|full_?name|author)/i.test(seg(k)) ? 0.3 : 0) - (/first_?name/i.test(seg(k)) ? 0.2 : 0) - 0.05 * depth(k);
    });
    var titleKey = pickKey(function (v, k) { return typeof v === "string" && v.length <= 200 && HINT.title.test(seg(k)); },
      function (k) { return -0.05 * depth(k); });
    return items.map(function (o, i) {
      var f = flats[i];
      return withExtras({
        text: textOf(f), title: titleKey ? str(f[titleKey]) : null, author: authorKey ? str(f[authorKey]) : null,
        rating: ratingKey ? num(f[ratingKey]) : null, rating_best: bestKey ? num(f[bestKey]) : null, rating_worst: null,
        date: dateKey ? f[dateKey] : null, id: idKey && f[idKey] !== null && f[idKey] !== undefined ? String(f[idKey]) : null,
        product: null, url: null
      }, o);
    });
  }
  function embeddedState() {
    var best = null, bestRoot = null;
    stateRoots().forEach(function (root) {
      refIndex = null;
      findArrays(root.data).forEach(function (a) {
        if (!best || a.score > best.score) { best = a; bestRoot = root.name; }
      });
    });
    /* (the items were flattened while ranked, their references resolved then) */
    return best ? { reviews: fromState(best.items), source: bestRoot, product: stateName(best.parents) } :
      { reviews: [], source: null, product: null };
  }
  /* What the reviews of a page-state list are of: the name of the object that holds the list (a product with
     its price and its reviews), or of an object beside it that names a business or product (Trustpilot's
     businessUnit: displayName, trustScore, numberOfReviews; a "hotel" or "product" key); the nearest first. Items
     of lists are never taken: "similar businesses", "related products". */
  var SUBJECT_KEY = /(product|business|hotel|property|listing|venue|place|shop|store|company|merchant|app|item|unit)/i;
  var STATE_NAME = /^(name|display_?name|product_?name|product_?title|hotel_?name|business_?name|company_?name|app_?name|shop_?name|store_?name)$/i;
  function nameIn(o) {
    var k = findKey(o, STATE_NAME);
    var v = k ? o[k] : null;
    return typeof v === "string" && v.trim().length > 1 && v.length <= 200 ? v.trim() : null;
  }
  function bizKeys(o) { return Object.keys(o).filter(function (k) { return BIZ_SEG.test(k); }).length; }
  function stateName(parents) {
    for (var i = parents.length - 1; i >= Math.max(0, parents.length - 4); i--) {
      var p = parents[i];
      if (nameIn(p) && bizKeys(p) >= 1) return nameIn(p);
      var ks = Object.keys(p);
      for (var j = 0; j < ks.length; j++) {
        var c = p[ks[j]];
        if (c && typeof c === "object" && !Array.isArray(c) && nameIn(c) && bizKeys(c) >= (SUBJECT_KEY.test(ks[j]) ? 1 : 2)) return nameIn(c);
      }
    }
    return null;
  }

  /* ------------------------------------------------------------ replies, votes, verified, language (by shape) */
  var REPLY_KEY = /^(owner_?(response|reply|comment|answer)s?|(developer|merchant|business|company|seller|store|shop|brand|vendor|host|hotel|management|official|partner)_?(owner_?)?(reply|replies|response|responses|answer|comment)|repl(y|ies)|responses?|response_?from_?(the_?)?owner)$/i;
  var REPLY_TEXT_KEY = /^(repl(y|ied)_?(text|content|body|message|comment)|(owner_?)?response_?(text|body|content|message)|developer_?(reply|response)_?text)$/i;
  var REPLY_DATE_KEY = /^(repl(y|ied)_?(at|date|time|on|timestamp)|response_?(date|time|at)|developer_?(reply|response)_?(date|time|at).*)$/i;
  var HELPFUL_KEY = /^(helpful(_?(votes?|count|yes|ness))?|helpful_?vote_?count|votes?_?helpful|useful(_?count)?|likes?(_?count)?|likescount|num_?likes|upvotes?(_?count)?|thumbs_?up(_?count)?|positive_?feedback(_?count)?|total_?feedback_?positive)$/i;
  var VERIFIED_KEY = /^(is_?)?verified(_?(purchase|purchaser|buyer|customer|owner|reviewer|review|stay|order))?$/i;
  var LANG_KEY = /^(lang|language|locale|in_?language|review_?language|reviewer_?language|language_?code|lang_?code|original_?language)$/i;
  /* the version a review was written about (an app's release); a bare "version" key is often a schema's own */
  var VERSION_KEY = /^(app_?version(_?name)?|reviewed_?version|version_?name|software_?version|client_?version|product_?version)$/i;
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
    var out = { reply: null, reply_date: null, helpful: null, verified: null, language: null, version: null };
    if (!o || typeof o !== "object" || Array.isArray(o)) return out;
    var k = findKey(o, REPLY_KEY), r = k ? replyFrom(o[k]) : null;
    if (r) { out.reply = r.text; out.reply_date = r.date; }
    if (out.reply === null) { k = findKey(o, REPLY_TEXT_KEY); if (k && typeof o[k] === "string") out.reply = o[k]; }
    if (out.reply !== null && out.reply_date === null) { k = findKey(o, REPLY_DATE_KEY); if (k && typeof o[k] !== "object") out.reply_date = o[k]; }
    k = findKey(o, HELPFUL_KEY); if (k) out.helpful = countOf(o[k]);
    /* the review's own flag (verified, labels.verification.isVerified), the nearest first, before its author's
       (reviewer: {verified}; Trustpilot's consumer.isVerified is the account's, false on a verified review) */
    var flat = flatten(o), vk = null;
    Object.keys(flat).forEach(function (p) {
      if (!VERIFIED_KEY.test(seg(p)) || REPLY_PATH.test(p) || flat[p] === null || flat[p] === undefined) return;
      var rank = (PERSON_PATH.test(parentPath(p)) ? 10 : 0) + p.split(".").length;
      if (vk === null || rank < vk.rank) vk = { path: p, rank: rank };
    });
    if (vk) out.verified = flat[vk.path];
    k = findKey(o, LANG_KEY); if (k) out.language = langOf(o[k]);
    k = findKey(o, VERSION_KEY); if (k && (typeof o[k] === "string" || typeof o[k] === "number")) out.version = String(o[k]);
    return out;
  }
  function withExtras(rec, o) {
    var x = extrasOf(o);
    Object.keys(x).forEach(function (f) { rec[f] = x[f]; });
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
    if (spec.all && spec.selector) {  /* a review in halves ("liked", "disliked"): every match, a blank line apart */
      var texts = Array.prototype.map.call(scopeEl.querySelectorAll(spec.selector), function (e) {
        var t = elementValue(e, spec);
        return t === null || t === undefined ? "" : String(t).trim();
      }).filter(Boolean);
      return { value: texts.length ? texts.join("\n\n") : null, found: texts.length > 0 };
    }
    var el = spec.selector ? scopeEl.querySelector(spec.selector) : block;
    if (!el && spec.scope !== "page" && spec.selector && spec.fallback_page) el = doc.querySelector(spec.selector);
    if (!el) return { value: null, found: false };
    var v = elementValue(el, spec);
    return { value: v === null ? null : String(v).trim(), found: v !== null && v !== undefined };
  }
  /* what a field's spec reads of one element: an attribute, a style property, or its text, then its regex */
  function elementValue(el, spec) {
    var v;
    if (spec.attr) v = el.getAttribute(spec.attr);
    else if (spec.style) v = el.style ? el.style.getPropertyValue(spec.style) : null;
    else if (el.innerText !== undefined && spec.inner_text) v = el.innerText;
    else v = spec.paragraphs ? shown(el) : seen(el);  /* no script, no hidden text; a review's text: its paragraphs */
    if (v !== null && v !== undefined && spec.regex) {
      var m = new RegExp(spec.regex).exec(v);
      v = m ? (m[1] !== undefined ? m[1] : m[0]) : null;
    }
    return v;
  }
  function configExtract() {
    var blocks = doc.querySelectorAll(cfg.review);
    var fields = cfg.fields || {};
    var out = [];
    var skip = opts.skip || 0;
    var textSpec = typeof fields.text === "string" ? { selector: fields.text } : fields.text;
    if (textSpec && !textSpec.regex) textSpec = Object.assign({}, textSpec, { paragraphs: true });
    for (var i = skip; i < blocks.length; i++) {
      var b = blocks[i], r = { missing: [] };
      ["text", "title", "author", "rating", "date", "id", "product", "url"].forEach(function (f) {
        var res = fieldValue(b, f === "text" ? textSpec : fields[f]);
        r[f] = res.value;
        if (fields[f] && !res.found) r.missing.push(f);
      });
      if (textSpec && !textSpec.attr && !textSpec.style && !textSpec.count && !textSpec.regex && !textSpec.all) r.text = unfolded(r.text, b);
      if (r.url) r.url = abs(r.url);
      ["reply", "reply_date", "helpful", "verified", "language", "version"].forEach(function (f) {  /* optional: never "missing" */
        r[f] = fields[f] ? fieldValue(b, fields[f]).value : null;
      });
      if (!fields.language) r.language = b.getAttribute("lang");
      var own = cfg.own_fields || {};
      r.own = {};
      Object.keys(own).forEach(function (name) {  /* the user's own fields: optional, never "missing" */
        r.own[name] = fieldValue(b, own[name]).value;
      });
      r.rating_best = null; r.rating_worst = null;
      out.push(r);
    }
    return { reviews: out, blocks: blocks.length };
  }

  /* ------------------------------------------------------------ next page and "show more", by role, text and ARIA */
  var NEXT_WORDS = /^(next|next page|next results|next reviews|go to (the )?next page|go to next|older|older reviews|older posts|weiter|nächste|nächste seite|suivant|suivante|page suivante|siguiente|página siguiente|successiva|pagina successiva|avanti|volgende|volgende pagina|próxima|próxima página|seguinte|następna|następna strona|nästa|næste|neste|次へ|次のページ|下一页|下一頁|다음|далее|следующая)$/;
  var PREV_WORDS = /(prev|previous|back|zurück|vorherige|précédent|anterior|precedente|vorige|poprzednia|前へ|上一页|이전|назад)/;
  var ARROW = /^[›»>→⟩❯▶▸]+$/;
  var MORE_WORDS = /^((show|load|see|view|display|get) (\d+ )?more( reviews?| ratings?| comments?| opinions?| results?| feedback)?|more reviews|(show|load|see|view) (all )?(older|further|other|next \d+) reviews|(weitere|mehr) bewertungen( anzeigen| laden)?|mehr (anzeigen|laden)|afficher plus( d'avis)?|voir plus( d'avis)?|plus d'avis|ver más( reseñas| opiniones| comentarios)?|cargar más|mostra(re)? altr[ie]( recensioni)?|carica altr[ie]|meer (tonen|laden|reviews)|toon meer|mostrar mais|carregar mais|もっと見る|显示更多|加载更多|더 보기)$/;
  var MORE_NOUN = /(review|rating|comment|opinion|feedback|bewertung|avis|reseña|opinion|recensioni|beoordeling|avalia)/;
  var CONTROLS = 'a, button, [role="button"], [role="link"], input[type="button"], input[type="submit"]';
  function labelsOf(el) {
    var out = [];
    ["aria-label", "title", "value"].forEach(function (a) { var v = el.getAttribute(a); if (v) out.push(v); });
    var t = el.textContent || "";
    if (t.length <= 80) out.push(t);
    return out.map(function (s) { return s.toLowerCase().replace(/\s+/g, " ").trim(); }).filter(Boolean);
  }
  function bare(s) { return s.replace(/^[\s›»>→⟩❯▶▸«‹<←…·|-]+|[\s›»>→⟩❯▶▸«‹<←…·|-]+$/g, "").trim(); }
  function disabled(el) {
    if (el.disabled || el.getAttribute("aria-disabled") === "true" || /(^|\s)(is-)?disabled(\s|$)/i.test(el.getAttribute("class") || "")) return true;
    if (el.closest("[hidden], [aria-hidden='true'], template")) return true;
    var st = el.getAttribute("style") || "";
    if (/display\s*:\s*none|visibility\s*:\s*hidden/i.test(st)) return true;
    var win = doc.defaultView;  /* a live document: what the user sees (fetched documents have no layout) */
    if (win && win.getComputedStyle && el.isConnected) {
      var cs = win.getComputedStyle(el);
      if (cs.display === "none" || cs.visibility === "hidden" || !el.getClientRects().length) return true;
    }
    return false;
  }
  function urlOf(el) {
    if (el.tagName.toLowerCase() !== "a") return null;
    var u = abs(el.getAttribute("href"));
    if (!u) return null;
    var here = String(baseUrl || "").split("#")[0];
    return u.split("#")[0] === here ? null : u;
  }
  function cssQuote(v) { return '"' + String(v).replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\a ") + '"'; }
  function cssEsc(v) { return (typeof CSS !== "undefined" && CSS.escape) ? CSS.escape(v) : String(v).replace(/[^\w-]/g, "\\$&"); }
  function uniqueSelector(el) {
    function unique(sel) { try { var all = doc.querySelectorAll(sel); return all.length === 1 && all[0] === el; } catch (e) { return false; } }
    var tag = el.tagName.toLowerCase(), i, sel;
    if (el.id && unique("#" + cssEsc(el.id))) return "#" + cssEsc(el.id);
    var attrs = ["data-testid", "data-test", "data-qa", "data-automation", "aria-label", "name", "title", "data-action", "rel"];
    for (i = 0; i < attrs.length; i++) {
      var v = el.getAttribute(attrs[i]);
      if (v && v.length <= 120 && unique(sel = tag + "[" + attrs[i] + "=" + cssQuote(v) + "]")) return sel;
    }
    var cls = (el.getAttribute("class") || "").split(/\s+/).filter(Boolean);
    for (i = 0; i < cls.length; i++) if (unique(sel = tag + "." + cssEsc(cls[i]))) return sel;
    var parts = [], node = el;
    while (node && node.nodeType === 1 && node !== doc.documentElement) {
      if (node !== el && node.id && unique("#" + cssEsc(node.id))) { parts.unshift("#" + cssEsc(node.id)); break; }
      var k = 1, sib = node;
      while ((sib = sib.previousElementSibling)) if (sib.tagName === node.tagName) k++;
      parts.unshift(node.tagName.toLowerCase() + ":nth-of-type(" + k + ")");
      node = node.parentElement;
      if (node === doc.documentElement) parts.unshift("html");
    }
    return parts.join(" > ");
  }
  var PAGER = 'nav, [role="navigation"], [aria-label*="paginat" i], [class*="paginat" i], [class*="pager" i], [data-testid*="paginat" i]';
  var WIDGET = '[class*="carousel" i], [class*="slider" i], [class*="swiper" i], [class*="gallery" i], [class*="lightbox" i], [role="dialog"], [aria-roledescription="carousel"]';
  function pagerish(el, labels) {
    /* a next button without a link turns pages only in a pagination bar or when it says "page" (not a carousel's "next") */
    if (el.closest(WIDGET)) return false;
    return !!el.closest(PAGER) || labels.some(function (l) { return /(page|seite|pagina|página|strona|ページ|页|頁)/.test(l); }) ||
      /pag/i.test((el.getAttribute("class") || "") + " " + (el.getAttribute("name") || "") + " " + (el.getAttribute("data-testid") || ""));
  }
  function pageNumber(el) { var t = (el.textContent || "").replace(/\s+/g, " ").trim().replace(/^page /i, ""); return /^\d{1,4}$/.test(t) ? parseInt(t, 10) : null; }
  function pagerNext(controls) {
    /* a pagination bar: the control marked current (aria-current, or an active/current class) and the page after it */
    var bars = doc.querySelectorAll(PAGER);
    for (var b = 0; b < bars.length; b++) {
      var bar = bars[b], here = bar.querySelector('[aria-current="page"], [aria-current="true"], [aria-current="step"]') ||
        bar.querySelector('.active, .current, .selected, .is-active, .is-current, [aria-selected="true"]');
      if (!here) continue;
      var n = pageNumber(here);
      if (n === null) continue;
      var after = controls.filter(function (c) { return bar.contains(c.el) && c.el !== here && !here.contains(c.el) && pageNumber(c.el) === n + 1; });
      if (after.length) return after[0];
    }
    return null;
  }
  function controlsOf() {
    var list = [], els = doc.querySelectorAll(CONTROLS);
    for (var i = 0; i < els.length && i < 5000; i++) {
      var el = els[i];
      if (el.closest("script, noscript, template")) continue;
      list.push({ el: el, labels: labelsOf(el) });
    }
    return list;
  }
  function nextLink() {
    if (cfg && cfg.next) {
      var el = doc.querySelector(cfg.next);
      if (!el) return null;
      var href = abs(el.getAttribute("href"));
      return href ? { url: href } : { click: true };
    }
    return pagination().next;
  }
  function pagination() {
    /* zero-config: {next: {url} | {click: selector} | null, more: {click: selector} | null} */
    var out = { next: null, more: null };
    var rel = doc.querySelector('link[rel~="next"][href], a[rel~="next"][href]');
    if (rel && abs(rel.getAttribute("href"))) {
      /* A declared next page wins over every control (and a "show more" is only followed where there is
         no next page), so the scan of the page's links and buttons is skipped: it was the costliest part
         of extracting a fetched page (bench/RESULTS-scrape.md). */
      out.next = { url: abs(rel.getAttribute("href")) };
      return out;
    }
    var controls = controlsOf(), clickNext = null, moreUrl = null, mores = {};
    for (var i = 0; i < controls.length; i++) {
      var c = controls[i], labels = c.labels;
      var isNext = labels.some(function (l) { return NEXT_WORDS.test(bare(l)) || (ARROW.test(l) && !/[«‹<←]/.test(l)); }) &&
        !labels.some(function (l) { return PREV_WORDS.test(l); });
      if (!isNext) {
        /* no words, only an attribute: class="pagination-next", name="pagination-button-next", data-testid="next-page" */
        var attrs = [c.el.getAttribute("class"), c.el.getAttribute("name"), c.el.getAttribute("data-testid"), c.el.id].join(" ");
        isNext = /(^|[\s_-])(next|next-?page|pagination-?(button-?)?next|pager-?next)([\s_-]|$)/i.test(attrs) &&
          !/prev/i.test(attrs) && !labels.some(function (l) { return bare(l).length > 3 && !/^\d+$/.test(bare(l)); });
      }
      if (isNext && !disabled(c.el)) {
        var u = urlOf(c.el);
        if (u && !(out.next && out.next.url)) out.next = { url: u };
        else if (!u && !clickNext && pagerish(c.el, labels) && (c.el.tagName.toLowerCase() !== "a" || !abs(c.el.getAttribute("href")))) clickNext = c.el;
        continue;
      }
      var ml = labels.filter(function (l) { return MORE_WORDS.test(bare(l)); });
      if (ml.length && !disabled(c.el)) {
        var key = bare(ml[0]);
        (mores[key] = mores[key] || []).push(c.el);
      }
    }
    if (!(out.next && out.next.url)) {
      var p = pagerNext(controls);
      if (p && !disabled(p.el) && !p.el.closest(WIDGET)) {
        var pu = urlOf(p.el);
        if (pu) out.next = { url: pu };
        else if (!clickNext) clickNext = p.el;
      }
    }
    /* "show more": one control with that label (a "show more" on every review expands that review's text) */
    var moreEl = null;
    Object.keys(mores).sort(function (a, b) { return (MORE_NOUN.test(b) ? 1 : 0) - (MORE_NOUN.test(a) ? 1 : 0); }).some(function (k) {
      if (mores[k].length !== 1) return false;
      var el = mores[k][0], u = urlOf(el);
      if (u) { if (!moreUrl && MORE_NOUN.test(k)) moreUrl = u; return false; }
      moreEl = el;
      return true;
    });
    if (!out.next && clickNext) out.next = { click: uniqueSelector(clickNext) };
    if (!out.next && moreUrl) out.next = { url: moreUrl };  /* a "more reviews" link to a further page */
    if (moreEl) out.more = { click: uniqueSelector(moreEl) };
    return out;
  }

  /* The top of the scale the page states for its ratings (its AggregateRating's bestRating, in JSON-LD or
     microdata), or null when it states none or several: reviews that state no scale of their own are read on it
     (build_reviews), so a page's scores out of 10 are not read as stars when they happen to be 5 or less. */
  function pageBest() {
    var bests = {}, seen = 0;
    function walk(node) {
      if (++seen > MAX_NODES || node === null || typeof node !== "object") return;
      if (Array.isArray(node)) { node.forEach(walk); return; }
      var agg = typeIs(node, ["AggregateRating"]) ? node : node.aggregateRating;
      if (agg && typeof agg === "object" && num(agg.bestRating) !== null) bests[num(agg.bestRating)] = 1;
      Object.keys(node).forEach(function (k) { if (k !== "@context") walk(node[k]); });
    }
    doc.querySelectorAll('script[type="application/ld+json"]').forEach(function (s) {
      try { walk(JSON.parse(s.textContent)); } catch (e) { /* said by jsonLd() */ }
    });
    doc.querySelectorAll("[itemscope][itemtype]").forEach(function (scope) {
      if (!/schema\.org\/AggregateRating$/i.test((scope.getAttribute("itemtype") || "").trim())) return;
      var b = num(mdValue((props(scope).bestRating || [])[0]));
      if (b !== null) bests[b] = 1;
    });
    var found = Object.keys(bests);
    return found.length === 1 ? Number(found[0]) : null;
  }

  /* A heading or title read as the product's name, without the review count it holds ("KettleCo Reviews 19 •
     Great", "Lamp (23 reviews)"): the count changes from one scrape to the next, and one product became two. */
  var COUNT_NOUN = "(reviews?|ratings?|bewertungen|rezensionen|avis|opiniones|reseñas|recensioni|beoordelingen|avaliações|opinie|recensioner|anmeldelser)";
  var COUNT_PHRASE = new RegExp("\\(?\\s*\\d[\\d,.\\s]*\\s*" + COUNT_NOUN + "(?![\\w])\\s*\\)?|(^|\\s)" + COUNT_NOUN + "\\s*[:(]?\\s*\\d[\\d,.]*\\s*\\)?", "i");
  function headingName(s) {
    if (!s) return null;
    s = s.replace(/\s+/g, " ").trim();
    var m = COUNT_PHRASE.exec(s);
    if (!m) return s || null;
    var trim = /^[\s|•·:–—,-]+|[\s|•·:–—,-]+$/g;
    return s.slice(0, m.index).replace(trim, "") || s.replace(COUNT_PHRASE, " ").replace(/\s+/g, " ").replace(trim, "") || null;
  }

  /* Reviews read from JSON-LD or microdata, with what the page state says of the same reviews and they do not:
     the owner's reply, verified, votes (a Trustpilot page's JSON-LD has no replies; its __NEXT_DATA__ has).
     The same review: the same site id (its last segment: a JSON-LD @id URL ends in the state's id) or text. */
  function withStateExtras(recs, stateRecs) {
    if (!stateRecs.length) return;
    function tail(id) { return id === null || id === undefined ? null : String(id).replace(/[\/#:]+$/, "").split(/[\/#:]/).pop() || null; }
    function words(t) { return typeof t === "string" ? t.replace(/\s+/g, " ").trim() : null; }
    var byId = {}, byText = {};
    stateRecs.forEach(function (r) {
      if (tail(r.id)) byId[tail(r.id)] = r;
      if (words(r.text)) byText[words(r.text)] = r;
    });
    recs.forEach(function (rec) {
      var twin = (tail(rec.id) && byId[tail(rec.id)]) || (words(rec.text) && byText[words(rec.text)]);
      if (!twin) return;
      ["reply", "reply_date", "verified", "helpful", "language", "version"].forEach(function (f) {
        if ((rec[f] === null || rec[f] === undefined) && twin[f] !== null && twin[f] !== undefined) rec[f] = twin[f];
      });
    });
  }

  /* ------------------------------------------------------------ run */
  var result = { strategy: null, reviews: [], problems: problems, blocks: 0, next: null, more: null, product: null, stated: null };
  if (cfg && cfg.review) {
    var c = configExtract();
    result.strategy = cfg.strategy || "config";  /* "layout": a config guessed from the page (scraper/layout.py) */
    result.reviews = c.reviews;
    result.blocks = c.blocks;
    /* how many reviews the page says it has, as zero-config reads it: a config whose pagination selector no
       longer matches reads the first page alone, and only this count says the others are missing */
    var agg = jsonLd();
    result.stated = agg.stated !== null ? agg.stated : microdata().stated;
  } else {
    var ld = jsonLd(), md = microdata(), st = embeddedState();
    result.product = ld.product || md.product || st.product;
    result.stated = ld.stated !== null ? ld.stated : md.stated;
    /* The extraction that holds the most of the page's reviews (JSON-LD, microdata, page state in that order on
       a tie): a shop theme's JSON-LD often holds the product's first few reviews, its review widget all of them. */
    [["jsonld", ld.reviews], ["microdata", md.reviews], [st.source === "__NEXT_DATA__" ? "nextdata" : "state", st.reviews]].forEach(function (x) {
      if (x[1].length > result.reviews.length) { result.strategy = x[0]; result.reviews = x[1]; }
    });
    if (result.strategy === "jsonld" || result.strategy === "microdata") withStateExtras(result.reviews, st.reviews);
    result.blocks = result.reviews.length;
    if (opts.skip) result.reviews = result.reviews.slice(opts.skip);
  }
  result.rating_best = pageBest();
  /* the page's language (<html lang="de">): which comes first in its numeric dates, 03/04/2026 */
  result.lang = doc.documentElement ? (doc.documentElement.getAttribute("lang") || null) : null;
  if (!result.product) {
    var og = doc.querySelector('meta[property="og:title"]');
    var h1 = doc.querySelector("h1");
    result.product = headingName((og && og.getAttribute("content")) || (h1 && text(h1)) || null);
  }
  if (cfg && cfg.next) result.next = nextLink();
  else {
    var pg = pagination();
    result.next = pg.next;
    result.more = pg.more;
    if (cfg && cfg.review) {  /* a site config names its own buttons: only a link is taken from the page */
      if (result.next && !result.next.url) result.next = null;
      result.more = null;
    }
  }
  return result;
}
