/* True when the navigation returned but the document never got its body: the server closed the
 * connection before sending all the bytes its Content-Length promised (a page cut off halfway). */
var nav = (performance.getEntriesByType && performance.getEntriesByType('navigation')[0]) || null;
return document.readyState === 'loading' && (!nav || !nav.responseEnd) && !(document.body && document.body.childElementCount);
