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
 * window.KidsDeadlines is the pure API; the page part only reads boxes and writes words.
 */
(function () {
  "use strict";

  var DAY = 86400000;
  var DAY_NAMES = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
  var MONTH_NAMES = ["January", "February", "March", "April", "May", "June", "July", "August",
    "September", "October", "November", "December"];
  var FIELD_NAMES = { letter: "Date on the decision letter", certificate: "Certificate date" };
  var PARTS = ["day", "month", "year"];

  var data = { covers: { from: 0, to: -1 }, dates: {}, facts: {} };

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

  /* The date from day, month and year boxes; null when all three are empty (certificate only). */
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
      if (field === "certificate") return null;
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

  function checkDates(letter, certificate, today) {
    today = today || todayIso();
    if (letter > today) throw new DeadlineError(FIELD_NAMES.letter + " must be today or in the past", "letter", []);
    if (certificate) {
      if (certificate > today) {
        throw new DeadlineError(FIELD_NAMES.certificate + " must be today or in the past", "certificate", []);
      }
      if (certificate < letter) {
        throw new DeadlineError(FIELD_NAMES.certificate +
          " must be the same as or after the date on the decision letter", "certificate", []);
      }
    }
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

  function nextSteps(start, mediationDate) {
    var working = fact("certificate_working_days");
    var steps = {
      start: start,
      certificate_by: addWorkingDays(start, working),
      mediation_by: addDays(start, fact("mediation_arranged_days"))
    };
    if (mediationDate) {
      steps.certificate_after_mediation_by = addWorkingDays(mediationDate, working);
      steps.agreed_actions_by = addDays(mediationDate, 7 * fact("agreed_actions_weeks"));
    }
    return steps;
  }

  /* Everything the page shows; the same keys as Result in deadlines.py. */
  function workOut(letter, certificate, today) {
    today = today || todayIso();
    var result = {
      contact: contactDeadline(letter, today), appeal: null, appeal_unadjusted: null,
      appeal_from_letter: null, appeal_from_certificate: null, appeal_uses: null, appeal_reason: null,
      appeal_holiday: null, not_covered: null, next_steps: {}
    };
    var appeal, steps;
    try {
      appeal = appealDetails(letter, certificate || null, today);
      steps = nextSteps(today);
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
    result.next_steps = steps;
    return result;
  }

  /* What the calculator does with the boxes: {letter: {day, month, year}, certificate: {...}, today}. */
  function calculate(input) {
    var l = input.letter || {};
    var letter = parseDateParts(l.day, l.month, l.year, "letter");
    var certificate = null;
    if (input.certificate) {
      var c = input.certificate;
      certificate = parseDateParts(c.day, c.month, c.year, "certificate");
    }
    return workOut(letter, certificate, input.today);
  }

  function formatDate(iso) {
    var p = ymd(iso);
    return DAY_NAMES[weekday(iso)] + " " + p.d + " " + MONTH_NAMES[p.m - 1] + " " + p.y;
  }

  function setData(value) {
    data = {
      covers: { from: Number(value.covers.from), to: Number(value.covers.to) },
      dates: value.dates || {},
      facts: value.facts || {}
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
    if (text != null) node.textContent = text;
    return node;
  }

  function para(text) {
    return el("p", null, text);
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
        return day + " is a bank holiday (" + result.appeal_holiday + "). The Tribunal's rules move it to " +
          "the next working day.";
      default:
        return "";
    }
  }

  function renderResult(region, result, today) {
    var facts = data.facts;
    var months = fact("contact_window_months");
    var box = el("div");
    box.appendChild(el("h2", null, "Your dates"));

    var contact = el("div", "kids-deadline");
    var contactTitle = el("p");
    contactTitle.appendChild(document.createTextNode("Contact us by "));
    contactTitle.appendChild(el("strong", null, formatDate(result.contact)));
    contact.appendChild(contactTitle);
    contact.appendChild(para("This is " + months + " months after the date on the letter. " +
      "It does not move if it is a weekend or a holiday. Contact us sooner rather than later."));
    if (result.contact < today) {
      contact.appendChild(para("This date has passed. Call us on " + facts.phone +
        " to talk about what you can do now."));
    } else if (result.contact === today) {
      contact.appendChild(para("This date is today. Call us on " + facts.phone + " today."));
    }
    box.appendChild(contact);

    var appeal = el("div", "kids-deadline");
    if (result.not_covered) {
      appeal.appendChild(el("p", null, "Appeal to the Tribunal by: " + result.not_covered));
    } else {
      var appealTitle = el("p");
      appealTitle.appendChild(document.createTextNode("Appeal to the Tribunal by "));
      appealTitle.appendChild(el("strong", null, facts.due_time + " on " + formatDate(result.appeal)));
      appeal.appendChild(appealTitle);
      if (result.appeal_from_certificate) {
        appeal.appendChild(para("This is the later of " + months + " months after the date on the letter (" +
          formatDate(result.appeal_from_letter) + ") and " + facts.appeal_after_certificate_months +
          " month after the certificate date (" + formatDate(result.appeal_from_certificate) + ")."));
      } else {
        appeal.appendChild(para("This is " + months + " months after the date on the letter. If you get a " +
          "mediation certificate, you may get longer: " + facts.appeal_after_certificate_months +
          " month after the certificate date, if that is later."));
      }
      var moved = movedText(result);
      if (moved) appeal.appendChild(para(moved));
      if (result.appeal < today) appeal.appendChild(para("This date has passed. Call us on " + facts.phone + "."));
    }
    box.appendChild(appeal);

    if (result.next_steps && result.next_steps.certificate_by) {
      box.appendChild(el("h3", null, "If you contact us today (" + formatDate(today) + ")"));
      var list = el("ul");
      list.appendChild(el("li", null, "If you do not want mediation, we give you a certificate by " +
        formatDate(result.next_steps.certificate_by) + ". That is " + facts.certificate_working_days +
        " working days."));
      list.appendChild(el("li", null, "If you want mediation, it should happen by " +
        formatDate(result.next_steps.mediation_by) + ". That is " + facts.mediation_arranged_days + " days."));
      list.appendChild(el("li", null, "After mediation, we give you a certificate within " +
        facts.certificate_working_days + " working days."));
      list.appendChild(el("li", null, "If you agree something at mediation that you could not appeal " +
        "about, it must be done within " + facts.agreed_actions_weeks + " weeks."));
      box.appendChild(list);
    }

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
      ["letter", "certificate"].forEach(function (field) {
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
      var letter = null, certificate = null;
      ["letter", "certificate"].forEach(function (field) {
        var b = boxes(field);
        try {
          var value = parseDateParts(b.day, b.month, b.year, field);
          if (field === "letter") letter = value; else certificate = value;
        } catch (error) {
          if (!(error instanceof DeadlineError)) throw error;
          errors.push(error);
        }
      });
      var result = null;
      if (!errors.length) {
        try {
          result = workOut(letter, certificate, today);
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
