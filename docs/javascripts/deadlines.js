/* The deadline helper on the "Work out your dates" page.
 *
 * The same rules as functions/forms/deadlines.py (read its docstring); tests/vectors/deadlines.json runs
 * against both. No libraries, no eval, no inline script. Dates are "YYYY-MM-DD" strings, worked out as
 * whole days in UTC, so the visitor's time zone and clock changes cannot shift a date.
 *
 * The bank holiday table and the facts reach the page in the calculator's data-kids-deadlines attribute
 * (written by hooks/deadlines.py). An attribute, not a <script type="application/json">: the theme's
 * instant navigation re-creates every <script> in the page without its type, which would run the JSON.
 *
 * window.KidsDeadlines is the pure API; the page part only reads boxes and writes words. The page part builds
 * every element with createElement and textContent (never innerHTML), and draws the phone number as a tel:
 * link itself: hooks/facts.py links it only in the HTML the build writes, not in text added here.
 */
(function () {
  "use strict";

  var DAY = 86400000;
  var DAY_NAMES = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
  var MONTH_NAMES = ["January", "February", "March", "April", "May", "June", "July", "August",
    "September", "October", "November", "December"];
  var FIELD_NAMES = {
    letter: "Date on the decision letter",
    certificate: "Certificate date",
    call: "Date of your information call" // the MIAS, when the family says whether they want mediation
  };
  var FIELDS = ["letter", "certificate", "call"];
  var OPTIONAL = ["certificate", "call"]; // may be left empty
  var PARTS = ["day", "month", "year"];
  // Not bank holidays in law, but not working days either (HESC Rules 2008 rule 1(3)); the table lists them
  // with the bank holidays. The same names are in hooks/deadlines.py.
  var NOT_BANK_HOLIDAYS = ["Christmas Day", "Good Friday"];

  var data = { covers: { from: 0, to: -1 }, dates: {}, facts: {}, links: {} };

  function DeadlineError(message, field, parts) {
    this.name = "DeadlineError";
    this.message = message;
    this.field = field || null;
    this.parts = parts || [];
  }
  DeadlineError.prototype = Object.create(Error.prototype);
  DeadlineError.prototype.constructor = DeadlineError;

  function notCovered(year) {
    var error = new DeadlineError("We cannot work out this date yet. Call us on " + data.facts.phone +
      " and we will tell you.", null, []);
    error.notCovered = true;
    error.year = year;
    return error;
  }

  function fact(name) {
    var value = Number(data.facts[name]);
    if (!isFinite(value)) throw new Error("The page is missing the fact " + name);
    return value;
  }

  // --- Whole days ----------------------------------------------------------------------------

  function pad(n, width) {
    var s = String(n);
    while (s.length < width) s = "0" + s;
    return s;
  }

  function ymd(iso) {
    var m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
    if (!m) throw new Error("Not a YYYY-MM-DD date: " + iso);
    return { y: Number(m[1]), m: Number(m[2]), d: Number(m[3]) };
  }

  function make(y, m, d) {
    return pad(y, 4) + "-" + pad(m, 2) + "-" + pad(d, 2);
  }

  function toDays(iso) {
    var p = ymd(iso);
    return Date.UTC(p.y, p.m - 1, p.d) / DAY;
  }

  function fromDays(n) {
    var t = new Date(n * DAY);
    return make(t.getUTCFullYear(), t.getUTCMonth() + 1, t.getUTCDate());
  }

  function addDays(iso, n) {
    return fromDays(toDays(iso) + n);
  }

  function daysInMonth(y, m) {
    return new Date(Date.UTC(y, m, 0)).getUTCDate();
  }

  function isRealDate(y, m, d) {
    return m >= 1 && m <= 12 && d >= 1 && d <= daysInMonth(y, m);
  }

  /* The same day number n calendar months later; if that month is shorter, its last day of that month.
     31 December + 2 months is 28 February (29 February in a leap year). */
  function addMonths(iso, n) {
    var p = ymd(iso);
    var index = p.y * 12 + (p.m - 1) + n;
    var y = Math.floor(index / 12);
    var m = index - y * 12 + 1;
    return make(y, m, Math.min(p.d, daysInMonth(y, m)));
  }

  function weekday(iso) {
    return new Date(toDays(iso) * DAY).getUTCDay(); // 0 Sunday ... 6 Saturday
  }

  function bankHolidayName(iso) {
    var year = ymd(iso).y;
    if (year < data.covers.from || year > data.covers.to) throw notCovered(year);
    return Object.prototype.hasOwnProperty.call(data.dates, iso) ? data.dates[iso] : null;
  }

  function isWorkingDay(iso) {
    if (bankHolidayName(iso) !== null) return false;
    var w = weekday(iso);
    return w !== 0 && w !== 6;
  }

  function nextWorkingDay(iso) {
    while (!isWorkingDay(iso)) iso = addDays(iso, 1);
    return iso;
  }

  function addWorkingDays(iso, n) {
    while (n > 0) {
      iso = addDays(iso, 1);
      if (isWorkingDay(iso)) n -= 1;
    }
    return iso;
  }

  /* The Tribunal's rules: 25 December to 1 January, or any day in August, moves to the first working day
     after 1 January or 31 August; otherwise a day that is not a working day moves to the next one. */
  function tribunalDueDate(iso) {
    var p = ymd(iso);
    if (p.m === 12 && p.d >= 25) return { date: nextWorkingDay(make(p.y + 1, 1, 2)), reason: "christmas" };
    if (p.m === 1 && p.d === 1) return { date: nextWorkingDay(make(p.y, 1, 2)), reason: "christmas" };
    if (p.m === 8) return { date: nextWorkingDay(make(p.y, 9, 1)), reason: "august" };
    if (isWorkingDay(iso)) return { date: iso, reason: "" };
    return { date: nextWorkingDay(iso), reason: bankHolidayName(iso) ? "bank_holiday" : "weekend" };
  }

  // --- Checks ------------------------------------------------------------------------------

  function todayIso() {
    var now = new Date(); // the visitor's own calendar day
    return make(now.getFullYear(), now.getMonth() + 1, now.getDate());
  }

  /* The date from day, month and year boxes; null when all three are empty (optional dates only). */
  function parseDateParts(day, month, year, field) {
    field = field || "letter";
    var name = FIELD_NAMES[field];
    var values = {
      day: String(day == null ? "" : day).trim(),
      month: String(month == null ? "" : month).trim(),
      year: String(year == null ? "" : year).trim()
    };
    var missing = PARTS.filter(function (part) { return values[part] === ""; });
    if (missing.length === 3) {
      if (OPTIONAL.indexOf(field) !== -1) return null;
      throw new DeadlineError("Enter the " + name.charAt(0).toLowerCase() + name.slice(1), field, []);
    }
    if (missing.length) throw new DeadlineError(name + " must include a " + missing.join(" and "), field, missing);
    if (!PARTS.every(function (part) { return /^[0-9]+$/.test(values[part]); })) {
      throw new DeadlineError(name + " must be a real date", field, []);
    }
    if (values.year.length !== 4) {
      throw new DeadlineError(name + " must include a year with 4 numbers, like 2026", field, ["year"]);
    }
    var y = Number(values.year), m = Number(values.month), d = Number(values.day);
    if (!isRealDate(y, m, d)) throw new DeadlineError(name + " must be a real date", field, []);
    return make(y, m, d);
  }

  /* Letter first, then certificate, then call: each given date today or in the past, and neither the
     certificate nor the call before the letter. */
  function checkDates(letter, certificate, today, call) {
    today = today || todayIso();
    if (letter > today) throw new DeadlineError(FIELD_NAMES.letter + " must be today or in the past", "letter", []);
    [["certificate", certificate], ["call", call]].forEach(function (pair) {
      var field = pair[0], day = pair[1];
      if (!day) return;
      if (day > today) throw new DeadlineError(FIELD_NAMES[field] + " must be today or in the past", field, []);
      if (day < letter) {
        throw new DeadlineError(FIELD_NAMES[field] + " must be the same as or after the date on the decision letter",
          field, []);
      }
    });
  }

  // --- The deadlines ------------------------------------------------------------------------

  /* Date on the letter + 2 calendar months. Deliberately not moved off weekends, bank holidays, Christmas
     or August: those are the Tribunal's rules for the appeal. The page says: contact us sooner. */
  function contactDeadline(letter, today) {
    checkDates(letter, null, today);
    return addMonths(letter, fact("contact_window_months"));
  }

  function appealDetails(letter, certificate, today) {
    checkDates(letter, certificate, today);
    var fromLetter = addMonths(letter, fact("contact_window_months"));
    var fromCertificate = certificate ? addMonths(certificate, fact("appeal_after_certificate_months")) : null;
    var uses = fromCertificate && fromCertificate > fromLetter ? "certificate" : "letter";
    var unadjusted = uses === "certificate" ? fromCertificate : fromLetter;
    var due = tribunalDueDate(unadjusted);
    return {
      date: due.date,
      unadjusted: unadjusted,
      fromLetter: fromLetter,
      fromCertificate: fromCertificate,
      uses: uses,
      reason: due.reason,
      holiday: due.reason === "bank_holiday" ? bankHolidayName(unadjusted) : null
    };
  }

  function appealDeadline(letter, certificate, today) {
    return appealDetails(letter, certificate, today).date;
  }

  /* What follows, counted only from days the family knows, never from today: the certificate 3 working days
     after the information call at which they said they do not want mediation (SEND Regulations 2014 reg 34).
     No date for arranging mediation: its 30 days run from when the local authority (or the health body) is
     told (regs 35-37), a day we cannot know. */
  function nextSteps(call, mediationDate) {
    var working = fact("certificate_working_days");
    var steps = { call: call, certificate_by: addWorkingDays(call, working) };
    if (mediationDate) {
      steps.certificate_after_mediation_by = addWorkingDays(mediationDate, working);
      steps.agreed_actions_by = addDays(mediationDate, 7 * fact("agreed_actions_weeks"));
    }
    return steps;
  }

  /* Everything the page shows; the same keys as Result in deadlines.py. next_steps is empty without a call
     date; the certificate date after the call is worked out apart from the appeal, so either can show. */
  function workOut(letter, certificate, today, call) {
    today = today || todayIso();
    checkDates(letter, certificate || null, today, call || null);
    var result = {
      contact: contactDeadline(letter, today), appeal: null, appeal_unadjusted: null,
      appeal_from_letter: null, appeal_from_certificate: null, appeal_uses: null, appeal_reason: null,
      appeal_holiday: null, not_covered: null, next_steps: {}
    };
    if (call) {
      result.next_steps = { call: call, certificate_by: null, not_covered: null };
      try {
        result.next_steps.certificate_by = nextSteps(call).certificate_by;
      } catch (error) {
        if (!(error && error.notCovered)) throw error;
        result.next_steps.not_covered = error.message;
      }
    }
    var appeal;
    try {
      appeal = appealDetails(letter, certificate || null, today);
    } catch (error) {
      if (error && error.notCovered) {
        result.not_covered = error.message;
        return result;
      }
      throw error;
    }
    result.appeal = appeal.date;
    result.appeal_unadjusted = appeal.unadjusted;
    result.appeal_from_letter = appeal.fromLetter;
    result.appeal_from_certificate = appeal.fromCertificate;
    result.appeal_uses = appeal.uses;
    result.appeal_reason = appeal.reason;
    result.appeal_holiday = appeal.holiday;
    return result;
  }

  /* What the calculator does with the boxes: {letter: {day, month, year}, certificate: {...}, call: {...},
     today}; certificate and call may be left out. */
  function calculate(input) {
    var dates = {};
    FIELDS.forEach(function (field) {
      var boxes = input[field];
      if (field !== "letter" && !boxes) {
        dates[field] = null;
        return;
      }
      boxes = boxes || {};
      dates[field] = parseDateParts(boxes.day, boxes.month, boxes.year, field);
    });
    return workOut(dates.letter, dates.certificate, input.today, dates.call);
  }

  function formatDate(iso) {
    var p = ymd(iso);
    return DAY_NAMES[weekday(iso)] + " " + p.d + " " + MONTH_NAMES[p.m - 1] + " " + p.y;
  }

  function setData(value) {
    data = {
      covers: { from: Number(value.covers.from), to: Number(value.covers.to) },
      dates: value.dates || {},
      facts: value.facts || {},
      links: value.links || {}
    };
  }

  var api = {
    setData: setData, addMonths: addMonths, addDays: addDays, isWorkingDay: isWorkingDay,
    nextWorkingDay: nextWorkingDay, addWorkingDays: addWorkingDays, tribunalDueDate: tribunalDueDate,
    parseDateParts: parseDateParts, contactDeadline: contactDeadline, appealDetails: appealDetails,
    appealDeadline: appealDeadline, nextSteps: nextSteps, workOut: workOut, calculate: calculate,
    formatDate: formatDate, todayIso: todayIso, DeadlineError: DeadlineError
  };
  window.KidsDeadlines = api;

  // --- The page -------------------------------------------------------------------------------

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text != null) words(node, text);
    return node;
  }

  /* The phone number as a link that dials it, isolated left to right (as hooks/facts.py draws it). */
  function phoneLink() {
    var link = document.createElement("a");
    link.className = "kids-tel";
    link.href = "tel:" + data.facts.phone_link;
    var number = document.createElement("bdi");
    number.setAttribute("dir", "ltr");
    number.textContent = data.facts.phone;
    link.appendChild(number);
    return link;
  }

  /* Add text to a node, with every phone number in it made a tel: link (text nodes only, never HTML). */
  function words(node, text) {
    var phone = data.facts.phone;
    var pieces = phone && data.facts.phone_link ? String(text).split(phone) : [String(text)];
    pieces.forEach(function (piece, index) {
      if (index) node.appendChild(phoneLink());
      if (piece) node.appendChild(document.createTextNode(piece));
    });
    return node;
  }

  function para(text) {
    return el("p", null, text);
  }

  /* "Contact us by <strong>date</strong>": words, then the date in bold, then any words after it. */
  function withDate(tag, before, date, after) {
    var node = el(tag, null, before);
    node.appendChild(el("strong", null, date));
    if (after) words(node, after);
    return node;
  }

  function holidayText(day, holiday) {
    // Christmas Day and Good Friday are not bank holidays in law, but not working days (HESC Rules 2008 r.1(3)).
    if (NOT_BANK_HOLIDAYS.indexOf(holiday) !== -1) return day + " is " + holiday + ", which is not a working day.";
    return day + " is a bank holiday (" + holiday + ").";
  }

  function movedText(result) {
    var day = formatDate(result.appeal_unadjusted);
    switch (result.appeal_reason) {
      case "christmas":
        return day + " is between 25 December and 1 January. The Tribunal's rules move it to the first " +
          "working day after 1 January.";
      case "august":
        return day + " is in August. The Tribunal's rules move it to the first working day after 31 August.";
      case "weekend":
        return day + " is a weekend. The Tribunal's rules move it to the next working day.";
      case "bank_holiday":
        return holidayText(day, result.appeal_holiday) + " The Tribunal's rules move it to the next working day.";
      default:
        return "";
    }
  }

  /* What happens after the call. Only the certificate after the call gets a date, and only from the call's
     date: every other time limit starts on a day the family cannot tell us, so it is said in words. */
  function nextStepsSection(result, today) {
    var facts = data.facts;
    var working = facts.certificate_working_days;
    var days = facts.mediation_arranged_days;
    var section = el("div");
    section.appendChild(el("h3", null, "What happens after you contact us"));
    var list = el("ul");

    // SEND Regulations 2014 reg 34: the certificate within 3 working days of being told, at the call.
    var steps = result.next_steps || {};
    var certificate = el("li");
    if (steps.certificate_by) {
      certificate.appendChild(withDate("p", "If you told us at your call that you do not want mediation, we must " +
        "send your certificate by ", formatDate(steps.certificate_by), ". That is " + working +
        " working days after the call."));
      if (steps.certificate_by < today) {
        certificate.appendChild(para("This date has passed. If you have not had your certificate, call us on " +
          facts.phone + "."));
      }
    } else {
      certificate.appendChild(para("If you tell us at your information call that you do not want mediation, we " +
        "must send your certificate within " + working + " working days of the call."));
      certificate.appendChild(para(steps.not_covered ||
        "Enter the date of your information call to see when your certificate is due."));
    }
    list.appendChild(certificate);

    // Regs 35-37: the 30 days start when the local authority (or the health body) is told, not today.
    var mediation = el("li");
    mediation.appendChild(para("If you want mediation, we tell the local authority. It must arrange the " +
      "mediation within " + days + " days of being told. We cannot give you this date: it depends on when " +
      "the local authority is told."));
    mediation.appendChild(para("If your disagreement is only about health care, the local authority must tell " +
      "the health body within " + facts.health_body_told_working_days + " working days. The health body " +
      "must then arrange the mediation within " + days + " days of being told."));
    list.appendChild(mediation);

    // Regs 37-38: a certificate when mediation cannot happen in time.
    list.appendChild(el("li", null, "If the mediation cannot happen in time, we must send your certificate " +
      "within " + working + " working days of finding out."));
    list.appendChild(el("li", null, "After mediation, we send your certificate within " + working +
      " working days."));

    // Reg 42(2), (3) and (5): what an agreement at mediation must be done by.
    var agreement = el("li");
    agreement.appendChild(para("If you reach an agreement at mediation, the local authority (or the health " +
      "body) must do what it agreed:"));
    var limits = el("ul");
    limits.appendChild(el("li", null, "for things you could have appealed about: within the same time limits " +
      "as if the Tribunal had ordered them"));
    limits.appendChild(el("li", null, "for other things: within " + facts.agreed_actions_weeks +
      " weeks of the agreement"));
    limits.appendChild(el("li", null, "or by different dates, if everyone agrees them in writing."));
    agreement.appendChild(limits);
    if (data.links.after_mediation) {
      var more = el("p");
      var link = el("a", null, "Read what happens after mediation");
      link.href = data.links.after_mediation;
      more.appendChild(link);
      agreement.appendChild(more);
    }
    list.appendChild(agreement);
    section.appendChild(list);
    return section;
  }

  function renderResult(region, result, today) {
    var facts = data.facts;
    var months = fact("contact_window_months");
    var box = el("div");
    box.appendChild(el("h2", null, "Your dates"));

    var contact = el("div", "kids-deadline");
    contact.appendChild(withDate("p", "Contact us by ", formatDate(result.contact)));
    // SEND Regulations 2014 reg 33: within 2 months, say you want to appeal and whether you want mediation.
    contact.appendChild(para("This is " + months + " months after the date on the letter. If you want to " +
      "appeal, tell us by then. Also tell us if you want mediation. This date does not move if it is a " +
      "weekend or a holiday. Contact us sooner rather than later."));
    if (result.contact < today) {
      contact.appendChild(para("This date has passed. Call us on " + facts.phone +
        " to talk about what you can do now."));
    } else if (result.contact === today) {
      contact.appendChild(para("This date is today. Call us on " + facts.phone + " today."));
    }
    box.appendChild(contact);

    var appeal = el("div", "kids-deadline");
    if (result.not_covered) {
      appeal.appendChild(para("Appeal to the Tribunal by: " + result.not_covered));
    } else {
      appeal.appendChild(withDate("p", "Appeal to the Tribunal by ",
        facts.due_time + " on " + formatDate(result.appeal)));
      // HESC Rules 2008 rule 20(1)(c): 1 month after the date on which the certificate was issued.
      var afterCertificate = facts.appeal_after_certificate_months + " month after the date the certificate " +
        "was issued";
      if (result.appeal_from_certificate) {
        appeal.appendChild(para("This is the later of " + months + " months after the date on the letter (" +
          formatDate(result.appeal_from_letter) + ") and " + afterCertificate + " (" +
          formatDate(result.appeal_from_certificate) + ")."));
      } else {
        appeal.appendChild(para("This is " + months + " months after the date on the letter. If you get a " +
          "mediation certificate, you may get longer: " + afterCertificate + ", if that is later."));
      }
      var moved = movedText(result);
      if (moved) appeal.appendChild(para(moved));
      if (result.appeal < today) appeal.appendChild(para("This date has passed. Call us on " + facts.phone + "."));
    }
    box.appendChild(appeal);

    box.appendChild(nextStepsSection(result, today));

    var caveat = el("div", "kids-notice");
    caveat.appendChild(para("This is a guide, not legal advice. Check your dates with the Tribunal or your " +
      "local SEND information, advice and support service (SENDIASS). If you are not sure, call us on " +
      facts.phone + "."));
    box.appendChild(caveat);

    region.textContent = "";
    region.appendChild(box);
  }

  function setUp(root) {
    if (!root || root.getAttribute("data-kids-ready") === "yes") return;
    try {
      setData(JSON.parse(root.getAttribute("data-kids-deadlines")));
    } catch (error) {
      return; // no data: the page still explains the rules and shows the worked examples
    }
    root.setAttribute("data-kids-ready", "yes");
    var form = root.querySelector("form");
    var summary = root.querySelector(".kids-error-summary");
    var summaryList = summary.querySelector("ul");
    var region = root.querySelector("[aria-live]");
    var title = document.title.replace(/^Error: /, "");

    function boxes(field) {
      var values = {};
      PARTS.forEach(function (part) { values[part] = document.getElementById(field + "-" + part).value; });
      return values;
    }

    function clearErrors() {
      FIELDS.forEach(function (field) {
        document.getElementById(field + "-group").classList.remove("kids-form-group--error");
        var message = document.getElementById(field + "-error");
        message.hidden = true;
        message.textContent = "";
        document.getElementById(field + "-fieldset").setAttribute("aria-describedby", field + "-hint");
        PARTS.forEach(function (part) {
          document.getElementById(field + "-" + part).classList.remove("kids-input--error");
        });
      });
      summaryList.textContent = "";
      summary.hidden = true;
      document.title = title;
    }

    function showErrors(errors) {
      errors.forEach(function (error) {
        var field = error.field || "letter";
        document.getElementById(field + "-group").classList.add("kids-form-group--error");
        var message = document.getElementById(field + "-error");
        message.textContent = "";
        message.appendChild(el("span", "kids-visually-hidden", "Error: "));
        message.appendChild(document.createTextNode(error.message));
        message.hidden = false;
        document.getElementById(field + "-fieldset")
          .setAttribute("aria-describedby", field + "-hint " + field + "-error");
        var parts = error.parts && error.parts.length ? error.parts : PARTS;
        parts.forEach(function (part) {
          document.getElementById(field + "-" + part).classList.add("kids-input--error");
        });
        var item = el("li");
        var link = el("a", null, error.message);
        link.href = "#" + field + "-" + parts[0];
        link.addEventListener("click", function (event) {
          event.preventDefault();
          document.getElementById(field + "-" + parts[0]).focus();
        });
        item.appendChild(link);
        summaryList.appendChild(item);
      });
      summary.hidden = false;
      document.title = "Error: " + title;
      region.textContent = "";
      summary.focus();
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      clearErrors();
      var today = todayIso();
      var errors = [];
      var dates = { letter: null, certificate: null, call: null };
      FIELDS.forEach(function (field) {
        var b = boxes(field);
        try {
          dates[field] = parseDateParts(b.day, b.month, b.year, field);
        } catch (error) {
          if (!(error instanceof DeadlineError)) throw error;
          errors.push(error);
        }
      });
      var result = null;
      if (!errors.length) {
        try {
          result = workOut(dates.letter, dates.certificate, today, dates.call);
        } catch (error) {
          if (!(error instanceof DeadlineError)) throw error;
          errors.push(error);
        }
      }
      if (errors.length) showErrors(errors);
      else renderResult(region, result, today);
    });

    root.hidden = false;
  }

  function start() {
    setUp(document.getElementById("kids-deadlines"));
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
