/* The children's and young people's views form: one question at a time, words for a child or for a young person
   (chosen by the age answer; both wordings come from the schema through data-kids-young), and drawings or
   recordings sent through /api/uploads (a file that is plainly not one is refused, by name, when it is added). The
   answers and the question reached are kept on this device until the confirmation page has been shown, so a reload
   loses nothing but the files, which it names; errors after Send stay one question at a time; Back after sending
   says the views were sent. Without JavaScript the same form shows every question and posts normally. */
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

  /* Words the script draws: English, or the form page's language (data-kids-text, from schemas/i18n/). */
  var words = {};
  function t(key, english) { return words[key] || english; }
  function fill(text, values) {
    return text.replace(/\{(\w+)\}/g, function (all, name) { return name in values ? values[name] : all; });
  }

  /* Answers kept on this device ------------------------------------------------------------------------ */
  // Like the referral form (forms.js): the answers in session storage, "kids-form:FORM", until the confirmation page
  // has been shown (forms.js clears them there); "kids-sent:FORM" keeps the reference of the views just sent.

  var REFERENCE = /^[ABCDEFGHJKLMNPRSTUVWXY2-9]{8}$/;

  function store(key, value) {
    try {
      if (value === undefined) return JSON.parse(sessionStorage.getItem(key) || "null");
      if (value === null) sessionStorage.removeItem(key); else sessionStorage.setItem(key, JSON.stringify(value));
    } catch (e) { return null; }
    return null;
  }

  function keptInputs(form) {
    return Array.prototype.filter.call(form.elements, function (input) {
      return input.name && input.type !== "file" && input.type !== "submit" && input.type !== "button" &&
        input.name !== "website" && input.name !== "started" && input.name !== "files";
    });
  }

  function readAnswers(form) {
    var data = {};
    keptInputs(form).forEach(function (input) {
      if (input.type === "radio" || input.type === "checkbox") { if (input.checked) data[input.name] = input.value; }
      else data[input.name] = input.value;
    });
    return data;
  }

  function putAnswers(form, data) {
    keptInputs(form).forEach(function (input) {
      if (!Object.prototype.hasOwnProperty.call(data, input.name)) return;
      if (input.type === "radio" || input.type === "checkbox") input.checked = data[input.name] === input.value;
      else input.value = data[input.name];
    });
  }

  /* A fresh form: what the browser remembered of the views already sent goes (it refills forms on Back). */
  function emptyAnswers(form) {
    keptInputs(form).forEach(function (input) {
      if (input.type === "radio" || input.type === "checkbox") input.checked = false;
      else if (input.type !== "hidden" || input.name === "submission_id") input.value = "";
    });
  }

  /* Names (and references) written left to right, isolated so that they read the same in Arabic and Urdu. */
  function ltr(text) { var b = el("bdi", { dir: "ltr" }); b.textContent = text; return b; }

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
    document.title = document.title.replace(errorTitle(), "");
  }

  function errorTitle() { return new RegExp("^" + t("error_prefix", "Error:").replace(/[.*+?^${}()|[\]\\]/g, "\\$&") + " "); }

  function fieldError(group, text) {
    group.classList.add("kids-form-group--error");
    var id = group.getAttribute("data-field").replace(/\./g, "-") + "-error";
    var p = el("p", { "class": "kids-error-message", id: id });
    p.appendChild(el("span", { "class": "kids-visually-hidden" }, t("error_prefix", "Error:") + " "));
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
    if (!errorTitle().test(document.title)) document.title = t("error_prefix", "Error:") + " " + document.title;
    summary.focus();
  }

  /* Uploads -------------------------------------------------------------------------------------------- */

  var TYPES = "JPG, PNG, HEIC, PDF, MP3, M4A, WAV, MP4, WEBM or MOV";

  /* A first look at the file's first bytes, as the server judges it (functions/forms/domain/files.py sniff): a file
     that is plainly not a picture, recording or PDF (a text file named .png) is refused at once, by name, not at
     Send. The server still checks every file; this only says it sooner. */
  function plausible(file) {
    if (!file.slice || !window.Blob || !Blob.prototype.arrayBuffer) return Promise.resolve(true);
    return file.slice(0, 16).arrayBuffer().then(function (buffer) {
      var b = new Uint8Array(buffer);
      function at(i, text) {
        for (var k = 0; k < text.length; k++) if (b[i + k] !== text.charCodeAt(k)) return false;
        return true;
      }
      return (b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) ||          // JPEG
        at(0, "\x89PNG\r\n\x1a\n") || at(0, "%PDF-") ||                   // PNG, PDF
        (at(0, "RIFF") && at(8, "WAVE")) ||                                  // WAV
        (b[0] === 0x1a && b[1] === 0x45 && b[2] === 0xdf && b[3] === 0xa3) ||  // WebM
        at(4, "ftyp") || at(4, "moov") || at(4, "mdat") || at(4, "wide") ||   // HEIC, M4A, MP4, MOV
        at(0, "ID3") || (b[0] === 0xff && (b[1] & 0xe0) === 0xe0);            // MP3, AAC
    }).catch(function () { return true; });
  }

  function uploader(form, group, maxFiles, missing, onChange) {
    var input = group.querySelector("input[type=file]");
    var ids = [];
    var names = {};  // upload id -> the file's name on this device (never sent: the server makes its own names)
    var list = el("ul", { "class": "kids-file-list", "aria-live": "polite" });
    var noJs = group.querySelector("[data-kids-no-js]");
    if (noJs) {
      noJs.hidden = true;
      input.setAttribute("aria-describedby", (input.getAttribute("aria-describedby") || "").replace(noJs.id, "").trim());
    }
    input.removeAttribute("name");  // the files go to /api/uploads; the form sends their ids
    input.multiple = true;  // without JavaScript files are added one at a time; here several at once
    input.parentNode.insertBefore(list, input.nextSibling);
    // After a reload the answers come back, the files cannot: say which ones to choose again, by name.
    var again = el("p", { "class": "kids-files-again", id: "files-again" });
    input.parentNode.insertBefore(again, input);
    var busy = 0;
    // The buttons and list of the page without JavaScript go; files it added (a page the server showed again)
    // stay added, in this list.
    var before = Array.prototype.map.call(group.querySelectorAll("input[type=hidden][name=files]"), function (h) { return h.value; });
    Array.prototype.forEach.call(group.querySelectorAll("[data-kids-no-js-files]"), function (n) { n.remove(); });

    function showAgain() {
      again.innerHTML = "";
      again.hidden = !missing.length;
      var described = (input.getAttribute("aria-describedby") || "").split(" ").filter(function (id) { return id && id !== "files-again"; });
      if (missing.length) {
        again.appendChild(document.createTextNode((missing.length === 1 ? t("file_again", "Choose this file again:") :
          t("files_again", "Choose these files again:")) + " "));
        missing.forEach(function (name, n) {
          if (n) again.appendChild(document.createTextNode(", "));
          again.appendChild(ltr(name));
        });
        described.push("files-again");
      }
      if (described.length) input.setAttribute("aria-describedby", described.join(" ")); else input.removeAttribute("aria-describedby");
    }

    function added(id, name) {
      ids.push(id);
      names[id] = name;
      var gone = missing.indexOf(name);
      if (gone >= 0) { missing.splice(gone, 1); showAgain(); }
      var item = el("li", { "class": "kids-file-list__item" });
      item.appendChild(ltr(name));
      item.appendChild(document.createTextNode(" " + t("file_added", "is added.") + " "));
      var remove = el("button", { type: "button", "class": "kids-button kids-button--secondary kids-button--small" }, t("remove", "Remove"));
      var hidden = el("span", { "class": "kids-visually-hidden" });
      hidden.appendChild(document.createTextNode(" "));
      hidden.appendChild(ltr(name));
      remove.appendChild(hidden);
      remove.addEventListener("click", function () {
        ids.splice(ids.indexOf(id), 1);
        delete names[id];
        item.remove();
        input.disabled = false;
        input.focus();
        onChange();
      });
      item.appendChild(remove);
      return item;
    }
    before.forEach(function (id, n) { list.appendChild(added(id, "File " + (n + 1))); });
    input.disabled = ids.length >= maxFiles;
    showAgain();

    function problem(text) {
      var old = group.querySelector(".kids-error-message");
      if (old) old.remove();
      group.classList.remove("kids-form-group--error");
      if (text) fieldError(group, text);
    }

    function refused(text) { var e = new Error(text); e.ours = true; return e; }

    /* The file just sent is checked at once (web/uploads.py check): on AWS it went straight to S3, which checks
       nothing, so a file that is not what it says would otherwise be refused only at Send. The server's words name
       the file. If the check cannot be had (a route not there yet, a dropped connection), Send still checks it. */
    function checked(uploadId, file) {
      var url = form.getAttribute("action").replace(/[^/]+$/, "uploads/") + encodeURIComponent(uploadId);
      return fetch(url, {
        method: "POST",
        headers: { "Accept": "application/json", "Content-Type": "application/json" },
        body: JSON.stringify({ filename: file.name, lang: document.documentElement.lang || "en" }),
        credentials: "same-origin"
      }).then(function (r) {
        if (r.status !== 400) return uploadId;
        return r.json().catch(function () { return {}; }).then(function (d) {
          var error = d.errors && d.errors[0];
          if (!error || (error.upload_id && error.upload_id !== uploadId)) return uploadId;
          throw refused(error.text);
        });
      }, function () { return uploadId; });
    }

    function upload(file) {
      var item = el("li", { "class": "kids-file-list__item" }, fill(t("file_sending", "Sending {name}…"), { name: file.name }));
      list.appendChild(item);
      busy += 1;
      return plausible(file).then(function (ok) {
        if (!ok) throw refused(t("file_type", "The selected file must be a " + TYPES));
        return fetch(form.getAttribute("action").replace(/[^/]+$/, "uploads"), {
          method: "POST",
          headers: { "Accept": "application/json", "Content-Type": "application/json" },
          body: JSON.stringify({ filename: file.name, content_type: file.type || "", size: file.size }),
          credentials: "same-origin"
        });
      }).then(function (r) {
        return r.json().catch(function () { return {}; }).then(function (data) {
          if (r.status !== 201) throw refused((data.errors && data.errors[0] && data.errors[0].text) || t("file_failed", "The file could not be sent. Try again"));
          var body = new FormData();
          Object.keys(data.fields || {}).forEach(function (k) { body.append(k, data.fields[k]); });
          body.append("file", file);
          return fetch(data.url, { method: "POST", body: body }).then(function (sent) {
            if (!sent.ok) {
              return sent.json().catch(function () { return {}; }).then(function (d) {
                throw refused((d.errors && d.errors[0] && d.errors[0].text) || t("file_failed", "The file could not be sent. Try again"));
              });
            }
            return checked(data.upload_id, file);
          });
        });
      }).then(function (id) {
        list.replaceChild(added(id, file.name), item);
        onChange();
      }).catch(function (error) {
        item.remove();
        // The server's words name no file; several may be chosen at once, so say which one.
        var why = error && error.ours ? error.message :
          t("file_connection", "The file could not be sent. Check your connection and try again");
        // The server's check names the file itself.
        problem(why.indexOf(file.name) >= 0 ? why :
          fill(t("file_not_added", "{name} was not added. {problem}"), { name: file.name, problem: why }));
      }).then(function () {
        busy -= 1;
        input.disabled = ids.length >= maxFiles;
      });
    }

    input.addEventListener("change", function () {
      problem("");
      var chosen = Array.prototype.slice.call(input.files || []);
      if (ids.length + chosen.length > maxFiles) problem(fill(t("files_max", "Choose up to {max} files"), { max: maxFiles }));
      chosen.slice(0, Math.max(0, maxFiles - ids.length)).forEach(upload);
      input.value = "";
    });
    return {
      ids: function () { return ids.slice(); },
      busy: function () { return busy > 0; },
      names: function () { return ids.map(function (id) { return names[id]; }); },
      nameOf: function (id) { return names[id]; },
      missing: function () { return missing.slice(); },
      clear: function () {
        ids.splice(0); names = {}; missing.splice(0);
        list.innerHTML = ""; input.disabled = false; problem(""); showAgain();
      }
    };
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
    try { words = JSON.parse(form.getAttribute("data-kids-text") || "{}"); } catch (e) { words = {}; }
    var summary = document.querySelector("[data-kids-error-summary]");
    var button = form.querySelector("[data-kids-submit]");
    var idField = form.querySelector('input[name="submission_id"]');
    var formName = form.getAttribute("data-kids-form") || "child-views";
    var key = "kids-form:" + formName;
    var sentAt = "kids-sent:" + formName;
    var saved = store(key);
    var sent = store(sentAt);
    if (sent && !REFERENCE.test(sent.reference || "")) sent = null;
    var fresh = false;  // views were sent and their confirmation shown; this is an empty form for new ones
    if (saved) {
      putAnswers(form, saved);
      // The answers of views sent whose confirmation page was never shown: the same views, the same id.
      if (sent && saved.submission_id !== sent.id) { store(sentAt, null); sent = null; }
    } else if (sent) {
      emptyAnswers(form);
      fresh = true;
    }
    if (idField && !idField.value) idField.value = uuid();
    var ready = false;    // answers are kept once the form is set up
    var touched = false;  // someone has answered something on this page
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
    var missing = saved && Array.isArray(saved.__files) ?
      saved.__files.filter(function (n) { return typeof n === "string" && n; }).slice(0, 20) : [];
    var files = fileBox ? uploader(form, filesGroup, parseInt(fileBox.getAttribute("data-kids-max-files"), 10), missing, keep) : null;

    // One question at a time.
    var steps = Array.prototype.filter.call(form.querySelectorAll("[data-field]"), function (g) {
      return !g.closest(".kids-hp");
    });
    var sections = form.querySelectorAll("[data-section]");
    var at = 0;
    var nav = el("div", { "class": "kids-steps" });
    var count = el("p", { "class": "kids-steps__count", "aria-live": "polite" });
    var back = el("button", { type: "button", "class": "kids-button kids-button--secondary" }, t("back", "Back"));
    var next = el("button", { type: "button", "class": "kids-button" }, t("next", "Next"));
    var all = el("button", { type: "button", "class": "kids-link-button" }, t("show_all", "Show all the questions on one page"));
    nav.appendChild(next); nav.appendChild(back);  // going on comes first in the tab order
    form.insertBefore(count, form.firstChild);
    button.parentNode.insertBefore(nav, button);
    button.parentNode.insertBefore(all, button.nextSibling);
    var stepping = true;

    // After a reload: the files to choose again, named at the top too (the files question may be far on).
    var filesNotice = el("div", { "class": "kids-notice kids-files-notice", role: "status" });
    form.insertBefore(filesNotice, count);
    function showFilesNotice() {
      if (!filesNotice) return;
      var names = files ? files.missing() : [];
      filesNotice.hidden = !names.length;
      filesNotice.innerHTML = "";
      if (!names.length) return;
      var p = el("p");
      p.appendChild(document.createTextNode(t("files_not_kept", "Your answers are kept on this device, but files cannot be.") + " " +
        (names.length === 1 ? t("file_again", "Choose this file again:") : t("files_again", "Choose these files again:")) + " "));
      names.forEach(function (name, n) {
        if (n) p.appendChild(document.createTextNode(", "));
        p.appendChild(ltr(name));
      });
      filesNotice.appendChild(p);
    }

    function keep() {
      showFilesNotice();
      if (!ready || (fresh && !touched)) return;  // a fresh form is kept from its first answer: until then, Back says "sent"
      var data = readAnswers(form);
      data.__step = at;
      data.__all = !stepping;
      data.__files = files ? files.names().concat(files.missing()) : [];
      store(key, data);
    }

    function show(index, focus) {
      at = Math.max(0, Math.min(steps.length - 1, index));
      steps.forEach(function (g, i) { g.hidden = stepping && i !== at; });
      sections.forEach(function (s) { s.hidden = stepping && !s.contains(steps[at]); });
      var last = at === steps.length - 1;
      count.hidden = !stepping;
      count.textContent = fill(t("question_of", "Question {n} of {total}"), { n: at + 1, total: steps.length });
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
      keep();
    }

    // The question (step) that holds an element, or holds the element's section.
    function stepOf(node) {
      for (var i = 0; i < steps.length; i++) if (steps[i].contains(node) || node.contains(steps[i])) return i;
      return -1;
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

    // The error summary's links go to their question, one question at a time still (forms.js then moves focus).
    if (summary) {
      summary.addEventListener("click", function (event) {
        var link = event.target.closest && event.target.closest("a[href^='#']");
        if (!link || !stepping) return;
        var target = document.getElementById(decodeURIComponent(link.getAttribute("href").slice(1)));
        var i = target ? stepOf(target) : -1;
        if (i >= 0) show(i, false);
      }, true);
    }

    function changed() {
      touched = true;
      // Answers changed after a send make new views (a new id): the server would keep the first answers for the
      // old id, and quietly drop the changes.
      if (sent && idField && idField.value === sent.id) idField.value = uuid();
      keep();
    }
    form.addEventListener("input", changed);
    form.addEventListener("change", changed);

    // A reload (or Back) comes back to the question the child was on; a link to the form starts at the first
    // question, with the answers kept.
    var again = false;
    try {
      var how = performance.getEntriesByType("navigation")[0];
      again = how ? how.type === "reload" || how.type === "back_forward" : performance.navigation.type > 0;
    } catch (e) { again = false; }
    if (saved && again && saved.__all) stepping = false;
    show(saved && again && typeof saved.__step === "number" ? saved.__step : 0, false);
    ready = true;
    keep();

    function startNew() {
      emptyAnswers(form);
      if (idField) idField.value = uuid();
      store(sentAt, null); sent = null; fresh = false; touched = true;
      if (files) files.clear();
      clearErrors(form, summary);
      chooseWords();
      stepping = true;
      show(0, true);
    }

    function sentNotice(info, again) {
      var old = document.querySelector("[data-kids-sent-notice]");
      if (old) old.remove();
      var box = el("div", { "class": "kids-sent-notice", "data-kids-sent-notice": "", role: "status", tabindex: "-1" });
      box.appendChild(el("h2", {}, t("views_sent_title", "You have sent your views")));
      var p = el("p");
      p.appendChild(document.createTextNode(t("sent_reference", "Your reference number is") + " "));
      var strong = el("strong");
      var ref = ltr(info.reference);
      ref.className = "kids-reference";
      strong.appendChild(ref);
      p.appendChild(strong);
      p.appendChild(document.createTextNode("."));
      box.appendChild(p);
      box.appendChild(el("p", {}, again ?
        t("views_sent_again", "You do not need to send them again. If you change your answers and send them, we will get them as new views.") :
        t("views_sent_fresh", "The form below is empty. Fill it in only to tell us something new.")));
      if (info.url) {
        var nextStep = el("p");
        nextStep.appendChild(el("a", { href: info.url }, t("sent_next", "What happens next")));
        box.appendChild(nextStep);
      }
      if (again) {
        var restart = el("button", { type: "button", "class": "kids-button kids-button--secondary" }, t("views_new", "Start again"));
        restart.addEventListener("click", function () { box.remove(); startNew(); });
        box.appendChild(restart);
      }
      var before = summary && summary.parentNode === form.parentNode ? summary : form;
      before.parentNode.insertBefore(box, before);
      return box;
    }

    if (sent) sentNotice(sent, !fresh).focus();

    // Back to this page after sending, kept whole by the browser (the back/forward cache): the Send button is not
    // left frozen on "Sending…", and the page says the views were sent, with their reference.
    window.addEventListener("pageshow", function (event) {
      if (!event.persisted) {
        // The browser refills a form it remembers after this script has run (Back, without the cache): a fresh
        // form stays empty.
        if (fresh && !touched && idField) { var id = idField.value; emptyAnswers(form); idField.value = id; chooseWords(); }
        return;
      }
      sending = false; button.disabled = false; button.textContent = t("send", "Send my views");
      if (sent && idField && idField.value === sent.id) sentNotice(sent, true).focus();
    });

    // Errors after Send: still one question at a time, on the first question with an error; the summary lists
    // and links every error.
    function showErrorsAt(errors) {
      var first = -1;
      errors.forEach(function (error) {
        var name = error.field ? CSS.escape(error.field) : "";
        var group = name && form.querySelector('[data-field="' + name + '"], [data-section="' + name + '"]');
        var i = group ? stepOf(group) : -1;
        if (i >= 0 && (first < 0 || i < first)) first = i;
      });
      if (stepping && first >= 0) show(first, false);
      showErrors(form, summary, errors);
    }

    // A file the server refused at Send: its name, when the server says which upload it was (upload_id) or there
    // is only one.
    function nameTheFile(error) {
      if (!files || error.field !== "files") return error;
      var name = (error.upload_id && files.nameOf(error.upload_id)) || (files.ids().length === 1 ? files.names()[0] : "");
      if (!name || error.text.indexOf(name) >= 0) return error;
      return { field: error.field, href: error.href, text: fill(t("file_not_added", "{name} was not added. {problem}"), { name: name, problem: error.text }) };
    }

    var sending = false;
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (stepping && at < steps.length - 1) { move(1); return; }
      if (sending) return;
      if (files && files.busy()) {
        showErrorsAt([{ field: "files", href: "#files", text: t("files_busy", "Wait until your files have finished sending") }]);
        return;
      }
      sending = true; button.disabled = true; button.textContent = t("sending", "Sending…");
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
          sent = { id: idField ? idField.value : "", reference: r.data.reference, url: url };
          fresh = false;
          store(sentAt, sent);
          keep();  // kept until the confirmation page has been shown (forms.js clears them there)
          window.location.assign(url);
          return;
        }
        throw r;
      }).catch(function (r) {
        sending = false; button.disabled = false; button.textContent = t("send", "Send my views");
        var errors = r && r.data && r.data.errors && r.data.errors.length ? r.data.errors.map(nameTheFile) : [{ field: "", href: "#", text:
          t("views_not_sent", "Your views have not been sent yet. Check your connection and try again.") }];
        showErrorsAt(errors);
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
