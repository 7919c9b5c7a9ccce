/* Run after extract.js: the current page's reviews and its HTTP status, in one round trip.
 * arguments: [site config or null, {skip}]. Returns one JSON string (far cheaper through WebDriver than a nested object). */
var nav = (performance.getEntriesByType && performance.getEntriesByType('navigation')[0]) || null;
var res = extractReviews(document, arguments[0], location.href, arguments[1] || {});
res.status = nav && nav.responseStatus ? nav.responseStatus : 0;
res.url = location.href;
return JSON.stringify(res);  /* one string: far cheaper through WebDriver than a nested object */
