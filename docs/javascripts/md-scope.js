/* The theme's storage helpers, moved out of an inline script (see overrides/partials/javascripts/base.html). */
(function () {
  var scope = document.currentScript.getAttribute("data-scope") || ".";
  window.__md_scope = new URL(scope, location);
  window.__md_hash = function (e) {
    return Array.prototype.reduce.call(e, function (h, c) { return (h << 5) - h + c.charCodeAt(0); }, 0);
  };
  window.__md_get = function (e, store, base) {
    store = store || localStorage; base = base || window.__md_scope;
    return JSON.parse(store.getItem(base.pathname + "." + e));
  };
  window.__md_set = function (e, value, store, base) {
    store = store || localStorage; base = base || window.__md_scope;
    try { store.setItem(base.pathname + "." + e, JSON.stringify(value)); } catch (err) { /* storage full or blocked */ }
  };
})();
