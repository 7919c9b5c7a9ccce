/* Run after extract.js (js.with_extractor("more")): the state of a zero-config "show more reviews" button (scraper/more.py).
 * arguments: [action, css selector of the button, site config or null]
 *   "state"  -> JSON {blocks, button: {present, visible, enabled}}: how many reviews the page holds now
 *   "click"  -> true when the button was clicked from script (the fallback when a real click is blocked)
 */
var action = arguments[0], sel = arguments[1], cfg = arguments[2] || null;
var el = null;
try { el = sel ? document.querySelector(sel) : null; } catch (e) { el = null; }
if (action === "click") {
  if (!el) return false;
  el.click();
  return true;
}
var button = { present: !!el, visible: false, enabled: false };
if (el) {
  var cs = getComputedStyle(el);
  button.visible = cs.display !== "none" && cs.visibility !== "hidden" && !el.hidden && el.getClientRects().length > 0;
  button.enabled = !el.disabled && el.getAttribute("aria-disabled") !== "true";
}
var res = extractReviews(document, cfg, location.href, {});
return JSON.stringify({ blocks: res.blocks, button: button });
