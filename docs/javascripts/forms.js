/* Forms, made kinder with JavaScript: answers kept if the connection drops, errors shown in place,
   a check-your-answers step, and a button that cannot send twice. Without JavaScript the form posts normally. */
(function () {
  "use strict";

  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 15) | 64; b[8] = (b[8] & 63) | 128;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  /* Words the script draws: English, or the form page's language (data-kids-text, from schemas/i18n/). */
  var words = {};
  function t(key, english) { return words[key] || english; }

  function store(key, value) {
    try {
      if (value === undefined) return JSON.parse(sessionStorage.getItem(key) || "null");
      if (value === null) sessionStorage.removeItem(key); else sessionStorage.setItem(key, JSON.stringify(value));
    } catch (e) { return null; }
    return null;
  }

  function fields(form) {
    return Array.prototype.filter.call(form.elements, function (el) {
      return el.name && el.type !== "file" && el.type !== "submit" && el.type !== "button" && el.name !== "website" &&
        el.name !== "started";
    });
  }

  function save(form, key) {
    var data = {};
    fields(form).forEach(function (el) {
      if (el.type === "radio" || el.type === "checkbox") { if (el.checked) data[el.name] = el.value; }
      else data[el.name] = el.value;
    });
    store(key, data);
  }

  function restore(form, key) {
    var data = store(key);
    if (!data) return;
    fields(form).forEach(function (el) {
      if (!(el.name in data)) return;
      if (el.type === "radio" || el.type === "checkbox") el.checked = data[el.name] === el.value;
      else el.value = data[el.name];
    });
  }

  function clearErrors(form, summary) {
    summary.hidden = true;
    summary.querySelector("ul").innerHTML = "";
    form.querySelectorAll(".kids-error-message[data-js]").forEach(function (el) { el.remove(); });
    form.querySelectorAll(".kids-form-group--error").forEach(function (el) { el.classList.remove("kids-form-group--error"); });
    form.querySelectorAll(".kids-input--error, .kids-textarea--error").forEach(function (el) {
      el.classList.remove("kids-input--error"); el.classList.remove("kids-textarea--error");
    });
    document.title = document.title.replace(errorTitle(), "");
  }

  function errorTitle() { return new RegExp("^" + t("error_prefix", "Error:").replace(/[.*+?^${}()|[\]\\]/g, "\\$&") + " "); }

  function showErrors(form, summary, errors) {
    clearErrors(form, summary);
    var list = summary.querySelector("ul");
    errors.forEach(function (error) {
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.href = error.href || "#";
      a.textContent = error.text;
      li.appendChild(a);
      list.appendChild(li);
      var group = error.field && form.querySelector('[data-field="' + CSS.escape(error.field) + '"]');
      if (!group) return;
      group.classList.add("kids-form-group--error");
      var id = error.field.replace(/\./g, "-") + "-error";
      if (document.getElementById(id)) return;
      var p = document.createElement("p");
      p.className = "kids-error-message"; p.id = id; p.setAttribute("data-js", "");
      var hidden = document.createElement("span");
      hidden.className = "kids-visually-hidden"; hidden.textContent = t("error_prefix", "Error:") + " ";
      p.appendChild(hidden); p.appendChild(document.createTextNode(error.text));
      var anchor = group.querySelector(".kids-choice, .kids-date, input:not([type=hidden]), textarea");
      if (anchor) anchor.parentNode.insertBefore(p, anchor); else group.appendChild(p);
      group.querySelectorAll("input, textarea").forEach(function (el) {
        if (el.classList.contains("kids-input")) el.classList.add("kids-input--error");
        if (el.classList.contains("kids-textarea")) el.classList.add("kids-textarea--error");
        var described = (el.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
        if (described.indexOf(id) < 0 && el.type !== "radio") { described.push(id); el.setAttribute("aria-describedby", described.join(" ")); }
      });
    });
    summary.hidden = false;
    if (!errorTitle().test(document.title)) document.title = t("error_prefix", "Error:") + " " + document.title;
    summary.focus();
  }

  function answerRows(form) {
    var rows = [];
    form.querySelectorAll("[data-field]").forEach(function (group) {
      var legend = group.querySelector("legend, label");
      if (!legend || group.closest(".kids-hp")) return;
      var label = legend.textContent.trim();
      var optional = t("optional", "(optional)");
      if (label.slice(-optional.length) === optional) label = label.slice(0, -optional.length).trim();
      var value = "";
      var inputs = group.querySelectorAll("input, textarea");
      var date = group.querySelector(".kids-date");
      if (date) {
        value = Array.prototype.map.call(date.querySelectorAll("input"), function (i) { return i.value.trim(); })
          .filter(Boolean).join(" / ");
      } else {
        inputs.forEach(function (el) {
          if (el.type === "radio" || el.type === "checkbox") {
            if (el.checked) value = el.type === "checkbox" ? t("yes", "Yes") : (form.querySelector('label[for="' + el.id + '"]').firstChild.textContent || el.value);
          } else if (el.type !== "hidden") value = el.value.trim();
        });
      }
      rows.push([label, value || t("not_given", "Not given"), group.querySelector("input, textarea")]);
    });
    return rows;
  }

  function showCheck(form, box, onSend, onChange) {
    box.innerHTML = "";
    var h = document.createElement("h2");
    h.textContent = t("check_title", "Check your answers before sending");
    h.tabIndex = -1;
    var dl = document.createElement("dl");
    dl.className = "kids-summary-list";
    answerRows(form).forEach(function (row) {
      var dt = document.createElement("dt"); dt.textContent = row[0];
      var dd = document.createElement("dd"); dd.textContent = row[1];
      dl.appendChild(dt); dl.appendChild(dd);
    });
    var send = document.createElement("button");
    send.type = "button"; send.className = "kids-button"; send.textContent = t("send", "Send my request");
    var change = document.createElement("button");
    change.type = "button"; change.className = "kids-button kids-button--secondary"; change.textContent = t("change", "Change my answers");
    send.addEventListener("click", function () { onSend(send); });
    change.addEventListener("click", onChange);
    box.appendChild(h); box.appendChild(dl); box.appendChild(send); box.appendChild(change);
    box.hidden = false;
    h.focus();
  }

  function setQuestionsHidden(form, hidden) {
    Array.prototype.forEach.call(form.children, function (el) {
      if (!el.hasAttribute("data-kids-check") && el.type !== "hidden") el.hidden = hidden;
    });
  }

  function post(form, extra) {
    var body = new URLSearchParams();
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.type === "file" || el.type === "submit" || el.type === "button") return;
      if ((el.type === "radio" || el.type === "checkbox") && !el.checked) return;
      body.append(el.name, el.value);
    });
    if (!body.has("lang") && document.documentElement.lang) body.append("lang", document.documentElement.lang);
    return fetch(form.action + (extra || ""), {
      method: "POST",
      headers: { "Accept": "application/json", "Content-Type": "application/x-www-form-urlencoded" },
      body: body.toString(),
      credentials: "same-origin"
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) { return { status: response.status, data: data }; });
    });
  }

  function enhance(form) {
    if (form.dataset.kidsEnhanced) return;
    form.dataset.kidsEnhanced = "1";
    try { words = JSON.parse(form.getAttribute("data-kids-text") || "{}"); } catch (e) { words = {}; }
    var key = "kids-form:" + form.dataset.kidsForm;
    var summary = document.querySelector("[data-kids-error-summary]");
    var box = form.querySelector("[data-kids-check]");
    var button = form.querySelector("[data-kids-submit]");
    var idField = form.querySelector('input[name="submission_id"]');
    restore(form, key);
    if (idField && !idField.value) idField.value = uuid();
    save(form, key);
    form.addEventListener("input", function () { save(form, key); });
    form.addEventListener("change", function () { save(form, key); });
    if (button) button.textContent = t("continue", "Continue");
    var busy = false;

    function failed(status, data) {
      var errors = (data && data.errors && data.errors.length) ? data.errors : [{ field: "", href: "#", text:
        t("not_sent_connection", "Your answers have not been sent. They are saved on this device. Check your connection and try again.") }];
      showErrors(form, summary, errors);
    }

    function send(sendButton) {
      if (busy) return;
      busy = true; sendButton.disabled = true; sendButton.textContent = t("sending", "Sending…");
      post(form).then(function (r) {
        if (r.status === 201 && r.data.reference) {
          store(key, null);
          window.location.assign(r.data.confirmation_url || (form.dataset.kidsConfirmation + "?reference=" + encodeURIComponent(r.data.reference)));
          return;
        }
        busy = false; sendButton.disabled = false; sendButton.textContent = t("send", "Send my request");
        box.hidden = true; setQuestionsHidden(form, false);
        failed(r.status, r.data);
      }).catch(function () {
        busy = false; sendButton.disabled = false; sendButton.textContent = t("send", "Send my request");
        failed(0, null);
      });
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (busy) return;
      busy = true; if (button) button.disabled = true;
      post(form, "?check=1").then(function (r) {
        busy = false; if (button) button.disabled = false;
        if (r.status === 200) {
          clearErrors(form, summary);
          setQuestionsHidden(form, true);
          showCheck(form, box, send, function () {
            box.hidden = true; setQuestionsHidden(form, false);
            var first = form.querySelector("input:not([type=hidden]), textarea");
            if (first) first.focus();
          });
        } else failed(r.status, r.data);
      }).catch(function () { busy = false; if (button) button.disabled = false; failed(0, null); });
    });
  }

  function fillConfirmation() {
    var params = new URLSearchParams(window.location.search);
    var reference = params.get("reference") || "";
    if (/^[ABCDEFGHJKLMNPRSTUVWXY2-9]{8}$/.test(reference)) {
      document.querySelectorAll('[data-kids-fill="reference"]').forEach(function (el) { el.textContent = reference; });
    }
    document.querySelectorAll("[data-kids-print]").forEach(function (b) {
      if (b.dataset.kidsBound) return;
      b.dataset.kidsBound = "1";
      b.hidden = false;
      b.addEventListener("click", function () { window.print(); });
    });
  }

  /* Like GOV.UK's error summary: a link moves focus to the field, and brings its question into view. */
  function linkSummary(summary) {
    if (!summary || summary.dataset.kidsLinked) return;
    summary.dataset.kidsLinked = "1";
    summary.addEventListener("click", function (event) {
      var link = event.target.closest("a[href^='#']");
      if (!link) return;
      var input = document.getElementById(decodeURIComponent(link.getAttribute("href").slice(1)));
      if (!input) return;
      event.preventDefault();
      var group = input.closest("[data-field]") || input;
      group.scrollIntoView();
      input.focus({ preventScroll: true });
    });
  }

  /* The time trap: the server signs the time the page was shown; the form sends it back as "started".
     Every form gets it, including those with their own script (they send every named input).
     No token (an old browser, or the request failed) only means the form is not held by this check. */
  function addToken(form) {
    if (form.querySelector('input[name="started"]') || form.closest(".kids-paper")) return;
    var input = document.createElement("input");
    input.type = "hidden"; input.name = "started"; input.value = "";
    form.appendChild(input);
    var url = (form.getAttribute("action") || "/api/").replace(/[^/]*$/, "token");
    if (!window.fetch) return;
    fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin", cache: "no-store" })
      .then(function (r) { return r.ok ? r.json() : {}; })
      .then(function (data) { if (data && typeof data.token === "string") input.value = data.token; })
      .catch(function () { /* no token: the form still works */ });
  }

  function init() {
    document.querySelectorAll("[data-kids-error-summary]").forEach(linkSummary);
    document.querySelectorAll("form[data-kids-form]").forEach(addToken);
    document.querySelectorAll("form[data-kids-form]").forEach(enhance);
    fillConfirmation();
  }

  // Pages load this script again after each instant page change; one subscription serves them all.
  if (window.__kidsForms) { init(); return; }
  window.__kidsForms = true;
  if (window.document$ && window.document$.subscribe) window.document$.subscribe(init);
  else if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
