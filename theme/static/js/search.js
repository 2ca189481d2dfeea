/* The /search/ page: our search form driving Pagefind's Component UI.
 *
 * Loaded only by theme/templates/search.html, after /pagefind/pagefind-component-ui.js
 * (both deferred). Pagefind's components render the summary, the filters (every filter in
 * the index: tags, categories, case facets, whatever the templates mark) and the results; this
 * file connects our labelled <input> to them, renders each result (title, date, author,
 * category, highlighted excerpt), and keeps the address bar in step: /search/?q=billing&tag=refunds
 * opens with that search, and typing or ticking a filter updates it with history.replaceState.
 */
(function () {
  "use strict";

  var ui = document.querySelector("[data-search-ui]");
  if (!ui) {
    return;
  }
  var components = window.PagefindComponents;
  if (!components) {
    // Pagefind's script did not load: no index was built (SEARCH_INDEX = False?) or it failed.
    var unavailable = document.querySelector("[data-search-unavailable]");
    if (unavailable) {
      unavailable.hidden = false;
    }
    return;
  }
  var form = ui.querySelector("form");
  var input = form.querySelector("input[type=search]");
  var results = ui.querySelector("pagefind-results");
  var instance = components.getInstanceManager().getInstance("default");
  // A large site's index is in shards (plugins/search_index): one search over all of them.
  // Set before Pagefind loads (its loading reads the list), so loading starts here.
  instance.options.mergeIndex = (ui.getAttribute("data-search-shards") || "").split(" ").filter(Boolean)
    .map(function (bundlePath) {
      return { bundlePath: bundlePath };
    });
  var recentScript = document.querySelector("script[data-recent-index]");
  // Pagefind's loading step (Component UI 1.5): without it, the search shows the index on disk.
  if (recentScript && typeof instance.__doLoad__ === "function") {
    withRecentChanges(recentScript.getAttribute("data-recent-index"));
  }
  instance.triggerLoad();
  // Short: Pagefind answers in tens of milliseconds, and the budget is 150 ms to first result.
  var DEBOUNCE_MS = 50;
  var MONTHS = ["January", "February", "March", "April", "May", "June", "July",
    "August", "September", "October", "November", "December"];
  var baseTitle = document.title;

  /* "2024-03-09" -> "9 March 2024", as on the rest of the site (DEFAULT_DATE_FORMAT). */
  function formatDate(iso) {
    var parts = /^(\d{4})-(\d{2})-(\d{2})/.exec(iso || "");
    if (!parts) {
      return iso || "";
    }
    return Number(parts[3]) + " " + MONTHS[Number(parts[2]) - 1] + " " + parts[1];
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text !== undefined) {
      node.textContent = text;
    }
    return node;
  }

  /* Pagefind's excerpt is text with <mark> around the matches: keep exactly that, as DOM nodes. */
  function excerptNodes(html) {
    var template = document.createElement("template");
    template.innerHTML = html || "";
    var out = document.createDocumentFragment();
    (function copy(from) {
      from.childNodes.forEach(function (node) {
        if (node.nodeType === Node.TEXT_NODE) {
          out.appendChild(document.createTextNode(node.textContent));
        } else if (node.nodeName === "MARK") {
          out.appendChild(element("mark", "", node.textContent));
        } else if (node.nodeType === Node.ELEMENT_NODE) {
          copy(node);
        }
      });
    })(template.content);
    return out;
  }

  function renderResult(result) {
    var meta = result.meta || {};
    var item = element("li", "search-result");
    var heading = element("h2", "search-result-title");
    var link = element("a", "", meta.title || result.url);
    link.href = meta.url || result.url;
    heading.appendChild(link);
    item.appendChild(heading);

    var line = element("p", "meta");
    var bits = [];
    if (meta.date) {
      var time = element("time", "", formatDate(meta.date));
      time.dateTime = meta.date;
      bits.push(time);
    }
    if (meta.author) {
      bits.push("by " + meta.author);
    }
    var category = result.filters && result.filters.category && result.filters.category[0];
    if (category) {
      bits.push("in " + category);
    }
    bits.forEach(function (bit, index) {
      if (index) {
        line.appendChild(document.createTextNode(" · "));
      }
      line.append(bit);
    });
    if (bits.length) {
      item.appendChild(line);
    }
    if (result.excerpt) {
      var excerpt = element("p", "search-result-excerpt");
      excerpt.appendChild(excerptNodes(result.excerpt));
      item.appendChild(excerpt);
    }
    return item;
  }

  /* ---- Under make serve: the recent changes (servicebook/recent_index.py). ---- */

  /* The pages changed since the index on disk was written are in a bundle of their own,
   * merged with the others; the pages of the index they replace, or that are gone, are left
   * out of the results and of the filter counts. The manifest is read before Pagefind loads
   * (whoever starts the loading). */
  function withRecentChanges(base) {
    var load = instance.__doLoad__.bind(instance);
    var ready = fetch(base + "manifest.json", { cache: "no-store" })
      .then(function (response) {
        return response.ok ? response.json() : null;
      })
      .catch(function () {
        return null;
      })
      .then(function (recent) {
        if (recent && recent.bundle) {
          instance.options.mergeIndex.push({ bundlePath: base + recent.bundle });
        }
        if (recent && Object.keys(recent.hidden || {}).length) {
          leaveOut(recent.hidden);
        }
      });
    instance.__doLoad__ = function () {
      return ready.then(load);
    };
  }

  /* Pagefind as the components get it, without the pages `hidden` ({page id: filters}). */
  function leaveOut(hidden) {
    var current = null;
    Object.defineProperty(instance, "__pagefind__", {
      configurable: true,
      get: function () {
        return current;
      },
      set: function (pagefind) {
        current = pagefind && withoutPages(pagefind, hidden);
      }
    });
  }

  function withoutPages(pagefind, hidden) {
    var wrapped = Object.create(pagefind);
    function isHidden(result) {
      return Object.prototype.hasOwnProperty.call(hidden, result.id);
    }
    function filtersOf(results) {
      return results.filter(isHidden).map(function (result) {
        return hidden[result.id];
      });
    }
    // Every page's counts: a value no page has left is in no count (as in a clean build).
    var everyPage = null;
    function countsOfEveryPage() {
      everyPage = everyPage || pagefind.filters().then(function (counts) {
        return withoutCounts(counts, Object.keys(hidden).map(function (id) {
          return hidden[id];
        }));
      });
      return everyPage;
    }
    wrapped.filters = function () {
      return countsOfEveryPage().then(function (counts) {
        return withoutValues(counts, counts);
      });
    };
    wrapped.search = function (term, options) {
      return pagefind.search(term, options).then(function (found) {
        if (!found || !found.results) {
          return found;
        }
        var gone = filtersOf(found.results);
        var out = Object.assign({}, found, {
          results: found.results.filter(function (result) {
            return !isHidden(result);
          })
        });
        // Counts without the selected filters: from the same search without them.
        var all = term && hasFilters(options && options.filters)
          ? pagefind.search(term, {}).then(function (unfiltered) {
            return filtersOf((unfiltered && unfiltered.results) || []);
          })
          : Promise.resolve(gone);
        return Promise.all([all, countsOfEveryPage()]).then(function (both) {
          var goneAll = both[0];
          out.filters = withoutValues(withoutCounts(found.filters, gone), both[1]);
          out.totalFilters = withoutValues(withoutCounts(found.totalFilters, goneAll), both[1]);
          out.unfilteredResultCount = Math.max(0, (found.unfilteredResultCount || 0) - goneAll.length);
          return out;
        });
      });
    };
    return wrapped;
  }

  /* Filter counts ({name: {value: count}}) less one for each value of each of `pages`. */
  function withoutCounts(counts, pages) {
    if (!counts) {
      return counts;
    }
    var out = JSON.parse(JSON.stringify(counts));
    pages.forEach(function (filters) {
      Object.keys(filters || {}).forEach(function (name) {
        (filters[name] || []).forEach(function (value) {
          if (out[name] && out[name][value] > 0) {
            out[name][value] -= 1;
          }
        });
      });
    });
    return out;
  }

  /* `counts` without the values that `everyPage` (counts over every page) has none of. */
  function withoutValues(counts, everyPage) {
    if (!counts) {
      return counts;
    }
    var out = {};
    Object.keys(counts).forEach(function (name) {
      out[name] = {};
      Object.keys(counts[name]).forEach(function (value) {
        if (!everyPage[name] || everyPage[name][value] !== 0) {
          out[name][value] = counts[name][value];
        }
      });
    });
    return out;
  }

  /* ---- The address bar: ?q=TERM plus one NAME=VALUE per selected filter value. ---- */

  function filterNames() {
    return Object.keys(instance.totalFilters || instance.availableFilters || {});
  }

  function hasFilters(filters) {
    return Object.keys(filters || {}).some(function (name) {
      return filters[name] && filters[name].length;
    });
  }

  function filtersFromUrl(params) {
    var filters = {};
    filterNames().forEach(function (name) {
      var values = params.getAll(name).filter(Boolean);
      if (values.length) {
        filters[name] = values;
      }
    });
    return filters;
  }

  function writeUrl(term, filters) {
    var url = new URL(window.location.href);
    url.searchParams.delete("q");
    filterNames().forEach(function (name) {
      url.searchParams.delete(name);
    });
    if (term) {
      url.searchParams.set("q", term);
    }
    Object.keys(filters || {}).sort().forEach(function (name) {
      (filters[name] || []).forEach(function (value) {
        url.searchParams.append(name, value);
      });
    });
    if (url.href !== window.location.href) {
      window.history.replaceState(window.history.state, "", url.href);
    }
    document.title = term ? "Search: " + term + " · " + baseTitle.replace(/^Search · /, "") : baseTitle;
  }

  /* Resolves once the index's filter names are known. triggerLoad() alone is not enough: when
   * another component started loading first, it resolves as soon as Pagefind is loaded, before
   * the filter list has arrived, and a shared address would then lose its filters. */
  function filtersKnown() {
    return instance.triggerLoad().then(function () {
      if (instance.totalFilters || instance.availableFilters) {
        return;
      }
      return new Promise(function (resolve) {
        instance.on("filters", resolve);
      });
    });
  }

  /* ---- Wiring ---- */

  // Filters on their own (no words typed) list every page that matches them.
  instance.on("search", function (term, filters) {
    instance.faceted = !term && hasFilters(filters);
    writeUrl(term, filters);
  });
  results.resultTemplate = renderResult;
  // No filter in the index (a site without tags): no "Filter" heading over an empty pane.
  var filterSection = ui.querySelector(".search-filters");
  instance.on("filters", function (counts) {
    filterSection.hidden = !Object.keys((counts && (counts.total || counts.available)) || {}).length;
  });

  // Our input takes part in the components' keyboard handling: typing on a result returns
  // here, and the down arrow moves from here to the first result.
  form.inputEl = input;
  form.focus = function () {
    input.focus();
  };
  instance.registerInput(form, { keyboardNavigation: true });

  var pending = 0;
  input.addEventListener("input", function () {
    window.clearTimeout(pending);
    pending = window.setTimeout(function () {
      instance.triggerSearch(input.value.trim());
    }, DEBOUNCE_MS);
  });
  input.addEventListener("keydown", function (event) {
    if (event.key === "ArrowDown" && instance.focusNextResults(input)) {
      event.preventDefault();
    }
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    window.clearTimeout(pending);
    instance.triggerSearch(input.value.trim());
  });

  // Follow the colour scheme, so Pagefind's own controls (checkboxes) match the page.
  var dark = window.matchMedia("(prefers-color-scheme: dark)");
  function applyScheme() {
    document.documentElement.setAttribute("data-pf-theme", dark.matches ? "dark" : "light");
  }
  applyScheme();
  dark.addEventListener("change", applyScheme);

  ui.hidden = false;

  // A shared address (/search/?q=billing&tag=refunds) opens with its search.
  var params = new URLSearchParams(window.location.search);
  var term = (params.get("q") || "").trim();
  input.value = term;
  var start = term || Array.from(params.keys()).some(function (key) { return key !== "q"; });
  if (start) {
    filtersKnown().then(function () {
      var filters = filtersFromUrl(params);
      if (term || hasFilters(filters)) {
        instance.triggerSearchWithFilters(term, filters);
      }
    });
  }
})();
