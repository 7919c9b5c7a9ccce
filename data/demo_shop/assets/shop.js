/* Demo shop client: the cookie banner and the pages whose reviews JavaScript renders.
 *
 * <body data-pattern="js|loadmore|scroll" data-slug=".." data-page="N" data-delay="ms"> selects the
 * behaviour. All review text goes into the DOM through textContent, never innerHTML.
 */
(function () {
  "use strict";
  var body = document.body;
  var pattern = body.dataset.pattern;
  var slug = body.dataset.slug;
  var delay = parseInt(body.dataset.delay || "500", 10);
  var perPage = 10;

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text !== undefined && text !== null) e.textContent = text;
    return e;
  }

  function cookieBanner() {
    if (document.cookie.indexOf("consent=1") >= 0) return;
    document.documentElement.classList.add("locked");
    var overlay = el("div", { id: "cookie-banner", role: "dialog" });
    var box = el("div", { "class": "box" });
    box.appendChild(el("p", {}, "We use cookies to improve your shopping experience. Please accept to continue."));
    var accept = el("button", { id: "accept-cookies", type: "button" }, "Accept all");
    accept.addEventListener("click", function () {
      document.cookie = "consent=1; path=/; SameSite=Lax";
      overlay.remove();
      document.documentElement.classList.remove("locked");
    });
    box.appendChild(accept);
    box.appendChild(el("button", { type: "button", "class": "settings" }, "Settings"));
    overlay.appendChild(box);
    body.appendChild(overlay);
  }

  function mmddyyyy(iso) {
    var p = iso.split("-");
    return p[1] + "/" + p[2] + "/" + p[0];
  }

  var MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  function shortDate(iso) {
    var p = iso.split("-");
    return MONTHS[parseInt(p[1], 10) - 1] + " " + parseInt(p[2], 10) + ", " + p[0];
  }

  function relative(iso) {
    var p = iso.split("-");
    var then = Date.UTC(+p[0], +p[1] - 1, +p[2]);
    var now = new Date();
    var today = Date.UTC(now.getFullYear(), now.getMonth(), now.getDate());
    var days = Math.round((today - then) / 86400000);
    if (days <= 0) return "today";
    if (days === 1) return "yesterday";
    if (days <= 30) return days + " days ago";
    return shortDate(iso);
  }

  function api(page, cb) {
    fetch("../api/reviews/" + encodeURIComponent(slug) + "?page=" + page + "&per_page=" + perPage)
      .then(function (r) { return r.json(); })
      .then(function (data) { setTimeout(function () { cb(data); }, delay); });
  }

  function cardJs(r) {
    var a = el("article", { "class": "review-card", "data-id": r.id });
    if (r.title) a.appendChild(el("h4", { "class": "review-title" }, r.title));
    var full = Math.round(r.rating);
    a.appendChild(el("div", { "class": "stars", "aria-label": "Rated " + r.rating + " out of 5" },
      "\u2605".repeat(full) + "\u2606".repeat(5 - full)));
    a.appendChild(el("span", { "class": "reviewer" }, r.author));
    a.appendChild(document.createTextNode(" \u00b7 "));
    a.appendChild(el("span", { "class": "review-date" }, mmddyyyy(r.date)));
    if (r.verified) a.appendChild(el("span", { "class": "badge-verified" }, "Verified buyer"));
    a.appendChild(el("p", { "class": "review-body" }, r.text));
    a.appendChild(el("button", { "class": "helpful-btn", type: "button" }, "Helpful (" + (r.helpful || 0) + ")"));
    if (r.reply) {
      var rep = el("div", { "class": "seller-reply" });
      rep.appendChild(el("span", { "class": "reply-when" }, mmddyyyy(r.reply_date)));
      rep.appendChild(el("p", { "class": "reply-body" }, r.reply));
      a.appendChild(rep);
    }
    return a;
  }

  function cardLoadMore(r) {
    var d = el("div", { "class": "rv", id: "rv-" + r.id });
    var head = el("div", { "class": "rv-head" });
    head.appendChild(el("strong", { "class": "rv-author" }, r.author));
    head.appendChild(document.createTextNode(" "));
    head.appendChild(el("span", { "class": "rv-when" }, relative(r.date)));
    d.appendChild(head);
    var stars = el("div", { "class": "rv-stars" });
    for (var i = 1; i <= 5; i++) stars.appendChild(el("i", { "class": i <= r.rating ? "star filled" : "star" }));
    d.appendChild(stars);
    if (r.title) d.appendChild(el("div", { "class": "rv-title" }, r.title));
    d.appendChild(el("div", { "class": "rv-text" }, r.text));
    if (r.reply) {
      var rep = el("div", { "class": "rv-reply" });
      rep.appendChild(el("span", { "class": "rv-reply-when" }, relative(r.reply_date)));
      rep.appendChild(el("div", { "class": "rv-reply-text" }, r.reply));
      d.appendChild(rep);
    }
    return d;
  }

  function cardScroll(r) {
    var li = el("li", { "class": "feed-item", "data-review": r.id });
    var meter = el("div", { "class": "meter" });
    meter.appendChild(el("span", { "class": "meter-fill", style: "width: " + (r.rating * 20) + "%" }));
    li.appendChild(meter);
    li.appendChild(el("b", { "class": "who" }, r.author));
    li.appendChild(document.createTextNode(" "));
    li.appendChild(el("time", { datetime: r.date }, shortDate(r.date)));
    if (r.title) li.appendChild(el("h5", {}, r.title));
    li.appendChild(el("div", { "class": "content" }, r.text));
    if (r.reply) {
      var rep = el("blockquote", { "class": "response" });
      rep.appendChild(el("time", { datetime: r.reply_date }, shortDate(r.reply_date)));
      rep.appendChild(el("p", {}, r.reply));
      li.appendChild(rep);
    }
    return li;
  }

  function renderJsPage() {
    var page = parseInt(body.dataset.page || "1", 10);
    var list = document.getElementById("reviews");
    api(page, function (data) {
      list.textContent = "";
      data.reviews.forEach(function (r) { list.appendChild(cardJs(r)); });
      var pager = document.getElementById("pager");
      if (page > 1) pager.appendChild(el("a", { "class": "prev-page", href: "?page=" + (page - 1) }, "\u2039 Previous"));
      if (page < data.pages) pager.appendChild(el("a", { "class": "next-page", href: "?page=" + (page + 1) }, "Next \u203a"));
    });
  }

  function renderLoadMore() {
    var list = document.getElementById("reviews");
    var button = document.getElementById("load-more");
    var page = 1;
    var loading = false;
    function load() {
      if (loading) return;
      loading = true;
      button.disabled = true;
      api(page, function (data) {
        var spinner = list.querySelector(".loading");
        if (spinner) spinner.remove();
        data.reviews.forEach(function (r) { list.appendChild(cardLoadMore(r)); });
        loading = false;
        button.disabled = false;
        button.style.display = page < data.pages ? "inline-block" : "none";
        page += 1;
      });
    }
    button.addEventListener("click", load);
    load();
  }

  function renderScroll() {
    var list = document.getElementById("reviews");
    var page = 1;
    var pages = 1;
    var loading = false;
    function load() {
      if (loading || page > pages) return;
      loading = true;
      api(page, function (data) {
        pages = data.pages;
        data.reviews.forEach(function (r) { list.appendChild(cardScroll(r)); });
        page += 1;
        loading = false;
        if (page > pages) document.getElementById("feed-end").textContent = "You have reached the end.";
      });
    }
    window.addEventListener("scroll", function () {
      if (window.innerHeight + window.scrollY >= document.body.scrollHeight - 300) load();
    });
    load();
  }

  cookieBanner();
  if (pattern === "js") renderJsPage();
  else if (pattern === "loadmore") renderLoadMore();
  else if (pattern === "scroll") renderScroll();
})();
