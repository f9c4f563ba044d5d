/* Offline interviews (loaded on the offline page of interview links only).

   The survey version comes as one JSON bundle made from the stored definition: each
   page's questions as the server's templates render them, the display conditions,
   and each question's checks with their messages in every language. This script
   decides conditions and checks answers from that data, the way app/respond/flow.py
   does on the server, so the interview runs with no connection at all.

   A finished interview goes into an IndexedDB queue keyed by its submission UUID.
   Sending happens on load, when the browser comes online and from "Send now"; a
   record leaves the queue only after the server's 2xx (the server stores it once,
   whatever the number of tries). A refused record stays with the server's reason and
   goes into the backup file. The interview being taken is kept in localStorage as
   it is typed, so a reload or a closed tab loses nothing. */
(function () {
  "use strict";
  var app = document.getElementById("offline-app");
  if (!app) return;
  var token = app.getAttribute("data-token");
  var language = app.getAttribute("data-lang");
  var DRAFT = "interview-offline:" + token;
  var each = function (list, fn) { Array.prototype.forEach.call(list, fn); };
  var $ = function (sel, root) { return (root || app).querySelector(sel); };
  var stateLine = $("[data-offline-state]");
  var form = $("#offline-form");
  var area = $("[data-interview]");
  var consentScript = $("[data-first-page]");
  var bundle = null;
  var ui = null;
  var texts = null;

  function say(el, text) { el.textContent = text; el.removeAttribute("hidden"); }
  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }
  function format(template, values) {
    return template.replace(/\{(\w+)\}/g, function (all, key) { return key in values ? values[key] : all; });
  }

  // --- the queue (IndexedDB) ---------------------------------------------------------
  var dbPromise = null;
  function db() {
    if (!dbPromise) {
      dbPromise = new Promise(function (resolve, reject) {
        if (!window.indexedDB) { reject(new Error("no IndexedDB")); return; }
        var open = indexedDB.open("interviews", 1);
        open.onupgradeneeded = function () {
          open.result.createObjectStore("queue", { keyPath: "uuid" });
          open.result.createObjectStore("versions", { keyPath: "key" });
        };
        open.onsuccess = function () { resolve(open.result); };
        open.onerror = function () { reject(open.error); };
      });
    }
    return dbPromise;
  }
  function store(name, mode, work) {
    return db().then(function (database) {
      return new Promise(function (resolve, reject) {
        var tx = database.transaction(name, mode);
        var result = work(tx.objectStore(name));
        tx.oncomplete = function () { resolve(result && "result" in result ? result.result : undefined); };
        tx.onerror = function () { reject(tx.error); };
        tx.onabort = function () { reject(tx.error); };
      });
    });
  }
  function queued() {
    return store("queue", "readonly", function (s) { return s.getAll(); }).then(function (all) {
      return (all || []).filter(function (r) { return r.token === token; })
        .sort(function (a, b) { return a.saved_at < b.saved_at ? -1 : 1; });
    });
  }
  function keep(record) { return store("queue", "readwrite", function (s) { s.put(record); }); }
  function drop(uuid) { return store("queue", "readwrite", function (s) { s.delete(uuid); }); }

  // --- conditions and checks, as app/respond/flow.py reads a post ---------------------
  var EDGES = /^[\s\u200b-\u200d\u2060\ufeff]+|[\s\u200b-\u200d\u2060\ufeff]+$/g;
  function clean(v) {
    return String(v).replace(/\r\n?/g, "\n").replace(/[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/g, "").replace(EDGES, "");
  }
  function norm(v) {
    v = String(v).trim();
    return /^-?\d+([.,]\d+)?$/.test(v) ? String(Number(v.replace(",", "."))) : v;
  }
  function length(text) { return Array.from(text).length; }
  function holds(c, seen) {
    if (!c) return true;
    if (c.all) return c.all.every(function (x) { return holds(x, seen); });
    if (c.any) return c.any.some(function (x) { return holds(x, seen); });
    if (c.not) return !holds(c.not, seen);
    var values = (seen[c.question] || []).map(norm);
    if ("answered" in c) return (values.length > 0) === c.answered;
    if ("equals" in c) return values.indexOf(norm(c.equals)) >= 0;
    return (c.one_of || []).some(function (v) { return values.indexOf(norm(v)) >= 0; });
  }
  function check(checks, fields) {
    var errors = [];
    function add(field, code) { errors.push({ field: field, code: code }); }
    function vals(name) {
      return (fields[name] || []).map(clean).filter(function (v) { return v !== ""; });
    }
    if (!("required" in checks)) return errors;  // a statement: nothing to answer
    if (checks.rows) {
      checks.rows.forEach(function (row) { if (!vals(row).length && checks.required) add(row, "required"); });
      return errors;
    }
    var item = checks.fields[0];
    var v = vals(item);
    if (!v.length) {
      if (checks.required) add(item, "required");
      else if (checks.consent) add(item, "consent_required");
      return errors;
    }
    if (checks.max_length && length(v[0]) > checks.max_length) add(item, "too_long");
    var unique = v.filter(function (x, i) { return v.indexOf(x) === i; });
    if (checks.max_choices && unique.length > checks.max_choices) add(item, "too_many_choices");
    if (checks.other_field && v.indexOf(checks.other_code) >= 0) {
      var other = vals(checks.other_field);
      if (!other.length) add(checks.other_field, "other_required");
      else if (length(other[0]) > checks.other_max) add(checks.other_field, "too_long");
    }
    // Bundles kept from before checks named a format give the type name instead.
    var checked = checks.format || checks.type;
    if (checked === "number") {
      if (!/^-?[0-9]{1,12}([.,][0-9]{1,6})?$/.test(v[0])) add(item, "not_a_number");
      else {
        var n = Number(v[0].replace(",", "."));
        if (checks.integer && n !== Math.trunc(n)) add(item, "not_whole_number");
        else if ((checks.min !== null && n < checks.min) || (checks.max !== null && n > checks.max)) add(item, "out_of_range");
      }
    }
    if (checked === "date") {
      var ok = /^\d{4}-\d{2}-\d{2}$/.test(v[0]) && !isNaN(Date.parse(v[0] + "T00:00:00Z")) &&
        new Date(v[0] + "T00:00:00Z").toISOString().slice(0, 10) === v[0];
      if (!ok) add(item, "not_a_date");
      else if ((checks.min && v[0] < checks.min) || (checks.max && v[0] > checks.max)) add(item, "date_out_of_range");
    }
    return errors;
  }
  // Every page and question in order: shown or not, and its errors.
  function evaluate(fields) {
    var seen = {};
    var result = { pages: [], questions: {} };
    bundle.pages.forEach(function (page) {
      var pageShown = holds(page.show_if, seen);
      result.pages.push(pageShown);
      page.questions.forEach(function (q) {
        var shown = pageShown && holds(q.show_if, seen);
        var errors = check(q.checks, fields);
        result.questions[q.item] = { shown: shown, errors: errors };
        if (shown && !errors.length && "required" in q.checks) {
          (q.checks.rows || [q.checks.fields[0]]).forEach(function (name) {
            var values = (fields[name] || []).map(clean).filter(function (x) { return x !== ""; });
            if (values.length) seen[name] = values;
          });
        }
      });
    });
    return result;
  }
  function shownPages(result) {
    var indexes = [];
    result.pages.forEach(function (shown, i) { if (shown) indexes.push(i); });
    return indexes;
  }
  function pageErrors(result, index) {
    if (!result.pages[index]) return [];
    var errors = [];
    bundle.pages[index].questions.forEach(function (q) {
      var state = result.questions[q.item];
      if (state.shown) errors = errors.concat(state.errors.map(function (e) { return { q: q.item, field: e.field, code: e.code }; }));
    });
    return errors;
  }

  // --- the interview being taken (localStorage) ---------------------------------------
  var draft = null;
  function uuid4() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 15) | 64; b[8] = (b[8] & 63) | 128;
    var h = Array.from(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }
  function fresh() {
    return { uuid: uuid4(), started: new Date().toISOString(), version: latest.version, language: language, page: null, fields: {} };
  }
  function saveDraft() {
    try { localStorage.setItem(DRAFT, JSON.stringify(draft)); } catch (e) { /* storage full: the last copy stays */ }
  }
  function loadDraft() {
    try {
      var saved = JSON.parse(localStorage.getItem(DRAFT) || "null");
      if (saved && saved.uuid && saved.fields && typeof saved.version === "number") return saved;
    } catch (e) { /* damaged: start afresh */ }
    return null;
  }
  // Each version's bundle is kept, so an interview begun before the survey changed
  // goes on with the questions it showed (and is checked against them when sent).
  var latest = null;
  function keepVersion(data) {
    return store("versions", "readwrite", function (s) { s.put({ key: token + ":" + data.version, bundle: data }); })
      .catch(function () { /* without IndexedDB only the latest version runs */ });
  }
  function versionOf(taken) {
    if (!taken || taken.version === latest.version) return Promise.resolve(latest);
    return store("versions", "readonly", function (s) { return s.get(token + ":" + taken.version); })
      .then(function (kept) { return kept ? kept.bundle : null; }, function () { return null; });
  }
  function use(data) {
    bundle = data;
    texts = bundle.texts[language] || bundle.texts[bundle.languages[0]];
    ui = texts.ui;
  }

  // --- pages ----------------------------------------------------------------------------
  function parse(html) {
    var holder = document.createElement("template");
    holder.innerHTML = html;
    return holder.content;
  }
  function questionBlock(index, item, errors) {
    var page = texts.pages[index];
    var place = page.fields[item];
    var source = parse(errors.length ? page.marked : page.html);
    var block = source.getElementById(place.block);
    if (!errors.length) return block;
    var messages = page.messages[item] || {};
    Object.keys(place.fields).forEach(function (field) {
      var errorId = place.fields[field].error;
      var node = block.querySelector("#" + CSS.escape(errorId));
      var error = errors.filter(function (e) { return e.field === field; })[0];
      if (error && node) {
        node.lastChild.textContent = (messages[field] || {})[error.code] || "";
        return;
      }
      if (node) node.parentNode.removeChild(node);
      each(block.querySelectorAll("[aria-describedby]"), function (x) {
        var ids = x.getAttribute("aria-describedby").split(" ").filter(function (id) { return id && id !== errorId; });
        if (ids.length) x.setAttribute("aria-describedby", ids.join(" ")); else x.removeAttribute("aria-describedby");
      });
      each(block.querySelectorAll("[name]"), function (x) {
        if (x.getAttribute("name") === field) x.removeAttribute("aria-invalid");
      });
    });
    return block;
  }
  function button(label, cls, action) {
    var b = el("button", { type: "button", class: cls }, label);
    b.addEventListener("click", action);
    return b;
  }
  function fill() {
    each(form.elements, function (input) {
      if (!input.name) return;
      var wanted = draft.fields[input.name] || [];
      if (input.type === "radio" || input.type === "checkbox") input.checked = wanted.indexOf(input.value) >= 0;
      else input.value = wanted[0] || "";
    });
  }
  function read() {
    var names = {};
    each(form.elements, function (input) { if (input.name) names[input.name] = []; });
    each(form.elements, function (input) {
      if (!input.name) return;
      if ((input.type === "radio" || input.type === "checkbox") && !input.checked) return;
      if (input.value !== "") names[input.name].push(input.value);
    });
    Object.keys(names).forEach(function (name) {
      if (names[name].length) draft.fields[name] = names[name]; else delete draft.fields[name];
    });
  }
  function applyConditions() {
    var result = evaluate(draft.fields);
    bundle.pages[draft.page].questions.forEach(function (q) {
      var block = form.querySelector("#" + CSS.escape(texts.pages[draft.page].fields[q.item].block));
      if (!block) return;
      if (result.questions[q.item].shown) block.removeAttribute("hidden"); else block.setAttribute("hidden", "");
    });
    each(form.querySelectorAll("[data-condition-note]"), function (x) { x.setAttribute("hidden", ""); });
  }
  function render(index, showErrors) {
    draft.page = index;
    saveDraft();
    var result = evaluate(draft.fields);
    var shown = shownPages(result);
    var errors = showErrors ? pageErrors(result, index) : [];
    var page = texts.pages[index];
    form.textContent = "";
    if (errors.length) {
      var summary = el("div", { class: "error-summary", role: "alert", tabindex: "-1", "aria-labelledby": "error-summary-title" });
      summary.appendChild(el("h2", { id: "error-summary-title" },
        (errors.length === 1 ? ui.errors_one : ui.errors_other).replace("%(num)d", errors.length).replace("{num}", errors.length)));
      var list = el("ul");
      errors.forEach(function (e) {
        var place = page.fields[e.q].fields[e.field];
        var message = ((page.messages[e.q] || {})[e.field] || {})[e.code] || "";
        var link = el("a", { href: "#" + place.target }, place.name + " " + message);
        link.addEventListener("click", function (event) {
          var target = document.getElementById(place.target);
          if (!target) return;
          event.preventDefault();
          (target.closest(".question") || target).scrollIntoView();
          target.focus({ preventScroll: true });
        });
        var li = el("li");
        li.appendChild(link);
        list.appendChild(li);
      });
      summary.appendChild(list);
      form.appendChild(summary);
    }
    var number = shown.indexOf(index) + 1;
    var progress = el("div", { class: "progress" });
    progress.appendChild(el("p", { id: "progress-text" }, format(ui.page, { number: number, total: shown.length })));
    var bar = el("progress", { max: String(shown.length), value: String(number), "aria-labelledby": "progress-text" });
    progress.appendChild(bar);
    form.appendChild(progress);
    if (page.title) form.appendChild(el("h2", { class: "page-title" }, page.title));
    if (page.intro) form.appendChild(el("p", { class: "intro" }, page.intro));
    if (consentScript) {
      if (number === 1) { form.appendChild(consentScript); consentScript.removeAttribute("hidden"); }
      else consentScript.setAttribute("hidden", "");
    }
    bundle.pages[index].questions.forEach(function (q) {
      var block = questionBlock(index, q.item, errors.filter(function (e) { return e.q === q.item; }));
      if (block) form.appendChild(block);
    });
    fill();
    applyConditions();
    var nav = el("div", { class: "nav-buttons" });
    var last = shown.indexOf(index) === shown.length - 1;
    nav.appendChild(button(last ? ui.save : ui.next, "primary", last ? finish : next));
    if (number > 1) nav.appendChild(button(ui.back, "secondary", back));
    form.appendChild(nav);
    var end = el("p");
    end.appendChild(button(ui.end, "link-button", confirmEnd));
    form.appendChild(end);
    if (errors.length) form.querySelector(".error-summary").focus();
    else if (showErrors === false) window.scrollTo(0, 0);
  }
  function next() {
    read();
    var result = evaluate(draft.fields);
    if (pageErrors(result, draft.page).length) { render(draft.page, true); return; }
    var following = shownPages(result).filter(function (i) { return i > draft.page; })[0];
    render(following === undefined ? draft.page : following, false);
  }
  function back() {
    read();
    var result = evaluate(draft.fields);
    var before = shownPages(result).filter(function (i) { return i < draft.page; });
    render(before.length ? before[before.length - 1] : draft.page, false);
  }
  function confirmEnd() {
    read();
    saveDraft();
    form.textContent = "";
    if (consentScript) consentScript.setAttribute("hidden", "");
    var heading = el("h2", { tabindex: "-1" }, ui.end_question);
    form.appendChild(heading);
    form.appendChild(el("p", {}, ui.end_explained));
    var nav = el("div", { class: "nav-buttons" });
    nav.appendChild(button(ui.end_no, "primary", function () { render(draft.page, false); }));
    form.appendChild(nav);
    var yes = el("p");
    yes.appendChild(button(ui.end_yes, "secondary", function () { start(fresh()); }));
    form.appendChild(yes);
    heading.focus();
  }
  function finish() {
    read();
    var result = evaluate(draft.fields);
    var bad = shownPages(result).filter(function (i) { return pageErrors(result, i).length; })[0];
    if (bad !== undefined) { render(bad, true); return; }
    var pairs = [];
    Object.keys(draft.fields).forEach(function (name) {
      draft.fields[name].forEach(function (value) { pairs.push([name, value]); });
    });
    var record = {
      uuid: draft.uuid, token: token, version: draft.version, started: draft.started,
      language: language, fields: pairs, saved_at: new Date().toISOString(), refused: null
    };
    keep(record).then(function () {
      localStorage.removeItem(DRAFT);
      form.textContent = "";
      if (consentScript) consentScript.setAttribute("hidden", "");
      var heading = el("h2", { tabindex: "-1" }, ui.saved_heading);
      form.appendChild(heading);
      form.appendChild(el("p", {}, ui.saved_text));
      form.appendChild(button(ui.next_interview, "primary", function () { start(fresh()); }));
      heading.focus();
      showQueue();
      send();
    }, function () {
      say(stateLine, ui.no_worker);
    });
  }
  function start(taken) {
    if (taken.version === latest.version) use(latest);
    draft = taken;
    language = draft.language = app.getAttribute("data-lang");
    var result = evaluate(draft.fields);
    var shown = shownPages(result);
    var page = draft.page !== null && shown.indexOf(draft.page) >= 0 ? draft.page : shown[0];
    area.removeAttribute("hidden");
    render(page, null);
  }
  form.addEventListener("input", function (event) {
    var other = event.target.getAttribute("data-other-for");
    if (other && event.target.value.trim()) document.getElementById(other).checked = true;
    read(); saveDraft(); applyConditions();
  });
  form.addEventListener("change", function () { read(); saveDraft(); applyConditions(); });
  form.addEventListener("submit", function (event) { event.preventDefault(); next(); });

  // --- the queue on screen, sending, backups ---------------------------------------------
  var countLine = $("[data-queue-count]");
  var sendLine = $("[data-send-state]");
  var refusedList = $("[data-refused]");
  var actions = $("[data-queue-actions]");
  var warning = $("[data-backup-warning]");
  function showQueue() {
    return queued().then(function (records) {
      var n = records.length;
      say(countLine, n === 0 ? ui.waiting_none : n === 1 ? ui.waiting_one : format(ui.waiting_other, { count: n }));
      refusedList.textContent = "";
      var refused = records.filter(function (r) { return r.refused; });
      refused.forEach(function (r) {
        refusedList.appendChild(el("li", {}, ui.refused + " " + r.refused.reason));
      });
      if (refused.length) refusedList.removeAttribute("hidden"); else refusedList.setAttribute("hidden", "");
      [actions, warning].forEach(function (x) { if (n) x.removeAttribute("hidden"); else x.setAttribute("hidden", ""); });
      return records;
    }).catch(function () { say(countLine, ui.no_worker); return []; });
  }
  var sending = false;
  function formToken() {
    return fetch(app.getAttribute("data-scope") + "/offline/token", { credentials: "same-origin", cache: "no-store" })
      .then(function (r) { if (!r.ok) throw new Error("token " + r.status); return r.json(); })
      .then(function (data) { return data.csrf_token; });
  }
  function post(record, csrfToken) {
    var body = new URLSearchParams();
    body.set("csrf_token", csrfToken);
    body.set("record", JSON.stringify({
      uuid: record.uuid, version: record.version, started: record.started,
      language: record.language, fields: record.fields
    }));
    return fetch(app.getAttribute("data-scope") + "/records", { method: "POST", body: body, credentials: "same-origin" });
  }
  function sendOne(record, csrf, retried) {
    return post(record, csrf).then(function (response) {
      if (response.ok) return drop(record.uuid).then(function () { return csrf; });
      if (response.status === 429 || response.status >= 500) throw new Error("later");
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (data.refused === "form_token" && !retried) {
          return formToken().then(function (again) { return sendOne(record, again, true); });
        }
        record.refused = { code: data.refused || String(response.status), reason: data.reason || response.statusText || String(response.status) };
        return keep(record).then(function () { return csrf; });
      });
    });
  }
  function send() {
    if (sending) return Promise.resolve();
    sending = true;
    return queued().then(function (records) {
      if (!records.length) return null;
      say(sendLine, ui.sending);
      return formToken().then(function (csrf) {
        return records.reduce(function (chain, record) {
          return chain.then(function (current) { return sendOne(record, current, false); });
        }, Promise.resolve(csrf));
      }).then(function () {
        return queued().then(function (left) {
          say(sendLine, left.length ? "" : ui.sent_all);
        });
      });
    }).catch(function () {
      say(sendLine, ui.not_sent);
    }).then(function () {
      sending = false;
      return showQueue();
    });
  }
  $("[data-send-now]").addEventListener("click", function () { send(); });
  window.addEventListener("online", function () { send(); });
  setInterval(function () { if (navigator.onLine) send(); }, 60000);
  $("[data-backup]").addEventListener("click", function () {
    queued().then(function (records) {
      var data = { kind: "interview-backup", format: 1, token: token, exported_at: new Date().toISOString(), records: records };
      var blob = new Blob([JSON.stringify(data, null, 1)], { type: "application/json" });
      var link = el("a", { href: URL.createObjectURL(blob), download: ui.backup_name + "-" + new Date().toISOString().slice(0, 10) + ".json" });
      document.body.appendChild(link);
      link.click();
      document.body.removeChild(link);
      setTimeout(function () { URL.revokeObjectURL(link.href); }, 1000);
    });
  });

  // --- installing for offline use -----------------------------------------------------------
  function allCached() {
    if (!window.caches) return Promise.resolve(false);
    var prefix = "interview:" + token + ":";
    var marker = app.getAttribute("data-scope") + "/offline-cache-name";
    return caches.open(prefix + "current").then(function (cache) { return cache.match(marker); })
      .then(function (response) { return response ? response.text() : null; })
      .then(function (name) {
        if (!name) return false;
        return caches.open(name).then(function (cache) {
          return Promise.all(bundle.assets.map(function (url) { return cache.match(url); }))
            .then(function (copies) { return copies.every(Boolean); });
        });
      });
  }
  function install() {
    if (!window.isSecureContext) { say(stateLine, ui.not_secure); return; }
    if (!("serviceWorker" in navigator) || !window.caches || !window.indexedDB) { say(stateLine, ui.no_worker); return; }
    say(stateLine, ui.preparing);
    navigator.serviceWorker.register(app.getAttribute("data-worker"), { scope: app.getAttribute("data-scope") })
      .then(function () { return navigator.serviceWorker.ready; })
      .then(function () { return 0; })
      .then(function poll(tries) {
        return allCached().then(function (ready) {
          if (ready) { say(stateLine, ui.ready); return; }
          if (tries < 30) return new Promise(function (r) { setTimeout(r, 500); }).then(function () { return poll(tries + 1); });
        });
      })
      .catch(function () { say(stateLine, ui.no_worker); });
    if (navigator.storage && navigator.storage.persist) {
      var storageLine = $("[data-storage-state]");
      navigator.storage.persisted().then(function (kept) { return kept || navigator.storage.persist(); })
        .then(function (kept) { say(storageLine, kept ? ui.persisted : ui.not_persisted); });
    }
    var ios = /iPad|iPhone|iPod/.test(navigator.userAgent) || (navigator.platform === "MacIntel" && navigator.maxTouchPoints > 1);
    var standalone = navigator.standalone || (window.matchMedia && matchMedia("(display-mode: standalone)").matches);
    if (ios && !standalone) $("[data-ios-hint]").removeAttribute("hidden");
  }

  fetch(app.getAttribute("data-bundle"), { credentials: "same-origin" })
    .then(function (r) { if (!r.ok) throw new Error("bundle " + r.status); return r.json(); })
    .then(function (data) {
      latest = data;
      use(data);
      install();
      var taken = loadDraft();
      return keepVersion(data).then(function () { return versionOf(taken); }).then(function (own) {
        if (own) use(own); else taken = null;  // its questions are gone: cannot go on
        start(taken || fresh());
        showQueue().then(function () { send(); });
      });
    })
    .catch(function () {
      say(stateLine, app.getAttribute("data-not-cached"));
    });
})();
