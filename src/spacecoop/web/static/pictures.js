// Pictures of the data (spacecoop.web.pages.pictures). Each <figure data-picture> shows its SPARQL
// query and carries its drawing settings as JSON; this script sends the query to the server's /sparql,
// reads the answer into resources and links (a network, drawn by vis-network) or dated items (a
// timeline, drawn by vis-timeline), and filters both by the source document each fact comes from.
// Every node and item opens its resource's page. Without this script the figure says so and
// links to its query; the page's own lists and tables hold the data. The text it writes comes from
// the figure's JSON (`messages`, in the page's language), else the English below.
(function () {
  "use strict";

  const XSD = "http://www.w3.org/2001/XMLSchema#";
  const MAX_LABEL = 48;

  // ---- the text it writes ---------------------------------------------------------------------

  // `{name}` is filled in; a message given as [one, more] has a form for the number 1 and one for
  // other numbers (the page chose them in its language).
  const ENGLISH = {
    loading: "Asking the SPARQL endpoint…",
    empty: "No source document is chosen.",
    failed: "The picture could not be drawn: {problem}",
    noLibrary: "the drawing library ({library}) did not load",
    endpoint: "the endpoint answered {status}: {detail}",
    resources: ["{count} resource", "{count} resources"],
    network: ["{resources}, {count} link", "{resources}, {count} links"],
    timeline: ["{count} dated item", "{count} dated items"],
  };

  // The message `key` of `config` (English if the page gives none), with `values` filled in; its
  // form for `values.count` if it has forms.
  function message(config, key, values) {
    const english = ENGLISH[key];
    const given = config.messages ? config.messages[key] : undefined;
    const written = (t) => typeof t === "string" && t.length > 0;
    const fits = Array.isArray(english)
      ? Array.isArray(given) && given.length === english.length && given.every(written)
      : written(given);
    const text = fits ? given : english;
    const chosen = Array.isArray(text) ? text[values.count === 1 ? 0 : 1] : text;
    return chosen.replace(/\{(\w+)\}/g, (whole, name) => (name in values ? String(values[name]) : whole));
  }

  // ---- SPARQL answers -------------------------------------------------------------------------

  async function select(config) {
    const response = await fetch(config.sparql, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", "Accept": "application/sparql-results+json" },
      body: new URLSearchParams({ query: config.query }).toString(),
    });
    if (!response.ok) {
      const text = await response.text();
      let detail = text;
      try { const problem = JSON.parse(text); detail = problem.detail || problem.title || text; } catch (e) { /* text */ }
      throw new Error(message(config, "endpoint", { status: response.status, detail: detail }));
    }
    const answer = await response.json();
    return answer.results.bindings;
  }

  function value(row, name) { return row[name] ? row[name].value : null; }
  function language(row, name) {
    const term = row[name];
    return term && term["xml:lang"] ? term["xml:lang"].toLowerCase().split("-")[0] : "";
  }

  // The labels of one resource; `choose` prefers the page's languages, then a label without a
  // language, then the first in order (as the server's pages do).
  class Labels {
    constructor() { this.seen = new Map(); }
    add(text, lang) { if (text !== null && !this.seen.has(lang + "\u0000" + text)) { this.seen.set(lang + "\u0000" + text, { text: text, lang: lang }); } }
    choose(languages) {
      const all = Array.from(this.seen.values()).sort((a, b) => (a.text < b.text ? -1 : a.text > b.text ? 1 : 0));
      for (const lang of languages) {
        const found = all.find((l) => l.lang === lang);
        if (found) { return found.text; }
      }
      const plain = all.find((l) => l.lang === "");
      return plain ? plain.text : (all.length ? all[0].text : null);
    }
  }

  function localName(iri) {
    const tail = iri.replace(/[/#]+$/, "");
    return tail.slice(Math.max(tail.lastIndexOf("/"), tail.lastIndexOf("#")) + 1);
  }
  function shorten(text) { return text.length > MAX_LABEL ? text.slice(0, MAX_LABEL - 1) + "…" : text; }
  function toServer(config, iri) {
    return iri.indexOf(config.canonicalBase) === 0 ? config.serverBase + iri.slice(config.canonicalBase.length) : iri;
  }
  function el(name, attrs, text) {
    const node = document.createElement(name);
    Object.keys(attrs || {}).forEach((k) => node.setAttribute(k, attrs[k]));
    if (text !== undefined && text !== null) { node.textContent = text; }
    return node;
  }
  function someIn(documents, chosen) {
    for (const d of documents) { if (chosen.has(d)) { return true; } }
    return false;
  }

  // The resource's kind: the first of its kinds in the configured order (most specific first).
  function kindOf(config, kinds) {
    const name = config.kindOrder.find((k) => kinds.has(k)) || "other";
    return Object.assign({ name: name }, config.kinds[name]);
  }

  // The source documents the facts come from, with their titles.
  function readDocuments(rows) {
    const documents = new Map();
    rows.forEach((row) => {
      const iri = value(row, "document");
      if (!iri) { return; }
      if (!documents.has(iri)) { documents.set(iri, new Labels()); }
      documents.get(iri).add(value(row, "documentTitle"), language(row, "documentTitle"));
    });
    return documents;
  }

  // The legend names the kinds drawn, and no other.
  function showLegend(figure, kinds) {
    const drawn = new Set(kinds);
    figure.querySelectorAll(".picture-legend li[data-kind]").forEach((li) => { li.hidden = !drawn.has(li.getAttribute("data-kind")); });
  }

  // ---- the network ----------------------------------------------------------------------------

  function readNetwork(rows) {
    const nodes = new Map();
    const links = new Map();
    rows.forEach((row) => {
      const iri = value(row, "node");
      if (!iri) { return; }
      const link = value(row, "link");
      if (link) {
        const target = value(row, "target");
        const key = [iri, link, target].join(" ");
        if (!links.has(key)) { links.set(key, { from: iri, to: target, link: link, documents: new Set() }); }
        if (value(row, "document")) { links.get(key).documents.add(value(row, "document")); }
        return;
      }
      if (!nodes.has(iri)) { nodes.set(iri, { iri: iri, kinds: new Set(), labels: new Labels(), documents: new Set() }); }
      const node = nodes.get(iri);
      if (value(row, "kind")) { node.kinds.add(value(row, "kind")); }
      node.labels.add(value(row, "label"), language(row, "label"));
      if (value(row, "document")) { node.documents.add(value(row, "document")); }
    });
    return { nodes: nodes, links: links };
  }

  // What the chosen documents state: their links between resources drawn, the resources they
  // state (with a class), the ends of those links, and the focus of a neighbourhood.
  function visibleNetwork(model, chosen, focus) {
    const links = Array.from(model.links.values()).filter((l) =>
      model.nodes.has(l.from) && model.nodes.has(l.to) && someIn(l.documents, chosen));
    const shown = new Set();
    if (focus && model.nodes.has(focus)) { shown.add(focus); }
    links.forEach((l) => { shown.add(l.from); shown.add(l.to); });
    model.nodes.forEach((node, iri) => { if (someIn(node.documents, chosen)) { shown.add(iri); } });
    return { nodes: Array.from(shown).map((iri) => model.nodes.get(iri)), links: links };
  }

  function tooltip(lines) {
    const box = el("div", { "class": "picture-tooltip" });
    lines.forEach((line, i) => box.appendChild(el(i === 0 ? "strong" : "div", {}, line)));
    return box;
  }

  function visNode(config, node) {
    const kind = kindOf(config, node.kinds);
    const label = node.labels.choose(config.languages) || localName(node.iri);
    const focus = node.iri === config.focus;
    return {
      id: node.iri,
      url: toServer(config, node.iri),
      kind: kind.name,
      label: shorten(label),
      title: tooltip([label, kind.label, node.iri]),
      shape: kind.shape,
      size: focus ? 22 : 12,
      borderWidth: focus ? 4 : 1,
      color: { background: kind.colour, border: focus ? "#1d232b" : kind.colour,
               highlight: { background: kind.colour, border: "#1d232b" }, hover: { background: kind.colour, border: "#1d232b" } },
      font: { size: focus ? 16 : 12, color: "#1d232b", strokeWidth: 3, strokeColor: "#ffffff" },
    };
  }

  function visEdge(config, link, labelled) {
    const name = localName(link.link);
    return {
      id: [link.from, link.link, link.to].join(" "),
      from: link.from, to: link.to,
      label: labelled ? name : undefined,
      title: tooltip([name, link.link]),
      arrows: { to: { enabled: true, scaleFactor: 0.5 } },
      color: { color: "#9aa5b1", highlight: "#1d232b", hover: "#1d232b" },
      font: { size: 10, color: "#5b6672", strokeWidth: 3, align: "middle" },
      smooth: { enabled: true, type: "continuous", roundness: 0.3 },
    };
  }

  const NETWORK_OPTIONS = {
    layout: { randomSeed: 7, improvedLayout: true },
    physics: { solver: "forceAtlas2Based", forceAtlas2Based: { gravitationalConstant: -60, springLength: 90 },
               stabilization: { iterations: 400, fit: true } },
    interaction: { hover: true, tooltipDelay: 150, navigationButtons: false, keyboard: false },
  };

  function drawNetwork(figure, config, rows) {
    const model = readNetwork(rows);
    const canvas = figure.querySelector(".picture-canvas");
    const network = new window.vis.Network(canvas, { nodes: [], edges: [] }, NETWORK_OPTIONS);
    const open = (params) => {
      if (params.nodes && params.nodes.length === 1) {
        const node = network.body.data.nodes.get(params.nodes[0]);
        if (node && node.url) { window.location.assign(node.url); }
      }
    };
    network.on("click", open);
    network.on("doubleClick", open);
    network.on("hoverNode", () => { canvas.style.cursor = "pointer"; });
    network.on("blurNode", () => { canvas.style.cursor = ""; });
    // once laid out, the nodes stay where they are (and say so, for whoever waits to click them)
    network.on("stabilizationIterationsDone", () => {
      network.setOptions({ physics: false });
      figure.setAttribute("data-layout", "settled");
    });
    figure.network = network;

    const show = (chosen) => {
      const visible = visibleNetwork(model, chosen, config.focus);
      figure.removeAttribute("data-layout");
      network.setOptions({ physics: NETWORK_OPTIONS.physics });
      network.setData({
        nodes: new window.vis.DataSet(visible.nodes.map((n) => visNode(config, n))),
        edges: new window.vis.DataSet(visible.links.map((l) => visEdge(config, l, Boolean(config.focus)))),
      });
      showLegend(figure, visible.nodes.map((n) => kindOf(config, n.kinds).name));
      const resources = message(config, "resources", { count: visible.nodes.length });
      return message(config, "network", { resources: resources, count: visible.links.length });
    };
    return show;
  }

  // ---- the timeline ---------------------------------------------------------------------------

  // The period a stated date covers, at the precision stated: a day is a point, a month or a year
  // spans the month or the year. Null for a value that is no date of these kinds.
  function period(text, datatype) {
    const made = (y, m, d) => { const t = new Date(2000, m, d); t.setFullYear(y); return t; };
    let m;
    if (datatype === XSD + "date" && (m = /^(-?\d{4,})-(\d{2})-(\d{2})(Z|[+-]\d{2}:\d{2})?$/.exec(text))) {
      return { start: made(+m[1], +m[2] - 1, +m[3]), end: null };
    }
    if (datatype === XSD + "gYearMonth" && (m = /^(-?\d{4,})-(\d{2})(Z|[+-]\d{2}:\d{2})?$/.exec(text))) {
      return { start: made(+m[1], +m[2] - 1, 1), end: made(+m[1], +m[2], 1) };
    }
    if (datatype === XSD + "gYear" && (m = /^(-?\d{4,})(Z|[+-]\d{2}:\d{2})?$/.exec(text))) {
      return { start: made(+m[1], 0, 1), end: made(+m[1] + 1, 0, 1) };
    }
    return null;
  }

  function readTimeline(rows) {
    const items = new Map();
    rows.forEach((row) => {
      const iri = value(row, "node");
      const date = row.date;
      if (!iri || !date) { return; }
      const key = [iri, value(row, "dateProperty"), date.value, date.datatype].join(" ");
      if (!items.has(key)) {
        items.set(key, { key: key, iri: iri, property: value(row, "dateProperty"), date: date.value, datatype: date.datatype,
                         kinds: new Set(), labels: new Labels(), timeframes: new Labels(), documents: new Set() });
      }
      const item = items.get(key);
      if (value(row, "kind")) { item.kinds.add(value(row, "kind")); }
      item.labels.add(value(row, "label"), language(row, "label"));
      item.timeframes.add(value(row, "timeframe"), language(row, "timeframe"));
      if (value(row, "document")) { item.documents.add(value(row, "document")); }
    });
    return items;
  }

  function visItem(config, item) {
    const when = period(item.date, item.datatype);
    if (!when) { return null; }
    const kind = kindOf(config, item.kinds);
    const label = item.labels.choose(config.languages) || localName(item.iri);
    const url = toServer(config, item.iri);
    const property = config.properties[item.property] || localName(item.property);
    const timeframe = item.timeframes.choose(config.languages);
    const content = el("a", { href: url, "class": "picture-item-link" }, shorten(label));
    content.appendChild(el("span", { "class": "picture-item-date" }, ` ${item.date}`));
    const lines = [label, `${kind.label} · ${property}: ${item.date}`];
    if (timeframe) { lines.push(`“${timeframe}”`); }
    return {
      id: item.key,
      url: url,
      kind: kind.name,
      content: content,
      title: lines.map((l) => l.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")).join("<br>"),
      start: when.start,
      end: when.end || undefined,
      type: when.end ? "range" : "box",
      className: `picture-kind-${kind.name}`,
      style: `border-color: ${kind.colour}; --kind: ${kind.colour};`,
    };
  }

  function drawTimeline(figure, config, rows) {
    const model = readTimeline(rows);
    const items = new window.vis.DataSet([]);
    const canvas = figure.querySelector(".picture-canvas");
    const timeline = new window.vis.Timeline(canvas, items, {
      stack: true, selectable: false, showCurrentTime: false, zoomKey: "ctrlKey", margin: { item: 6, axis: 8 },
      maxHeight: 520, orientation: { axis: "top" }, tooltip: { followMouse: false, overflowMethod: "cap" },
    });
    timeline.on("click", (props) => {
      if (props.item === null || props.item === undefined) { return; }
      const target = props.event && props.event.target;
      if (target && target.closest && target.closest("a")) { return; }  // the link opens the page itself
      const item = items.get(props.item);
      if (item && item.url) { window.location.assign(item.url); }
    });
    figure.timeline = timeline;

    const show = (chosen) => {
      const visible = Array.from(model.values()).filter((i) => someIn(i.documents, chosen))
        .map((i) => visItem(config, i)).filter((i) => i !== null);
      items.clear();
      items.add(visible);
      showLegend(figure, visible.map((i) => i.kind));
      if (visible.length) { timeline.fit({ animation: false }); }
      return message(config, "timeline", { count: visible.length });
    };
    return show;
  }

  // ---- the document filter --------------------------------------------------------------------

  function buildFilter(figure, config, documents, redraw) {
    const fieldset = figure.querySelector(".picture-filter");
    const ordered = Array.from(documents.entries()).map(([iri, labels]) => ({
      iri: iri, title: labels.choose(config.languages) || localName(iri),
    })).sort((a, b) => (a.iri < b.iri ? -1 : a.iri > b.iri ? 1 : 0));
    const chosen = new Set(ordered.map((d) => d.iri));
    ordered.forEach((d) => {
      const box = el("input", { type: "checkbox", value: d.iri });
      box.checked = true;
      box.addEventListener("change", () => {
        if (box.checked) { chosen.add(d.iri); } else { chosen.delete(d.iri); }
        redraw(chosen);
      });
      const label = el("label", { title: d.iri });
      label.appendChild(box);
      label.appendChild(document.createTextNode(" " + d.title));
      fieldset.appendChild(label);
    });
    fieldset.hidden = ordered.length < 2;
    return chosen;
  }

  // ---- each figure ----------------------------------------------------------------------------

  async function picture(figure) {
    const status = figure.querySelector(".picture-status");
    const config = JSON.parse(figure.querySelector("script.picture-config").textContent);
    config.query = figure.querySelector(".picture-query code").textContent;
    const say = (state, text) => { figure.setAttribute("data-state", state); status.textContent = text; };
    try {
      const library = config.drawing === "timeline" ? "Timeline" : "Network";
      if (!window.vis || !window.vis[library]) { throw new Error(message(config, "noLibrary", { library: `vis ${library}` })); }
      say("loading", message(config, "loading", {}));
      const rows = await select(config);
      const show = config.drawing === "timeline" ? drawTimeline(figure, config, rows) : drawNetwork(figure, config, rows);
      const redraw = (chosen) => {
        const summary = show(chosen);
        if (!chosen.size && rows.length) { say("empty", message(config, "empty", {})); } else { say("done", summary); }
      };
      redraw(buildFilter(figure, config, readDocuments(rows), redraw));
    } catch (error) {
      say("error", message(config, "failed", { problem: error.message }));
    }
  }

  function start() { document.querySelectorAll("figure[data-picture]").forEach(picture); }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
}());
