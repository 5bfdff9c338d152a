/* citegraph view: draws the graph in the JSON blob with vis-network.
 * Every text from the data is set with textContent or given to vis-network as a plain
 * string (which it renders with innerText): nothing from the data is ever parsed as HTML. */
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("citegraph-data").textContent);
  var body = document.body;
  var N = data.nodes;
  var E = data.edges;
  var big = data.layout === "python";
  var styles = {};
  data.kinds.forEach(function (k) { styles[k.kind] = k; });
  function styleOf(kind) { return styles[kind] || data.otherKind; }

  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    if (cls) { e.className = cls; }
    return e;
  }
  function byId(id) { return document.getElementById(id); }

  // Adjacency over the drawn nodes.
  var out = N.map(function () { return []; });
  var inn = N.map(function () { return []; });
  E.forEach(function (e, i) { out[e[0]].push(i); inn[e[1]].push(i); });

  function tooltip(n) {
    var lines = [n.t || n.l || n.id];
    if (n.a) { lines.push(n.a.length > 160 ? n.a.slice(0, 159) + "…" : n.a); }
    var where = [n.j, n.yr].filter(function (x) { return x; }).join(", ");
    if (where) { lines.push(where); }
    lines.push(styleOf(n.k).label + " · cited by " + n.ci + " · cites " + n.co);
    return lines.join("\n");
  }
  function provenanceText(e) {
    var t = "cites";
    if (e[2]) { t += " (source: " + e[2] + ")"; }
    if (e[3]) { t += ", reference " + e[3]; }
    return t;
  }

  var nodes = new vis.DataSet(N.map(function (n, i) {
    var st = styleOf(n.k);
    var v = {
      id: i, label: n.l || "", shape: st.shape, size: n.s, title: tooltip(n),
      color: { background: st.color, border: st.border,
               highlight: { background: st.color, border: "#111" },
               hover: { background: st.color, border: "#111" } },
      borderWidth: n.k === "article" ? 2 : 1
    };
    if (st.dashes) { v.shapeProperties = { borderDashes: [3, 3] }; }
    if (big) { v.x = n.x; v.y = n.y; }
    return v;
  }));
  var edges = new vis.DataSet(E.map(function (e, i) {
    return { id: i, from: e[0], to: e[1], title: N[e[0]].l + " → " + N[e[1]].l + "\n" + provenanceText(e) };
  }));

  // Filters: kind checkboxes and a publication-year range.
  var kindOn = {};
  var shown = N.map(function () { return true; });
  var years = N.map(function (n) { return n.yr; }).filter(function (y) { return typeof y === "number"; });
  var minYear = years.length ? Math.min.apply(null, years) : null;
  var maxYear = years.length ? Math.max.apply(null, years) : null;
  var nodeView = new vis.DataView(nodes, { filter: function (item) { return shown[item.id]; } });
  var edgeView = new vis.DataView(edges, {
    filter: function (item) { return shown[item.from] && shown[item.to]; }
  });

  function readYear(id, dflt) {
    var v = parseInt(byId(id).value, 10);
    return isNaN(v) ? dflt : v;
  }
  function applyFilters() {
    var lo = readYear("year-min", minYear);
    var hi = readYear("year-max", maxYear);
    var none = byId("year-none").checked;
    N.forEach(function (n, i) {
      var ok = kindOn[n.k] !== false;
      if (ok && minYear !== null) {
        ok = typeof n.yr === "number" ? n.yr >= lo && n.yr <= hi : none;
      }
      shown[i] = ok;
    });
    nodeView.refresh();
    edgeView.refresh();
    updateCounts();
  }
  function visibleCounts() {
    var nn = 0, ne = 0;
    shown.forEach(function (s) { if (s) { nn += 1; } });
    E.forEach(function (e) { if (shown[e[0]] && shown[e[1]]) { ne += 1; } });
    return [nn, ne];
  }
  function plural(n, one, many) { return n.toLocaleString("en") + " " + (n === 1 ? one : many); }
  // With author/keyword/MeSH/journal layers the graph holds more than works and citations.
  var W = data.works_only ? ["work", "works"] : ["node", "nodes"];
  var L = data.works_only ? ["citation link", "citation links"] : ["link", "links"];
  function updateCounts() {
    var c = visibleCounts();
    body.dataset.nodes = String(c[0]);
    body.dataset.edges = String(c[1]);
    var text = plural(data.total.nodes, W[0], W[1]) + " · " +
      plural(data.total.edges, L[0], L[1]);
    if (c[0] !== data.total.nodes || c[1] !== data.total.edges) {
      text += " · drawn: " + plural(c[0], "node", "nodes") + ", " + plural(c[1], "edge", "edges");
    }
    byId("counts").textContent = text;
  }

  // Legend (doubles as the kind filter).
  var present = {};
  N.forEach(function (n) { present[n.k] = (present[n.k] || 0) + 1; });
  var legendKinds = data.kinds.filter(function (k) { return present[k.kind]; });
  Object.keys(present).forEach(function (k) {
    if (!styles[k]) { legendKinds.push({ kind: k, label: k, glyph: data.otherKind.glyph, color: data.otherKind.color }); }
  });
  legendKinds.forEach(function (k) {
    var li = el("li");
    var label = el("label");
    var box = el("input");
    box.type = "checkbox";
    box.checked = true;
    box.dataset.kind = k.kind;
    box.addEventListener("change", function () { kindOn[k.kind] = box.checked; applyFilters(); });
    var glyph = el("span", k.glyph, "glyph");
    glyph.style.color = k.color;
    label.appendChild(box);
    label.appendChild(glyph);
    label.appendChild(document.createTextNode(" " + k.label + " "));
    label.appendChild(el("span", "(" + present[k.kind].toLocaleString("en") + ")", "count"));
    li.appendChild(label);
    byId("legend").appendChild(li);
  });
  if (minYear === null) {
    byId("years").hidden = true;
  } else {
    ["year-min", "year-max"].forEach(function (id) {
      var input = byId(id);
      input.min = String(minYear);
      input.max = String(maxYear);
      input.value = String(id === "year-min" ? minYear : maxYear);
      input.addEventListener("change", applyFilters);
    });
    byId("year-none").addEventListener("change", applyFilters);
  }

  if (data.omitted) {
    var o = data.omitted;
    byId("notice").textContent = "Showing " + plural(data.shown.nodes, W[0], W[1]) + " of " +
      data.total.nodes.toLocaleString("en") + ": every input article plus the works with the " +
      "highest PageRank. Left out: " + plural(o.nodes, W[0], W[1]) + " and " +
      plural(o.edges, L[0], L[1]) + " (" + o.kinds + "). To draw them " +
      "all, render again with --max-nodes " + data.total.nodes + " (e.g. citegraph render " +
      "graph.ttl --max-nodes " + data.total.nodes + "); the exports (GraphML, CSV) always " +
      "hold the whole graph.";
    byId("notice").hidden = false;
  }

  var options = {
    autoResize: true,
    nodes: { font: { size: 12, face: "system-ui, sans-serif", color: "#1d2733" } },
    edges: {
      arrows: { to: { enabled: true, scaleFactor: 0.5 } },
      color: { color: "#8c99a6", highlight: "#1d3557", hover: "#1d3557", opacity: 0.8 },
      smooth: big ? false : { enabled: true, type: "continuous", roundness: 0.5 },
      width: 1, selectionWidth: 2
    },
    physics: big ? { enabled: false } : {
      enabled: true, solver: "barnesHut",
      barnesHut: { gravitationalConstant: -4000, springLength: 140, avoidOverlap: 0.2 },
      stabilization: { enabled: true, iterations: 400, updateInterval: 50, fit: true }
    },
    layout: { improvedLayout: !big, randomSeed: 7 },
    interaction: {
      hover: !big, tooltipDelay: 150, hideEdgesOnDrag: big,
      hideEdgesOnZoom: big && E.length > 20000, keyboard: false
    }
  };
  var container = byId("network");
  var network = new vis.Network(container, { nodes: nodeView, edges: edgeView }, options);

  // Physics toggle.
  var physicsOn = !big;
  function setPhysics(on) {
    physicsOn = on;
    network.setOptions({ physics: on ? {
      enabled: true, solver: "barnesHut", stabilization: { enabled: false },
      barnesHut: { gravitationalConstant: -4000, springLength: 140, avoidOverlap: 0.2 }
    } : { enabled: false } });
    var button = byId("physics");
    button.textContent = "Physics: " + (on ? "on" : "off");
    button.setAttribute("aria-pressed", on ? "true" : "false");
  }
  byId("physics").addEventListener("click", function () { setPhysics(!physicsOn); });

  // Ready state: drawn and still.
  var ready = false;
  network.once("afterDrawing", function () {
    body.dataset.firstDraw = String(Math.round(performance.now()));
  });
  function markReady() {
    if (ready) { return; }
    network.once("afterDrawing", function () {
      if (ready) { return; }
      ready = true;
      updateCounts();
      body.dataset.readyAt = String(Math.round(performance.now()));
      body.dataset.state = "ready";
    });
    network.redraw();
  }
  if (big || N.length === 0) {
    network.fit({ animation: false });
    markReady();
  } else {
    network.once("stabilizationIterationsDone", function () { setPhysics(false); markReady(); });
    network.once("stabilized", function () { setPhysics(false); markReady(); });
  }

  // Side panel.
  var panel = byId("panel");
  var panelBody = byId("panel-body");
  function link(text, href) {
    var a = el("a", text);
    a.href = href;
    a.rel = "noopener noreferrer";
    a.target = "_blank";
    return a;
  }
  function field(dl, name, value) {
    if (value === undefined || value === null || value === "") { return; }
    dl.appendChild(el("dt", name));
    dl.appendChild(el("dd", value));
  }
  function nodeButton(i) {
    var b = el("button", (N[i].l || N[i].id) + (N[i].t && N[i].t !== N[i].l ? ": " + N[i].t : ""), "link");
    b.type = "button";
    b.addEventListener("click", function () { focusNode(i); });
    return b;
  }
  function neighbourList(title, edgeIdx, end, total) {
    var section = el("section");
    section.appendChild(el("h3", title + " (" + total + (total > edgeIdx.length ? ", " + edgeIdx.length + " drawn" : "") + ")"));
    var ul = el("ul");
    edgeIdx.slice(0, 200).forEach(function (ei) {
      var li = el("li");
      li.appendChild(nodeButton(E[ei][end]));
      ul.appendChild(li);
    });
    if (edgeIdx.length > 200) { ul.appendChild(el("li", "… and " + (edgeIdx.length - 200) + " more")); }
    section.appendChild(ul);
    return section;
  }
  function openPanel() {
    panel.hidden = false;
    panelBody.replaceChildren();
  }
  function showNode(i) {
    var n = N[i];
    openPanel();
    panelBody.appendChild(el("div", styleOf(n.k).label, "kind"));
    panelBody.appendChild(el("h2", n.t || n.l || n.id));
    var dl = el("dl");
    field(dl, "Authors", n.a);
    field(dl, "Journal", n.j);
    field(dl, "Year", n.yr);
    field(dl, "Abstract", n.ab);
    field(dl, "Keywords", n.kw);
    field(dl, "MeSH terms", n.me);
    field(dl, "Substances", n.su);
    field(dl, "Funders", n.fu);
    field(dl, "DOI", n.doi);
    field(dl, "PMID", n.pmid);
    field(dl, "PMCID", n.pmcid);
    field(dl, "Reference", n.ref);
    panelBody.appendChild(dl);
    var links = el("p", null, "links");
    if (n.pmid && /^[0-9]+$/.test(n.pmid)) {
      links.appendChild(link("PubMed", "https://pubmed.ncbi.nlm.nih.gov/" + n.pmid + "/"));
    }
    if (n.pmcid && /^PMC[0-9]+$/.test(n.pmcid)) {
      links.appendChild(link("PMC", "https://pmc.ncbi.nlm.nih.gov/articles/" + n.pmcid + "/"));
    }
    if (n.doi && /^10\.[0-9]+\/\S+$/.test(n.doi)) {
      links.appendChild(link("doi.org", "https://doi.org/" + encodeURIComponent(n.doi).replace(/%2F/g, "/")));
    }
    if (links.childNodes.length) { panelBody.appendChild(links); }
    panelBody.appendChild(neighbourList("Cites", out[i], 1, n.co));
    panelBody.appendChild(neighbourList("Cited by", inn[i], 0, n.ci));
    panelBody.appendChild(el("p", n.id, "iri"));
  }
  function showEdge(ei) {
    var e = E[ei];
    openPanel();
    panelBody.appendChild(el("div", "Citation", "kind"));
    panelBody.appendChild(el("h2", N[e[0]].l + " → " + N[e[1]].l));
    var dl = el("dl");
    field(dl, "Relation", "cites");
    field(dl, "Provenance", e[2] || "unknown");
    field(dl, "Reference number", e[3] || null);
    panelBody.appendChild(dl);
    var p = el("p");
    p.appendChild(el("span", "From: "));
    p.appendChild(nodeButton(e[0]));
    panelBody.appendChild(p);
    var q = el("p");
    q.appendChild(el("span", "To: "));
    q.appendChild(nodeButton(e[1]));
    panelBody.appendChild(q);
  }
  byId("panel-close").addEventListener("click", function () { panel.hidden = true; });
  network.on("click", function (p) {
    if (p.nodes.length) { showNode(p.nodes[0]); }
    else if (p.edges.length) { showEdge(p.edges[0]); }
    else { panel.hidden = true; }
  });

  function focusNode(i) {
    if (shown[i]) {
      network.selectNodes([i]);
      network.focus(i, { scale: Math.max(network.getScale(), 1.0), animation: { duration: 300 } });
    }
    showNode(i);
  }

  // Search: title, author, label, DOI, PMID, PMCID.
  var haystack = N.map(function (n) {
    return [n.t, n.a, n.l, n.doi, n.pmid, n.pmcid].filter(function (x) { return x; }).join("\u0001").toLowerCase();
  });
  function search(query) {
    var q = String(query).trim().toLowerCase()
      .replace(/^https?:\/\/(dx\.)?doi\.org\//, "").replace(/^(doi|pmid):\s*/, "");
    if (!q) { return []; }
    var exact = [], partial = [];
    N.forEach(function (n, i) {
      if (n.pmid === q || (n.doi && n.doi.toLowerCase() === q) || (n.pmcid && n.pmcid.toLowerCase() === q)) {
        exact.push(i);
      } else if (haystack[i].indexOf(q) !== -1) {
        partial.push(i);
      }
    });
    return exact.concat(partial);
  }
  function runSearch(query) {
    var hits = search(query);
    var list = byId("results");
    list.replaceChildren();
    byId("search-status").textContent = hits.length ? plural(hits.length, "match", "matches") : "No match.";
    hits.slice(0, 50).forEach(function (i) {
      var li = el("li");
      li.appendChild(nodeButton(i));
      if (!shown[i]) { li.appendChild(el("span", " (hidden by a filter)")); }
      list.appendChild(li);
    });
    if (hits.length) { focusNode(hits[0]); }
    return hits;
  }
  byId("search-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    runSearch(byId("search").value);
  });

  // PNG export of the current view.
  function exportPng() {
    var src = container.querySelector("canvas");
    var c = document.createElement("canvas");
    c.width = src.width;
    c.height = src.height;
    var ctx = c.getContext("2d");
    ctx.fillStyle = "#ffffff";
    ctx.fillRect(0, 0, c.width, c.height);
    ctx.drawImage(src, 0, 0);
    return c.toDataURL("image/png");
  }
  byId("png").addEventListener("click", function () {
    var a = el("a");
    a.href = exportPng();
    a.download = "citegraph.png";
    body.appendChild(a);
    a.click();
    a.remove();
  });

  updateCounts();
  window.citegraph = {
    network: network, nodes: nodes, edges: edges, search: runSearch, exportPng: exportPng,
    applyFilters: applyFilters, ids: N.map(function (n) { return n.id; })
  };
}());
