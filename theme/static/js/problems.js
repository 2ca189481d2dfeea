// The problem panel of dev builds (PROBLEMS_PANEL): every page lists the problems of the
// last build, each with its file and line, from the file the build writes after every run
// (.servicebook/problems.json). `make serve` reloads the page after each rebuild, so the
// panel follows the sources, and is gone once they are fixed. A file of its own, so the
// site's Content-Security-Policy (no inline scripts or styles) allows it.
(function () {
  "use strict";
  var script = document.currentScript;
  var here = script.dataset.source ? script.dataset.content + "/" + script.dataset.source : "";
  var notFound = script.dataset.notFound === "true";

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text) node.textContent = text;
    return node;
  }

  function problemItem(problem) {
    var item = element("li", "problem problem-" + problem.severity + (problem.field === "skipped" ? " problem-skipped" : ""));
    var where = problem.source ? problem.source + (problem.line ? ":" + problem.line : "") : "";
    if (where) {
      item.appendChild(element("code", "problem-where", where));
      item.appendChild(document.createTextNode(": "));
    }
    var rest = [problem.severity === "note" ? "note" : "", problem.field, problem.message];
    item.appendChild(document.createTextNode(rest.filter(Boolean).join(": ")));
    return item;
  }

  // What this page has to do with the problems: it is missing, or its source has some.
  function pageNotice(data) {
    var skipped = data.skipped || [];
    if (notFound && skipped.length) {
      return "No page at this address. These sources were not published, so their pages are missing: " +
        skipped.join(", ") + ".";
    }
    if (here && skipped.indexOf(here) >= 0) {
      return "This page is left over from an earlier build: its source, " + here +
        ", was not published this time (see below).";
    }
    if (here && data.problems.some(function (p) { return p.source === here; })) {
      return "This page's source, " + here + ", has problems (first in the list).";
    }
    return "";
  }

  function render(data) {
    var old = document.getElementById("build-problems");
    if (old) old.remove();
    document.documentElement.classList.remove("has-build-problems");
    // How many problems the page shows, once it knows (for the tests, and for a look in devtools).
    document.documentElement.dataset.buildProblems = data ? String(data.problems.length) : "unknown";
    if (!data || (data.ok && !data.problems.length)) return;
    var panel = element("aside", "build-problems");
    panel.id = "build-problems";
    panel.setAttribute("aria-label", "Build problems");
    var details = element("details");
    details.open = true;
    var summary = element("summary");
    summary.appendChild(element("strong", "", data.ok ? "Build problems" : "The last build stopped"));
    summary.appendChild(document.createTextNode(": " + data.summary));
    details.appendChild(summary);
    var notice = pageNotice(data);
    if (notice) details.appendChild(element("p", "build-problems-here", notice));
    var mine = data.problems.filter(function (p) { return here && p.source === here; });
    var others = data.problems.filter(function (p) { return !(here && p.source === here); });
    var list = element("ul");
    mine.concat(others).forEach(function (problem) { list.appendChild(problemItem(problem)); });
    details.appendChild(list);
    details.appendChild(element("p", "build-problems-help",
      "Shown by the dev build only (make serve, make build); the terminal lists the same problems."));
    panel.appendChild(details);
    document.body.appendChild(panel);
    document.documentElement.classList.add("has-build-problems");
  }

  fetch(script.dataset.problems, { cache: "no-store" })
    .then(function (response) { return response.ok ? response.json() : null; })
    .then(render)
    .catch(function () { /* opened from disk, or no build has written it yet */ });
})();
