/* Small fixes to the theme, re-applied on every page (the theme swaps pages without a reload). */
(function () {
  function apply() {
    var search = document.querySelector(".md-search");
    var label = { pl: "Szukaj w serwisie", ur: "اس ویب سائٹ میں تلاش کریں", ar: "ابحث في هذا الموقع" };
    if (search && !search.hasAttribute("aria-label")) {
      search.setAttribute("aria-label", label[document.documentElement.lang] || "Search this site");
    }
  }
  /* The language switcher: after an instant page change its links still point at the first page's
     translations, so they are worked out again from the address (every page exists in every language). */
  var LANGS = /^(pl|ur|ar)\//;
  function languageLinks() {
    var root = window.__md_scope ? window.__md_scope.pathname : "/";
    var path = location.pathname.indexOf(root) === 0 ? location.pathname.slice(root.length) : "";
    var rest = path.replace(LANGS, "");
    document.querySelectorAll(".md-select__link[hreflang]").forEach(function (a) {
      var lang = a.getAttribute("hreflang");
      a.setAttribute("href", root + (lang === "en" ? "" : lang + "/") + rest);
    });
  }
  /* A link to another language loads the whole page, so the page's language and direction change with it
     (the theme's instant page change swaps only the content). */
  window.addEventListener("click", function (e) {
    var link = e.target && e.target.closest ? e.target.closest("a[hreflang]") : null;
    if (link && link.getAttribute("hreflang") !== document.documentElement.lang) e.stopPropagation();
  }, true);
  if (window.document$ && window.document$.subscribe) window.document$.subscribe(function () { apply(); languageLinks(); });
  else document.addEventListener("DOMContentLoaded", apply);
  apply();
})();
