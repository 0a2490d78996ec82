// Urgent callbacks reach every signed-in page: a banner, the tab's title, and a sound when the
// commander turned it on. No inline script anywhere (the Content-Security-Policy forbids it),
// so behaviour lives here.
(function () {
  "use strict";
  var KEY = "followup.sound";
  var SEEN = "followup.urgentSeen"; // this tab's announced ids, kept across its page loads
  var baseTitle = null;

  function soundOn() { return window.localStorage.getItem(KEY) === "on"; }

  function paintToggle() {
    document.querySelectorAll("[data-sound-toggle]").forEach(function (button) {
      button.setAttribute("aria-pressed", soundOn() ? "true" : "false");
      button.textContent = "Sound for urgent: " + (soundOn() ? "on" : "off");
    });
  }

  function beep() {
    try {
      var context = new (window.AudioContext || window.webkitAudioContext)();
      var tone = context.createOscillator();
      tone.frequency.value = 880;
      tone.connect(context.destination);
      tone.start();
      tone.stop(context.currentTime + 0.4);
    } catch (e) { /* no audio device: the banner still shows */ }
  }

  function seenIds() {
    var kept = window.sessionStorage.getItem(SEEN);
    return kept === null ? null : (kept ? kept.split(",") : []);
  }

  function shownIds(region) {
    var banner = region.querySelector("[data-urgent-ids]");
    var ids = banner ? banner.getAttribute("data-urgent-ids") : "";
    return ids ? ids.split(",") : [];
  }

  // The banner is built from text nodes only: nothing the server sends becomes markup.
  function buildBanner(region, ids, announce) {
    var banner = document.createElement("div");
    banner.className = "urgent-banner";
    if (announce) { banner.setAttribute("role", "alert"); }
    banner.setAttribute("data-urgent-ids", ids.join(","));
    var lead = document.createElement("strong");
    lead.textContent = ids.length + " urgent " +
      (ids.length === 1 ? "callback needs" : "callbacks need") + " a call now:";
    banner.appendChild(lead);
    ids.forEach(function (id, index) {
      banner.appendChild(document.createTextNode(index ? ", " : " "));
      var link = document.createElement("a");
      link.href = region.getAttribute("data-callback-url") + id;
      link.textContent = "#" + id;
      banner.appendChild(link);
    });
    return banner;
  }

  function paintTitle(count) {
    if (baseTitle === null) { baseTitle = document.title; }
    document.title = count ? "(" + count + ") URGENT · " + baseTitle : baseTitle;
  }

  function note(region, text) {
    var line = region.querySelector(".urgent-note");
    if (!text) { if (line) { line.remove(); } return; }
    if (!line) {
      line = document.createElement("p");
      line.className = "urgent-note flash flash-error";
      region.appendChild(line);
    }
    if (line.textContent !== text) { line.textContent = text; }
  }

  // Change the page only when the set of urgent callbacks changed; announce (role="alert",
  // sound) only when one is new, so a screen reader is not told the same thing again.
  function update(region, ids) {
    note(region, "");
    region.setAttribute("data-updates", String(Number(region.getAttribute("data-updates") || 0) + 1));
    var before = seenIds();
    var fresh = before !== null && ids.some(function (id) { return before.indexOf(id) < 0; });
    window.sessionStorage.setItem(SEEN, ids.join(","));
    paintTitle(ids.length);
    var current = region.querySelector(".urgent-banner");
    if (shownIds(region).join(",") === ids.join(",") && !fresh) { return; }
    keepingPlace(function () {
      if (current) { current.remove(); }
      if (ids.length) {
        region.insertBefore(buildBanner(region, ids, fresh || !current), region.firstChild);
      }
    });
    if (fresh) {
      document.body.setAttribute("data-new-urgent", "1");
      if (soundOn()) { beep(); }
    }
  }

  function watchUrgent() {
    var region = document.getElementById("urgent");
    if (!region) { return; }
    var url = region.getAttribute("data-urgent-url");
    var every = Number(region.getAttribute("data-poll-ms")) || 3000;
    // What the server drew is what this tab has now seen (the first page after sign-in
    // announces nothing: the banner is already there).
    var drawn = shownIds(region);
    var before = seenIds();
    if (before !== null && drawn.some(function (id) { return before.indexOf(id) < 0; })) {
      document.body.setAttribute("data-new-urgent", "1");
      if (soundOn()) { beep(); }
    }
    window.sessionStorage.setItem(SEEN, drawn.join(","));
    paintTitle(drawn.length);

    function heard(data) {
      if (data.signedOut) {
        note(region, "You are signed out: urgent callbacks no longer reach this page. Sign in again.");
      } else if (data.unreachable) {
        note(region, "The server cannot be reached: urgent callbacks may not show here.");
      } else if (data.ids) {
        update(region, data.ids.map(String));
      }
    }
    function poll() {
      fetch(url, { credentials: "same-origin", headers: { "X-Followup-Poll": "1" } })
        .then(function (r) { return r.status === 401 ? { signedOut: true } : r.json(); })
        .then(heard, function () { heard({ unreachable: true }); });
    }
    var worker = null;
    try {
      worker = new Worker(region.getAttribute("data-worker-url"));
      worker.onmessage = function (event) { heard(event.data); };
      worker.postMessage({ url: url, every: every });
    } catch (e) {
      // No worker: ask from the page itself (throttled in a background tab, but still asked).
      worker = null;
      window.setInterval(poll, every);
    }
    // Hidden, the tab keeps asking (the worker is not throttled) and its title says what is
    // urgent. Shown again, or thawed after the browser froze it, it asks at once, so the
    // banner is current the moment the commander looks.
    function askNow() {
      if (worker) { worker.postMessage({ now: true }); } else { poll(); }
    }
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "visible") { askNow(); }
    });
    document.addEventListener("resume", askNow);
    window.addEventListener("pageshow", function (event) { if (event.persisted) { askNow(); } });
  }

  // --- the live queue: patch what changed, never the whole table --------------------------

  // Run ``change`` and keep what the person is looking at where it was on the screen: the
  // focused element, or else the first queue row in view.
  function keepingPlace(change) {
    var anchor = document.activeElement;
    if (!anchor || anchor === document.body) {
      anchor = Array.prototype.find.call(document.querySelectorAll("#live tbody tr"), function (tr) {
        return tr.getBoundingClientRect().bottom > 0;
      }) || null;
    }
    var row = anchor ? anchor.closest("tr[id]") : null;
    var top = anchor ? anchor.getBoundingClientRect().top : 0;
    change();
    if (anchor && !anchor.isConnected && row) { anchor = document.getElementById(row.id); }
    if (anchor && anchor.isConnected) {
      var moved = anchor.getBoundingClientRect().top - top;
      if (moved) { window.scrollBy(0, moved); }
    }
  }

  var FOCUSABLE = "a[href], button, input, select, textarea, [tabindex]";

  // Put each row of ``fresh`` in ``body`` in order; a row whose markup did not change stays
  // the same element (keyboard focus, the screen reader's place and the scroll stay with it).
  function patchRows(body, fresh) {
    var active = document.activeElement;
    var focusRow = active && body.contains(active) ? active.closest("tr[id]") : null;
    var focusAt = focusRow ? Array.prototype.indexOf.call(focusRow.querySelectorAll(FOCUSABLE), active) : -1;
    var kept = [];
    var cursor = body.firstElementChild;
    Array.prototype.forEach.call(fresh.children, function (row) {
      var old = row.id ? body.querySelector("#" + CSS.escape(row.id)) : null;
      var node = old;
      if (!old || old.outerHTML !== row.outerHTML) {
        node = document.importNode(row, true);
        if (old) {
          if (cursor === old) { cursor = old.nextElementSibling; }
          old.remove();
        }
      }
      if (node === cursor) { cursor = cursor.nextElementSibling; } else { body.insertBefore(node, cursor); }
      kept.push(node);
    });
    Array.prototype.slice.call(body.children).forEach(function (row) {
      if (kept.indexOf(row) < 0) { row.remove(); }
    });
    if (focusRow && document.activeElement !== active) {
      var again = document.getElementById(focusRow.id);
      var target = again ? again.querySelectorAll(FOCUSABLE)[focusAt] : null;
      if (target) { target.focus({ preventScroll: true }); }
    }
  }

  function patchCounts(live, fresh) {
    fresh.querySelectorAll("[data-count]").forEach(function (count) {
      var old = live.querySelector('[data-count="' + count.getAttribute("data-count") + '"]');
      if (!old) { return; }
      if (old.textContent !== count.textContent) { old.textContent = count.textContent; }
      if (old.className !== count.className) { old.className = count.className; }
    });
    var shown = live.querySelector("[data-shown]");
    var freshShown = fresh.querySelector("[data-shown]");
    if (shown && freshShown && shown.textContent !== freshShown.textContent) {
      shown.textContent = freshShown.textContent;
    }
  }

  function watchLive() {
    var live = document.getElementById("live");
    if (!live || !live.hasAttribute("data-live-url")) { return; }
    var url = live.getAttribute("data-live-url");
    var every = Number(live.getAttribute("data-poll-ms")) || 5000;
    var updates = 0;
    function later() { window.setTimeout(ask, every); }
    function ask() {
      fetch(url, { credentials: "same-origin", cache: "no-store", headers: { "X-Followup-Poll": "1" } })
        .then(function (response) {
          if (response.status === 401) {  // signed out: the sign-in page says why
            window.location.assign(response.headers.get("HX-Redirect") || "/login");
            return;
          }
          if (!response.ok) { throw new Error("queue refresh: " + response.status); }
          return response.text().then(function (html) {
            var fresh = document.createElement("template");
            fresh.innerHTML = html;  // the server escaped every caller's word; nothing runs here
            keepingPlace(function () {
              patchCounts(live, fresh.content);
              var body = live.querySelector("tbody");
              var rows = fresh.content.querySelector("tbody");
              if (body && rows) { patchRows(body, rows); }
            });
            updates += 1;
            live.setAttribute("data-updates", String(updates));
            later();
          });
        })
        .catch(later);
    }
    later();
  }

  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-sound-toggle]")) {
      window.localStorage.setItem(KEY, soundOn() ? "off" : "on");
      paintToggle();
    }
    if (event.target.closest("[data-print]")) { window.print(); }
  });
  document.addEventListener("DOMContentLoaded", function () {
    paintToggle();
    watchUrgent();
    watchLive();
  });
})();
