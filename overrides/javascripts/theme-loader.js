/* The theme's script (about 35 KB gzipped) loads only when search is wanted; until then the page is plain HTML and
   CSS: the drawer, the language menu and the header are CSS toggles. hooks/assets.py puts this script in the head
   (small, and kept a year), with the theme's script (data-bundle) and md-scope.js (data-md-scope) to load later.
   In the head, so that the page is first drawn as it will stay: "js" is set before anything is drawn. */
(function () {
  var me = document.currentScript;
  var root = document.documentElement;
  // The theme hides the search button from browsers without JavaScript ("no-js"); this one has it.
  root.classList.remove("no-js");
  root.classList.add("js");
  var started = false;

  function toggle() { return document.getElementById("__search"); }
  function input() { return document.querySelector(".md-search__input"); }

  function script(src, scope) {
    return new Promise(function (resolve, reject) {
      var tag = document.createElement("script");
      tag.src = src;
      if (scope) tag.setAttribute("data-scope", scope);
      tag.onload = resolve;
      tag.onerror = reject;
      document.body.appendChild(tag);
    });
  }

  function load() {
    if (started) return;
    started = true;
    document.removeEventListener("keydown", onKey);
    var search = toggle();
    script(me.getAttribute("data-md-scope"), me.getAttribute("data-scope")).then(function () {
      // md-scope.js holds the search index back until search is wanted: it is, now.
      search.dispatchEvent(new Event("change", { bubbles: true }));
      // The theme starts on DOMContentLoaded, long past: its listener runs as soon as it is added.
      var add = document.addEventListener;
      document.addEventListener = function (type, listener) {
        if (type !== "DOMContentLoaded") return add.apply(this, arguments);
        setTimeout(function () { listener.call(document, new Event(type)); });
      };
      function restore() { document.addEventListener = add; }
      // On starting, the theme closes the drawer and search (125 ms on): search stays open, as the person asked.
      // (During a click a checkbox already shows its new state: unchecked here means the click closes search.)
      function keepOpen(e) {
        if (e.isTrusted || search.checked) return;
        e.preventDefault();
        search.removeEventListener("click", keepOpen, true);
      }
      search.addEventListener("click", keepOpen, true);
      setTimeout(function () { search.removeEventListener("click", keepOpen, true); }, 2000);
      return script(me.getAttribute("data-bundle")).then(restore, restore);
    });
  }

  function openSearch() {
    var search = toggle();
    var query = input();
    if (!search || !query) return;
    search.checked = true;
    query.focus();
    load();
  }

  function typing(el) {
    return el && (/^(INPUT|SELECT|TEXTAREA)$/.test(el.tagName) || el.isContentEditable);
  }

  // The theme's own keys until it is here: s, f and / open search; Enter opens a menu section that has focus.
  function onKey(e) {
    if (e.metaKey || e.ctrlKey || e.altKey || typing(document.activeElement)) return;
    if (e.key === "s" || e.key === "f" || e.key === "/") {
      e.preventDefault();
      openSearch();
      if (input()) input().select();
    } else if (e.key === "Enter" && document.activeElement instanceof HTMLLabelElement) {
      document.activeElement.click();
    }
  }
  document.addEventListener("keydown", onKey);
  document.addEventListener("focusin", function (e) {
    if (e.target.classList && e.target.classList.contains("md-search__input")) load();
  });
  // The search button (a label for the toggle) on phones; not the change md-scope.js is told of above.
  document.addEventListener("change", function (e) {
    if (e.isTrusted && e.target.id === "__search" && e.target.checked) openSearch();
  });
  if (/[?&]q=/.test(location.search)) document.addEventListener("DOMContentLoaded", load);  // a linked search (?q=)
})();
