/* Run after extract.js (js.with_extractor("out_of_reach")) on a page where no reviews were found: where its reviews
 * may be that extraction does not reach (scraper/engine.py says so in the page's error). Neither zero-config
 * extraction nor a site config's selectors enter an iframe or a shadow root.
 * Returns JSON {frames: [{url, reviews, readable, title}], shadows: [{host, reviews, reviewish}]}:
 *   frames   iframes whose document holds reviews (same-origin: counted with extractReviews), or that are named like
 *            a review widget (another origin cannot be read: its URL and title only)
 *   shadows  elements with an open shadow root holding reviews or review-like elements */
var WIDGET = /review|rating|bewertung|avis|opinion|feedback|testimonial|yotpo|trustpilot|judge\.?me|okendo|stamped|feefo|bazaarvoice|reevoo|trustedshops|ekomi/i;
var REVIEWISH = '[itemtype*="schema.org/Review" i], [class*="review" i], [id*="review" i], [data-testid*="review" i]';
function count(root, url) {
  try { return extractReviews(root, null, url, {}).reviews.length; } catch (e) { return 0; }
}
var out = { frames: [], shadows: [] };
var frames = document.querySelectorAll("iframe, frame");
for (var i = 0; i < frames.length && out.frames.length < 5; i++) {
  var f = frames[i], url = f.src || null, fdoc = null;
  try { fdoc = f.contentDocument; } catch (e) { fdoc = null; }
  if (fdoc && fdoc.location && /^https?:/.test(fdoc.location.href)) url = fdoc.location.href;
  if (!url || !/^https?:/.test(url)) continue;
  var n = fdoc ? count(fdoc, url) : 0;
  var named = WIDGET.test([f.id, f.name, f.title, f.getAttribute("class"), url].join(" "));
  if (n > 0 || (!fdoc && named)) out.frames.push({ url: url, reviews: n, readable: !!fdoc, title: f.title || null });
}
var todo = [document], seen = 0;
while (todo.length && seen < 50000 && out.shadows.length < 5) {
  var els = todo.shift().querySelectorAll("*");
  for (var j = 0; j < els.length && seen < 50000; j++, seen++) {
    var sr = els[j].shadowRoot;  /* open shadow roots only: a closed one cannot be read by anyone */
    if (!sr) continue;
    todo.push(sr);
    var k = count(sr, location.href), ish = sr.querySelectorAll(REVIEWISH).length;
    if (k > 0 || ish > 0) out.shadows.push({ host: els[j].tagName.toLowerCase(), reviews: k, reviewish: ish });
  }
}
return JSON.stringify(out);
