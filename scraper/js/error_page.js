/* When the browser shows its own error page instead of the site's (a redirect loop, a refused or
 * dropped connection, a name that does not resolve), the error code it names; else null. */
if (!/^chrome-error:/.test(location.href)) return null;
var t = (document.body && document.body.innerText) || "";
var m = t.match(/ERR_[A-Z_]+/);
return m ? m[0] : "ERR_UNKNOWN";
