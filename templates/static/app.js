// Urgent callbacks: a banner always, and a sound when the commander turned it on.
// No inline script anywhere (the Content-Security-Policy forbids it), so behaviour lives here.
(function () {
  "use strict";
  var KEY = "followup.sound";
  var seen = null; // ids of urgent callbacks already announced on this page

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

  function checkUrgent() {
    var banner = document.querySelector("[data-urgent-ids]");
    var ids = banner ? banner.getAttribute("data-urgent-ids").split(",") : [];
    if (seen !== null && ids.some(function (id) { return seen.indexOf(id) < 0; })) {
      document.body.setAttribute("data-new-urgent", "1");
      if (soundOn()) { beep(); }
    }
    seen = ids;
  }

  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-sound-toggle]")) {
      window.localStorage.setItem(KEY, soundOn() ? "off" : "on");
      paintToggle();
    }
    if (event.target.closest("[data-print]")) { window.print(); }
  });
  document.addEventListener("htmx:afterSwap", checkUrgent);
  document.addEventListener("DOMContentLoaded", function () { paintToggle(); checkUrgent(); });
})();
