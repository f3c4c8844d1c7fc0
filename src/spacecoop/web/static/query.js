// The query page with JavaScript: the textarea becomes YASGUI's SPARQL editor (Yasqe, vendored in
// static/vendor/yasgui/), the query is posted to /sparql and its answer drawn under the editor by Yasr:
// first as a table whose IRIs are labelled and link to their pages (labels come from a second query),
// then Yasr's own table and the raw response. Completion offers the prefixes a query may use undeclared
// and the vocabulary's classes and properties, all given in the page (#editor-config): Yasqe's own
// completers, which ask prefix.cc and lov.linkeddata.es, are not used. The examples, grouped by source
// document, are filtered as you type; a click loads one and runs it. The page's address carries the
// query (?query=…) once it runs. Without this script the form posts to /query instead. The text it
// writes comes from #query-messages (in the page's language), else the English below; the labels of
// the answer's IRIs are chosen in the page's language first, then the browser's.
(function () {
  "use strict";
  var form = document.getElementById("query-form");
  var configElement = document.getElementById("editor-config");
  if (!form || !configElement || !window.fetch || !window.URLSearchParams || !window.Yasgui) { return; }
  var Yasqe = window.Yasgui.Yasqe, Yasr = window.Yasgui.Yasr;
  var config = JSON.parse(configElement.textContent);

  // `{count}` is filled in; a message given as [one, more] has a form for 1 and one for other numbers.
  var ENGLISH = {
    running: "Running…",
    download: "Download:",
    rows: ["{count} row", "{count} rows"],
    yes: "yes (true)",
    no: "no (false)",
    labelledTable: "Labelled table",
    editor: "SPARQL query"
  };
  var given = {};
  try {
    var messagesElement = document.getElementById("query-messages");
    given = messagesElement ? JSON.parse(messagesElement.textContent) || {} : {};
  } catch (e) { given = {}; }
  function written(text) { return typeof text === "string" && text.length > 0; }
  // The message `key` (English if the page gives none), with `values` filled in; for a message
  // with forms, the form for `values.count`.
  function message(key, values) {
    var english = ENGLISH[key], text = given[key];
    var fits = Array.isArray(english)
      ? Array.isArray(text) && text.length === english.length && text.every(written)
      : written(text);
    if (!fits) { text = english; }
    values = values || {};
    if (Array.isArray(text)) { text = text[values.count === 1 ? 0 : 1]; }
    return text.replace(/\{(\w+)\}/g, function (whole, name) { return name in values ? String(values[name]) : whole; });
  }
  var endpoint = new URL(config.endpoint, window.location.href).href;
  var canonicalBase = form.getAttribute("data-canonical-base");
  var serverBase = form.getAttribute("data-server-base");
  var textarea = document.getElementById("query");
  var statusLine = document.getElementById("status");
  var results = document.getElementById("results");
  var languages = [document.documentElement.lang || "en"].concat(navigator.languages || [navigator.language || "en"])
    .map(function (l) { return l.toLowerCase().split("-")[0]; })
    .filter(function (l, i, all) { return l && all.indexOf(l) === i; });
  if (languages.indexOf("en") < 0) { languages.push("en"); }

  function el(name, attrs, text) {
    var node = document.createElement(name);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined && text !== null) { node.textContent = text; }
    return node;
  }
  function toServer(iri) {
    return iri.indexOf(canonicalBase) === 0 ? serverBase + iri.slice(canonicalBase.length) : iri;
  }
  function shareableUrl(query) {
    return window.location.pathname + "?" + new URLSearchParams({ query: query }).toString();
  }

  // ---- completion, from the page only -----------------------------------------------------------
  function knownPrefixes(yasqe) {
    return Object.assign({}, config.prefixes, yasqe.getPrefixesFromQuery());
  }
  // The token as an IRI (or the start of one): `sco:cre` with a predeclared or declared prefix is
  // expanded, `<https://…` is read as written; other text is matched against local names.
  function preProcessToken(yasqe, token) {
    var text = token.string.trim();
    token.autocompletionString = text.replace(/^</, "").replace(/>$/, "");
    var colon = text.indexOf(":");
    if (text[0] !== "<" && colon > -1) {
      var namespace = knownPrefixes(yasqe)[text.slice(0, colon)];
      if (namespace !== undefined) {
        token.tokenPrefix = text.slice(0, colon + 1);
        token.tokenPrefixUri = namespace;
        token.autocompletionString = namespace + text.slice(colon + 1);
      }
    }
    return token;
  }
  // An IRI as the query writes it: with a prefix it may use, else in angle brackets.
  function postProcessSuggestion(yasqe, token, iri) {
    var prefixes = knownPrefixes(yasqe);
    var best = null;
    Object.keys(prefixes).forEach(function (p) {
      if (iri.indexOf(prefixes[p]) === 0 && (best === null || prefixes[p].length > prefixes[best].length)) { best = p; }
    });
    return best === null ? "<" + iri + ">" : best + ":" + iri.slice(prefixes[best].length);
  }
  function localName(iri) { return iri.split(/[#\/]/).pop(); }
  function matching(terms) {
    return function (yasqe, token) {
      var wanted = ((token && token.autocompletionString) || "").toLowerCase();
      var bare = wanted.indexOf(":") < 0;
      return terms.filter(function (iri) {
        return iri.toLowerCase().indexOf(wanted) === 0 || (bare && localName(iri).toLowerCase().indexOf(wanted) === 0);
      });
    };
  }
  var own = { preProcessToken: preProcessToken, postProcessSuggestion: postProcessSuggestion, bulk: false, persistenceId: null };
  Yasqe.forkAutocompleter("prefixes", {
    name: "site-prefixes", bulk: true, persistenceId: null,
    get: function () { return Object.keys(config.prefixes).sort().map(function (p) { return p + ": <" + config.prefixes[p] + ">"; }); }
  }, false);
  Yasqe.forkAutocompleter("property", Object.assign({ name: "site-properties", get: matching(config.properties) }, own), false);
  Yasqe.forkAutocompleter("class", Object.assign({ name: "site-classes", get: matching(config.classes) }, own), false);
  // Replaced in place: Yasqe merges its defaults into the configuration index by index.
  var completers = ["site-prefixes", "site-properties", "site-classes", "variables"];
  Yasqe.defaults.autocompleters.splice(0, Yasqe.defaults.autocompleters.length);
  Array.prototype.push.apply(Yasqe.defaults.autocompleters, completers);

  // ---- the answer as a labelled table (a Yasr plugin) --------------------------------------------
  function post(query, accept) {
    return fetch(endpoint, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", "Accept": accept },
      body: new URLSearchParams({ query: query }).toString()
    });
  }
  function fetchLabels(iris) {
    if (!iris.length) { return Promise.resolve({}); }
    var values = iris.slice(0, 500).map(function (i) { return "<" + i + ">"; }).join(" ");
    var q = "SELECT ?x ?label WHERE { VALUES ?x { " + values + " } GRAPH ?g { ?x ?p ?label } " +
      "FILTER(?p IN (<http://www.w3.org/2000/01/rdf-schema#label>, <http://www.w3.org/2004/02/skos/core#prefLabel>, <http://purl.org/dc/terms/title>)) }";
    return post(q, "application/sparql-results+json").then(function (r) { return r.ok ? r.json() : { results: { bindings: [] } }; })
      .then(function (doc) {
        var found = {};
        doc.results.bindings.forEach(function (b) {
          (found[b.x.value] = found[b.x.value] || []).push({ value: b.label.value, lang: (b.label["xml:lang"] || "").toLowerCase().split("-")[0] });
        });
        var chosen = {};
        Object.keys(found).forEach(function (iri) {
          var labels = found[iri].sort(function (a, b) { return a.value < b.value ? -1 : 1; });
          var pick = null;
          languages.some(function (lang) { pick = labels.filter(function (l) { return l.lang === lang; })[0] || null; return pick; });
          pick = pick || labels.filter(function (l) { return !l.lang; })[0] || labels[0];
          var zh = pick.lang === "zh" ? null : labels.filter(function (l) { return l.lang === "zh"; })[0];
          chosen[iri] = { label: pick.value, beside: zh ? zh.value : null };
        });
        return chosen;
      });
  }
  function cell(term, labels) {
    var td = el("td");
    if (!term) { return td; }
    if (term.type === "uri") {
      var l = labels[term.value];
      td.appendChild(el("a", { href: toServer(term.value), title: term.value }, l ? l.label : localName(term.value) || term.value));
      if (l && l.beside) { td.appendChild(document.createTextNode(" ")); td.appendChild(el("span", { "class": "beside", lang: "zh" }, l.beside)); }
    } else if (term.type === "bnode") {
      td.appendChild(el("code", {}, "_:" + term.value));
    } else {
      var span = el("span", { "class": "literal" }, term.value);
      if (term["xml:lang"]) { span.setAttribute("lang", term["xml:lang"]); }
      td.appendChild(span);
      var tag = term["xml:lang"] ? "@" + term["xml:lang"] : (term.datatype && !/#string$/.test(term.datatype) ? term.datatype.replace("http://www.w3.org/2001/XMLSchema#", "xsd:") : null);
      if (tag) { td.appendChild(document.createTextNode(" ")); td.appendChild(el("span", { "class": "tag" }, tag)); }
    }
    return td;
  }
  class LabelledTable {
    constructor(yasr) { this.yasr = yasr; this.priority = 20; this.label = message("labelledTable"); }
    canHandleResults() {
      var r = this.yasr.results;
      return !!r && !r.hasError() && (typeof r.getBoolean() === "boolean" || (r.getVariables() || []).length > 0);
    }
    getIcon() { return el("span", { "class": "labelled-icon", "aria-hidden": "true" }, "⊞"); }
    draw() {
      var r = this.yasr.results, target = this.yasr.resultsEl;
      if (typeof r.getBoolean() === "boolean") {
        target.appendChild(el("p", { "class": "boolean", id: "boolean-result" }, message(r.getBoolean() ? "yes" : "no")));
        return Promise.resolve();
      }
      var vars = r.getVariables() || [], rows = r.getBindings() || [], iris = {};
      rows.forEach(function (b) { vars.forEach(function (v) { if (b[v] && b[v].type === "uri") { iris[b[v].value] = true; } }); });
      return fetchLabels(Object.keys(iris)).then(function (labels) {
        target.appendChild(el("p", { "class": "count" }, message("rows", { count: rows.length })));
        var table = el("table", { "class": "results", id: "results-table" });
        var head = el("tr");
        vars.forEach(function (v) { head.appendChild(el("th", { scope: "col" }, v)); });
        table.appendChild(el("thead")).appendChild(head);
        var body = table.appendChild(el("tbody"));
        rows.forEach(function (b) {
          var tr = el("tr");
          vars.forEach(function (v) { tr.appendChild(cell(b[v], labels)); });
          body.appendChild(tr);
        });
        target.appendChild(table);
      });
    }
  }
  Yasr.registerPlugin("labelled", LabelledTable);

  // ---- the editor and the answer -----------------------------------------------------------------
  var holder = el("div", { id: "yasqe" });
  form.insertBefore(holder, textarea);
  textarea.hidden = true;
  var yasqe = new Yasqe(holder, {
    value: textarea.value,
    persistenceId: null,
    autocompleters: completers,
    showQueryButton: false,
    resizeable: true,
    editorHeight: "14rem",
    consumeShareLink: null,
    createShareableLink: function (y) { return new URL(shareableUrl(y.getValue()), window.location.href).href; },
    requestConfig: {
      endpoint: endpoint,
      method: "POST",
      acceptHeaderSelect: "application/sparql-results+json",
      acceptHeaderGraph: "text/turtle"
    }
  });
  holder.yasqe = yasqe;  // for scripts in the page, and for its tests
  yasqe.getInputField().setAttribute("aria-label", message("editor"));
  yasqe.on("change", function () { textarea.value = yasqe.getValue(); });

  var yasrHolder = el("div", { id: "yasr" });
  var yasr = new Yasr(yasrHolder, {
    persistenceId: null,
    prefixes: config.prefixes,
    pluginOrder: ["labelled", "table", "response"],
    defaultPlugin: "labelled"
  });

  function downloads(query, kind) {
    var p = el("p", { "class": "downloads" }, message("download") + " ");
    config.downloads[kind].forEach(function (f, i) {
      if (i) { p.appendChild(document.createTextNode(" · ")); }
      p.appendChild(el("a", { href: config.endpoint + "?" + new URLSearchParams({ query: query, format: f[1] }).toString() }, f[0]));
    });
    return p;
  }
  function problem(text) {
    try { var p = JSON.parse(text); return p.detail || p.title || text; } catch (e) { return text; }
  }
  function finish() {
    statusLine.textContent = "";
    results.removeAttribute("aria-busy");
    var box = results.getBoundingClientRect();  // the answer (or the error) in view, wherever the run started
    if (box.top < 0 || box.top > window.innerHeight - 40) { results.scrollIntoView({ block: "start" }); }
    results.setAttribute("data-state", "done");
  }
  var running = "";
  yasqe.on("queryBefore", function () {
    running = yasqe.getValue();
    statusLine.textContent = message("running");
    results.setAttribute("aria-busy", "true");
    results.setAttribute("data-state", "running");
    if (window.history && history.replaceState) { history.replaceState(null, "", shareableUrl(running)); }
  });
  yasqe.on("queryResponse", function (_yasqe, response, duration) {
    results.textContent = "";
    if (response instanceof Error || !response || !response.ok) {
      results.appendChild(el("p", { "class": "error", id: "query-error" }, problem(String(response && response.message || response))));
      finish();
      return;
    }
    var type = (response.headers.get("Content-Type") || "").split(";")[0].trim();
    results.appendChild(downloads(running, type === "text/turtle" ? "graph" : "results"));
    results.appendChild(yasrHolder);
    yasr.once("drawn", finish);
    yasr.setResponse(response, duration);
  });
  function run() {
    yasqe.query().catch(function () { /* drawn by the queryResponse handler */ });
  }
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    run();
  });

  // ---- the examples ------------------------------------------------------------------------------
  Array.prototype.forEach.call(document.querySelectorAll("a.example"), function (link) {
    link.addEventListener("click", function (event) {
      if (event.ctrlKey || event.metaKey || event.shiftKey) { return; }
      event.preventDefault();
      yasqe.setValue(link.getAttribute("data-query"));
      Array.prototype.forEach.call(document.querySelectorAll("a.example.chosen"), function (a) { a.classList.remove("chosen"); });
      link.classList.add("chosen");
      run();
    });
  });
  var filter = document.getElementById("example-filter");
  if (filter) {
    filter.parentNode.hidden = false;
    filter.addEventListener("input", function () {
      var words = filter.value.toLowerCase().split(/\s+/).filter(Boolean);
      Array.prototype.forEach.call(document.querySelectorAll("#examples .example-group"), function (group) {
        var title = (group.querySelector("h3") || {}).textContent || "";
        var shown = 0;
        Array.prototype.forEach.call(group.querySelectorAll("li"), function (item) {
          var link = item.querySelector("a.example");
          var text = (title + " " + item.textContent + " " + (link ? link.getAttribute("data-name") : "")).toLowerCase();
          item.hidden = !words.every(function (w) { return text.indexOf(w) >= 0; });
          if (!item.hidden) { shown += 1; }
        });
        group.hidden = shown === 0;
      });
    });
  }
  results.setAttribute("data-editor", "ready");
})();
