/* What covers an element, so that a real click on it lands elsewhere (scraper/more.py): a cookie or consent banner,
 * a newsletter popup. The browser only says "other element would receive the click", naming the innermost element
 * under the point; the user needs the overlay itself (its root below the part of the page that holds the button).
 * arguments: [css selector]. Returns null when nothing covers the element's centre (or it is not there), else
 * {tag, id, cls, role, label, consent}: consent is true when the overlay looks like a cookie or consent banner. */
var sel = arguments[0], el = null;
try { el = document.querySelector(sel); } catch (e) { return null; }
if (!el) return null;
var r = el.getBoundingClientRect();
if (r.bottom < 0 || r.top > innerHeight) { el.scrollIntoView({ block: "center" }); r = el.getBoundingClientRect(); }
var hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
if (!hit || hit === el || el.contains(hit)) return null;
var top = hit;
while (top.parentElement && top.parentElement !== document.body && !top.parentElement.contains(el)) top = top.parentElement;
var CONSENT = /cookie|consent|gdpr|privacy|datenschutz|onetrust|didomi|usercentrics|cookiebot|truste|quantcast|sp_message|\bcmp\b/i;
var words = [top.id, top.getAttribute("class"), top.getAttribute("aria-label"), (top.textContent || "").slice(0, 400)].join(" ");
return {
  tag: top.tagName.toLowerCase(), id: top.id || null,
  cls: (top.getAttribute("class") || "").split(/\s+/).filter(Boolean).slice(0, 3).join(" ") || null,
  role: top.getAttribute("role"), label: top.getAttribute("aria-label"), consent: CONSENT.test(words)
};
