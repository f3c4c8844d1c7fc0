// The query page without reloading: the form is sent to /sparql as a plain
// SPARQL-protocol form post, the answer is drawn as a table, IRIs are labelled
// with a second query. Without this script the form posts to /query instead.
(function () {
  "use strict";
  var form = document.getElementById("query-form");
  if (!form || !window.fetch || !window.URLSearchParams) { return; }
  var sparql = form.getAttribute("data-sparql");
  var canonicalBase = form.getAttribute("data-canonical-base");
  var serverBase = form.getAttribute("data-server-base");
  var textarea = document.getElementById("query");
  var statusLine = document.getElementById("status");
  var results = document.getElementById("results");
  var languages = (navigator.languages || [navigator.language || "en"]).map(function (l) { return l.toLowerCase().split("-")[0]; });
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
  function post(query, accept) {
    return fetch(sparql, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", "Accept": accept },
      body: new URLSearchParams({ query: query }).toString()
    });
  }
  function problem(response) {
    return response.text().then(function (text) {
      try { var p = JSON.parse(text); return p.detail || p.title || text; } catch (e) { return text; }
    });
  }
  // N-Triples terms, enough for answers of CONSTRUCT and DESCRIBE.
  var TERM = /<([^>]*)>|(_:\S+)|"((?:[^"\\]|\\.)*)"(?:@([A-Za-z0-9-]+)|\^\^<([^>]*)>)?/g;
  function unescapeNt(s) { return JSON.parse('"' + s.replace(/\\U([0-9A-Fa-f]{8})/g, function (_, h) { return String.fromCodePoint(parseInt(h, 16)).replace(/"/g, '\\"'); }) + '"'); }
  function parseNTriples(text) {
    var rows = [];
    text.split("\n").forEach(function (line) {
      line = line.trim();
      if (!line || line[0] === "#") { return; }
      var terms = [], m;
      TERM.lastIndex = 0;
      while ((m = TERM.exec(line)) !== null && terms.length < 3) {
        if (m[1] !== undefined) { terms.push({ type: "uri", value: m[1] }); }
        else if (m[2] !== undefined) { terms.push({ type: "bnode", value: m[2].slice(2) }); }
        else { terms.push({ type: "literal", value: unescapeNt(m[3]), "xml:lang": m[4], datatype: m[5] }); }
      }
      if (terms.length === 3) { rows.push({ subject: terms[0], predicate: terms[1], object: terms[2] }); }
    });
    return { head: { vars: ["subject", "predicate", "object"] }, results: { bindings: rows } };
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
  function shortName(iri) { var parts = iri.split(/[#\/]/); return parts[parts.length - 1] || iri; }
  function cell(term, labels) {
    var td = el("td");
    if (!term) { return td; }
    if (term.type === "uri") {
      var l = labels[term.value];
      td.appendChild(el("a", { href: toServer(term.value), title: term.value }, l ? l.label : shortName(term.value)));
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
  function downloads(query, kind) {
    var formats = kind === "graph" ? [["Turtle", "ttl"], ["N-Triples", "nt"], ["JSON-LD", "jsonld"], ["RDF/XML", "rdf"]]
      : [["JSON", "json"], ["XML", "xml"], ["CSV", "csv"], ["TSV", "tsv"]];
    var p = el("p", { "class": "downloads" }, "Download: ");
    formats.forEach(function (f, i) {
      if (i) { p.appendChild(document.createTextNode(" · ")); }
      p.appendChild(el("a", { href: sparql + "?" + new URLSearchParams({ query: query, format: f[1] }).toString() }, f[0]));
    });
    return p;
  }
  function show(doc, query, kind) {
    results.textContent = "";
    results.appendChild(downloads(query, kind));
    if (typeof doc.boolean === "boolean") {
      results.appendChild(el("p", { "class": "boolean", id: "boolean-result" }, doc.boolean ? "yes (true)" : "no (false)"));
      return Promise.resolve();
    }
    var vars = doc.head.vars || [], rows = doc.results.bindings;
    var iris = {};
    rows.forEach(function (b) { vars.forEach(function (v) { if (b[v] && b[v].type === "uri") { iris[b[v].value] = true; } }); });
    return fetchLabels(Object.keys(iris)).then(function (labels) {
      results.appendChild(el("p", { "class": "count" }, rows.length + " rows"));
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
      results.appendChild(table);
    });
  }
  function run(query) {
    statusLine.textContent = "Running…";
    results.setAttribute("aria-busy", "true");
    return post(query, "application/sparql-results+json, application/n-triples;q=0.9").then(function (response) {
      if (!response.ok) {
        return problem(response).then(function (detail) {
          results.textContent = "";
          results.appendChild(el("p", { "class": "error", id: "query-error" }, detail));
        });
      }
      var type = (response.headers.get("Content-Type") || "").split(";")[0].trim();
      if (type === "application/n-triples") {
        return response.text().then(function (t) { return show(parseNTriples(t), query, "graph"); });
      }
      return response.json().then(function (doc) { return show(doc, query, "select"); });
    }).catch(function (error) {
      results.textContent = "";
      results.appendChild(el("p", { "class": "error", id: "query-error" }, String(error)));
    }).then(function () {
      statusLine.textContent = "";
      results.removeAttribute("aria-busy");
      var box = results.getBoundingClientRect();  // the answer (or the error) in view, wherever the run started
      if (box.top < 0 || box.top > window.innerHeight - 40) { results.scrollIntoView({ block: "start" }); }
      results.setAttribute("data-state", "done");
    });
  }
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var query = textarea.value;
    if (window.history && history.replaceState) {
      history.replaceState(null, "", form.getAttribute("action") + "?" + new URLSearchParams({ query: query }).toString());
    }
    run(query);
  });
  Array.prototype.forEach.call(document.querySelectorAll("a.example"), function (link) {
    link.addEventListener("click", function (event) {
      if (event.ctrlKey || event.metaKey || event.shiftKey) { return; }
      event.preventDefault();
      textarea.value = link.getAttribute("data-query");
      Array.prototype.forEach.call(document.querySelectorAll("a.example.chosen"), function (a) { a.classList.remove("chosen"); });
      link.classList.add("chosen");
      if (window.history && history.replaceState) { history.replaceState(null, "", link.getAttribute("href")); }
      run(textarea.value);
    });
  });
})();
