/* The start of the first review block's text (arguments[0]: its selector), or null: tells whether a
 * click on "next" replaced the reviews. */
var b = document.querySelector(arguments[0]);
return b ? b.textContent.slice(0, 200) : null;
