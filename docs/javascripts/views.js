/* The children's and young people's views form: one question at a time, words for a child or for a young person
   (chosen by the age answer; both wordings come from the schema through data-kids-young), and drawings or
   recordings sent through /api/uploads. Without JavaScript the same form shows every question and posts normally. */
(function () {
  "use strict";

  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 15) | 64; b[8] = (b[8] & 63) | 128;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text) node.textContent = text;
    return node;
  }

  function idOf(path) { return path.replace(/\./g, "-"); }

  /* Words ---------------------------------------------------------------------------------------------- */

  function firstText(node) {
    if (!node) return null;
    for (var i = 0; i < node.childNodes.length; i++) {
      if (node.childNodes[i].nodeType === 3 && node.childNodes[i].textContent.trim()) return node.childNodes[i];
    }
    return null;
  }

  function swappable(form) {
    // Each place whose words change: [text node, child words, young words].
    var places = [];
    function add(node, young) {
      var text = firstText(node);
      if (text && typeof young === "string") places.push([text, text.textContent, young]);
    }
    form.querySelectorAll("[data-kids-young]").forEach(function (box) {
      var words;
      try { words = JSON.parse(box.getAttribute("data-kids-young")); } catch (e) { return; }
      var path = box.getAttribute("data-section") || box.getAttribute("data-field");
      var id = idOf(path);
      if (box.hasAttribute("data-section")) {
        add(box.querySelector(":scope > legend h2"), words.title);
        add(box.querySelector(":scope > p.kids-hint"), words.description);
        return;
      }
      add(box.querySelector("legend.kids-legend") || box.querySelector("label.kids-label") ||
          box.querySelector('label[for="' + id + '"]'), words.title);
      add(document.getElementById(id + "-hint"), words.description);
      Object.keys(words["x-labels"] || {}).forEach(function (value) {
        box.querySelectorAll('input[value="' + CSS.escape(value) + '"]').forEach(function (input) {
          add(box.querySelector('label[for="' + input.id + '"]'), words["x-labels"][value]);
        });
      });
    });
    return places;
  }

  function showWords(places, young) {
    places.forEach(function (p) { p[0].textContent = young ? p[2] : p[1]; });
    document.querySelectorAll("[data-kids-words]").forEach(function (block) {
      block.hidden = block.getAttribute("data-kids-words") !== (young ? "young" : "child");
    });
  }

  /* Errors --------------------------------------------------------------------------------------------- */

  function clearErrors(form, summary) {
    summary.hidden = true;
    summary.querySelector("ul").innerHTML = "";
    form.querySelectorAll(".kids-error-message").forEach(function (n) { n.remove(); });
    form.querySelectorAll(".kids-form-group--error").forEach(function (n) { n.classList.remove("kids-form-group--error"); });
    document.title = document.title.replace(/^Error: /, "");
  }

  function fieldError(group, text) {
    group.classList.add("kids-form-group--error");
    var id = group.getAttribute("data-field").replace(/\./g, "-") + "-error";
    var p = el("p", { "class": "kids-error-message", id: id });
    p.appendChild(el("span", { "class": "kids-visually-hidden" }, "Error: "));
    p.appendChild(document.createTextNode(text));
    var anchor = group.querySelector(".kids-choice, input:not([type=hidden]), textarea");
    var fieldset = group.querySelector("fieldset");
    if (fieldset && anchor && fieldset.contains(anchor)) anchor = fieldset.querySelector(".kids-choice");
    if (anchor) anchor.parentNode.insertBefore(p, anchor); else group.appendChild(p);
    group.querySelectorAll("input, textarea").forEach(function (input) {
      var described = (input.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
      if (described.indexOf(id) < 0) { described.push(id); input.setAttribute("aria-describedby", described.join(" ")); }
    });
  }

  function showErrors(form, summary, errors) {
    clearErrors(form, summary);
    var list = summary.querySelector("ul");
    errors.forEach(function (error) {
      var li = el("li");
      li.appendChild(el("a", { href: error.href || "#" }, error.text));
      list.appendChild(li);
      var group = error.field && form.querySelector('[data-field="' + CSS.escape(error.field) + '"]');
      if (group && !group.querySelector(".kids-error-message")) fieldError(group, error.text);
    });
    summary.hidden = false;
    if (!/^Error: /.test(document.title)) document.title = "Error: " + document.title;
    summary.focus();
  }

  /* Uploads -------------------------------------------------------------------------------------------- */

  function uploader(form, group, maxFiles) {
    var input = group.querySelector("input[type=file]");
    var ids = [];
    var list = el("ul", { "class": "kids-file-list", "aria-live": "polite" });
    var noJs = group.querySelector("[data-kids-no-js]");
    if (noJs) {
      noJs.hidden = true;
      input.setAttribute("aria-describedby", (input.getAttribute("aria-describedby") || "").replace(noJs.id, "").trim());
    }
    input.removeAttribute("name");  // the files go to /api/uploads; the form sends their ids
    input.multiple = true;  // without JavaScript files are added one at a time; here several at once
    input.parentNode.insertBefore(list, input.nextSibling);
    var busy = 0;
    // The buttons and list of the page without JavaScript go; files it added (a page the server showed again)
    // stay added, in this list.
    var before = Array.prototype.map.call(group.querySelectorAll("input[type=hidden][name=files]"), function (h) { return h.value; });
    Array.prototype.forEach.call(group.querySelectorAll("[data-kids-no-js-files]"), function (n) { n.remove(); });

    function added(id, name) {
      ids.push(id);
      var item = el("li", { "class": "kids-file-list__item" }, name + " is added. ");
      var remove = el("button", { type: "button", "class": "kids-button kids-button--secondary kids-button--small" }, "Remove");
      remove.appendChild(el("span", { "class": "kids-visually-hidden" }, " " + name));
      remove.addEventListener("click", function () {
        ids.splice(ids.indexOf(id), 1);
        item.remove();
        input.disabled = false;
        input.focus();
      });
      item.appendChild(remove);
      return item;
    }
    before.forEach(function (id, n) { list.appendChild(added(id, "File " + (n + 1))); });
    input.disabled = ids.length >= maxFiles;

    function problem(text) {
      var old = group.querySelector(".kids-error-message");
      if (old) old.remove();
      group.classList.remove("kids-form-group--error");
      if (text) fieldError(group, text);
    }

    function upload(file) {
      var item = el("li", { "class": "kids-file-list__item" }, "Sending " + file.name + "…");
      list.appendChild(item);
      busy += 1;
      return fetch(form.getAttribute("action").replace(/[^/]+$/, "uploads"), {
        method: "POST",
        headers: { "Accept": "application/json", "Content-Type": "application/json" },
        body: JSON.stringify({ filename: file.name, content_type: file.type || "", size: file.size }),
        credentials: "same-origin"
      }).then(function (r) {
        return r.json().catch(function () { return {}; }).then(function (data) {
          if (r.status !== 201) throw new Error((data.errors && data.errors[0] && data.errors[0].text) || "The file could not be sent. Try again");
          var body = new FormData();
          Object.keys(data.fields || {}).forEach(function (k) { body.append(k, data.fields[k]); });
          body.append("file", file);
          return fetch(data.url, { method: "POST", body: body }).then(function (sent) {
            if (!sent.ok) {
              return sent.json().catch(function () { return {}; }).then(function (d) {
                throw new Error((d.errors && d.errors[0] && d.errors[0].text) || "The file could not be sent. Try again");
              });
            }
            return data.upload_id;
          });
        });
      }).then(function (id) {
        list.replaceChild(added(id, file.name), item);
      }).catch(function (error) {
        item.remove();
        problem(error && error.message && !/fetch|network/i.test(error.message) ? error.message :
          "The file could not be sent. Check your connection and try again");
      }).then(function () {
        busy -= 1;
        input.disabled = ids.length >= maxFiles;
      });
    }

    input.addEventListener("change", function () {
      problem("");
      var chosen = Array.prototype.slice.call(input.files || []);
      if (ids.length + chosen.length > maxFiles) problem("Choose up to " + maxFiles + " files");
      chosen.slice(0, Math.max(0, maxFiles - ids.length)).forEach(upload);
      input.value = "";
    });
    return { ids: function () { return ids.slice(); }, busy: function () { return busy > 0; } };
  }

  /* Sending -------------------------------------------------------------------------------------------- */

  function answers(form, files) {
    var data = {};
    function put(path, value) {
      var parts = path.split("."), target = data;
      parts.slice(0, -1).forEach(function (p) { target = target[p] = target[p] || {}; });
      target[parts[parts.length - 1]] = value;
    }
    Array.prototype.forEach.call(form.elements, function (input) {
      if (!input.name || input.type === "file" || input.type === "submit" || input.type === "button") return;
      if ((input.type === "radio" || input.type === "checkbox") && !input.checked) return;
      if (input.type === "checkbox") { put(input.name, true); return; }
      if (input.name === "website") { put("website", input.value); return; }
      var value = input.tagName === "TEXTAREA" ? input.value.replace(/\s+$/, "") : input.value.trim();
      if (!value) return;
      if (input.name === form.getAttribute("data-kids-age-field") && /^\d{1,3}$/.test(value)) value = parseInt(value, 10);
      put(input.name, value);
    });
    var ids = files ? files.ids() : [];
    if (ids.length) data.files = ids;
    if (document.documentElement.lang) data.lang = document.documentElement.lang;
    return data;
  }

  /* The form ------------------------------------------------------------------------------------------- */

  function enhance(form) {
    if (form.dataset.kidsReady || form.closest(".kids-paper")) return;
    form.dataset.kidsReady = "1";
    var summary = document.querySelector("[data-kids-error-summary]");
    var button = form.querySelector("[data-kids-submit]");
    var idField = form.querySelector('input[name="submission_id"]');
    if (idField && !idField.value) idField.value = uuid();
    var defaultSend = form.querySelector("[data-kids-default-send]");  // only the page without JavaScript needs it
    if (defaultSend) defaultSend.remove();
    var places = swappable(form);
    var young = false;
    // From this age the young person's words are shown (data/facts.yml, through the schema and the page).
    var youngFrom = parseInt(form.getAttribute("data-kids-young-from"), 10);
    var age = form.querySelector('input[name="' + form.getAttribute("data-kids-age-field") + '"]');
    function chooseWords() {
      var years = age && /^\s*\d{1,2}\s*$/.test(age.value) ? parseInt(age.value, 10) : null;
      young = years !== null && years >= youngFrom;
      showWords(places, young);
    }
    if (age) age.addEventListener("input", chooseWords);
    chooseWords();

    var filesGroup = form.querySelector('[data-field="files"]');
    var fileBox = filesGroup && filesGroup.querySelector("input[type=file]");
    var files = fileBox ? uploader(form, filesGroup, parseInt(fileBox.getAttribute("data-kids-max-files"), 10)) : null;

    // One question at a time.
    var steps = Array.prototype.filter.call(form.querySelectorAll("[data-field]"), function (g) {
      return !g.closest(".kids-hp");
    });
    var sections = form.querySelectorAll("[data-section]");
    var at = 0;
    var nav = el("div", { "class": "kids-steps" });
    var count = el("p", { "class": "kids-steps__count", "aria-live": "polite" });
    var back = el("button", { type: "button", "class": "kids-button kids-button--secondary" }, "Back");
    var next = el("button", { type: "button", "class": "kids-button" }, "Next");
    var all = el("button", { type: "button", "class": "kids-link-button" }, "Show all the questions on one page");
    nav.appendChild(next); nav.appendChild(back);  // going on comes first in the tab order
    form.insertBefore(count, form.firstChild);
    button.parentNode.insertBefore(nav, button);
    button.parentNode.insertBefore(all, button.nextSibling);
    var stepping = true;

    function show(index, focus) {
      at = Math.max(0, Math.min(steps.length - 1, index));
      steps.forEach(function (g, i) { g.hidden = stepping && i !== at; });
      sections.forEach(function (s) { s.hidden = stepping && !s.contains(steps[at]); });
      var last = at === steps.length - 1;
      count.hidden = !stepping;
      count.textContent = "Question " + (at + 1) + " of " + steps.length;
      back.hidden = !stepping || at === 0;
      next.hidden = !stepping || last;
      button.hidden = stepping && !last;
      all.hidden = !stepping;
      if (focus) {
        // The chosen answer, if there is one (Space on another radio would change it), else the first box.
        var target = steps[at].querySelector("input[type=radio]:checked") ||
          steps[at].querySelector("input:not([type=hidden]):not([disabled]), textarea");
        // The question and its number in sight first: focus alone would scroll only as far as the box.
        (stepping ? count : steps[at]).scrollIntoView({ block: "start" });
        if (target) {
          target.focus({ preventScroll: true });
          if (target.getBoundingClientRect().bottom > window.innerHeight) target.scrollIntoView({ block: "nearest" });
        }
      }
    }

    // A question asked only when a box is ticked (the address for the copy email): "question:box" pairs.
    var onlyIf = {};
    (form.getAttribute("data-kids-skip-unless") || "").split(" ").forEach(function (pair) {
      var parts = pair.split(":");
      if (parts[1]) onlyIf[parts[0]] = parts[1];
    });
    function skipped(i) {
      var box = onlyIf[steps[i].getAttribute("data-field")];
      var tick = box && form.querySelector('input[name="' + box + '"]');
      return !!tick && !tick.checked;
    }
    function move(by) {
      var i = at + by;
      while (i > 0 && i < steps.length - 1 && skipped(i)) i += by;
      show(i, true);
    }

    function allOnOnePage() { stepping = false; show(at, false); }
    back.addEventListener("click", function () { move(-1); });
    next.addEventListener("click", function () { move(1); });
    all.addEventListener("click", function () { allOnOnePage(); steps[0].querySelector("input, textarea").focus(); });
    show(0, false);

    var sending = false;
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (stepping && at < steps.length - 1) { move(1); return; }
      if (sending) return;
      if (files && files.busy()) {
        showErrors(form, summary, [{ field: "files", href: "#files", text: "Wait until your files have finished sending" }]);
        return;
      }
      sending = true; button.disabled = true; button.textContent = "Sending…";
      fetch(form.getAttribute("action"), {
        method: "POST",
        headers: { "Accept": "application/json", "Content-Type": "application/json" },
        body: JSON.stringify(answers(form, files)),
        credentials: "same-origin"
      }).then(function (r) {
        return r.json().catch(function () { return {}; }).then(function (data) { return { status: r.status, data: data }; });
      }).then(function (r) {
        if (r.status === 201 && r.data.reference) {
          var url = r.data.confirmation_url || (form.dataset.kidsConfirmation + "?reference=" + encodeURIComponent(r.data.reference));
          // The server adds words=young from the age answer; a page whose script chose those words says so too.
          if (young && !/[?&]words=young/.test(url)) url += "&words=young";
          window.location.assign(url);
          return;
        }
        throw r;
      }).catch(function (r) {
        sending = false; button.disabled = false; button.textContent = "Send my views";
        var errors = r && r.data && r.data.errors && r.data.errors.length ? r.data.errors : [{ field: "", href: "#", text:
          "Your views have not been sent yet. Check your connection and try again." }];
        allOnOnePage();
        showErrors(form, summary, errors);
      });
    });
  }

  function init() {
    document.querySelectorAll('form[data-kids-enhanced="views"]').forEach(enhance);
    var young = new URLSearchParams(window.location.search).get("words") === "young";
    if (!document.querySelector('form[data-kids-enhanced="views"]') && document.querySelector("[data-kids-words]")) {
      showWords([], young);
    }
  }

  // Pages load this script again after each instant page change; one subscription serves them all.
  if (window.__kidsViews) { init(); return; }
  window.__kidsViews = true;
  if (window.document$ && window.document$.subscribe) window.document$.subscribe(init);
  else if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
