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

/* Search loads when it is wanted, not on every page: the theme would fetch the search index and start its
   worker (about 24 KB gzipped) at once. Until someone opens search, the index request waits and the worker
   is a stand-in that keeps its messages. */
(function () {
  var wanted = false;
  var waiting = [];
  function want() {
    if (wanted) return;
    wanted = true;
    waiting.splice(0).forEach(function (go) { go(); });
  }
  function whenWanted() {
    return new Promise(function (resolve) { if (wanted) resolve(); else waiting.push(resolve); });
  }
  document.addEventListener("focusin", function (e) {
    if (e.target && e.target.classList && e.target.classList.contains("md-search__input")) want();
  });
  document.addEventListener("change", function (e) {
    if (e.target && e.target.id === "__search") want();
  });
  document.addEventListener("click", function (e) {
    if (e.target && e.target.closest && e.target.closest("label[for=__search]")) want();
  });

  var INDEX = /\/search\/search_index\.json(\?|$)/;
  var open = XMLHttpRequest.prototype.open;
  var send = XMLHttpRequest.prototype.send;
  // Each language has its own index (hooks/i18n.py): /pl/search/search_index.json for the Polish pages.
  var LANGUAGE = /^(pl|ur|ar)$/.exec(document.documentElement.lang || "");
  XMLHttpRequest.prototype.open = function (method, url) {
    this.__kidsSearchIndex = INDEX.test(String(url));
    if (this.__kidsSearchIndex && LANGUAGE && String(url).indexOf("/" + LANGUAGE[1] + "/search/") < 0) {
      var args = Array.prototype.slice.call(arguments);
      args[1] = String(url).replace(INDEX, "/" + LANGUAGE[1] + "/search/search_index.json$1");
      return open.apply(this, args);
    }
    return open.apply(this, arguments);
  };
  XMLHttpRequest.prototype.send = function () {
    var request = this;
    var args = arguments;
    if (request.__kidsSearchIndex && !wanted) {
      whenWanted().then(function () { send.apply(request, args); });
      return undefined;
    }
    return send.apply(this, arguments);
  };

  var RealWorker = window.Worker;
  function LazyWorker(url, options) {
    if (!/workers\/search\./.test(String(url))) return new RealWorker(url, options);
    var listeners = [];
    var queue = [];
    var real = null;
    var proxy = {
      postMessage: function (message) { if (real) real.postMessage(message); else queue.push(message); },
      addEventListener: function (type, fn, opts) {
        listeners.push([type, fn, opts]);
        if (real) real.addEventListener(type, fn, opts);
      },
      removeEventListener: function (type, fn, opts) { if (real) real.removeEventListener(type, fn, opts); },
      terminate: function () { if (real) real.terminate(); }
    };
    whenWanted().then(function () {
      real = new RealWorker(url, options);
      listeners.forEach(function (l) { real.addEventListener(l[0], l[1], l[2]); });
      if (proxy.onmessage) real.onmessage = proxy.onmessage;
      queue.splice(0).forEach(function (m) { real.postMessage(m); });
    });
    return proxy;
  }
  LazyWorker.prototype = RealWorker.prototype;
  window.Worker = LazyWorker;
})();
