/* Survey pages: display conditions, autosave and restore, small helpers.
   Everything works without this script; it only makes it quicker and safer. */
(function () {
  "use strict";
  var PREFIX = "survey-draft:";
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
  // The thank-you page: the answers are stored, so the draft goes.
  each(document.querySelectorAll("[data-clear-draft]"), function (el) {
    forget(el.getAttribute("data-clear-draft"));
  });
  each(document.querySelectorAll("[data-discard-draft]"), function (el) {
    el.addEventListener("click", function () { forget(el.getAttribute("data-discard-draft")); });
  });

  var form = document.getElementById("survey-form");
  if (!form) return;
  var key = PREFIX + form.getAttribute("data-token");
  var version = form.getAttribute("data-version");
  var NOT_SAVED = { csrf_token: 1, nav: 1, _switch_lang: 1, _page: 1, _lang: 1 };

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
    var found = [];
    each(named(name), function (el) {
      if (el.hasAttribute("data-inactive") || el.closest(".question[hidden]")) return;
      if ((el.type === "radio" || el.type === "checkbox") && !el.checked) return;
      if (!BLANK.test(el.value)) found.push(norm(el.value));
    });
    return found;
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

  // --- autosave -------------------------------------------------------------------
  function snapshot() {
    var fields = [];
    each(form.elements, function (el) {
      if (!el.name || NOT_SAVED[el.name] || el.type === "submit" || el.type === "button") return;
      if ((el.type === "radio" || el.type === "checkbox") && !el.checked) return;
      if (el.value !== "") fields.push([el.name, el.value]);
    });
    return { version: version, saved: Date.now(), fields: fields };
  }
  var timer = null;
  function save() {
    if (!storage) return;
    clearTimeout(timer);
    timer = null;
    try { storage.setItem(key, JSON.stringify(snapshot())); } catch (e) { /* storage full */ }
  }
  function saveSoon() { if (!timer) timer = setTimeout(save, 250); }

  function restore() {
    var draft = null;
    try { draft = JSON.parse(storage.getItem(key) || "null"); } catch (e) { draft = null; }
    if (!draft || !draft.fields) return false;
    var sameVersion = String(draft.version) === version;
    var byName = {};
    draft.fields.forEach(function (pair) { (byName[pair[0]] = byName[pair[0]] || []).push(pair[1]); });
    var restored = false;
    Object.keys(byName).forEach(function (name) {
      var values = byName[name];
      if (name === "_version") return;
      var inputs = named(name);
      if (inputs.length) {
        each(inputs, function (el) {
          if (el.type === "radio" || el.type === "checkbox") el.checked = values.indexOf(el.value) >= 0;
          else el.value = values[0];
        });
      } else if (sameVersion && name.charAt(0) !== "_") {
        // An answer from another page travels as a hidden field, as the server would send it.
        values.forEach(function (v) {
          var hidden = document.createElement("input");
          hidden.type = "hidden";
          hidden.name = name;
          hidden.value = v;
          form.appendChild(hidden);
        });
      }
      if (name.charAt(0) !== "_") restored = true;
    });
    return restored;
  }

  if (storage) {
    if (form.hasAttribute("data-fresh") && restore()) {
      var notice = form.querySelector("[data-restored-notice]");
      if (notice) notice.removeAttribute("hidden");
    }
    save();
  }
  applyConditions();

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
