/* Which of the given CSS selectors the browser rejects: arguments[0] is {name: selector}; returns
 * {name: "the browser's message"} for each invalid one. */
var bad = {}, sels = arguments[0] || {};
Object.keys(sels).forEach(function (k) {
  try { document.querySelector(sels[k]); } catch (e) { bad[k] = String((e && e.message) || e); }
});
return bad;
