/* Run after extract.js (js.with_extractor("guess_layout")) on a live page where zero-config extraction found no
 * reviews: the page's reviews guessed from its layout, as a site config (scraper/layout.py).
 *
 * Reviews on a page are repeated blocks of one shape: siblings of one tag (sharing a class, or all of them), each
 * holding a text of a few sentences and most of a rating (stars, "4 out of 5", a star bar's width, a count of
 * filled star icons, a class with a number), a date and an author. Every group of such siblings is scored by how
 * many of its blocks hold each; the best group that holds texts and either ratings or both dates and authors (under
 * an element named like reviews) is taken, and CSS selectors are written for the block and for each field found in
 * most blocks, checked against every block. A text in halves of one shape is read whole (all = true); the owner's
 * reply (named like one, or a nested comment of the shop's) and its date, a verified badge and helpful votes are
 * read where a review has them, by selectors that pick nothing in the reviews without them; blocks nested in a
 * block are none of its fields. Product tiles, product cards with prices and question lists are refused.
 *
 * Returns JSON {config: {review, fields, rating_scale, next, load_more, cookie_banner} | null, blocks, score, found: {field:
 * share}, why, others: [{review, blocks, score}], next_link}. Nothing on the page is clicked or changed. */
var GUESS = (function () {
  "use strict";
  var MAX_NODES = 60000, MAX_MEMBERS = 60;
  var RATING_TEXT = /(\d+(?:[.,]\d+)?)\s*(?:\/|out of|of|von|sur|de|su|uit|z|av)\s*(5|10|20|100)(?![\d.,\/])|(?:^|\s)([0-5](?:[.,]\d)?)\s*(?:stars?|sterne?|étoiles?|estrellas?|stelle|sterren)\b|(?:rated|rating|bewertung|note|scored|score)\s*:?\s*(10|\d(?:[.,]\d)?)(?![\d.,])/i;
  var STARS = /^[★☆✩✪⭐\s]+$/;
  /* a rating written only as a class with a number: "bubble_40" (Tripadvisor: 4 of 5 in tens), "star-rating-4",
     "a-star-4-5" (4.5), "stars--regular-4-half", "rating-45"; what comes before the number is kept to read it */
  var CLASS_RATING = /^((?:[a-z]+[-_]+)*?(?:stars?|rating|rated|bubbles?|score|rate)(?:[-_]+[a-z]+)*[-_]*)(\d{1,3})(?:[-_](5|half))?$/i;
  var CLASS_NOT = /(count|total|num|votes|col|row|grid|size|width|level|step|gap|pos)/i;
  var RATING_HINT = /(star|rating|score|stars)/i;
  var FILLED = /(full|filled|fill|active|checked|on|selected|gold|yellow|solid)(\b|$|[_-])/i;
  var EMPTY = /(empty|off|outline|blank|none|grey|gray|inactive|half|-o\b|regular)/i;
  /* month names by their first letters: English, German, French, Spanish, Italian, Dutch, Portuguese, Polish, the
     Nordic languages, Czech, Finnish, Turkish, Russian, Ukrainian, Greek; and Japanese, Chinese and Korean dates by their signs (all
     read by scraper.normalize.parse_date) */
  var MONTHS = "(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec|märz|mai|okt|dez|janv|févr|avr|juin|juil|août|déc|ene|abr|ago|dic|gen|mag|giu|lug|set|ott|maart|mei|fev|out|sty|lut|kwi|maj|cze|lip|sie|wrz|paź|lis|gru|des|led|úno|bře|dub|kvě|čer|srp|zář|říj|pro|tammi|helmi|maalis|huhti|touko|kesä|heinä|elo|syys|loka|marras|joulu|oca|şub|nis|haz|tem|ağu|eyl|eki|kas|ara|янв|фев|мар|апр|ма[йя]|июн|июл|авг|сен|окт|ноя|дек|січ|лют|бер|кві|тра|чер|лип|сер|вер|жов|лис|гру|ιαν|φεβ|μαρ|απρ|μα[ΐιΐ]|ιουν|ιουλ|αυγ|σεπ|οκτ|νο[εέ]|δεκ)[^\\s\\d.,]*\\.?";
  var AGO = "\\d+\\s+(minutes?|hours?|days?|weeks?|months?|years?)\\s+ago|vor\\s+\\d+\\s+(minuten|stunden|tagen|wochen|monaten|jahren)|" +
    "hace\\s+\\d+\\s+(minutos|horas|días|semanas|meses|años)|il y a\\s+\\d+\\s+(minutes|heures|jours|semaines|mois|ans)|" +
    "\\d+\\s+(minuti|ore|giorni|settimane|mesi|anni)\\s+fa|\\d+\\s+(minuten|uur|dagen|weken|maanden|jaar)\\s+geleden|" +
    "há\\s+\\d+\\s+(minutos|horas|dias|semanas|meses|anos)|\\b(yesterday|today|gestern|heute|aujourd'hui|ayer|hoy|ieri|oggi|gisteren|vandaag|ontem|hoje)\\b";
  var DATE_TEXT = new RegExp("(^|\\D)(19|20)\\d\\d-\\d\\d-\\d\\d|(^|\\D)\\d{1,2}[./]\\d{1,2}[./]((19|20)\\d\\d|\\d\\d)(\\D|$)|" + MONTHS +
    "\\s+\\d{1,2}(st|nd|rd|th)?,?\\s+(19|20)\\d\\d|\\d{1,2}\\.?\\s+(de\\s+)?" + MONTHS + ",?\\s+(de\\s+)?(19|20)\\d\\d|" + AGO +
    "|(19|20)\\d\\d\\s*[年년]\\s*\\d{1,2}\\s*[月월]\\s*\\d{1,2}|\\d+\\s*(日|週間|か月|ヶ月|年|天|周|个月|일|주|개월|년)\\s*(前|전)", "i");
  var AUTHOR_HINT = /(author|user|reviewer|customer|nick|byline|member|profile|consumer|writer|poster|name|guest|who)/i;
  var BY = /^(by|von|par|de|door|por|da|av|written by|reviewed by)\s+\S/i;
  var TITLE_HINT = /(title|headline|summary|subject|heading)/i;
  var NOT_REVIEW = /(product|price|offer|cart|menu|nav|footer|breadcrumb|related|recommend|carousel|slider|banner|promo|faq|question)/i;
  var REVIEWISH = /(review|rating|comment|testimonial|feedback|opinion|bewertung|avis|resena|recensione)/i;
  var PRICE = /([$€£¥]\s?\d|\d[\d.,]*\s?(€|EUR|USD|£)(\s|$))/;
  var UNSEEN = { SCRIPT: 1, STYLE: 1, TEMPLATE: 1, NOSCRIPT: 1, SVG: 1, svg: 1, HEAD: 1, IFRAME: 1 };

  function squash(s) { return String(s || "").replace(/\s+/g, " ").trim(); }
  function visible(el) {
    if (!el.getClientRects().length) return false;
    var cs = getComputedStyle(el);
    return cs.visibility !== "hidden" && cs.display !== "none";
  }
  function textOf(el) { return squash(el.innerText !== undefined ? el.innerText : el.textContent); }
  /* classes that say what an element is, not its state or a build's hash (css-1x2y3z, sc-bdfBwQ, jsx-123) */
  function stableClasses(el) {
    return (el.getAttribute("class") || "").split(/\s+/).filter(function (c) {
      return c && c.length <= 60 && !/^(is-|has-|js-|active$|selected$|odd$|even$|first$|last$|open$|visible$|show$|hidden$|clearfix$|row$|col)/.test(c) &&
        !/^(css|sc|jsx|svelte|emotion|styled)-/.test(c) && !/\d{3,}/.test(c) &&
        !(/\d/.test(c) && /[a-z]/i.test(c) && c.length >= 5 && !/[_-]/.test(c)) && /^[A-Za-z_-][\w-]*$/.test(c);
    });
  }
  function cssEsc(v) { return CSS.escape(v); }
  function selectorOf(el) {  /* an element's own selector: tag and stable classes */
    var c = stableClasses(el);
    return el.tagName.toLowerCase() + c.map(function (x) { return "." + cssEsc(x); }).join("");
  }
  function uniqueIn(root, sel, el) {
    try { var all = root.querySelectorAll(sel); return all.length === 1 && all[0] === el; } catch (e) { return false; }
  }
  function pathTo(el) {  /* a selector that finds exactly `el` in the document */
    if (el.id && !/\d{3,}/.test(el.id) && uniqueIn(document, "#" + cssEsc(el.id), el)) return "#" + cssEsc(el.id);
    var own = selectorOf(el);
    if (stableClasses(el).length && uniqueIn(document, own, el)) return own;
    var parts = [], node = el;
    while (node && node.nodeType === 1 && node !== document.documentElement) {
      if (node !== el && node.id && !/\d{3,}/.test(node.id) && uniqueIn(document, "#" + cssEsc(node.id), node)) {
        parts.unshift("#" + cssEsc(node.id)); break;
      }
      var k = 1, sib = node;
      while ((sib = sib.previousElementSibling)) if (sib.tagName === node.tagName) k++;
      parts.unshift(node.tagName.toLowerCase() + ":nth-of-type(" + k + ")");
      node = node.parentElement;
    }
    return parts.join(" > ");
  }

  /* ---------------------------------------------------------------- one block's fields */
  /* one block's rating, the most exact reading first: an attribute ("4 out of 5 stars" in aria-label or title, a
     data-rating), the text of an element without children ("4.0 out of 5", "★★★★☆"), a row of star characters
     split into elements, a star bar's width, a row of star icons whose filled ones a class marks (counted) */
  /* the class of `el` that writes a rating as a number ({prefix, value}), unless it numbers one icon of a row
     (star-1 ... star-5 beside each other) */
  function classRating(el) {
    var toks = (el.getAttribute("class") || "").split(/\s+/);
    for (var i = 0; i < toks.length; i++) {
      var m = CLASS_RATING.exec(toks[i]);
      if (!m || CLASS_NOT.test(m[1])) continue;
      var p = el.parentElement, twins = 0;
      if (p) Array.prototype.forEach.call(p.children, function (k) {
        if (k !== el && (" " + (k.getAttribute("class") || "") + " ").indexOf(" " + m[1]) >= 0) twins++;
      });
      if (twins >= 2) continue;
      var v = parseInt(m[2], 10) + (m[3] ? 0.5 : 0);
      if (v > 100) continue;
      return { prefix: m[1], value: v, raw: m[2] + (m[3] ? "-" + m[3] : "") };
    }
    return null;
  }
  function escRe(s) { return s.replace(/[.*+?^${}()|[\]\\\/-]/g, "\\$&"); }
  function ratingIn(block) {
    var els = [block].concat(Array.prototype.slice.call(block.querySelectorAll("*"), 0, 400)).filter(function (el) { return !UNSEEN[el.tagName] && !nested(el); });
    var ATTRS = ["aria-label", "title", "alt", "data-rating", "data-score", "data-value", "data-stars", "content"];
    var i, el;
    for (i = 0; i < els.length; i++) {
      el = els[i];
      for (var a = 0; a < ATTRS.length; a++) {
        var v = el.getAttribute(ATTRS[a]);
        if (!v) continue;
        if ((RATING_TEXT.test(v) && v.length <= 60) || (/^data-|content/.test(ATTRS[a]) && RATING_HINT.test(ATTRS[a] + " " + el.getAttribute("class") + " " + (el.getAttribute("itemprop") || "")) && /^\s*\d+([.,]\d+)?\s*$/.test(v) && parseFloat(v) <= 10))
          return { el: el, attr: ATTRS[a], value: v };
      }
    }
    for (i = 1; i < els.length; i++) {
      el = els[i];
      var own = el.children.length === 0 ? textOf(el) : "";
      if (own && own.length <= 40 && (RATING_TEXT.test(own) || (STARS.test(own) && /★|⭐/.test(own)))) return { el: el, value: own };
    }
    for (i = 1; i < els.length; i++) {
      el = els[i];
      var t = el.children.length <= 10 ? textOf(el) : "";
      if (t && t.length <= 10 && STARS.test(t) && /★|⭐/.test(t)) return { el: el, value: t };
      var w = /width\s*:\s*(\d+(\.\d+)?)%/.exec(el.getAttribute("style") || "");
      if (w && /(star|rating|score|meter)/i.test((el.getAttribute("class") || "") + " " + (el.parentElement && el.parentElement.getAttribute("class") || ""))) return { el: el, style: "width", value: w[1] + "%" };
      if (RATING_HINT.test(el.getAttribute("class") || "") && el.children.length >= 3 && el.children.length <= 10) {
        var kids = Array.prototype.slice.call(el.children);
        var tag = kids[0].tagName;
        if (kids.every(function (k) { return k.tagName === tag; })) {
          var full = null;
          kids.forEach(function (k) {
            (k.getAttribute("class") || "").split(/\s+/).forEach(function (c) { if (!full && FILLED.test(c) && !EMPTY.test(c)) full = c; });
          });
          if (full) return { el: el, count: tag.toLowerCase() + "." + cssEsc(full), value: kids.filter(function (k) { return k.classList.contains(full); }).length };
        }
      }
    }
    for (i = 0; i < els.length; i++) {
      var cr = classRating(els[i]);
      if (cr) return { el: els[i], attr: "class", value: cr.raw, cls: cr };
    }
    return null;
  }
  /* the first element of the block that passes `test`: elements without children first, then those with a few */
  /* blocks nested in the block being read (a comment thread's replies: li.review inside li.review), whose fields
     are not the block's own; set by fieldsOf for each block */
  var NESTED = [];
  function nested(el) { for (var i = 0; i < NESTED.length; i++) if (NESTED[i].contains(el)) return true; return false; }
  /* fn() read inside a nested block itself (the shop's nested answer): nothing skipped meanwhile */
  function insideNested(fn) { var keep = NESTED; NESTED = []; try { return fn(); } finally { NESTED = keep; } }
  function leafish(block, test) {
    var els = Array.prototype.slice.call(block.querySelectorAll("*"), 0, 400);
    for (var pass = 0; pass < 2; pass++) {
      for (var i = 0; i < els.length; i++) {
        var el = els[i];
        if (UNSEEN[el.tagName] || el.children.length > (pass ? 3 : 0) || nested(el)) continue;
        if (test(el)) return el;
      }
    }
    return null;
  }
  /* the first date of the block (outside `skip`: the owner's reply, whose date is its own) */
  function dateIn(block, skip) {
    var ts = Array.prototype.filter.call(block.querySelectorAll("time"), function (t) { return !(skip && skip.contains(t)) && (skip || !nested(t)); });
    var t = ts.filter(function (x) { return x.getAttribute("datetime"); })[0] || ts[0];
    if (t) return { el: t, attr: t.getAttribute("datetime") ? "datetime" : null };
    var el = leafish(block, function (e) {
      var s = textOf(e);
      return !(skip && skip.contains(e)) && s.length <= 60 && DATE_TEXT.test(s) && !RATING_TEXT.test(s);
    });
    return el ? { el: el } : null;
  }
  /* what an element says it is: its class, id, itemprop, the values of its test hooks and the names of its data-*
     attributes (Trustpilot's <span data-consumer-name-typography>) */
  function hintsOf(e) {
    var out = [e.getAttribute("class"), e.getAttribute("itemprop"), e.id];
    for (var i = 0; i < e.attributes.length; i++) {
      var at = e.attributes[i].name;
      if (/^data-/.test(at)) out.push(at, /^data-(testid|test|hook|qa|automation)$/.test(at) ? e.attributes[i].value : "");
    }
    return out.join(" ");
  }
  /* a link to the writer's profile page ("/Profile/anna_k", "/user_details?userid=...", "/members/123") */
  var PROFILE = /\/(profiles?|users?|user_details|members?|people|reviewers?|authors?|customers?)(\/|\?|$)|[?&](user_?id|uid|member_?id)=/i;
  function toProfile(e, block) {
    var a = e.closest ? e.closest("a[href]") : null;
    return !!(a && block.contains(a) && PROFILE.test(a.getAttribute("href") || ""));
  }
  function authorIn(block, taken) {
    return leafish(block, function (e) {
      if (taken.indexOf(e) >= 0) return false;
      var s = textOf(e);
      if (s.length < 2 || s.length > 60 || /^\d+$/.test(s) || DATE_TEXT.test(s) || RATING_TEXT.test(s)) return false;
      var hints = hintsOf(e);
      return (AUTHOR_HINT.test(hints) && !/(product|brand|shop|store|title)/i.test(hints)) || BY.test(s) || toProfile(e, block)
        || /avatar[\w-]*(title|name)/i.test(hints);  /* Booking's "bui-avatar-block__title" */
    });
  }
  /* a block that names nothing as its author: the name just before the date ("Anna K." over "3 days ago") */
  var NAMEISH = /^[\p{L}][\p{L}\p{M}.'’ -]{0,38}[\p{L}.]$/u;
  function nameBefore(dateEl, block) {
    var prev = dateEl.previousElementSibling;
    if (!prev && dateEl.parentElement !== block) prev = dateEl.parentElement.previousElementSibling;
    if (!prev || UNSEEN[prev.tagName] || prev.children.length > 1) return null;
    var s = textOf(prev);
    return NAMEISH.test(s) && !RATING_TEXT.test(s) && !DATE_TEXT.test(s) && s.split(" ").length <= 4 ? prev : null;
  }
  /* the review's text: the element with the longest text of the block that is no other field and no owner's reply,
     or its parent when that holds the text's other paragraphs and nothing else of the review (div.body > p, p) */
  var REPLY = /(repl(y|ies)|respon|owner|merchant|seller|answer)/i;
  function textIn(block, taken) {
    var main = null, best = 0;
    var els = block.querySelectorAll("*");
    for (var i = 0; i < els.length && i < 400; i++) {
      var el = els[i];
      if (UNSEEN[el.tagName] || nested(el) || taken.some(function (t) { return t && (t === el || t.contains(el)); })) continue;
      var own = "";
      for (var n = el.firstChild; n; n = n.nextSibling) if (n.nodeType === 3) own += n.nodeValue;
      own = squash(own);
      if (own.length < 25 || !/\s/.test(own) || own.length <= best) continue;
      var up = el, replyish = false;
      while (up && up !== block) { if (REPLY.test((up.getAttribute("class") || "") + " " + (up.id || ""))) { replyish = true; break; } up = up.parentElement; }
      if (!replyish) { main = el; best = own.length; }
    }
    if (!main) return null;
    var p = main.parentElement;
    if (p && p !== block && !taken.some(function (t) { return t && p.contains(t); }) &&
        Array.prototype.some.call(p.children, function (c) { return c !== main && c.tagName === main.tagName && /\S\s+\S/.test(textOf(c)); }) &&
        !Array.prototype.some.call(p.children, function (c) { return /^(H[1-6]|STRONG|B)$/.test(c.tagName) || TITLE_HINT.test(c.getAttribute("class") || ""); }))
      return p;
    return main;
  }
  /* the other halves of a review written in parts of one shape ("What do you like best?" / "What do you dislike?",
     a hotel's liked and disliked rows): elements of the text's tag and class at the same depth of the block, each
     with a text of its own, none a link, a reply or another field */
  function pathKey(el, block) { var k = []; for (var e = el; e && e !== block; e = e.parentElement) k.push(e.tagName); return k.join("<"); }
  function halvesOf(block, main, taken) {
    var key = pathKey(main, block), cls = main.getAttribute("class") || "", out = [];
    Array.prototype.forEach.call(block.querySelectorAll(main.tagName), function (el) {
      if (el === main || el.contains(main) || main.contains(el) || nested(el) || (el.getAttribute("class") || "") !== cls || pathKey(el, block) !== key) return;
      if (taken.some(function (t) { return t && (t === el || t.contains(el) || el.contains(t)); })) return;
      for (var up = el; up && up !== block; up = up.parentElement)
        if (up.tagName === "A" || REPLY.test((up.getAttribute("class") || "") + " " + (up.id || ""))) return;
      var t = textOf(el);
      if (t.length >= 10 && /\s/.test(t)) out.push(el);
    });
    return out;
  }
  function titleIn(block, textEl, taken) {
    var heads = block.querySelectorAll("h1, h2, h3, h4, h5, h6, strong, b, [class*='title' i], [class*='headline' i], [class*='summary' i], [class*='quote' i]:not(blockquote)");
    for (var i = 0; i < heads.length; i++) {
      var h = heads[i];
      if (taken.indexOf(h) >= 0 || (textEl && (textEl.contains(h) || h.contains(textEl)))) continue;
      if (nested(h) || (!/^H[1-6]$/.test(h.tagName) && /subtitle/i.test(h.getAttribute("class") || ""))) continue;
      if (taken.some(function (t) { return t && (h.contains(t) || t.contains(h)); })) continue;
      var s = textOf(h);
      if (s.length >= 2 && s.length <= 150 && !RATING_TEXT.test(s) && !DATE_TEXT.test(s)) return h;
    }
    return linkTitleIn(block, textEl, taken);
  }
  /* a title that is only a link to the review's own page (Tripadvisor's hashed classes: <a href="/ShowUserReviews-...">
     <span>Great stay</span></a>), before the text, not the writer's profile and not "Read more" */
  var REVIEW_LINK = /review/i, NOT_TITLE = /^(read|see|show|view|more|less|report|reply|helpful|share|translate|flag)\b/i;
  function linkTitleIn(block, textEl, taken) {
    if (!textEl) return null;
    var links = block.querySelectorAll("a[href]");
    for (var i = 0; i < links.length && i < 50; i++) {
      var a = links[i], href = a.getAttribute("href") || "";
      if (!REVIEW_LINK.test(href) || PROFILE.test(href) || nested(a) || a.contains(textEl) || textEl.contains(a)) continue;
      if (!(a.compareDocumentPosition(textEl) & 4)) continue;  /* a title comes before the text */
      if (taken.some(function (t) { return t && (a.contains(t) || t.contains(a)); })) continue;
      var s = textOf(a);
      if (s.length >= 2 && s.length <= 150 && !NOT_TITLE.test(s) && !RATING_TEXT.test(s) && !DATE_TEXT.test(s)) return a;
    }
    return null;
  }
  /* the owner's reply: the longest text inside an element of the block named like one ("jdgm-rev__reply",
     "styles_replyInfo", "owner-response"), not the review's own text; its header ("Reply from Acme") is left out */
  function replyIn(block, textEl) {
    var holders = block.querySelectorAll("[class], [id]");
    for (var i = 0; i < holders.length && i < 400; i++) {
      var h = holders[i];
      if (!REPLY.test((h.getAttribute("class") || "") + " " + (h.id || "")) || /(button|btn|link|form|count|icon)/i.test(h.getAttribute("class") || "")) continue;
      if (textEl && (textEl.contains(h) || h.contains(textEl))) continue;
      var best = null, most = 0;
      [h].concat(Array.prototype.slice.call(h.querySelectorAll("*"), 0, 100)).forEach(function (el) {
        if (UNSEEN[el.tagName]) return;
        var own = "";
        for (var n = el.firstChild; n; n = n.nextSibling) if (n.nodeType === 3) own += n.nodeValue;
        own = squash(own);
        if (own.length >= 15 && /\s/.test(own) && own.length > most && !DATE_TEXT.test(own)) { best = el; most = own.length; }
      });
      if (best) return { el: best, holder: h };
    }
    return null;
  }
  /* "Verified Purchase", "Verified Buyer": a short element that says so */
  var VERIFIED = /^(verified (purchase|buyer|customer|owner|reviewer|stay|guest)|verifizierter kauf|achat vérifié|compra verificada|acquisto verificato|geverifieerde aankoop)$/i;
  var HELPFUL = /(^|\s)(\d[\d,.]*|one)\s+(people|person|customers?|users?|others?)\s+found this( review)? helpful|^helpful\s*\(?\d+\)?$|^\d+\s+helpful( votes?)?$/i;
  function sayingIn(block, re, taken) {
    return leafish(block, function (e) { return taken.indexOf(e) < 0 && textOf(e).length <= 60 && re.test(textOf(e)); });
  }
  function idOf(block) {
    var names = ["data-review-id", "data-id", "data-reviewid", "data-review", "id"];
    for (var i = 0; i < names.length; i++) if (block.getAttribute(names[i])) return names[i];
    return null;
  }
  var OWNER = /(bypostauthor|owner|admin|staff|merchant|seller|official|store-reply|shop-reply|response|repl(y|ies))/i;
  function fieldsOf(block) {
    var bc = stableClasses(block);
    NESTED = bc.length ? Array.prototype.filter.call(block.querySelectorAll(block.tagName), function (x) {
      return bc.some(function (c) { return x.classList.contains(c); });
    }) : [];
    NESTED = NESTED.filter(function (x) { return !NESTED.some(function (y) { return y !== x && y.contains(x); }); });
    var f = { rating: ratingIn(block) };
    f.date = dateIn(block);
    var taken = [f.rating && f.rating.el, f.date && f.date.el].filter(Boolean);
    var au = authorIn(block, taken) || (f.date && nameBefore(f.date.el, block));
    f.author = au ? { el: au } : null;
    if (au) taken.push(au);
    var tx = textIn(block, taken);
    f.text = tx ? { el: tx } : null;
    var rp = tx ? replyIn(block, tx) : null;
    if (!rp && tx) {  /* a reply nested as a comment of the shop's own (WooCommerce's "bypostauthor") */
      var own = NESTED.filter(function (x) { return OWNER.test(hintsOf(x)); })[0];
      var ot = own ? insideNested(function () { return textIn(own, []); }) : null;
      if (ot) rp = { el: ot, holder: own };
    }
    if (rp && f.date && rp.holder.contains(f.date.el)) {  /* the date found first was the reply's */
      f.date = dateIn(block, rp.holder);
      taken = taken.filter(function (t) { return !rp.holder.contains(t); });
      if (f.date) taken.push(f.date.el);
    }
    if (rp && taken.some(function (t) { return t && (rp.holder.contains(t) || t.contains(rp.el)); })) rp = null;
    f.reply = rp ? { el: rp.el } : null;
    var rd = rp ? insideNested(function () { return dateIn(rp.holder); }) : null;
    f.reply_date = rd && rd.el !== rp.el ? rd : null;
    var ve = sayingIn(block, VERIFIED, taken), he = sayingIn(block, HELPFUL, taken);
    f.verified = ve ? { el: ve } : null;
    f.helpful = he ? { el: he } : null;
    f.length = tx ? textOf(tx).length : 0;
    var halves = tx ? halvesOf(block, tx, taken) : [];
    if (halves.length) {
      var all = [tx].concat(halves).sort(function (x, y) { return x.compareDocumentPosition(y) & 4 ? -1 : 1; });
      f.text = { el: tx, all: all };
      f.length = all.reduce(function (n, e) { return n + textOf(e).length; }, 0);
    }
    if (tx) {
      var ti = titleIn(block, tx, taken.concat(halves, rp ? [rp.holder] : []));
      f.title = ti ? { el: ti } : null;
    }
    f.id = idOf(block);
    return f;
  }

  /* ---------------------------------------------------------------- groups of siblings of one shape */
  function groups() {
    var out = [];
    var parents = document.body ? [document.body].concat(Array.prototype.slice.call(document.body.querySelectorAll("*"), 0, MAX_NODES)) : [];
    parents.forEach(function (p) {
      if (UNSEEN[p.tagName] || p.children.length < 2) return;
      /* siblings of one tag: all of them (blocks without classes of their own), and those sharing each class (a
         class per block, "comment-author-c12 even thread-even", does not split a list) */
      var byTag = {};
      for (var c = p.firstElementChild; c; c = c.nextElementSibling) {
        if (!UNSEEN[c.tagName]) (byTag[c.tagName] = byTag[c.tagName] || []).push(c);
      }
      Object.keys(byTag).forEach(function (t) {
        var kin = byTag[t];
        if (kin.length < 2) return;
        var sets = {};
        sets[""] = kin;
        kin.forEach(function (k) {
          stableClasses(k).forEach(function (cl) { (sets[cl] = sets[cl] || []).push(k); });
        });
        var seenSets = {};
        Object.keys(sets).forEach(function (cl) {
          var ms = sets[cl];
          var key = ms.length + ":" + kin.indexOf(ms[0]) + ":" + kin.indexOf(ms[ms.length - 1]);
          if (ms.length >= 2 && !seenSets[key]) { seenSets[key] = 1; out.push({ parent: p, members: ms }); }
        });
      });
    });
    return out;
  }
  function score(g) {
    var ms = g.members.filter(visible).slice(0, MAX_MEMBERS);
    if (ms.length < 2) return null;
    var fs = ms.map(fieldsOf);
    var n = ms.length;
    function share(test) { return fs.filter(test).length / n; }
    var withText = share(function (f) { return f.text && f.length >= 20; });
    var avg = fs.reduce(function (s, f) { return s + f.length; }, 0) / n;
    var r = share(function (f) { return f.rating; }), d = share(function (f) { return f.date; }),
        a = share(function (f) { return f.author; });
    if (withText < 0.6 || avg < 40 || !(r >= 0.5 || (d >= 0.5 && a >= 0.5))) return null;
    /* a text is no review when it is all the block (with its rating, date and name) unless the block is small */
    var hints = [g.members[0].getAttribute("class"), g.members[0].id, g.parent.getAttribute("class"), g.parent.id,
                 g.members[0].getAttribute("data-testid"), g.members[0].getAttribute("itemtype")].join(" ");
    /* without ratings, dated and signed texts are as often questions and answers, comments or a blog's teasers as
       reviews: taken only where the page calls them reviews (the blocks' or an enclosing element's class or id) */
    if (r < 0.5) {
      if (/(question|faq|answer|q-?and-?a|qna)/i.test(hints)) return null;
      var named = false;
      for (var up = g.members[0]; up && up !== document.body && !named; up = up.parentElement)
        named = REVIEWISH.test((up.getAttribute("class") || "") + " " + (up.id || "")) && !/comment/i.test((up.getAttribute("class") || "") + " " + (up.id || ""));
      if (!named) return null;
    }
    var sc = n * (1 + r + d + a + withText) + (REVIEWISH.test(hints) ? n : 0);
    if (NOT_REVIEW.test(hints) && !REVIEWISH.test(hints)) sc *= 0.3;
    if (g.parent.closest("nav, footer, header, [role='navigation']")) sc *= 0.2;
    /* a card that is one link is a product tile (or an article teaser), and short texts with prices are products */
    var links = ms.filter(function (m) { return m.tagName === "A" || (m.parentElement && m.parentElement.closest("a")); }).length / n;
    if (links > 0.5) return null;
    var prices = ms.filter(function (m) { return PRICE.test(textOf(m).slice(0, 300)); }).length / n;
    if (prices > 0.5 && avg < 80) return null;
    return { group: g, visible: ms, fields: fs, score: sc, shares: { text: withText, rating: r, date: d, author: a } };
  }

  /* ---------------------------------------------------------------- selectors */
  function sameSet(list, members) {
    if (list.length !== members.length) return false;
    for (var i = 0; i < list.length; i++) if (members.indexOf(list[i]) < 0) return false;
    return true;
  }
  function blockSelector(g) {
    var m = g.members, first = m[0], tag = first.tagName.toLowerCase(), cands = [];
    var common = stableClasses(first).filter(function (c) { return m.every(function (x) { return x.classList.contains(c); }); });
    common.forEach(function (c) { cands.push("." + cssEsc(c)); cands.push(tag + "." + cssEsc(c)); });
    ["itemtype", "data-testid", "data-test", "role"].forEach(function (at) {
      var v = first.getAttribute(at);
      if (v && m.every(function (x) { return x.getAttribute(at) === v; })) cands.push(tag + "[" + at + '="' + v.replace(/"/g, '\\"') + '"]');
    });
    var parent = pathTo(g.parent);
    var scoped = cands.map(function (c) { return parent + " > " + c; });
    cands = cands.concat(scoped, [parent + " > " + tag]);
    for (var i = 0; i < cands.length; i++) {
      try { if (sameSet(document.querySelectorAll(cands[i]), m)) return cands[i]; } catch (e) { /* next */ }
    }
    return null;
  }
  /* where `el` is within `block` by position alone (":scope > div:nth-of-type(2) > span"), for blocks whose classes
     are a build's hashes */
  function scopePath(block, el) {
    var parts = [];
    for (var node = el; node && node !== block; node = node.parentElement) {
      var k = 1, sib = node;
      while ((sib = sib.previousElementSibling)) if (sib.tagName === node.tagName) k++;
      parts.unshift(node.tagName.toLowerCase() + ":nth-of-type(" + k + ")");
    }
    return parts.length ? ":scope > " + parts.join(" > ") : null;
  }
  /* the selector within a block that finds its field: checked on every block that has the field */
  var OPTIONAL = { reply: 1, reply_date: 1, verified: 1, helpful: 1 };
  function fieldSelector(best, name) {
    var blocks = best.visible, fs = best.fields;
    var have = [];
    fs.forEach(function (f, i) { if (f[name]) have.push(i); });
    if (!have.length) return null;
    var el0 = fs[have[0]][name].el;
    if (el0 === blocks[have[0]]) return { spec: {} };
    var cands = [], seenC = {};
    function add(s) { if (s && !seenC[s]) { seenC[s] = 1; cands.push(s); } }
    [fs[have[0]], fs[have[have.length - 1]]].forEach(function (f) {
      var el = f[name].el, tag = el.tagName.toLowerCase();
      ["itemprop", "data-testid", "data-test", "data-hook"].forEach(function (at) {
        var v = el.getAttribute(at);
        if (v) add("[" + at + '="' + v.replace(/"/g, '\\"') + '"]');
      });
      stableClasses(el).forEach(function (c) { add("." + cssEsc(c)); add(tag + "." + cssEsc(c)); });
      if (stableClasses(el).length > 1) add(selectorOf(el));
      add(tag);
      var p = el.parentElement;
      if (p && stableClasses(p).length) add(selectorOf(p) + " > " + tag);
      if (el.getAttribute("role")) add(tag + '[role="' + el.getAttribute("role") + '"]');
      ["aria-label", "datetime", "title", "data-rating", "data-score"].forEach(function (at) { if (el.hasAttribute(at)) add(tag + "[" + at + "]"); });
      add(scopePath(blocks[fs.indexOf(f)], el));
    });
    var bestC = null, bestHits = 0;
    /* a field some reviews have (a reply, a badge): the selector must pick nothing in the blocks without it, or a
       review without a reply would be read with another element's text as its reply */
    var lack = OPTIONAL[name] ? fs.map(function (f, i) { return f[name] ? -1 : i; }).filter(function (i) { return i >= 0; }) : [];
    cands.forEach(function (c) {
      var hits = 0;
      try {
        if (lack.filter(function (i) { return blocks[i].querySelector(c); }).length > 0.1 * lack.length) return;
      } catch (e) { return; }
      have.forEach(function (i) {
        try { if (blocks[i].querySelector(c) === fs[i][name].el) hits++; } catch (e) { /* invalid */ }
      });
      if (hits > bestHits) { bestHits = hits; bestC = c; }
    });
    if (!bestC || bestHits < 0.8 * have.length) return null;
    var spec = { selector: bestC };
    var f0 = fs[have[0]][name];
    if (f0.attr) spec.attr = f0.attr;
    if (f0.style) spec.style = f0.style;
    return { spec: spec, hits: bestHits };
  }

  /* ---------------------------------------------------------------- run */
  var scored = groups().map(score).filter(Boolean).sort(function (x, y) { return y.score - x.score; });
  var out = { config: null, blocks: 0, score: 0, found: {}, why: null, others: [] };
  if (!scored.length) {
    out.why = "no repeated blocks of one shape with a text and a rating (or a date and an author)";
    return out;
  }
  for (var s = 0; s < scored.length && !out.config; s++) {
    var best = scored[s];
    var review = blockSelector(best.group);
    if (!review) continue;
    var fields = {};
    ["text", "title", "author", "date", "reply", "reply_date", "verified", "helpful"].forEach(function (name) {
      var fsel = fieldSelector(best, name);
      if (fsel) fields[name] = fsel.spec;
    });
    /* a review in halves: one selector that picks every half of each block (and the one text of the others) */
    var inHalves = best.fields.filter(function (f) { return f.text && f.text.all; });
    if (inHalves.length) {
      var mains = best.fields.map(function (f) { return f.text && f.text.el; });
      best.fields.forEach(function (f) { if (f.text && f.text.all) f.text.el = f.text.all[0]; });
      var hs = fieldSelector(best, "text"), fits = 0, withText = 0;
      if (hs && hs.spec.selector) best.fields.forEach(function (f, i) {
        if (!f.text) return;
        withText++;
        var want = f.text.all || [f.text.el], got = best.visible[i].querySelectorAll(hs.spec.selector);
        if (got.length === want.length && want.every(function (e) { return Array.prototype.indexOf.call(got, e) >= 0; })) fits++;
      });
      if (hs && fits >= 0.8 * withText) { hs.spec.all = true; fields.text = hs.spec; }
      else best.fields.forEach(function (f, i) { if (f.text) f.text.el = mains[i]; });
    }
    /* "by Grace H.": the name without its "by" (a block without the word keeps its name whole) */
    if (fields.author && best.fields.some(function (f) { return f.author && BY.test(textOf(f.author.el)); }))
      fields.author.regex = "^(?:(?:[Ww]ritten by|[Rr]eviewed by|[Bb]y|[Vv]on|[Pp]ar|[Dd]oor|[Pp]or|[Aa]v)\\s+)?(.*)$";
    if (!fields.text) continue;
    /* the rating: one way of reading it per page (an attribute, a text, a star bar's width or filled stars counted) */
    var rHave = best.fields.filter(function (f) { return f.rating; }), ratingScale = null;
    if (rHave.length) {
      var r0 = rHave[0].rating;
      if (r0.count) {
        var holder = fieldSelector(best, "rating");
        fields.rating = { selector: (holder && holder.spec.selector ? holder.spec.selector + " " : "") + r0.count, count: true };
      } else if (r0.cls) {
        /* a class with a number: one prefix on every block, read by a regex, on the scale its numbers show */
        var crs = fieldSelector(best, "rating"), pre = r0.cls.prefix;
        var vals = rHave.filter(function (f) { return f.rating.cls && f.rating.cls.prefix === pre; })
          .map(function (f) { return f.rating.cls.value; });
        if (crs && vals.length >= 0.8 * rHave.length) {
          crs.spec.regex = "(?:^|\\s)" + escRe(pre) + "(\\d{1,3}(?:[-_](?:5|half))?)(?:\\s|$)";
          fields.rating = crs.spec;
          var top = Math.max.apply(null, vals);
          var fives = vals.every(function (v) { return v % 5 === 0 && v >= 10; });
          if (/bubble/i.test(pre) && top <= 50 && fives) ratingScale = 50;
          else if (top <= 5) ratingScale = null;
          else if (top <= 10) ratingScale = 10;
          else if (top <= 50 && fives) ratingScale = 50;
          else ratingScale = 100;
        }
      } else {
        var rs = fieldSelector(best, "rating");
        if (rs) fields.rating = rs.spec;
        /* "Scored 8.0", "Rating: 7": numbers that state no scale, some above 5: the page's scale is 10 */
        var bare = rHave.map(function (f) { var m = RATING_TEXT.exec(String(f.rating.value || "")); return m && (m[3] || m[4]); })
          .filter(Boolean).map(function (v) { return parseFloat(String(v).replace(",", ".")); });
        if (rs && bare.some(function (v) { return v > 5; })) ratingScale = 10;
      }
    }
    var idAttr = best.fields[0].id;
    if (idAttr && best.visible.every(function (b) { return b.getAttribute(idAttr); })) {
      var ids = best.visible.map(function (b) { return b.getAttribute(idAttr); });
      if (ids.filter(function (v, i) { return ids.indexOf(v) === i; }).length === ids.length) fields.id = { attr: idAttr };
    }
    out.config = { review: review, fields: fields };
    if (ratingScale) out.config.rating_scale = ratingScale;
    out.blocks = best.group.members.length;
    out.score = best.score;
    out.found = best.shares;
  }
  if (!out.config) {
    out.why = "review-like blocks were found, but no CSS selector picks exactly them";
    return out;
  }
  scored.slice(0, 5).forEach(function (g) {
    var sel = blockSelector(g.group);
    if (sel && sel !== out.config.review) out.others.push({ review: sel, blocks: g.group.members.length, score: Math.round(g.score * 10) / 10 });
  });
  /* a cookie or consent banner's accept button (it would take the click on a "load more" or next button) */
  var ACCEPT = /^(accept|accept all|accept cookies|allow all|allow cookies|agree|i agree|ok|okay|got it|alle akzeptieren|akzeptieren|zustimmen|tout accepter|accepter|aceptar|aceptar todo|accetta|accetta tutto|alles accepteren|accepteren|aceitar)$/i;
  var banners = document.querySelectorAll('[role="dialog"], [aria-modal="true"], [id*="cookie" i], [class*="cookie" i], [id*="consent" i], [class*="consent" i], [id*="gdpr" i], [class*="gdpr" i]');
  for (var b = 0; b < banners.length && !out.config.cookie_banner; b++) {
    if (!visible(banners[b])) continue;
    var buttons = banners[b].querySelectorAll('button, a, [role="button"], input[type="button"], input[type="submit"]');
    for (var k = 0; k < buttons.length; k++) {
      var label = squash(buttons[k].textContent || buttons[k].getAttribute("value") || buttons[k].getAttribute("aria-label"));
      if (ACCEPT.test(label) && visible(buttons[k])) { out.config.cookie_banner = pathTo(buttons[k]); break; }
    }
  }
  /* how more reviews are reached: zero-config's reading of the page's controls (a next link is found on every
     page by its role and text; a button is named) */
  try {
    var z = extractReviews(document, null, location.href, {});
    if (z.next && z.next.click) out.config.next = z.next.click;
    out.next_link = !!(z.next && z.next.url);  /* a next page by its link: found again on every page */
    if (z.more && z.more.click) out.config.load_more = z.more.click;
  } catch (e) { /* no controls */ }
  return out;
})();
return JSON.stringify(GUESS);
