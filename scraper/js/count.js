/* How many elements match selector arguments[0]. */
return document.querySelectorAll(arguments[0]).length;
