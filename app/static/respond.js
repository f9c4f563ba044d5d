/* Survey pages: display conditions, drafts, reload and back/forward, small helpers.
   Everything works without this script; it only makes it quicker and safer.

   Drafts. Every field is saved in localStorage under survey-draft:<token> as the
   person answers; nothing reaches the server until they send a page. The draft is
   this device's latest copy of the form, so whichever page loads, its answers win.
   It expires 24 hours after its last change, and the thank-you page deletes it.

   Reload, back and forward. A survey page is the answer to a post: reloading it
   would post the previous page again (and the page would come back as it was sent).
   So each page turns its history entry into the plain link, remembering only the
   page's number (history.state: never an answer). Reload, back and forward then
   open the link, and the script posts the draft to come back to that page
   (nav=resume). Without storage nothing is turned, and the browser posts again as it
   does without the script. */
(function () {
  "use strict";
  var PREFIX = "survey-draft:";
  var MAX_AGE = 24 * 60 * 60 * 1000;
  var storage = null;
  try {
    storage = window.localStorage;
    storage.setItem(PREFIX + "probe", "1");
    storage.removeItem(PREFIX + "probe");
  } catch (e) {
    storage = null;
  }
  var each = function (list, fn) { Array.prototype.forEach.call(list, fn); };

  function forget(token) { if (storage) storage.removeItem(PREFIX + token); }
  // A draft, unless it is missing, damaged or older than a day since its last change.
  function read(key) {
    var draft = null;
    try { draft = JSON.parse(storage.getItem(key) || "null"); } catch (e) { draft = null; }
    if (draft && draft.fields && Date.now() - draft.saved < MAX_AGE) return draft;
    if (draft !== null || storage.getItem(key) !== null) storage.removeItem(key);
    return null;
  }
  if (storage) {
    // On a shared device, drafts of every survey expire, not only this one's.
    var keys = [];
    for (var i = 0; i < storage.length; i++) keys.push(storage.key(i));
    keys.forEach(function (k) { if (k && k.indexOf(PREFIX) === 0) read(k); });
  }
  // The thank-you page: the answers are stored, so the draft goes.
  each(document.querySelectorAll("[data-clear-draft]"), function (el) {
    forget(el.getAttribute("data-clear-draft"));
  });
  each(document.querySelectorAll("[data-discard-draft]"), function (el) {
    el.addEventListener("click", function () { forget(el.getAttribute("data-discard-draft")); });
  });

  var form = document.getElementById("survey-form");
  if (!form) return;
  // The workspace's preview stores nothing, not even a draft on the device.
  if (form.hasAttribute("data-preview")) storage = null;
  var key = PREFIX + form.getAttribute("data-token");
  var version = form.getAttribute("data-version");
  var NOT_SAVED = { csrf_token: 1, nav: 1, _switch_lang: 1, _page: 1, _lang: 1 };
  var here = Number(form.elements._page.value);
  // Answers, as opposed to the form's own fields (whose names start with "_").
  function isAnswer(name) { return !!name && name.charAt(0) !== "_" && !NOT_SAVED[name]; }

  function named(name) {
    return form.querySelectorAll('[name="' + name.replace(/["\\]/g, "\\$&") + '"]');
  }

  // --- display conditions (the server decides again on every post) ----------------
  // Spaces and zero-width characters alone are no answer, as on the server.
  var BLANK = /^[\s\u200b-\u200d\u2060\ufeff]*$/;
  function norm(v) {
    v = String(v).trim();
    return /^-?\d+([.,]\d+)?$/.test(v) ? String(Number(v.replace(",", "."))) : v;
  }
  function valuesOf(name) {
    var values = [];
    each(named(name), function (el) {
      if (el.hasAttribute("data-inactive") || el.closest(".question[hidden]")) return;
      if ((el.type === "radio" || el.type === "checkbox") && !el.checked) return;
      if (!BLANK.test(el.value)) values.push(norm(el.value));
    });
    return values;
  }
  function holds(c) {
    if (c.all) return c.all.every(holds);
    if (c.any) return c.any.some(holds);
    if (c.not) return !holds(c.not);
    var values = valuesOf(c.question);
    if ("answered" in c) return (values.length > 0) === c.answered;
    if ("equals" in c) return values.indexOf(norm(c.equals)) >= 0;
    return (c.one_of || []).some(function (v) { return values.indexOf(norm(v)) >= 0; });
  }
  var conditional = form.querySelectorAll("[data-show-if]");
  function applyConditions() {
    // In page order, so a question hidden above counts as unanswered below.
    each(conditional, function (el) {
      var show = holds(JSON.parse(el.getAttribute("data-show-if")));
      if (show) el.removeAttribute("hidden"); else el.setAttribute("hidden", "");
    });
  }

  // --- drafts -----------------------------------------------------------------------
  function snapshot() {
    var fields = [];
    each(form.elements, function (el) {
      if (!el.name || NOT_SAVED[el.name] || el.type === "submit" || el.type === "button") return;
      if ((el.type === "radio" || el.type === "checkbox") && !el.checked) return;
      if (el.value !== "") fields.push([el.name, el.value]);
    });
    return fields;
  }
  var timer = null;
  var stored = null;  // the fields last written, so an unchanged form keeps its age
  function save() {
    if (!storage) return;
    clearTimeout(timer);
    timer = null;
    var fields = JSON.stringify(snapshot());
    if (fields === stored) return;
    try {
      storage.setItem(key, '{"version":' + JSON.stringify(version) + ',"saved":' + Date.now() +
        ',"fields":' + fields + "}");
      stored = fields;
    } catch (e) { /* storage full: the last draft stays */ }
  }
  function saveSoon() { if (!timer) timer = setTimeout(save, 250); }

  function byName(draft) {
    var fields = {};
    draft.fields.forEach(function (pair) { (fields[pair[0]] = fields[pair[0]] || []).push(pair[1]); });
    return fields;
  }
  function hiddenField(name, value) {
    var hidden = document.createElement("input");
    hidden.type = "hidden";
    hidden.name = name;
    hidden.value = value;
    form.appendChild(hidden);
  }
  // Put the draft's answers in the form: into this page's inputs, and as hidden fields
  // (as the server sends them) for other pages'. Returns whether it held any answer.
  function fill(draft, withControls) {
    var values = byName(draft);
    var sameVersion = String(draft.version) === version;
    var names = {};
    Object.keys(values).forEach(function (name) { names[name] = 1; });
    each(form.elements, function (el) { if (isAnswer(el.name)) names[el.name] = 1; });
    var answered = false;
    Object.keys(names).forEach(function (name) {
      var wanted = values[name] || [];
      if (!isAnswer(name)) {
        // The submission's id and start time, so that the response is stored once.
        if (withControls && wanted.length && (name === "_uuid" || name === "_started")) {
          each(named(name), function (el) { el.value = wanted[0]; });
        }
        return;
      }
      if (wanted.length) answered = true;
      var inputs = [];
      var hidden = [];
      each(named(name), function (el) { (el.type === "hidden" ? hidden : inputs).push(el); });
      if (inputs.length) {
        inputs.forEach(function (el) {
          if (el.type === "radio" || el.type === "checkbox") el.checked = wanted.indexOf(el.value) >= 0;
          else el.value = wanted[0] || "";
        });
      } else if (sameVersion && hidden.map(function (el) { return el.value; }).join("\n") !== wanted.join("\n")) {
        hidden.forEach(function (el) { el.parentNode.removeChild(el); });
        wanted.forEach(function (value) { hiddenField(name, value); });
      }
    });
    return answered;
  }
  function ours(draft) {
    var values = byName(draft);
    return String(draft.version) === version && (values._uuid || [])[0] === form.elements._uuid.value;
  }
  // Back to the page this history entry showed: post the draft, change nothing.
  function resume(page) {
    form.elements._page.value = String(page);
    hiddenField("nav", "resume");
    form.submit();
  }

  if (storage) {
    var draft = read(key);
    var state = window.history.state;
    var remembered = state && typeof state.surveyPage === "number" ? state.surveyPage : null;
    if (form.hasAttribute("data-fresh")) {
      var answered = draft ? fill(draft, true) : false;
      if (answered && remembered !== null && remembered !== here && String(draft.version) === version) {
        resume(remembered);
        return;
      }
      if (answered && remembered === null) {
        // Opening the link anew on a device with a draft: it may be someone else's.
        var notice = form.querySelector("[data-restored-notice]");
        if (notice) notice.removeAttribute("hidden");
      }
    } else if (draft && ours(draft)) {
      fill(draft, false);
    }
    if (draft) stored = JSON.stringify(draft.fields);
    save();
    try {
      window.history.replaceState({ surveyPage: here }, "", window.location.href);
    } catch (e) { /* the browser posts again on reload, as without the script */ }
    // A page kept whole in the back/forward cache shows what it showed when left.
    window.addEventListener("pageshow", function (event) {
      if (!event.persisted) return;
      var latest = read(key);
      if (latest && ours(latest)) fill(latest, false);
      applyConditions();
    });
  }
  applyConditions();
  // The script shows and hides follow-up questions itself: no need to say when to skip.
  each(form.querySelectorAll("[data-condition-note]"), function (el) { el.setAttribute("hidden", ""); });

  function edited(event) {
    // Typing an "other" answer chooses "Other".
    var other = event.target.getAttribute("data-other-for");
    if (other && event.target.value.trim()) document.getElementById(other).checked = true;
    applyConditions();
  }
  form.addEventListener("input", function (event) { edited(event); saveSoon(); });
  form.addEventListener("change", function (event) { edited(event); save(); });
  form.addEventListener("submit", save);
  window.addEventListener("pagehide", save);

  // --- errors: move focus to the summary, and from its links to the field ----------
  var summary = form.querySelector(".error-summary");
  if (summary) {
    summary.focus();
    each(summary.querySelectorAll("a[href^='#']"), function (link) {
      link.addEventListener("click", function (event) {
        var field = document.getElementById(link.getAttribute("href").slice(1));
        if (!field) return;
        event.preventDefault();
        var question = field.closest(".question") || field;
        question.scrollIntoView();
        field.focus({ preventScroll: true });
      });
    });
  }
})();
