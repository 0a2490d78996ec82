// Asks the server which urgent callbacks are unresolved, every few seconds, for one page.
// A dedicated worker, because a background tab's own timers are throttled (to once a minute
// after a few minutes hidden) and a worker's are not: danger must reach a tab nobody looks at.
"use strict";
var url = null;
var every = 3000;
var timer = null;

// One chain of asks: a new wait replaces any pending one (an ask "now" may overlap the chain).
function later() {
  clearTimeout(timer);
  timer = setTimeout(ask, every);
}

function ask() {
  fetch(url, {
    credentials: "same-origin",
    cache: "no-store",
    headers: { "Accept": "application/json", "X-Followup-Poll": "1" }
  }).then(function (response) {
    if (response.status === 401) {  // the session ended: say so, and stop asking
      self.postMessage({ signedOut: true });
      return;
    }
    if (!response.ok) { throw new Error("urgent poll: " + response.status); }
    return response.json().then(function (body) {
      self.postMessage({ ids: body.ids.map(String) });
      later();
    });
  }).catch(function () {
    self.postMessage({ unreachable: true });
    later();
  });
}

self.onmessage = function (event) {
  if (event.data.now) {  // the page was shown again (or resumed): ask at once, not at the next tick
    if (url) { clearTimeout(timer); ask(); }
    return;
  }
  url = event.data.url;
  every = event.data.every;
  later();
};
