/* The stakeholder network page: draws the node-link JSON with Cytoscape.js (vendored),
   and wires the filters, the search, the table and the institution panel.
   Institution names are user text: they only ever reach the page through textContent,
   element properties or Cytoscape's canvas labels, never innerHTML. */
(function () {
  "use strict";

  var configElement = document.getElementById("network-config");
  var container = document.getElementById("network-graph");
  if (!configElement || !container || typeof window.cytoscape !== "function") {
    return;
  }
  var config = JSON.parse(configElement.textContent);
  var strings = config.strings || {};
  var loading = document.getElementById("network-loading");
  var cy = null;
  var nodeById = {};
  // Edge indexes of the document by node id: the panel lists every link from here, also
  // those not drawn.
  var adjacency = {};
  // Above this many institutions only each one's strongest links are drawn (a backbone):
  // Cytoscape then stays responsive; the panel, the table and the downloads keep them all.
  // Two per institution, one above BACKBONE_SINGLE_ABOVE: painting 10,000 institutions
  // with two links each took 1.5 s in headless Chromium, with one 0.8 s.
  var BACKBONE_ABOVE = 2000;
  var BACKBONE_SINGLE_ABOVE = 5000;
  var BACKBONE_PER_NODE = 2;
  var drawnEdges = 0;
  var linksPerNode = BACKBONE_PER_NODE;

  var MEASURES = [
    "degree", "weighted_degree", "betweenness", "eigenvector", "closeness",
    "sectors_reached", "broker"
  ];
  var rootStyle = window.getComputedStyle(document.documentElement);

  var colours = {};
  function sectorColour(slug) {
    if (!(slug in colours)) {
      colours[slug] = rootStyle.getPropertyValue("--sector-" + slug).trim() || "#6c757d";
    }
    return colours[slug];
  }

  function text(key, fallback) {
    return strings[key] || fallback || key;
  }

  function formatNumber(value, digits) {
    if (value === null || value === undefined) {
      return "–";
    }
    return Number(value).toLocaleString(document.documentElement.lang || "es", {
      maximumFractionDigits: digits === undefined ? 3 : digits
    });
  }

  /* Positions come from the server's build (measures.layout): a force-directed layout
     of each community, the communities kept apart, the isolated institutions in a grid. */
  // Server units are spacing between neighbours; nodes here are up to 42 px wide.
  var POSITION_SCALE = 2.5;

  function initialPositions(data) {
    var positions = {};
    data.nodes.forEach(function (node, index) {
      positions[node.id] = typeof node.x === "number"
        ? { x: node.x * POSITION_SCALE, y: node.y * POSITION_SCALE }
        : { x: (index % 50) * 20, y: Math.floor(index / 50) * 20 };
    });
    return positions;
  }

  // How many of the largest institutions carry their name on the graph.
  var LABELLED = 12;
  var LABELLED_LARGE = 25;

  function labelLargest(measure) {
    var n = cy.nodes('[kind = "institution"]').length;
    var count = n > BACKBONE_ABOVE ? LABELLED_LARGE : LABELLED;
    var ranked = data().nodes.slice().sort(function (a, b) {
      return (b[measure] || 0) - (a[measure] || 0) || a.id - b.id;
    });
    cy.batch(function () {
      cy.nodes(".labelled").removeClass("labelled");
      ranked.slice(0, count).forEach(function (node) {
        cy.getElementById(String(node.id)).addClass("labelled");
      });
    });
  }

  function sizesFor(nodes, measure) {
    var max = 0;
    nodes.forEach(function (node) {
      var value = node[measure];
      if (typeof value === "number" && value > max) {
        max = value;
      }
    });
    return function (node) {
      var value = node[measure];
      var share = max > 0 && typeof value === "number" ? Math.sqrt(Math.max(value, 0) / max) : 0;
      return 8 + 34 * share;
    };
  }

  function backbone(data) {
    var keep = {};
    Object.keys(adjacency).forEach(function (id) {
      adjacency[id]
        .slice()
        .sort(function (a, b) { return data.edges[b].weight - data.edges[a].weight || a - b; })
        .slice(0, linksPerNode)
        .forEach(function (index) { keep[index] = true; });
    });
    return keep;
  }

  function elementsOf(data, measure) {
    var positions = initialPositions(data);
    var size = sizesFor(data.nodes, measure);
    var nodes = [];
    var edges = [];
    data.nodes.forEach(function (node) {
      nodeById[node.id] = node;
      adjacency[node.id] = [];
      nodes.push({
        group: "nodes",
        data: {
          id: String(node.id),
          kind: "institution",
          label: node.acronym || node.label,
          name: node.label,
          colour: sectorColour(node.sector),
          size: size(node)
        },
        position: positions[node.id]
      });
    });
    data.edges.forEach(function (edge, index) {
      adjacency[edge.source].push(index);
      adjacency[edge.target].push(index);
    });
    linksPerNode = data.nodes.length > BACKBONE_SINGLE_ABOVE ? 1 : BACKBONE_PER_NODE;
    var keep = data.nodes.length > BACKBONE_ABOVE ? backbone(data) : null;
    data.edges.forEach(function (edge, index) {
      if (keep && !keep[index]) {
        return;
      }
      drawnEdges += 1;
      var kinds = [];
      (edge.reasons || []).forEach(function (reason) {
        kinds.push(reason.type);
        if (reason.type === "tie") {
          kinds.push("tie:" + reason.kind);
        }
      });
      edges.push({
        group: "edges",
        classes: "collaboration",
        data: {
          id: "e" + index,
          source: String(edge.source),
          target: String(edge.target),
          weight: edge.weight,
          kinds: kinds,
          reasons: edge.reasons || []
        }
      });
    });
    return { nodes: nodes, edges: edges };
  }

  function resize(measure) {
    var size = sizesFor(data().nodes, measure);
    cy.batch(function () {
      cy.nodes('[kind = "institution"]').forEach(function (element) {
        element.data("size", size(nodeById[element.id()]));
      });
    });
    labelLargest(measure);
  }

  /* Layers: collaboration (always drawn), the affiliation pairs (dashed), or the
     two-mode view (a square per working group, a line to each of its institutions). */
  var AFFILIATION_DRAWN_MAX = 20000;
  var layerAdded = { both: null, "two-mode": null };

  function affiliationElements() {
    var list = (data().affiliation || []).slice(0, AFFILIATION_DRAWN_MAX);
    return list.map(function (edge, index) {
      return {
        group: "edges",
        classes: "affiliation",
        data: {
          id: "a" + index,
          source: String(edge.source),
          target: String(edge.target),
          weight: 1,
          kinds: ["group"],
          groups: edge.groups
        }
      };
    });
  }

  function twoModeElements() {
    var members = {};
    data().nodes.forEach(function (node) {
      (node.groups || []).forEach(function (slug) {
        (members[slug] = members[slug] || []).push(node);
      });
    });
    var elements = [];
    Object.keys(members).sort().forEach(function (slug) {
      var x = 0;
      var y = 0;
      members[slug].forEach(function (node) {
        var p = cy.getElementById(String(node.id)).position();
        x += p.x;
        y += p.y;
      });
      var n = members[slug].length;
      elements.push({
        group: "nodes",
        classes: "group-node labelled",
        data: { id: "g:" + slug, kind: "group", label: config.groups[slug] || slug, size: 26 },
        position: { x: x / n, y: y / n }
      });
      members[slug].forEach(function (node) {
        elements.push({
          group: "edges",
          classes: "membership",
          data: { id: "m:" + slug + ":" + node.id, source: "g:" + slug, target: String(node.id), kinds: ["group"] }
        });
      });
    });
    return elements;
  }

  function setLayer(layer) {
    cy.batch(function () {
      Object.keys(layerAdded).forEach(function (name) {
        if (layerAdded[name] && name !== layer) {
          cy.remove(layerAdded[name]);
          layerAdded[name] = null;
        }
      });
      if (layer === "both" && !layerAdded.both) {
        layerAdded.both = cy.add(affiliationElements());
      }
      if (layer === "two-mode" && !layerAdded["two-mode"]) {
        layerAdded["two-mode"] = cy.add(twoModeElements());
      }
      cy.edges(".collaboration").toggleClass("layer-off", layer === "two-mode");
    });
    container.dataset.layer = layer;
    applyFilters();
  }

  var loaded = null;
  function data() {
    return loaded;
  }

  function reasonText(reason) {
    if (reason.type === "tie") {
      return (config.tieKinds[reason.kind] || reason.kind) + " (" + reason.since +
        (reason.status === "unconfirmed" ? ", " + text("unconfirmed", "unconfirmed") : "") + ")";
    }
    if (reason.type === "meetings") {
      return text("meetings", "Meetings") + ": " + reason.count;
    }
    if (reason.type === "group") {
      return text("group", "Group") + ": " + (config.groups[reason.group] || reason.group);
    }
    if (reason.type === "deliverable") {
      return text("deliverable", "Deliverable") + " #" + reason.deliverable_id;
    }
    return reason.type;
  }

  function clear(element) {
    while (element.firstChild) {
      element.removeChild(element.firstChild);
    }
  }

  function showPanel(id) {
    var node = nodeById[id];
    if (!node) {
      return;
    }
    document.getElementById("network-panel-empty").classList.add("d-none");
    document.getElementById("network-panel-body").classList.remove("d-none");
    document.getElementById("network-panel-title").textContent = node.label;
    var meta = [config.sectors[node.sector] || node.sector];
    if (node.state) {
      meta.push(node.state);
    }
    if (node.joined_on) {
      meta.push(text("joined", "Joined") + " " + node.joined_on);
    }
    if (node.founder) {
      meta.push(text("founder", "Founder"));
    }
    if (node.groups && node.groups.length) {
      meta.push(node.groups.map(function (slug) { return config.groups[slug] || slug; }).join(", "));
    }
    document.getElementById("network-panel-meta").textContent = meta.join(" · ");

    var figures = document.getElementById("network-panel-figures");
    clear(figures);
    MEASURES.forEach(function (key) {
      if (key === "closeness" && (node.closeness === null || node.closeness === undefined)) {
        return;
      }
      var dt = document.createElement("dt");
      dt.className = "col-7 fw-normal";
      dt.textContent = text(key, key);
      var dd = document.createElement("dd");
      dd.className = "col-5 text-end mb-0";
      dd.textContent = formatNumber(node[key]);
      figures.appendChild(dt);
      figures.appendChild(dd);
    });

    var ties = document.getElementById("network-panel-ties");
    clear(ties);
    var edges = (adjacency[id] || []).map(function (index) { return data().edges[index]; });
    edges.sort(function (a, b) { return b.weight - a.weight; });
    edges.slice(0, 15).forEach(function (edge) {
      var other = edge.source === id ? edge.target : edge.source;
      var li = document.createElement("li");
      li.className = "mb-1";
      var name = document.createElement("strong");
      name.textContent = nodeById[other].label;
      li.appendChild(name);
      li.appendChild(document.createTextNode(
        " — " + (edge.reasons || []).map(reasonText).join("; ") +
        " (" + text("weight", "weight") + " " + formatNumber(edge.weight, 1) + ")"
      ));
      ties.appendChild(li);
    });
    if (!edges.length) {
      var none = document.createElement("li");
      none.textContent = text("no_ties", "No links.");
      ties.appendChild(none);
    }
    document.getElementById("network-panel-profile").href = config.profileUrl + encodeURIComponent(id);
  }

  function select(id, focusPanel) {
    var element = cy.getElementById(String(id));
    if (!element.length) {
      return false;
    }
    cy.batch(function () {
      cy.elements().removeClass("faded highlighted");
      cy.nodes(":selected").unselect();
      element.select();
      if (cy.nodes().length <= BACKBONE_ABOVE) {
        var hood = element.closedNeighborhood();
        cy.elements().not(hood).addClass("faded");
        hood.addClass("highlighted");
      }
    });
    if (element.visible()) {
      // Centre the view on the selection, zoomed in enough to read its neighbours.
      cy.zoom(Math.max(cy.zoom(), 1.2));
      cy.center(element);
    }
    showPanel(Number(id));
    document.querySelectorAll("#network-table tr.table-active").forEach(function (row) {
      row.classList.remove("table-active");
    });
    var row = document.querySelector('#network-table tr[data-node-id="' + Number(id) + '"]');
    if (row) {
      row.classList.add("table-active");
    }
    if (focusPanel) {
      document.getElementById("network-panel").focus();
    }
    return true;
  }

  function edgesDrawn() {
    mark("edges");
    container.dataset.edges = "1";
    if (window.coalitionNetwork) {
      window.coalitionNetwork.edgesAt = performance.now();
    }
  }

  function filtersChosen() {
    var unchecked = document.querySelectorAll(".network-sector:not(:checked)").length;
    return Boolean(unchecked || document.getElementById("network-group").value ||
      document.getElementById("network-link").value);
  }

  function showCount(nodes, edges) {
    var message = text("visible", "Shown: %(nodes)s institutions, %(edges)s links")
      .replace("%(nodes)s", formatNumber(nodes, 0))
      .replace("%(edges)s", formatNumber(edges, 0));
    if (drawnEdges < data().edges.length) {
      message += " " + text("backbone", "")
        .replace("%(k)s", String(linksPerNode))
        .replace("%(total)s", formatNumber(data().edges.length, 0));
    }
    document.getElementById("network-visible").textContent = message;
  }

  function applyFilters() {
    var sectors = {};
    document.querySelectorAll(".network-sector").forEach(function (box) {
      sectors[box.value] = box.checked;
    });
    var group = document.getElementById("network-group").value;
    var link = document.getElementById("network-link").value;
    var shown = 0;
    var shownEdges = 0;
    cy.batch(function () {
      cy.nodes().forEach(function (element) {
        var node = nodeById[element.id()];
        if (!node) {  // a group's square (two-mode view)
          var slug = element.id().slice(2);
          element.toggleClass("hidden", Boolean(group) && slug !== group);
          return;
        }
        var visible = sectors[node.sector] !== false &&
          (!group || (node.groups || []).indexOf(group) !== -1);
        element.toggleClass("hidden", !visible);
        if (visible) {
          shown += 1;
        }
      });
      cy.edges().forEach(function (edge) {
        var kinds = edge.data("kinds") || [];
        var visible = !edge.source().hasClass("hidden") && !edge.target().hasClass("hidden") &&
          !edge.hasClass("layer-off") &&
          (!link || kinds.indexOf("group") !== -1 || kinds.indexOf(link) !== -1);
        edge.toggleClass("hidden", !visible);
        if (visible) {
          shownEdges += 1;
        }
      });
    });
    showCount(shown, shownEdges);
  }

  function search(event) {
    event.preventDefault();
    var query = document.getElementById("network-search").value.trim().toLocaleLowerCase();
    var missing = document.getElementById("network-search-missing");
    if (!query) {
      return;
    }
    var exact = null;
    var partial = null;
    data().nodes.forEach(function (node) {
      var label = String(node.label).toLocaleLowerCase();
      var acronym = String(node.acronym || "").toLocaleLowerCase();
      if (!exact && (label === query || acronym === query)) {
        exact = node;
      } else if (!partial && label.indexOf(query) !== -1) {
        partial = node;
      }
    });
    var found = exact || partial;
    missing.classList.toggle("d-none", Boolean(found));
    if (found) {
      select(found.id, true);
    }
  }

  function sortTable(button) {
    var key = button.dataset.key;
    var table = document.getElementById("network-table");
    var body = table.tBodies[0];
    var current = button.dataset.order;
    var ascending = current ? current !== "asc" : key === "label";
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = a.dataset[key];
      var y = b.dataset[key];
      var order = key === "label" ? x.localeCompare(y) : Number(x) - Number(y);
      return ascending ? order : -order;
    });
    rows.forEach(function (row) { body.appendChild(row); });
    table.querySelectorAll("th").forEach(function (th) { th.removeAttribute("aria-sort"); });
    document.querySelectorAll(".network-sort").forEach(function (b) { delete b.dataset.order; });
    button.dataset.order = ascending ? "asc" : "desc";
    button.closest("th").setAttribute("aria-sort", ascending ? "ascending" : "descending");
  }

  function mark(name) {
    if (window.performance && performance.mark) {
      performance.mark("network-" + name);
    }
  }

  /* Every style property costs time per element: large networks get the bare minimum
     (no labels but the selected one's, one edge width). */
  function styleFor(large) {
    var selected = {
      selector: "node:selected",
      style: {
        label: "data(name)",
        "min-zoomed-font-size": 0,
        "text-valign": "bottom",
        "text-outline-color": "#ffffff",
        "text-outline-width": 2,
        "border-width": 3,
        "border-color": "#f4b942",
        "font-size": large ? 14 : 11,
        "font-weight": "bold",
        "z-index": 10
      }
    };
    var labelled = {
      selector: "node.labelled",
      style: {
        label: "data(label)",
        "font-size": large ? 16 : 10,
        "min-zoomed-font-size": 0,
        "text-valign": "bottom",
        "text-margin-y": 2,
        color: "#1f2a28",
        "text-outline-color": "#ffffff",
        "text-outline-width": 2
      }
    };
    var layers = [
      {
        selector: "node.group-node",
        style: {
          shape: "round-rectangle",
          "background-color": "#ffffff",
          "border-width": 2,
          "border-color": "#0b5d57",
          width: 26,
          height: 26,
          "font-weight": "bold"
        }
      },
      { selector: "edge.affiliation", style: { "line-style": "dashed", "line-color": "#b0b8c9", width: 0.8, opacity: 0.6 } },
      { selector: "edge.membership", style: { "line-color": "#8fb8b4", width: 0.8, opacity: 0.7 } },
      { selector: "edge.layer-off", style: { display: "none" } }
    ];
    if (large) {
      return [
        {
          selector: "node",
          style: { "background-color": "data(colour)", width: "data(size)", height: "data(size)" }
        },
        {
          selector: "edge",
          style: { "curve-style": "haystack", "line-color": "#d6dcdb", width: 0.6 }
        },
        { selector: ".hidden", style: { display: "none" } }
      ].concat(layers, [labelled, selected]);
    }
    return [
      {
        selector: "node",
        style: {
          "background-color": "data(colour)",
          width: "data(size)",
          height: "data(size)",
          "border-width": 0
        }
      },
      {
        selector: "edge",
        style: {
          "curve-style": "haystack",
          width: "mapData(weight, 1, 12, 0.5, 5)",
          "line-color": "#9aa7a4",
          opacity: 0.45
        }
      },
      { selector: ".hidden", style: { display: "none" } },
      { selector: ".faded", style: { opacity: 0.12 } },
      { selector: "edge.highlighted", style: { opacity: 0.9, "line-color": "#0b5d57" } }
    ].concat(layers, [labelled, selected]);
  }

  function draw(document_) {
    mark("parsed");
    loaded = document_;
    var n = document_.nodes.length;
    var large = n > 2000;
    var elements = elementsOf(document_, document.getElementById("network-size").value);
    mark("elements");
    cy = window.cytoscape({
      container: container,
      // A large network shows its nodes first and adds its links after the first frame
      // (in one go: adding them in slices paid for a frame per slice).
      elements: large ? elements.nodes : elements.nodes.concat(elements.edges),
      layout: { name: "preset" },
      minZoom: 0.02,
      maxZoom: 4,
      pixelRatio: large ? 1 : "auto",
      textureOnViewport: large,
      hideEdgesOnViewport: large,
      motionBlur: false,
      boxSelectionEnabled: false,
      style: styleFor(large)
    });
    mark("created");
    cy.fit(undefined, 20);
    labelLargest(document.getElementById("network-size").value);

    // Suggestions for the search box, filled when it is first used (10,000 options cost).
    var searchBox = document.getElementById("network-search");
    function fillNames() {
      searchBox.removeEventListener("focus", fillNames);
      var names = document.getElementById("network-names");
      var fragment = document.createDocumentFragment();
      document_.nodes.forEach(function (node) {
        var option = document.createElement("option");
        option.value = node.label;
        fragment.appendChild(option);
      });
      names.appendChild(fragment);
    }
    searchBox.addEventListener("focus", fillNames);

    cy.on("tap", "node", function (event) {
      select(event.target.id(), false);
    });
    cy.on("tap", function (event) {
      if (event.target === cy) {
        cy.elements().removeClass("faded highlighted");
      }
    });
    document.getElementById("network-size").addEventListener("change", function (event) {
      resize(event.target.value);
    });
    document.querySelectorAll(".network-sector").forEach(function (box) {
      box.addEventListener("change", applyFilters);
    });
    document.getElementById("network-group").addEventListener("change", applyFilters);
    document.getElementById("network-link").addEventListener("change", applyFilters);
    document.getElementById("network-layer").addEventListener("change", function (event) {
      setLayer(event.target.value);
    });
    document.getElementById("network-png").addEventListener("click", exportPng);
    document.getElementById("network-svg").addEventListener("click", exportSvg);
    document.getElementById("network-fit").addEventListener("click", function () {
      cy.fit(cy.elements(":visible"), 20);
    });
    wireViews();
    document.getElementById("network-controls").addEventListener("submit", search);
    document.querySelectorAll(".network-select").forEach(function (button) {
      button.addEventListener("click", function () {
        select(button.dataset.nodeId, true);
      });
    });
    document.querySelectorAll(".network-sort").forEach(function (button) {
      button.addEventListener("click", function () { sortTable(button); });
    });
    mark("wired");
    showCount(n, drawnEdges);
    loading.textContent = "";
    loading.classList.add("d-none");
    container.dataset.ready = "1";
    container.dataset.nodes = String(n);
    window.coalitionNetwork = { cy: cy, select: select, ready: true, readyAt: performance.now() };
    afterNextFrame(function () {
      // The first frame is painted and the page answers: what "interactive" measures.
      window.coalitionNetwork.paintedAt = performance.now();
      container.dataset.painted = "1";
      if (large) {
        cy.add(elements.edges);
        if (filtersChosen()) {
          applyFilters();
        }
      }
      edgesDrawn();
      afterNextFrame(function () {
        window.coalitionNetwork.edgesPaintedAt = performance.now();
      });
    });
  }

  function download(blob, extension) {
    var link = document.createElement("a");
    link.href = URL.createObjectURL(blob);
    link.download = "coalition-network-" + (config.asOf || "") + "." + extension;
    document.body.appendChild(link);
    link.click();
    document.body.removeChild(link);
    window.setTimeout(function () { URL.revokeObjectURL(link.href); }, 10000);
    container.dataset.exported = extension;
  }

  /* The current view as a PNG (what is on screen, at twice its resolution). */
  function exportPng() {
    download(cy.png({ output: "blob", bg: "#ffffff", full: false, scale: 2 }), "png");
    viewStatus(text("png_ready", "Downloaded."));
  }

  /* The current view as SVG: what is on screen (the visible nodes and links inside the
     viewport, at their drawn positions, sizes, colours and labels), written here with DOM
     calls. Cytoscape's SVG plugin (cytoscape-svg) is GPL-3.0, which this MIT app cannot ship;
     names reach the file as text nodes, so XMLSerializer escapes them. */
  var SVG_NS = "http://www.w3.org/2000/svg";

  function svgElement(name, attributes) {
    var element = document.createElementNS(SVG_NS, name);
    Object.keys(attributes).forEach(function (key) {
      element.setAttribute(key, String(attributes[key]));
    });
    return element;
  }

  function styleNumber(element, property) {
    return parseFloat(element.style(property)) || 0;
  }

  function exportSvg() {
    var width = cy.width();
    var height = cy.height();
    var zoom = cy.zoom();
    var inside = function (p, margin) {
      return p.x >= -margin && p.x <= width + margin && p.y >= -margin && p.y <= height + margin;
    };
    var svg = svgElement("svg", {
      xmlns: SVG_NS, width: width, height: height, viewBox: "0 0 " + width + " " + height
    });
    var title = svgElement("title", {});
    title.textContent = text("svg_title", "Coalition network") + (config.asOf ? " " + config.asOf : "");
    svg.appendChild(title);
    svg.appendChild(svgElement("rect", { width: width, height: height, fill: "#ffffff" }));
    var links = svgElement("g", { "stroke-linecap": "round" });
    cy.edges(":visible").forEach(function (edge) {
      var a = edge.source().renderedPosition();
      var b = edge.target().renderedPosition();
      if (!inside(a, 0) && !inside(b, 0)) {
        return;
      }
      var attributes = {
        x1: a.x.toFixed(1), y1: a.y.toFixed(1), x2: b.x.toFixed(1), y2: b.y.toFixed(1),
        stroke: edge.style("line-color"),
        "stroke-width": (styleNumber(edge, "width") * zoom).toFixed(2),
        "stroke-opacity": styleNumber(edge, "opacity")
      };
      if (edge.style("line-style") === "dashed") {
        attributes["stroke-dasharray"] = "4 3";
      }
      links.appendChild(svgElement("line", attributes));
    });
    svg.appendChild(links);
    var shapes = svgElement("g", {});
    var labels = svgElement("g", {
      "font-family": "system-ui, sans-serif", "text-anchor": "middle", "paint-order": "stroke",
      stroke: "#ffffff", "stroke-width": 2, fill: "#1f2a28"
    });
    cy.nodes(":visible").forEach(function (node) {
      var p = node.renderedPosition();
      var w = node.renderedWidth();
      if (!inside(p, w)) {
        return;
      }
      var common = {
        fill: node.style("background-color"),
        "fill-opacity": styleNumber(node, "opacity"),
        "data-id": node.id()
      };
      var border = styleNumber(node, "border-width");
      if (border > 0) {
        common.stroke = node.style("border-color");
        common["stroke-width"] = (border * zoom).toFixed(2);
      }
      var shape;
      if (node.style("shape") === "round-rectangle") {
        common.x = (p.x - w / 2).toFixed(1);
        common.y = (p.y - w / 2).toFixed(1);
        common.width = common.height = w.toFixed(1);
        common.rx = (w / 5).toFixed(1);
        shape = svgElement("rect", common);
      } else {
        common.cx = p.x.toFixed(1);
        common.cy = p.y.toFixed(1);
        common.r = (w / 2).toFixed(1);
        shape = svgElement("circle", common);
      }
      var name = svgElement("title", {});
      name.textContent = node.data("name") || node.data("label") || "";
      shape.appendChild(name);
      shapes.appendChild(shape);
      var label = node.style("label");
      if (label) {
        var size = styleNumber(node, "font-size") * zoom;
        var caption = svgElement("text", {
          x: p.x.toFixed(1),
          y: (p.y + w / 2 + size + 2).toFixed(1),
          "font-size": size.toFixed(1),
          "font-weight": node.style("font-weight") === "bold" ? "bold" : "normal"
        });
        caption.textContent = label;
        labels.appendChild(caption);
      }
    });
    svg.appendChild(shapes);
    svg.appendChild(labels);
    var source = '<?xml version="1.0" encoding="UTF-8"?>\n' + new XMLSerializer().serializeToString(svg);
    download(new Blob([source], { type: "image/svg+xml" }), "svg");
    viewStatus(text("svg_ready", "Downloaded."));
  }

  /* Saved views: filters, layer, size measure, zoom and pan, by name, in localStorage. */
  var VIEWS_KEY = "coalition-network-views";

  function storedViews() {
    try {
      return JSON.parse(window.localStorage.getItem(VIEWS_KEY) || "{}") || {};
    } catch (error) {
      return {};
    }
  }

  function viewStatus(message) {
    var status = document.getElementById("network-view-status");
    if (status) {
      status.textContent = message;
    }
  }

  function fillViewList(selected) {
    var list = document.getElementById("network-view-list");
    while (list.options.length > 1) {
      list.remove(1);
    }
    Object.keys(storedViews()).sort().forEach(function (name) {
      var option = document.createElement("option");
      option.value = name;
      option.textContent = name;
      option.selected = name === selected;
      list.appendChild(option);
    });
  }

  function currentView() {
    var sectors = [];
    document.querySelectorAll(".network-sector:not(:checked)").forEach(function (box) {
      sectors.push(box.value);
    });
    return {
      hiddenSectors: sectors,
      group: document.getElementById("network-group").value,
      link: document.getElementById("network-link").value,
      layer: document.getElementById("network-layer").value,
      size: document.getElementById("network-size").value,
      zoom: cy.zoom(),
      pan: cy.pan()
    };
  }

  function applyView(view) {
    document.querySelectorAll(".network-sector").forEach(function (box) {
      box.checked = (view.hiddenSectors || []).indexOf(box.value) === -1;
    });
    document.getElementById("network-group").value = view.group || "";
    document.getElementById("network-link").value = view.link || "";
    document.getElementById("network-layer").value = view.layer || "collaboration";
    var size = document.getElementById("network-size");
    if (view.size && size.querySelector('option[value="' + view.size + '"]')) {
      size.value = view.size;
      resize(view.size);
    }
    setLayer(document.getElementById("network-layer").value);
    if (typeof view.zoom === "number" && view.pan) {
      cy.viewport({ zoom: view.zoom, pan: view.pan });
    }
  }

  function wireViews() {
    fillViewList();
    document.getElementById("network-view-save").addEventListener("click", function () {
      var name = document.getElementById("network-view-name").value.trim();
      if (!name) {
        viewStatus(text("view_name_needed", "Name it."));
        return;
      }
      var views = storedViews();
      views[name] = currentView();
      window.localStorage.setItem(VIEWS_KEY, JSON.stringify(views));
      fillViewList(name);
      viewStatus(text("view_saved", "Saved."));
    });
    document.getElementById("network-view-list").addEventListener("change", function (event) {
      var view = storedViews()[event.target.value];
      if (view) {
        applyView(view);
      }
    });
    document.getElementById("network-view-delete").addEventListener("click", function () {
      var list = document.getElementById("network-view-list");
      var views = storedViews();
      if (list.value && views[list.value]) {
        delete views[list.value];
        window.localStorage.setItem(VIEWS_KEY, JSON.stringify(views));
        fillViewList();
      }
    });
  }

  function afterNextFrame(callback) {
    window.requestAnimationFrame(function () {
      window.setTimeout(callback, 0);
    });
  }

  fetch(config.dataUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then(function (response) {
      if (!response.ok || response.status === 202) {
        throw new Error("network data: HTTP " + response.status);
      }
      return response.json();
    })
    .then(draw)
    .catch(function (error) {
      loading.textContent = text("failed", "The graph could not be drawn.") + " " + error.message;
    });
}());
