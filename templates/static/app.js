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
    var before = seenIds();
    var fresh = before !== null && ids.some(function (id) { return before.indexOf(id) < 0; });
    window.sessionStorage.setItem(SEEN, ids.join(","));
    paintTitle(ids.length);
    var current = region.querySelector(".urgent-banner");
    if (shownIds(region).join(",") === ids.join(",") && !fresh) { return; }
    if (current) { current.remove(); }
    if (ids.length) {
      region.insertBefore(buildBanner(region, ids, fresh || !current), region.firstChild);
    }
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
    try {
      var worker = new Worker(region.getAttribute("data-worker-url"));
      worker.onmessage = function (event) { heard(event.data); };
      worker.postMessage({ url: url, every: every });
    } catch (e) {
      // No worker: ask from the page itself (throttled in a background tab, but still asked).
      window.setInterval(function () {
        fetch(url, { credentials: "same-origin", headers: { "X-Followup-Poll": "1" } })
          .then(function (r) { return r.status === 401 ? { signedOut: true } : r.json(); })
          .then(heard, function () { heard({ unreachable: true }); });
      }, every);
    }
  }

  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-sound-toggle]")) {
      window.localStorage.setItem(KEY, soundOn() ? "off" : "on");
      paintToggle();
    }
    if (event.target.closest("[data-print]")) { window.print(); }
  });
  document.addEventListener("DOMContentLoaded", function () { paintToggle(); watchUrgent(); });
})();
