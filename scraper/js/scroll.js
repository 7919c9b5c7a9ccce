/* Scroll to the bottom (infinite lists); returns how many review blocks (arguments[0]) there are. */
window.scrollTo(0, document.body.scrollHeight || document.documentElement.scrollHeight);
return document.querySelectorAll(arguments[0]).length;
