/* Is the first element matching arguments[0] displayed? */
var b = document.querySelector(arguments[0]);
if (!b) return false;
var s = getComputedStyle(b);
return s.display !== 'none' && s.visibility !== 'hidden' && !b.hidden;
