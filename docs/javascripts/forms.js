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

  /* After a send: "kids-sent:FORM" keeps the reference (and the submission id) of the request just sent, so that the
     form page, shown again by Back or reloaded, says it was sent instead of inviting a second request. The answers
     ("kids-form:FORM") are kept until the confirmation page has been shown (fillConfirmation clears them): if the
     connection drops on the way, sending the same answers again has the same id, so the same reference and no
     second email. */
  function sentKey(name) { return "kids-sent:" + name; }

  function reference(text) { return /^[ABCDEFGHJKLMNPRSTUVWXY2-9]{8}$/.test(text || "") ? text : ""; }

  /* An address at a common misspelling of a big mail provider (gmial.com): the address it was probably meant to be.
     Only a hint: the address is sent as typed (the server accepts any address it can deliver to). */
  var DOMAIN_TYPOS = {
    "gmial.com": "gmail.com", "gmai.com": "gmail.com", "gamil.com": "gmail.com", "gmail.co": "gmail.com",
    "gnail.com": "gmail.com", "gmaill.com": "gmail.com", "gmail.con": "gmail.com", "gmal.com": "gmail.com",
    "googlemail.co": "googlemail.com",
    "hotmial.co.uk": "hotmail.co.uk", "hotmal.co.uk": "hotmail.co.uk", "hotmail.co": "hotmail.co.uk",
    "hotmial.com": "hotmail.com", "hotmal.com": "hotmail.com", "hotmail.con": "hotmail.com",
    "yaho.co.uk": "yahoo.co.uk", "yahoo.co": "yahoo.co.uk", "yaho.com": "yahoo.com", "yahoo.con": "yahoo.com",
    "outlok.com": "outlook.com", "outloo.com": "outlook.com", "outlook.con": "outlook.com",
    "iclould.com": "icloud.com", "icoud.com": "icloud.com", "btinternet.co": "btinternet.com",
    "live.co": "live.co.uk"
  };

  function likelyAddress(value) {
    var at = (value || "").trim().lastIndexOf("@");
    if (at < 1) return "";
    var domain = value.trim().slice(at + 1).toLowerCase();
    return DOMAIN_TYPOS[domain] ? value.trim().slice(0, at + 1) + DOMAIN_TYPOS[domain] : "";
  }

  /* "Did you mean …?" under an email box, with a button that puts the likely address in. */
  function typoHint(input, where) {
    var old = where.querySelector("[data-kids-typo]");
    if (old) old.remove();
    var likely = likelyAddress(input.value);
    if (!likely) return null;
    var p = document.createElement("p");
    p.className = "kids-hint"; p.setAttribute("data-kids-typo", "");
    var parts = t("email_typo", "Did you mean {address}?").split("{address}");
    p.appendChild(document.createTextNode(parts[0]));
    var b = document.createElement("bdi");
    b.dir = "ltr"; b.textContent = likely;
    p.appendChild(b);
    p.appendChild(document.createTextNode(parts[1] || ""));
    return p;
  }

  function watchEmails(form) {
    form.querySelectorAll('input[type="email"]').forEach(function (input) {
      var group = input.closest("[data-field]") || input.parentNode;
      function show() {
        var p = typoHint(input, group);
        if (!p) return;
        p.id = input.id + "-typo";
        var use = document.createElement("button");
        use.type = "button"; use.className = "kids-button kids-button--secondary";
        use.textContent = t("email_typo_use", "Use this address");
        use.addEventListener("click", function () {
          input.value = likelyAddress(input.value);
          input.dispatchEvent(new Event("input", { bubbles: true }));
          p.remove();
          input.focus();
        });
        p.appendChild(document.createTextNode(" "));
        p.appendChild(use);
        input.parentNode.insertBefore(p, input.nextSibling);
      }
      input.addEventListener("change", show);
      input.addEventListener("input", function () {
        var p = group.querySelector("[data-kids-typo]");
        if (p && !likelyAddress(input.value)) p.remove();
      });
      show();
    });
  }

  /* The decision letter's date as the family typed it, as YYYY-MM-DD (or "" if it is not a whole date). The
     server read the same boxes when it checked the answers; months may be typed as numbers or English names. */
  var MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
  function dateFromBoxes(group) {
    if (!group) return "";
    var v = {};
    group.querySelectorAll("input").forEach(function (el) { v[el.name.split("-").pop()] = el.value.trim(); });
    var month = /^\d{1,2}$/.test(v.month || "") ? Number(v.month) : MONTHS.indexOf((v.month || "").slice(0, 3).toLowerCase()) + 1;
    if (!/^\d{4}$/.test(v.year || "") || !/^\d{1,2}$/.test(v.day || "") || !month) return "";
    return v.year + "-" + String(100 + month).slice(1) + "-" + String(100 + Number(v.day)).slice(1);
  }

  /* Check your answers says when a date has passed or is soon, and what to do now, in the page's own words: the
     confirmation page, filled in by the server from the letter's date (web/confirmation.py with domain/deadlines.py:
     the one place the rules live), holds the notices, their tel: link (drawn where the fact is drawn) and their
     links. Nothing shows if the page cannot be had: the answers can still be sent. */
  var DEADLINE_FIELD = "decision.letter_date";  // the referral form's x-form deadline_field
  function dateNews(form, box, after) {
    var iso = dateFromBoxes(form.querySelector('[data-field="' + DEADLINE_FIELD + '"] .kids-date'));
    var page = form.dataset.kidsConfirmation;
    if (!iso || !page || !window.fetch || !window.DOMParser) return;
    var url = new URL(page, window.location.href);
    url.search = "?letter_date=" + encodeURIComponent(iso);
    fetch(url.href, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (r) { return r.ok ? r.text() : ""; })
      .then(function (html) {
        if (!html || box.hidden || !after.isConnected) return;
        var doc = new DOMParser().parseFromString(html, "text/html");
        var dates = doc.querySelector('[data-kids-needs="contact_by"]');
        if (!dates || dates.hasAttribute("hidden")) return;
        var notices = Array.prototype.filter.call(dates.querySelectorAll(".kids-notice[data-kids-needs]"),
          function (n) { return !n.hasAttribute("hidden"); });
        if (!notices.length) return;
        var news = document.createElement("div");
        news.setAttribute("data-kids-date-news", "");
        var when = doc.querySelector('[data-kids-fill="contact_by"]');
        if (when && when.parentNode) {
          var line = when.parentNode.cloneNode(true);
          line.querySelectorAll("[data-kids-needs]").forEach(function (n) { n.remove(); });
          news.appendChild(document.importNode(line, true));
        }
        notices.forEach(function (n) { news.appendChild(document.importNode(n, true)); });
        news.querySelectorAll("a[href]").forEach(function (a) {
          var href = a.getAttribute("href");
          if (!/^(tel|mailto):|^#/.test(href)) a.href = new URL(href, url.href).href;
        });
        var old = box.querySelector("[data-kids-date-news]");
        if (old) old.remove();
        after.parentNode.insertBefore(news, after.nextSibling);
      })
      .catch(function () { /* no notice: nothing is lost */ });
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

  /* A fresh form: what the browser remembered of the form already sent goes (it refills forms on Back). */
  function empty(form) {
    fields(form).forEach(function (el) {
      if (el.type === "radio" || el.type === "checkbox") el.checked = false;
      else if (el.type !== "hidden" || el.name === "submission_id") el.value = "";
    });
  }

  /* "You have sent this request": its reference, and what to do now. `again` when the answers are still in the form
     (sending them again is harmless: same request, same reference). */
  function sentNotice(form, info, again, onNew) {
    var old = document.querySelector("[data-kids-sent-notice]");
    if (old) old.remove();
    var box = document.createElement("div");
    box.className = "kids-sent-notice";
    box.setAttribute("data-kids-sent-notice", "");
    box.setAttribute("role", "status");
    box.tabIndex = -1;
    var h = document.createElement("h2");
    h.textContent = t("sent_title", "You have sent this request");
    var p = document.createElement("p");
    p.appendChild(document.createTextNode(t("sent_reference", "Your reference number is") + " "));
    var strong = document.createElement("strong");
    var bdi = document.createElement("bdi");
    bdi.dir = "ltr"; bdi.className = "kids-reference"; bdi.textContent = info.reference;
    strong.appendChild(bdi);
    p.appendChild(strong);
    p.appendChild(document.createTextNode("."));
    box.appendChild(h); box.appendChild(p);
    var more = document.createElement("p");
    more.textContent = again ?
      t("sent_again", "You do not need to send it again. If you change your answers and send them, we will get them as a new request.") :
      t("sent_fresh", "The form below is empty. Fill it in only to ask for help again.");
    box.appendChild(more);
    if (info.url) {
      var next = document.createElement("p");
      var a = document.createElement("a");
      a.href = info.url; a.textContent = t("sent_next", "What happens next");
      next.appendChild(a);
      box.appendChild(next);
    }
    if (again && onNew) {
      var fresh = document.createElement("button");
      fresh.type = "button"; fresh.className = "kids-button kids-button--secondary";
      fresh.textContent = t("new_request", "Start a new request");
      fresh.addEventListener("click", function () { box.remove(); onNew(); });
      box.appendChild(fresh);
    }
    var summary = document.querySelector("[data-kids-error-summary]");
    var before = summary && summary.parentNode === form.parentNode ? summary : form;
    before.parentNode.insertBefore(box, before);
    return box;
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
    box.appendChild(h); box.appendChild(dl);
    form.querySelectorAll('input[type="email"]').forEach(function (input) {
      var hint = typoHint(input, box);
      if (hint) box.appendChild(hint);
    });
    box.appendChild(send); box.appendChild(change);
    box.hidden = false;
    h.focus();
    dateNews(form, box, h);
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

  /* The confirmation page's "what happens next" is the one for the service asked for (web/confirmation.py reads
     "service" from its address and shows only a value the form offers). */
  function withService(form, url) {
    var chosen = form.querySelector('input[name="service"]:checked');
    if (!chosen || /[?&]service=/.test(url)) return url;
    return url + (url.indexOf("?") < 0 ? "?" : "&") + "service=" + encodeURIComponent(chosen.value);
  }

  function enhance(form) {
    if (form.dataset.kidsEnhanced) return;
    form.dataset.kidsEnhanced = "1";
    try { words = JSON.parse(form.getAttribute("data-kids-text") || "{}"); } catch (e) { words = {}; }
    var key = "kids-form:" + form.dataset.kidsForm;
    var sentAt = sentKey(form.dataset.kidsForm);
    var summary = document.querySelector("[data-kids-error-summary]");
    var box = form.querySelector("[data-kids-check]");
    var button = form.querySelector("[data-kids-submit]");
    var idField = form.querySelector('input[name="submission_id"]');
    var saved = store(key);
    var sent = store(sentAt);
    if (sent && !reference(sent.reference)) sent = null;
    var fresh = false;  // a request was sent and its confirmation shown; this is an empty form for a new one
    if (saved) {
      restore(form, key);
      // The answers of a request sent whose confirmation page was never shown: the same request, the same id.
      if (sent && saved.submission_id !== sent.id) { store(sentAt, null); sent = null; }
    } else if (sent) {
      empty(form);
      fresh = true;
    }
    if (idField && !idField.value) idField.value = uuid();
    if (!fresh) save(form, key);  // a fresh form is kept from its first answer: until then, Back still says "sent"
    var touched = false;
    function changed() {
      touched = true;
      // Answers changed after a send make a new request (a new id): the server would keep the first answers for
      // the old id, and quietly drop the changes.
      if (sent && idField && idField.value === sent.id) idField.value = uuid();
      save(form, key);
    }
    form.addEventListener("input", changed);
    form.addEventListener("change", changed);
    if (button) button.textContent = t("continue", "Continue");
    watchEmails(form);
    var busy = false;

    function startNew() {
      empty(form);
      if (idField) idField.value = uuid();
      store(sentAt, null); sent = null;
      box.hidden = true; setQuestionsHidden(form, false);
      clearErrors(form, summary);
      save(form, key);
      var first = form.querySelector("input:not([type=hidden]), textarea");
      if (first) first.focus();
    }

    if (sent) sentNotice(form, sent, !fresh, startNew).focus();

    // Back to this page after sending, kept whole by the browser (the back/forward cache): no button stays frozen
    // on "Sending…", and the page says the request was sent, with its reference.
    window.addEventListener("pageshow", function (event) {
      if (!event.persisted) {
        // The browser refills a form it remembers after this script has run (Back, without the cache): a fresh
        // form stays empty.
        if (fresh && !touched && idField) { var id = idField.value; empty(form); idField.value = id; }
        return;
      }
      busy = false;
      if (button) button.disabled = false;
      box.querySelectorAll("button").forEach(function (b) { b.disabled = false; });
      var sendButton = box.querySelector(".kids-button:not(.kids-button--secondary)");
      if (sendButton) sendButton.textContent = t("send", "Send my request");
      if (sent && idField && idField.value === sent.id) sentNotice(form, sent, true, startNew).focus();
    });

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
          var url = withService(form, r.data.confirmation_url || (form.dataset.kidsConfirmation + "?reference=" + encodeURIComponent(r.data.reference)));
          sent = { id: idField ? idField.value : "", reference: r.data.reference, url: url };
          store(sentAt, sent);
          save(form, key);  // kept until the confirmation page has been shown (it clears them)
          window.location.assign(url);
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

  /* The confirmation page has been shown: the answers of the request it confirms are no longer kept. Its reference
     stays (kids-sent:FORM), so that Back to the form says it was sent. */
  function forget(ref) {
    try {
      for (var i = sessionStorage.length - 1; i >= 0; i--) {
        var name = sessionStorage.key(i);
        if (!name || name.indexOf("kids-sent:") !== 0) continue;
        var info = store(name);
        if (info && info.reference === ref) {
          store("kids-form:" + name.slice("kids-sent:".length), null);
          store("kids-started:" + name.slice("kids-sent:".length), null);  // a new request starts its own clock
        }
      }
    } catch (e) { /* storage blocked: nothing was kept */ }
  }

  function fillConfirmation() {
    var params = new URLSearchParams(window.location.search);
    var ref = reference(params.get("reference"));
    if (ref) {
      document.querySelectorAll('[data-kids-fill="reference"]').forEach(function (el) { el.textContent = ref; });
      forget(ref);
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

  /* The time trap: the server signs the time the form was first shown; the form sends it back as "started".
     Every form gets it, including those with their own script (they send every named input). The token is kept
     in this tab with the answers (kids-started:FORM), so a reload or Back does not restart the clock: a family
     who reloads and sends at once is not taken for a script. It goes when the confirmation page has been shown.
     No token (an old browser, or the request failed) only means the form is not held by this check. */
  function addToken(form) {
    if (form.querySelector('input[name="started"]') || form.closest(".kids-paper")) return;
    var input = document.createElement("input");
    input.type = "hidden"; input.name = "started"; input.value = "";
    form.appendChild(input);
    var key = "kids-started:" + (form.dataset.kidsForm || "form");
    var kept = store(key);
    if (typeof kept === "string" && kept) { input.value = kept; return; }
    var url = (form.getAttribute("action") || "/api/").replace(/[^/]*$/, "token");
    if (!window.fetch) return;
    fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin", cache: "no-store" })
      .then(function (r) { return r.ok ? r.json() : {}; })
      .then(function (data) {
        if (data && typeof data.token === "string") { input.value = data.token; store(key, data.token); }
      })
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
