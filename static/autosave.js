/* ASC Rounds: a draft never loses text.
 *
 * The answers form saves itself through htmx as the leader types (hx-post, hx-trigger on the form). This
 * script keeps a copy of every field in localStorage, keyed by application id and the revision the edits
 * are based on ("asc-draft:<id>:<revision>"), until the server confirms a save; it restores text that was
 * not saved after a reload, says when a save failed, and retries when the connection returns.
 * No inline script (the CSP forbids it), no libraries. Messages come translated from the page.
 */
(function () {
  "use strict";

  var PREFIX = "asc-draft:";
  var RETRY_MS = 20000;

  function openStore() {
    try {
      var store = window.localStorage;
      store.setItem(PREFIX + "probe", "1");
      store.removeItem(PREFIX + "probe");
      return store;
    } catch (error) {
      return null; // private mode or storage disabled: autosave still works, only the local copy is missing
    }
  }

  function keysOf(store, id) {
    var keys = [];
    for (var i = 0; i < store.length; i += 1) {
      var key = store.key(i);
      if (key && key.indexOf(PREFIX + id + ":") === 0) {
        keys.push(key);
      }
    }
    return keys.sort(function (a, b) { return revisionOf(a) - revisionOf(b); });
  }

  function revisionOf(key) {
    return parseInt(key.slice(key.lastIndexOf(":") + 1), 10) || 0;
  }

  function readCopy(store, key) {
    try {
      var data = JSON.parse(store.getItem(key) || "{}");
      return data && typeof data.fields === "object" && data.fields ? data.fields : {};
    } catch (error) {
      return {};
    }
  }

  function writeCopy(store, key, fields) {
    try {
      if (Object.keys(fields).length) {
        store.setItem(key, JSON.stringify({ fields: fields, at: Date.now() }));
      } else {
        store.removeItem(key);
      }
    } catch (error) {
      /* storage full: nothing more can be kept */
    }
  }

  function answerFields(form) {
    var result = [];
    for (var i = 0; i < form.elements.length; i += 1) {
      var element = form.elements[i];
      var type = (element.type || "").toLowerCase();
      if (!element.name || element.name === "_csrf_token" || element.disabled) { continue; }
      if (type === "hidden" || type === "file" || type === "submit" || type === "button" || type === "reset") { continue; }
      result.push(element);
    }
    return result;
  }

  /* The current value of every answer: {name: value}; a radio group gives its checked value or "". */
  function valuesOf(form) {
    var values = {};
    answerFields(form).forEach(function (element) {
      if (element.type === "radio" || element.type === "checkbox") {
        if (!(element.name in values)) { values[element.name] = ""; }
        if (element.checked) { values[element.name] = element.value; }
      } else {
        values[element.name] = element.value;
      }
    });
    return values;
  }

  function setValue(form, name, value) {
    answerFields(form).forEach(function (element) {
      if (element.name !== name) { return; }
      if (element.type === "radio" || element.type === "checkbox") {
        element.checked = element.value === value;
      } else if (element.tagName === "SELECT" && value !== "" &&
                 !Array.prototype.some.call(element.options, function (o) { return o.value === value; })) {
        var option = document.createElement("option");
        option.value = value;
        option.textContent = value;
        element.appendChild(option);
        element.value = value;
      } else {
        element.value = value;
      }
    });
  }

  function show(element, visible) {
    if (element) { element.hidden = !visible; }
  }

  function start() {
    var root = document.querySelector("[data-autosave-application]");
    var store = openStore();
    if (!root || !store) { return; }
    var id = root.getAttribute("data-autosave-application");
    var state = root.getAttribute("data-autosave-state");
    if (state === "closed") {
      /* Submitted or withdrawn: the text is final and nothing local is needed any more. */
      keysOf(store, id).forEach(function (key) { store.removeItem(key); });
      return;
    }
    var form = document.getElementById("answers-form");
    if (!form || state !== "open") { return; }

    var restoredNotice = document.getElementById("autosave-restored");
    var offlineNotice = document.getElementById("autosave-offline");
    var action = form.getAttribute("hx-post") || form.getAttribute("action");
    var revision = parseInt(form.getAttribute("data-revision"), 10) || 0;
    var sent = null;
    var pending = false;
    var retryTimer = null;

    function currentKey() { return PREFIX + id + ":" + revision; }

    function save() {
      if (window.htmx) { window.htmx.trigger(form, "change"); }
    }

    function scheduleRetry() {
      if (retryTimer) { return; }
      retryTimer = window.setTimeout(function () {
        retryTimer = null;
        if (pending && navigator.onLine !== false) { save(); }
      }, RETRY_MS);
    }

    /* After a reload: put back what was typed but not saved. A copy based on the page's revision (or a
       later one) is newer than the server's text; an older copy only fills fields that are empty. */
    var server = valuesOf(form);
    var keep = {};
    var restored = false;
    keysOf(store, id).forEach(function (key) {
      var newer = revisionOf(key) >= revision;
      var copy = readCopy(store, key);
      Object.keys(copy).forEach(function (name) {
        if (!(name in server) || typeof copy[name] !== "string") { return; }
        var current = valuesOf(form)[name];
        if (copy[name] === current) { return; }
        if (newer || current === "") {
          setValue(form, name, copy[name]);
          keep[name] = copy[name];
          restored = true;
        }
      });
      store.removeItem(key);
    });
    writeCopy(store, currentKey(), keep);
    if (restored) {
      pending = true;
      show(restoredNotice, true);
      window.setTimeout(save, 0); // htmx has set the form up by now (it starts on DOMContentLoaded first)
    }

    function remember(event) {
      var target = event.target;
      if (!target || target === form || !target.name || target.name === "_csrf_token") { return; }
      var copy = readCopy(store, currentKey());
      copy[target.name] = valuesOf(form)[target.name];
      writeCopy(store, currentKey(), copy);
      pending = true;
    }
    form.addEventListener("input", remember);
    form.addEventListener("change", remember);

    form.addEventListener("htmx:configRequest", function (event) {
      if (event.detail.elt !== form) { return; }
      event.detail.path = action; // a submit button's formaction never turns an autosave into a submission
      sent = valuesOf(form);
    });

    /* A refusal the server explains (deadline passed, already submitted) is shown in the status line. */
    form.addEventListener("htmx:beforeSwap", function (event) {
      var xhr = event.detail.xhr;
      if (xhr && xhr.status >= 400 && xhr.getResponseHeader("X-Autosave-Error")) {
        event.detail.shouldSwap = true;
        event.detail.isError = false;
      }
    });

    form.addEventListener("htmx:afterRequest", function (event) {
      if (event.detail.elt !== form) { return; }
      var xhr = event.detail.xhr;
      if (!xhr || xhr.status < 200 || xhr.status >= 300) {
        if (!xhr || !xhr.getResponseHeader("X-Autosave-Error")) {
          show(offlineNotice, true);
          scheduleRetry();
        }
        return;
      }
      /* Saved: forget what the server now holds; keep what changed while the request was on its way. */
      var next = parseInt(xhr.getResponseHeader("X-Draft-Revision"), 10) || revision;
      var now = valuesOf(form);
      var still = {};
      Object.keys(now).forEach(function (name) {
        if (!sent || !(name in sent) || sent[name] !== now[name]) { still[name] = now[name]; }
      });
      keysOf(store, id).forEach(function (key) { store.removeItem(key); });
      revision = next;
      form.setAttribute("data-revision", String(revision));
      writeCopy(store, currentKey(), still);
      pending = Object.keys(still).length > 0;
      show(offlineNotice, false);
    });

    form.addEventListener("htmx:sendError", function () {
      show(offlineNotice, true);
      scheduleRetry();
    });

    window.addEventListener("online", function () {
      if (pending) { save(); }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
