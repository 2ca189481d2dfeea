// Dev server only (make serve): reload this page when a rebuild has finished. The server adds
// this script to every HTML page it serves, with the number of the build the page came from,
// and announces each finished build on an event stream (same origin, so the site's CSP allows
// it). A page that came from an older build than the server's reloads at once: a build that
// finished while the page loaded is not missed. The search page also reloads when what the
// search finds has changed since it was served (the search index is written after the
// build; the page's address keeps the search).
(function () {
  "use strict";
  var script = document.currentScript;
  var shown = script.getAttribute("data-build");
  var searched = script.getAttribute("data-search");
  var events = new EventSource(script.getAttribute("data-events"));
  events.addEventListener("build", function (event) {
    if (event.data !== shown) {
      events.close();
      window.location.reload();
    }
  });
  events.addEventListener("search", function (event) {
    if (event.data !== searched && document.querySelector("[data-search-ui]")) {
      events.close();
      window.location.reload();
    }
  });
})();
