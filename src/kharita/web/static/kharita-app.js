/* kharita workbench pages: map, events, network, branch profile.
   Talks only to this server's JSON API (/api/...). No other host is ever contacted. */
(function () {
  "use strict";
  var page = document.body.getAttribute("data-page");
  var dataNode = document.getElementById("page-data");
  var DATA = dataNode ? JSON.parse(dataNode.textContent) : {};
  var CONFIG = { displaylogo: false, responsive: true, showLink: false };
  var SYN = document.body.classList.contains("synthetic");

  function $(id) { return document.getElementById(id); }
  function getJSON(url) {
    return fetch(url, { credentials: "same-origin" }).then(function (r) {
      if (!r.ok) { return r.json().then(function (b) { throw new Error(JSON.stringify(b.detail)); }); }
      return r.json();
    });
  }
  function fillSelect(sel, items) {
    if (!sel) { return; }
    items.forEach(function (it) {
      var o = document.createElement("option");
      o.value = typeof it === "string" ? it : it.id;
      o.textContent = typeof it === "string" ? it : it.name + " (" + it.id + ")";
      sel.appendChild(o);
    });
  }
  function filterParams() {
    var p = new URLSearchParams();
    var b = $("f-branch"), t = $("f-type"), s = $("f-source"), c = $("f-conf");
    if (b && b.value) { p.append("branch", b.value); }
    if (t && t.value) { p.append("type", t.value); }
    if (s && s.value) { p.append("source", s.value); }
    if (c && c.value && Number(c.value) > 0) { p.append("min_confidence", c.value); }
    return p;
  }
  function setupFilters(onChange) {
    fillSelect($("f-branch"), DATA.branches || []);
    fillSelect($("f-type"), DATA.types || []);
    fillSelect($("f-source"), DATA.sources || []);
    ["f-branch", "f-type", "f-source", "f-conf"].forEach(function (id) {
      if ($(id)) { $(id).addEventListener("change", onChange); }
    });
  }
  function baseLayout(title, extra) {
    var l = { title: { text: (SYN ? "SYNTHETIC — " : "") + title, x: 0.01, xanchor: "left",
                       font: { size: 15 } },
              font: { family: "system-ui, sans-serif", size: 12 }, annotations: [],
              margin: { l: 50, r: 20, t: 50, b: 40 } };
    if (SYN) {
      l.annotations.push({ text: "SYNTHETIC DATA — NOT REAL EVENTS", xref: "paper", yref: "paper",
        x: 0.5, y: 0.5, showarrow: false, opacity: 0.18, textangle: -18,
        font: { size: 34, color: "#b03a2e" } });
    }
    for (var k in extra) { if (Object.prototype.hasOwnProperty.call(extra, k)) { l[k] = extra[k]; } }
    return l;
  }

  /* ---------------------------------------------------------------- map */
  function initMap() {
    var land = null, periods = [];
    var div = $("map"), slider = $("time-slider"), label = $("time-label");
    function drawCells(res) {
      var by = {}, max = 0, total = 0;
      res.cells.forEach(function (c) {
        (by[c[0]] = by[c[0]] || []).push(c);
        if (c[3] > max) { max = c[3]; }
        total += c[3];
      });
      var traces = [land];
      Object.keys(by).sort().forEach(function (eid) {
        var rows = by[eid], color = (DATA.colors || {})[eid] || "#555555";
        var name = eid;
        (DATA.branches || []).forEach(function (b) { if (b.id === eid) { name = b.name; } });
        traces.push({ type: "scatter", mode: "markers", name: name,
          x: rows.map(function (r) { return r[2]; }), y: rows.map(function (r) { return r[1]; }),
          customdata: rows.map(function (r) { return [r[3].toFixed(1), Math.round(r[4])]; }),
          hovertemplate: name + "<br>%{customdata[0]} events, %{customdata[1]} deaths<extra></extra>",
          marker: { color: color, opacity: 0.65, line: { width: 0.5, color: color },
                    size: rows.map(function (r) { return 3 + 22 * Math.sqrt(r[3] / (max || 1)); }) } });
      });
      var layout = baseLayout("Events by branch — " + res.period, {
        xaxis: { range: [-22, 128], visible: false }, plot_bgcolor: "#e8eef3",
        yaxis: { range: [-32, 56], visible: false, scaleanchor: "x", scaleratio: 1 },
        margin: { l: 10, r: 10, t: 50, b: 10 }, height: 620,
        legend: { x: 1, xanchor: "right", y: 1, bgcolor: "rgba(255,255,255,0.8)", font: { size: 10 } } });
      div.setAttribute("data-period", res.period);
      div.setAttribute("data-cells", String(res.cells.length));
      $("map-status").textContent = res.cells.length + " cells, " + Math.round(total) +
        " events (weighted)" + (SYN ? " — SYNTHETIC" : "");
      return Plotly.react(div, traces, layout, CONFIG);
    }
    function loadPeriod() {
      var i = Number(slider.value);
      var p = filterParams();
      if (i > 0 && periods[i - 1]) { p.set("period", periods[i - 1]); }
      label.textContent = i > 0 ? periods[i - 1] : "all periods";
      return getJSON("/api/map?" + p.toString()).then(drawCells);
    }
    function loadPeriods() {
      var p = filterParams();
      p.set("freq", $("f-freq").value);
      return getJSON("/api/periods?" + p.toString()).then(function (res) {
        periods = res.labels;  /* labels of the first days, in date order */
        slider.max = String(periods.length);
        if (Number(slider.value) > periods.length) { slider.value = "0"; }
        return loadPeriod();
      });
    }
    fetch(document.body.getAttribute("data-outlines")).then(function (r) { return r.json(); })
      .then(function (o) {
        var xs = [], ys = [];
        o.countries.forEach(function (c) {
          if (xs.length) { xs.push(null); ys.push(null); }
          Array.prototype.push.apply(xs, c.x); Array.prototype.push.apply(ys, c.y);
        });
        land = { type: "scatter", mode: "lines", x: xs, y: ys, fill: "toself", fillcolor: "#f3f0e8",
                 line: { color: "#a9a396", width: 0.6 }, hoverinfo: "skip", showlegend: false };
        setupFilters(loadPeriods);
        $("f-freq").addEventListener("change", function () { slider.value = "0"; loadPeriods(); });
        slider.addEventListener("input", loadPeriod);
        $("btn-all").addEventListener("click", function () { slider.value = "0"; loadPeriod(); });
        return loadPeriods();
      });
  }

  /* ------------------------------------------------------------- events */
  function initEvents() {
    var state = { page: 1, size: 50, total: 0 };
    var tbody = document.querySelector("#events-table tbody");
    function cell(tr, text, href) {
      var td = document.createElement("td");
      if (href) { var a = document.createElement("a"); a.href = href; a.textContent = text; td.appendChild(a); }
      else { td.textContent = text === null || text === undefined ? "" : String(text); }
      tr.appendChild(td);
    }
    function load() {
      var p = filterParams();
      p.set("page", String(state.page)); p.set("size", String(state.size));
      p.set("sort", $("sort").value);
      if ($("q").value.trim()) { p.set("q", $("q").value.trim()); }
      return getJSON("/api/events?" + p.toString()).then(function (res) {
        state.total = res.total;
        tbody.textContent = "";
        res.rows.forEach(function (r) {
          var tr = document.createElement("tr");
          cell(tr, r.event_id, "/events/" + encodeURIComponent(r.event_id));
          cell(tr, (r.date_start || "").slice(0, 10)); cell(tr, r.entity_id);
          cell(tr, r.confidence); cell(tr, Number(r.weight).toFixed(2)); cell(tr, r.event_type);
          cell(tr, r.source); cell(tr, r.country_iso3); cell(tr, r.admin1); cell(tr, r.place);
          cell(tr, r.fatalities_best);
          tbody.appendChild(tr);
        });
        var pages = Math.max(1, Math.ceil(res.total / state.size));
        $("page-info").textContent = "page " + state.page + " of " + pages + " · " +
          res.total.toLocaleString("en") + " rows" + (SYN ? " · SYNTHETIC" : "");
        $("prev").disabled = state.page <= 1; $("next").disabled = state.page >= pages;
      });
    }
    setupFilters(function () { state.page = 1; load(); });
    var timer = null;
    $("q").addEventListener("input", function () {
      clearTimeout(timer); timer = setTimeout(function () { state.page = 1; load(); }, 250);
    });
    $("sort").addEventListener("change", function () { state.page = 1; load(); });
    $("prev").addEventListener("click", function () { if (state.page > 1) { state.page--; load(); } });
    $("next").addEventListener("click", function () { state.page++; load(); });
    load();
  }

  /* ------------------------------------------------------------ network */
  function initNetwork() {
    var COLORS = { organisation: "#111111", directorate: "#5b2c6f", office: "#1f618d",
                   province: "#c0392b", predecessor: "#7f8c8d", person: "#b9770e",
                   group: "#16a085", splinter: "#95a5a6" };
    var cy = cytoscape({ container: $("cy"), elements: [], wheelSensitivity: 0.3,
      style: [
        { selector: "node", style: { "label": "data(label)", "font-size": 9, "text-wrap": "wrap",
          "text-max-width": 90, "background-color": function (n) { return COLORS[n.data("type")] || "#555"; },
          "width": 14, "height": 14, "color": "#222", "text-valign": "bottom", "text-margin-y": 3 } },
        { selector: "edge", style: { "width": 1, "line-color": "#b0b0b0", "target-arrow-color": "#b0b0b0",
          "target-arrow-shape": "triangle", "arrow-scale": 0.6, "curve-style": "bezier" } },
        { selector: "edge[type = 'led_by']", style: { "line-style": "dashed", "line-color": "#d4ac6e" } }
      ] });
    cy.on("tap", "node", function (e) { window.location.href = "/branches/" + encodeURIComponent(e.target.id()); });
    function load(day) {
      return getJSON("/api/network?as_of=" + encodeURIComponent(day)).then(function (res) {
        cy.elements().remove();
        cy.add(res.elements);
        var LEVEL = { organisation: 6, directorate: 5, person: 4, office: 4, province: 2,
                      predecessor: 1, group: 1, splinter: 0 };
        cy.layout({ name: "concentric", concentric: function (n) { return LEVEL[n.data("type")] || 0; },
                    levelWidth: function () { return 1; }, minNodeSpacing: 28, padding: 20,
                    animate: false }).run();
        $("cy").setAttribute("data-asof", res.as_of);
        $("cy").setAttribute("data-nodes", String(res.counts.nodes));
        $("net-status").textContent = res.counts.nodes + " entities, " + res.counts.edges +
          " relations valid on " + res.as_of + " (KB " + res.kb_version + ")";
      });
    }
    var input = $("asof");
    input.value = DATA.as_of;
    input.addEventListener("change", function () { if (input.value) { load(input.value); } });
    [["asof-a", DATA.compare[0]], ["asof-b", DATA.compare[1]]].forEach(function (x) {
      $(x[0]).textContent = x[1];
      $(x[0]).addEventListener("click", function () { input.value = x[1]; load(x[1]); });
    });
    load(DATA.as_of);
  }

  /* ------------------------------------------------------------- branch */
  function initBranch() {
    var div = $("branch-activity");
    if (!div) { return; }
    getJSON("/api/activity?freq=year&branch=" + encodeURIComponent(DATA.entity_id)).then(function (res) {
      var rows = res.rows;
      var layout = baseLayout("Events per year attributed to " + DATA.entity_id,
        { xaxis: { type: "category" }, yaxis: { rangemode: "tozero" }, height: 320 });
      if (!rows.length) { layout.annotations.push({ text: "no events attributed in this store",
        xref: "paper", yref: "paper", x: 0.5, y: 0.6, showarrow: false }); }
      return Plotly.newPlot(div, [{ type: "bar", name: "events", marker: { color: "#8e2b20" },
        x: rows.map(function (r) { return r.label; }), y: rows.map(function (r) { return r.events; }) }],
        layout, CONFIG);
    });
  }

  if (page === "map") { initMap(); }
  else if (page === "events" && $("events-table")) { initEvents(); }
  else if (page === "network") { initNetwork(); }
  else if (page === "branches" && DATA.entity_id) { initBranch(); }
})();
