/* The stakeholder network page: draws the network with Cytoscape.js (vendored), and wires
   the filters, the search, the table and the institution panel.
   Two documents (coalition_app/network/page_documents.py), in parallel arrays, one entry per
   institution in the same order: the drawing (graph.json: ids, the server's positions,
   sectors, sizes, the largest's names, the links drawn) comes first and is painted; the
   details (details.json: names, measures, groups, every link and its reasons) follow after
   the first paint on a small network, or on the first action that needs them on a large
   one (10,000 institutions: several megabytes that a phone need not parse to see the graph).
   Institution names are user text: they only ever reach the page through textContent,
   element properties or Cytoscape's canvas labels, never innerHTML. */
(function () {
  "use strict";

  var configElement = document.getElementById("network-config");
  var container = document.getElementById("network-graph");
  if (!configElement || !container) {
    return;
  }
  var config = JSON.parse(configElement.textContent);
  var strings = config.strings || {};
  var loading = document.getElementById("network-loading");
  var cy = null;
  var graph = null;
  var nodeById = {};
  // Edge indexes of the details by node id: the panel lists every link from here, also
  // those not drawn.
  var adjacency = {};
  // Above this many institutions (page_documents.BACKBONE_ABOVE) the server sends only each
  // one's strongest links to draw (a backbone), and the page is a large one.
  var BACKBONE_ABOVE = 2000;

  var MEASURES = [
    "degree", "weighted_degree", "betweenness", "eigenvector", "closeness",
    "sectors_reached", "broker"
  ];
  // Digits of each measure in the table (as the server writes its first rows).
  var TABLE_DIGITS = {
    degree: 0, betweenness: 3, eigenvector: 3, closeness: 3, sectors_reached: 0, broker: 0
  };
  var TIE_REASON = 0;
  var MEETINGS_REASON = 1;
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

  var language = document.documentElement.lang || "es";

  function formatNumber(value, digits, fixed) {
    if (value === null || value === undefined) {
      return "–";
    }
    var places = digits === undefined ? 3 : digits;
    return Number(value).toLocaleString(language, {
      minimumFractionDigits: fixed ? places : 0,
      maximumFractionDigits: places
    });
  }

  function isLarge() {
    return graph.nodes.id.length > BACKBONE_ABOVE;
  }

  /* Positions come from the server's build (measures.layout): a force-directed layout
     of each community, the communities kept apart, the isolated institutions in a grid. */
  // Server units are spacing between neighbours; nodes here are up to 42 px wide.
  var POSITION_SCALE = 2.5;

  function position(index) {
    var x = graph.nodes.x[index];
    var y = graph.nodes.y[index];
    return typeof x === "number"
      ? { x: x * POSITION_SCALE, y: y * POSITION_SCALE }
      : { x: (index % 50) * 20, y: Math.floor(index / 50) * 20 };
  }

  // How many of the largest institutions carry their name on the graph.
  var LABELLED = 12;
  var LABELLED_LARGE = 25;

  function labelCount() {
    return isLarge() ? LABELLED_LARGE : LABELLED;
  }

  /* Names on the graph: at first from the drawing's list (largest by weighted degree),
     then by the measure chosen under "Size by" once the details are here. */
  function labelLargest(measure) {
    var ranked;
    if (loaded) {
      ranked = loaded.nodes.slice().sort(function (a, b) {
        return (b[measure] || 0) - (a[measure] || 0) || a.id - b.id;
      }).slice(0, labelCount()).map(function (node) {
        return [node.id, node.acronym || node.label];
      });
    } else {
      ranked = graph.labels.slice(0, labelCount()).map(function (entry) {
        return [graph.nodes.id[entry[0]], entry[1]];
      });
    }
    cy.batch(function () {
      cy.nodes(".labelled").removeClass("labelled");
      ranked.forEach(function (entry) {
        var element = cy.getElementById(String(entry[0]));
        element.data("label", entry[1]);
        element.addClass("labelled");
      });
    });
  }

  function sizeFor(values) {
    var max = 0;
    values.forEach(function (value) {
      if (typeof value === "number" && value > max) {
        max = value;
      }
    });
    return function (value) {
      var share = max > 0 && typeof value === "number" ? Math.sqrt(Math.max(value, 0) / max) : 0;
      return 8 + 34 * share;
    };
  }

  /* The drawing's elements: every institution, and the links the server chose to draw
     (id "e<index>": the link's index in the details, where its reasons are). */
  function elementsOfGraph() {
    var ids = graph.nodes.id;
    var size = sizeFor(graph.nodes.weighted_degree);
    var nodes = new Array(ids.length);
    for (var i = 0; i < ids.length; i += 1) {
      nodes[i] = {
        group: "nodes",
        data: {
          id: String(ids[i]),
          kind: "institution",
          colour: sectorColour(graph.sectors[graph.nodes.sector[i]]),
          size: size(graph.nodes.weighted_degree[i])
        },
        position: position(i)
      };
    }
    var drawn = graph.edges;
    var edges = new Array(drawn.index.length);
    for (var e = 0; e < drawn.index.length; e += 1) {
      edges[e] = {
        group: "edges",
        classes: "collaboration",
        data: {
          id: "e" + drawn.index[e],
          source: String(ids[drawn.source[e]]),
          target: String(ids[drawn.target[e]]),
          weight: drawn.weight[e]
        }
      };
    }
    return { nodes: nodes, edges: edges };
  }

  /* The details, back into one object per institution and per link (what the panel, the
     search, the filters and the table read). */
  function expand(details) {
    var ids = graph.nodes.id;
    var columns = details.nodes;
    var nodes = ids.map(function (id, i) {
      var node = {
        id: id,
        label: columns.label[i],
        acronym: columns.acronym[i],
        sector: graph.sectors[graph.nodes.sector[i]],
        state: columns.state[i],
        founder: Boolean(columns.founder[i]),
        joined_on: columns.joined_on[i],
        groups: columns.groups[i].map(function (g) { return details.groups[g]; })
      };
      MEASURES.forEach(function (key) {
        node[key] = columns[key][i];
      });
      nodeById[id] = node;
      adjacency[id] = [];
      return node;
    });
    var links = details.edges;
    var edges = links.source.map(function (source, e) {
      var edge = {
        source: ids[source],
        target: ids[links.target[e]],
        weight: links.weight[e],
        reasons: links.reasons[e]
      };
      adjacency[edge.source].push(e);
      adjacency[edge.target].push(e);
      return edge;
    });
    var affiliation = details.affiliation.source.map(function (source, e) {
      return { source: ids[source], target: ids[details.affiliation.target[e]] };
    });
    return { nodes: nodes, edges: edges, affiliation: affiliation };
  }

  function kindsOf(reasons) {
    var kinds = [];
    (reasons || []).forEach(function (reason) {
      if (reason[0] === TIE_REASON) {
        kinds.push("tie", "tie:" + reason[1]);
      } else {
        kinds.push(reason[0] === MEETINGS_REASON ? "meetings" : "deliverable");
      }
    });
    return kinds;
  }

  var loaded = null;
  var detailsRequest = null;
  function data() {
    return loaded;
  }

  /* The details, fetched once; `then` runs at once when they are already here. */
  function withDetails(callback) {
    if (loaded) {
      callback();
      return;
    }
    if (!detailsRequest) {
      detailsRequest = fetchJson(config.detailsUrl).then(function (details) {
        loaded = expand(details);
        cy.batch(function () {
          loaded.nodes.forEach(function (node) {
            var element = cy.getElementById(String(node.id));
            element.data("name", node.label);
            if (!element.hasClass("labelled")) {
              element.data("label", node.acronym || node.label);
            }
          });
        });
        var measure = document.getElementById("network-size").value;
        if (measure !== "weighted_degree") {
          resize(measure);
        }
        // What was chosen before (a browser restores a form on reload; the controls may be
        // used before the graph is drawn):
        var layer = document.getElementById("network-layer").value;
        if (layer !== "collaboration") {
          setLayer(layer);
        } else if (filtersChosen()) {
          applyFilters();
        }
        container.dataset.details = "1";
      });
      detailsRequest.catch(function (error) {
        detailsRequest = null;
        loading.classList.remove("d-none");
        loading.textContent = text("failed", "The graph could not be drawn.") + " " + error.message;
      });
    }
    detailsRequest.then(callback);
  }

  function needingDetails(handler) {
    return function (event) {
      withDetails(function () { handler(event); });
    };
  }

  function resize(measure) {
    var size = sizeFor(data().nodes.map(function (node) { return node[measure]; }));
    cy.batch(function () {
      cy.nodes('[kind = "institution"]').forEach(function (element) {
        element.data("size", size(nodeById[element.id()][measure]));
      });
    });
    labelLargest(measure);
  }

  /* Layers: collaboration (always drawn), the affiliation pairs (dashed), or the
     two-mode view (a square per working group, a line to each of its institutions). */
  var layerAdded = { both: null, "two-mode": null };

  function affiliationElements() {
    return data().affiliation.map(function (edge, index) {
      return {
        group: "edges",
        classes: "affiliation",
        data: {
          id: "a" + index,
          source: String(edge.source),
          target: String(edge.target),
          weight: 1,
          kinds: ["group"]
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

  function reasonText(reason) {
    if (reason[0] === TIE_REASON) {
      return (config.tieKinds[reason[1]] || reason[1]) + " (" + reason[2] +
        (reason[3] ? "" : ", " + text("unconfirmed", "unconfirmed")) + ")";
    }
    if (reason[0] === MEETINGS_REASON) {
      return text("meetings", "Meetings") + ": " + reason[1];
    }
    return text("deliverable", "Deliverable") + " #" + reason[1];
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

  /* Select an institution (needs the details: call it inside withDetails). */
  function select(id, focusPanel) {
    var element = cy.getElementById(String(id));
    if (!element.length) {
      return false;
    }
    cy.batch(function () {
      cy.elements().removeClass("faded highlighted");
      cy.nodes(":selected").unselect();
      element.select();
      if (!isLarge()) {
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
    markRow(Number(id));
    if (focusPanel) {
      document.getElementById("network-panel").focus();
    }
    return true;
  }

  function markRow(id) {
    document.querySelectorAll("#network-table tr.table-active").forEach(function (row) {
      row.classList.remove("table-active");
    });
    var row = document.querySelector('#network-table tr[data-node-id="' + id + '"]');
    if (row) {
      row.classList.add("table-active");
    }
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
    if (graph.per_node) {
      message += " " + text("backbone", "")
        .replace("%(k)s", String(graph.per_node))
        .replace("%(total)s", formatNumber(graph.edge_count, 0));
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
        var kinds = edge.data("kinds") ||
          (edge.hasClass("collaboration") ? kindsOf(data().edges[Number(edge.id().slice(1))].reasons) : []);
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

  function search() {
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

  /* The institutions' table: its first rows come in the HTML (the top by weighted degree);
     sorting and "Show more" write the rows from the details, a page at a time. */
  var tableShown = config.tableFirst || 20;
  var tableOrder = null;  // node ids in the table's order, once sorted or extended

  function defaultOrder() {
    return data().nodes.slice().sort(function (a, b) {
      return b.weighted_degree - a.weighted_degree ||
        String(a.label).toLocaleLowerCase().localeCompare(String(b.label).toLocaleLowerCase()) ||
        a.id - b.id;
    }).map(function (node) { return node.id; });
  }

  function tableCell(row, tag, className, label, content) {
    var cell = document.createElement(tag);
    if (className) {
      cell.className = className;
    }
    if (label) {
      cell.dataset.label = label;
    }
    if (typeof content === "string") {
      cell.textContent = content;
    } else {
      cell.appendChild(content);
    }
    row.appendChild(cell);
    return cell;
  }

  function tableRow(node, headings) {
    var row = document.createElement("tr");
    row.dataset.nodeId = String(node.id);
    row.dataset.label = node.label;
    var button = document.createElement("button");
    button.type = "button";
    button.className = "btn btn-link btn-sm p-0 text-start network-select";
    button.dataset.nodeId = String(node.id);
    button.textContent = node.label;
    var th = tableCell(row, "th", "fw-normal", "", button);
    th.scope = "row";
    var sector = document.createElement("span");
    var dot = document.createElement("span");
    dot.className = "sector-dot sector-" + node.sector;
    dot.setAttribute("aria-hidden", "true");
    sector.appendChild(dot);
    sector.appendChild(document.createTextNode(" " + (config.sectors[node.sector] || node.sector)));
    tableCell(row, "td", "", headings[1], sector);
    MEASURES.forEach(function (key, i) {
      var value = node[key];
      var digits = key === "weighted_degree"
        ? (value === Math.floor(value) ? 0 : 1)
        : TABLE_DIGITS[key];
      tableCell(row, "td", "text-end", headings[i + 2], formatNumber(value, digits, true));
    });
    return row;
  }

  function renderTable() {
    var table = document.getElementById("network-table");
    var headings = Array.prototype.map.call(table.tHead.rows[0].cells, function (cell) {
      return cell.textContent.trim();
    });
    var body = table.tBodies[0];
    var fragment = document.createDocumentFragment();
    tableOrder.slice(0, tableShown).forEach(function (id) {
      fragment.appendChild(tableRow(nodeById[id], headings));
    });
    clear(body);
    body.appendChild(fragment);
    var total = tableOrder.length;
    var shown = Math.min(tableShown, total);
    document.getElementById("network-table-count").textContent =
      text("table_count", "Institutions in the table: %(shown)s of %(total)s.")
        .replace("%(shown)s", formatNumber(shown, 0))
        .replace("%(total)s", formatNumber(total, 0));
    var more = document.getElementById("network-table-more");
    if (more && shown >= total) {
      more.classList.add("d-none");
    }
    var selected = cy.nodes(":selected");
    if (selected.length) {
      markRow(Number(selected[0].id()));
    }
  }

  function showMoreRows() {
    tableOrder = tableOrder || defaultOrder();
    tableShown += config.tableMore || 100;
    renderTable();
  }

  function sortTable(button) {
    var key = button.dataset.key;
    var table = document.getElementById("network-table");
    var current = button.dataset.order;
    var ascending = current ? current !== "asc" : key === "label";
    var value = function (node) {
      var v = node[key];
      return v === null || v === undefined ? -1 : v;
    };
    tableOrder = data().nodes.slice().sort(function (a, b) {
      var order = key === "label"
        ? String(a.label).localeCompare(String(b.label))
        : value(a) - value(b);
      return (ascending ? order : -order) || a.id - b.id;
    }).map(function (node) { return node.id; });
    renderTable();
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

  /* WebGL for a large network, when the browser has it (Cytoscape 3.31+ draws nodes and
     edges as textured batches there: its canvas renderer spent about 60 s of a phone's
     main thread on 10,000 institutions). */
  function webglAvailable() {
    try {
      var probe = document.createElement("canvas").getContext("webgl2");
      if (!probe) {
        return false;
      }
      var lose = probe.getExtension("WEBGL_lose_context");
      if (lose) {
        lose.loseContext();
      }
      return true;
    } catch (error) {
      return false;
    }
  }

  function draw(document_) {
    mark("parsed");
    graph = document_;
    removeOverview();
    var n = graph.nodes.id.length;
    var large = isLarge();
    var elements = elementsOfGraph();
    mark("elements");
    var webgl = large && webglAvailable();
    cy = window.cytoscape({
      container: container,
      // A large network shows its nodes first and adds its links after the first frame
      // (in one go: adding them in slices paid for a frame per slice).
      elements: large ? elements.nodes : elements.nodes.concat(elements.edges),
      layout: { name: "preset" },
      minZoom: 0.02,
      maxZoom: 4,
      pixelRatio: large ? 1 : "auto",
      textureOnViewport: large && !webgl,
      hideEdgesOnViewport: large && !webgl,
      motionBlur: false,
      boxSelectionEnabled: false,
      webgl: webgl,
      style: styleFor(large)
    });
    container.dataset.renderer = webgl ? "webgl" : "canvas";
    mark("created");
    cy.fit(undefined, 20);
    labelLargest("weighted_degree");

    // Suggestions for the search box, filled when it is first used (10,000 options cost).
    var searchBox = document.getElementById("network-search");
    function fillNames() {
      searchBox.removeEventListener("focus", fillNames);
      withDetails(function () {
        var names = document.getElementById("network-names");
        var fragment = document.createDocumentFragment();
        data().nodes.forEach(function (node) {
          var option = document.createElement("option");
          option.value = node.label;
          fragment.appendChild(option);
        });
        names.appendChild(fragment);
      });
    }
    searchBox.addEventListener("focus", fillNames);

    cy.on("tap", "node", function (event) {
      var id = event.target.id();
      withDetails(function () { select(id, false); });
    });
    cy.on("tap", function (event) {
      if (event.target === cy) {
        cy.elements().removeClass("faded highlighted");
      }
    });
    document.getElementById("network-size").addEventListener("change", needingDetails(function (event) {
      resize(event.target.value);
    }));
    document.querySelectorAll(".network-sector").forEach(function (box) {
      box.addEventListener("change", needingDetails(applyFilters));
    });
    document.getElementById("network-group").addEventListener("change", needingDetails(applyFilters));
    document.getElementById("network-link").addEventListener("change", needingDetails(applyFilters));
    document.getElementById("network-layer").addEventListener("change", needingDetails(function (event) {
      setLayer(event.target.value);
    }));
    document.getElementById("network-png").addEventListener("click", exportPng);
    document.getElementById("network-svg").addEventListener("click", exportSvg);
    document.getElementById("network-fit").addEventListener("click", function () {
      cy.fit(cy.elements(":visible"), 20);
    });
    wireViews();
    mark("wired");
    showCount(n, elements.edges.length);
    container.dataset.nodes = String(n);
    window.coalitionNetwork = {
      cy: cy, select: select, withDetails: withDetails, ready: true, readyAt: performance.now()
    };
    function ready() {
      loading.textContent = "";
      loading.classList.add("d-none");
      container.dataset.ready = "1";
    }
    if (large) {
      ready();  // what a large network needs of the details is fetched on demand
    }
    afterNextFrame(function () {
      // The first frame is painted and the page answers: what "interactive" measures.
      window.coalitionNetwork.paintedAt = performance.now();
      container.dataset.painted = "1";
      if (large) {
        cy.add(elements.edges);
        if (filtersChosen() || document.getElementById("network-size").value !== "weighted_degree" ||
            document.getElementById("network-layer").value !== "collaboration") {
          withDetails(function () {});  // chosen before the graph was drawn: applied with them
        }
      } else {
        // A small network's details are small too: fetched now, so that every action
        // answers at once ("ready" then).
        withDetails(ready);
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
        withDetails(function () { applyView(view); });
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

  /* A document; while the server computes it (202, with Retry-After: another server
     process may not have it yet) asked again, a few times. */
  function fetchJson(url, attempt) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        var tries = attempt || 0;
        if (response.status === 202 && tries < 24) {
          var seconds = Number(response.headers.get("Retry-After")) || 5;
          return new Promise(function (resolve) {
            window.setTimeout(resolve, seconds * 1000);
          }).then(function () { return fetchJson(url, tries + 1); });
        }
        if (!response.ok || response.status === 202) {
          throw new Error("network data: HTTP " + response.status);
        }
        return response.json();
      });
  }

  /* Cytoscape (436 KB, 138 KB compressed, about a second of a phone's main thread to
     evaluate and draw) is fetched and the graph drawn when the graph comes near the window
     (at once on a wide screen, where it is in the first view; on a phone it is below the
     controls), or as soon as the search, the table or the graph's controls are used. */
  var graphRequest = null;
  var drawing = null;

  function loadCytoscape() {
    if (typeof window.cytoscape === "function") {
      return Promise.resolve();
    }
    return new Promise(function (resolve, reject) {
      var script = document.createElement("script");
      script.src = container.dataset.cytoscapeSrc;
      script.onload = resolve;
      script.onerror = function () { reject(new Error("cytoscape")); };
      document.head.appendChild(script);
    });
  }

  function ensureDrawn() {
    if (!drawing) {
      graphRequest = graphRequest || fetchJson(config.graphUrl);
      drawing = Promise.all([loadCytoscape(), graphRequest]).then(function (results) {
        draw(results[1]);
      });
      drawing.catch(function (error) {
        loading.textContent = text("failed", "The graph could not be drawn.") + " " + error.message;
      });
    }
    return drawing;
  }

  /* A large network is first shown as an overview: its institutions and drawn links
     painted once on a plain canvas from the drawing document's positions (tens of
     milliseconds at 10,000 institutions, where creating Cytoscape's 20,000 elements took a
     phone's main thread seconds). Cytoscape is fetched and the graph made interactive on the
     first touch, click, wheel or key on the graph, or when a control, the search or the
     table needs it (ensureDrawn). A small network is drawn with Cytoscape at once. */
  var overview = null;
  var OVERVIEW_PADDING = 20;  // as cy.fit's

  function paintOverview(document_) {
    if (drawing || overview) {
      return;
    }
    graph = document_;
    var ids = graph.nodes.id;
    var size = sizeFor(graph.nodes.weighted_degree);
    var points = new Array(ids.length);
    var minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
    for (var i = 0; i < ids.length; i += 1) {
      var at = position(i);
      var half = size(graph.nodes.weighted_degree[i]) / 2;
      points[i] = [at.x, at.y, half];
      minX = Math.min(minX, at.x - half);
      minY = Math.min(minY, at.y - half);
      maxX = Math.max(maxX, at.x + half);
      maxY = Math.max(maxY, at.y + half);
    }
    var width = container.clientWidth;
    var height = container.clientHeight;
    var zoom = Math.min(
      (width - 2 * OVERVIEW_PADDING) / Math.max(maxX - minX, 1),
      (height - 2 * OVERVIEW_PADDING) / Math.max(maxY - minY, 1)
    );
    var offsetX = (width - zoom * (maxX - minX)) / 2 - zoom * minX;
    var offsetY = (height - zoom * (maxY - minY)) / 2 - zoom * minY;
    var ratio = Math.min(window.devicePixelRatio || 1, 2);
    overview = document.createElement("canvas");
    overview.className = "network-overview";
    overview.width = Math.round(width * ratio);
    overview.height = Math.round(height * ratio);
    overview.setAttribute("aria-hidden", "true");  // the container is the image
    var context = overview.getContext("2d");
    context.scale(ratio, ratio);
    var drawn = graph.edges;
    context.strokeStyle = "#d6dcdb";
    context.lineWidth = 0.6;
    // Paths of a few hundred shapes: one path of 10,000 took the rasteriser seconds, one
    // stroke or fill per shape costs as much in calls.
    var BATCH = 256;
    context.beginPath();
    for (var e = 0; e < drawn.index.length; e += 1) {
      var a = points[drawn.source[e]];
      var b = points[drawn.target[e]];
      context.moveTo(offsetX + zoom * a[0], offsetY + zoom * a[1]);
      context.lineTo(offsetX + zoom * b[0], offsetY + zoom * b[1]);
      if (e % BATCH === BATCH - 1) {
        context.stroke();
        context.beginPath();
      }
    }
    context.stroke();
    var bySector = {};
    points.forEach(function (point, index) {
      var sector = graph.nodes.sector[index];
      (bySector[sector] = bySector[sector] || []).push(point);
    });
    Object.keys(bySector).forEach(function (sector) {
      context.fillStyle = sectorColour(graph.sectors[sector]);
      context.beginPath();
      bySector[sector].forEach(function (point, index) {
        var x = offsetX + zoom * point[0];
        var y = offsetY + zoom * point[1];
        var radius = Math.max(zoom * point[2], 1.5);
        context.moveTo(x + radius, y);
        context.arc(x, y, radius, 0, 2 * Math.PI);
        if (index % BATCH === BATCH - 1) {
          context.fill();
          context.beginPath();
        }
      });
      context.fill();
    });
    // The largest institutions' names, as Cytoscape shows them.
    context.font = "bold 12px system-ui, sans-serif";
    context.textAlign = "center";
    context.textBaseline = "top";
    context.lineWidth = 3;
    context.strokeStyle = "#ffffff";
    context.fillStyle = "#1f2a28";
    graph.labels.slice(0, labelCount()).forEach(function (entry) {
      var point = points[entry[0]];
      var x = offsetX + zoom * point[0];
      var y = offsetY + zoom * (point[1] + point[2]) + 2;
      context.strokeText(entry[1], x, y);
      context.fillText(entry[1], x, y);
    });
    container.appendChild(overview);
    container.dataset.overview = "1";
    mark("overview");
    container.dataset.nodes = String(ids.length);
    var hint = document.getElementById("network-overview-text");
    loading.textContent = hint ? JSON.parse(hint.textContent) : "";
    ["pointerdown", "wheel", "keydown"].forEach(function (name) {
      container.addEventListener(name, ensureDrawn, { once: true, passive: true });
    });
  }

  function removeOverview() {
    if (overview) {
      overview.remove();
      overview = null;
      delete container.dataset.overview;
    }
  }

  function showGraph() {
    graphRequest = graphRequest || fetchJson(config.graphUrl);
    graphRequest.then(function (document_) {
      if (document_.nodes.id.length > BACKBONE_ABOVE) {
        paintOverview(document_);
      } else {
        ensureDrawn();
      }
    }, ensureDrawn);  // ensureDrawn asks again and says why it failed
  }

  /* Run `callback` once the graph is drawn and the details are here. */
  function whenReady(callback) {
    ensureDrawn().then(function () { withDetails(callback); });
  }

  document.getElementById("network-controls").addEventListener("submit", function (event) {
    event.preventDefault();
    whenReady(search);
  });
  document.getElementById("network-search-button").disabled = false;
  document.getElementById("network-table").tBodies[0].addEventListener("click", function (event) {
    var button = event.target.closest(".network-select");
    if (button) {
      var id = button.dataset.nodeId;
      whenReady(function () { select(id, true); });
    }
  });
  document.querySelectorAll(".network-sort").forEach(function (button) {
    button.addEventListener("click", function () {
      whenReady(function () { sortTable(button); });
    });
  });
  var more = document.getElementById("network-table-more");
  if (more) {
    more.disabled = false;
    more.addEventListener("click", function () { whenReady(showMoreRows); });
  }
  // Any use of the graph's controls draws it (their handlers are wired by draw; what was
  // chosen meanwhile is applied with the details).
  document.getElementById("network-controls").addEventListener("change", ensureDrawn);
  document.getElementById("network-controls").addEventListener("click", function (event) {
    if (event.target.closest("button")) {
      ensureDrawn();
    }
  });

  if ("IntersectionObserver" in window) {
    graphRequest = fetchJson(config.graphUrl);
    graphRequest.catch(function () { graphRequest = null; });
    var observer = new IntersectionObserver(function (entries) {
      if (entries.some(function (entry) { return entry.isIntersecting; })) {
        observer.disconnect();
        showGraph();
      }
    }, { rootMargin: "300px 0px" });
    observer.observe(container);
  } else {
    showGraph();
  }
}());
