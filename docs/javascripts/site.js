/* Small fixes to the theme, re-applied on every page (the theme swaps pages without a reload). */
(function () {
  function apply() {
    var search = document.querySelector(".md-search");
    if (search && !search.hasAttribute("aria-label")) search.setAttribute("aria-label", "Search this site");
  }
  if (window.document$ && window.document$.subscribe) window.document$.subscribe(apply);
  else document.addEventListener("DOMContentLoaded", apply);
  apply();
})();
