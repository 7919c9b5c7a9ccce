/* The Retry-After header of the current URL, asked with one HEAD request (a navigated page's headers
 * are not readable from the page); null when there is none or the request fails. */
try {
  var x = new XMLHttpRequest();
  x.open('HEAD', location.href, false);
  x.send();
  return x.getResponseHeader('Retry-After');
} catch (e) {
  return null;
}
