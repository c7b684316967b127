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
  /* Loading indicator and visible errors: every API call goes through getJSON. */
  var pending = 0;
  function busy(delta) {
    pending += delta;
    document.body.classList.toggle("loading", pending > 0);
    var b = $("busy"); if (b) { b.hidden = pending <= 0; }
  }
  function showError(msg) {
    var e = $("form-error");
    if (!e) { return; }
    e.textContent = msg || ""; e.hidden = !msg;
  }
  function detailText(d) {
    if (typeof d === "string") { return d; }
    if (Array.isArray(d)) {
      return d.map(function (x) { return (x.loc ? x.loc[x.loc.length - 1] + ": " : "") + (x.msg || JSON.stringify(x)); }).join("; ");
    }
    return JSON.stringify(d);
  }
  function getJSON(url) {
    busy(1);
    return fetch(url, { credentials: "same-origin" }).then(function (r) {
      if (!r.ok) {
        return r.json().catch(function () { return { detail: r.statusText }; }).then(function (b) {
          var msg = "Error " + r.status + ": " + detailText(b.detail);
          showError(msg); throw new Error(msg);
        });
      }
      showError("");
      return r.json();
    }).finally(function () { busy(-1); });
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
  /* The filter controls and the query parameters they stand for (the URL is the state:
     every view is a permalink, Back and Forward restore it). */
  var FILTERS = [["f-from", "from"], ["f-to", "to"], ["f-branch", "branch"], ["f-country", "country"],
                 ["f-type", "type"], ["f-source", "source"], ["f-admin1", "admin1"],
                 ["f-actor", "actor"], ["f-minfat", "min_fatalities"], ["f-maxfat", "max_fatalities"],
                 ["f-count", "count", "incidents"], ["f-conf", "min_confidence", "0"]];
  function isDefault(f, v) {
    if (f[2] === undefined) { return false; }
    return f[1] === "min_confidence" ? Number(v) === 0 : v === f[2];
  }
  function filterParams() {
    var p = new URLSearchParams();
    FILTERS.forEach(function (f) {
      var el = $(f[0]);
      if (!el || !el.value || !String(el.value).trim() || isDefault(f, String(el.value).trim())) { return; }
      p.append(f[1], String(el.value).trim());
    });
    return p;
  }
  function fromURL(extra) {
    var q = new URLSearchParams(window.location.search);
    FILTERS.concat(extra || []).forEach(function (f) {
      var el = $(f[0]);
      if (!el) { return; }
      var v = q.get(f[1]);
      if (el.tagName === "SELECT" && v && !Array.prototype.some.call(el.options, function (o) { return o.value === v; })) {
        var o = document.createElement("option"); o.value = v; o.textContent = v; el.appendChild(o);
      }
      el.value = v === null ? (f[2] !== undefined ? f[2] : "") : v;
    });
    return q;
  }
  /* Sortable tables: a click on a header sorts by that column, a second click reverses;
     the sort is in the URL (?sort=COLUMN_asc|_desc) so it is part of the permalink. */
  function sortKey(th) { return th.getAttribute("data-sort"); }
  function markSorted(table, sort) {
    Array.prototype.forEach.call(table.querySelectorAll("th[data-sort]"), function (th) {
      var k = sortKey(th), dir = sort === k + "_asc" ? "ascending" : sort === k + "_desc" ? "descending" : "none";
      th.setAttribute("aria-sort", dir);
      th.classList.toggle("sorted-asc", dir === "ascending");
      th.classList.toggle("sorted-desc", dir === "descending");
    });
  }
  function headerSort(table, current, onSort) {
    Array.prototype.forEach.call(table.querySelectorAll("th[data-sort]"), function (th) {
      th.tabIndex = 0; th.title = "sort by " + th.textContent;
      function go() {
        var k = sortKey(th), first = th.getAttribute("data-first") || "asc";
        var other = first === "asc" ? "desc" : "asc";
        onSort(current() === k + "_" + first ? k + "_" + other : k + "_" + first);
      }
      th.addEventListener("click", go);
      th.addEventListener("keydown", function (e) { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); go(); } });
    });
  }
  function sortRows(table, sort) {
    /* client-side order of a fully rendered table (the branches list) */
    var m = /^(.*)_(asc|desc)$/.exec(sort || "");
    var ths = Array.prototype.slice.call(table.querySelectorAll("thead th"));
    var idx = m ? ths.findIndex(function (th) { return sortKey(th) === m[1]; }) : -1;
    var tbody = table.tBodies[0];
    var rows = Array.prototype.slice.call(tbody.rows);
    var ordered = idx < 0 ? table.origRows.slice() : rows.slice().sort(function (a, b) {
      var x = a.cells[idx].textContent.trim(), y = b.cells[idx].textContent.trim();
      var nx = Number(x.replace(/,/g, "")), ny = Number(y.replace(/,/g, ""));
      var c = (x !== "" && y !== "" && !isNaN(nx) && !isNaN(ny)) ? nx - ny
        : (x === "" ? 1 : y === "" ? -1 : x.localeCompare(y));
      if (x === "" || y === "") { return c; }  /* empty cells last either way */
      return m[2] === "asc" ? c : -c;
    });
    ordered.forEach(function (r) { tbody.appendChild(r); });
    table.setAttribute("data-sort", idx < 0 ? "" : sort);
    markSorted(table, idx < 0 ? "" : sort);
  }
  function initSortableTable(table) {
    /* the sort of a table is ?sort=..., or ?NAME=... with data-sort-param="NAME" */
    var param = table.getAttribute("data-sort-param") || "sort";
    Array.prototype.forEach.call(table.querySelectorAll("thead th"), function (th) {
      if (!th.hasAttribute("data-sort")) {
        th.setAttribute("data-sort", th.textContent.trim().toLowerCase().replace(/[^a-z0-9]+/g, "-"));
      }
    });
    table.origRows = Array.prototype.slice.call(table.tBodies[0].rows);
    function current() { return new URLSearchParams(window.location.search).get(param) || ""; }
    headerSort(table, current, function (sort) {
      var p = new URLSearchParams(window.location.search); p.set(param, sort);
      toURL(p); sortRows(table, sort);
    });
    window.addEventListener("popstate", function () { sortRows(table, current()); });
    sortRows(table, current());
  }
  function toURL(params) {
    var qs = params.toString();
    var url = window.location.pathname + (qs ? "?" + qs : "");
    if (url !== window.location.pathname + window.location.search) { history.pushState(null, "", url); }
  }
  function setupFilters(onChange) {
    fillSelect($("f-branch"), DATA.branches || []);
    fillSelect($("f-type"), DATA.types || []);
    fillSelect($("f-source"), DATA.sources || []);
    FILTERS.forEach(function (f) {
      if ($(f[0])) { $(f[0]).addEventListener("change", onChange); }
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
  function splitAntimeridian(xs, ys, ox, oy) {
    /* a ring crossing +-180 degrees is cut, so no line runs across the whole map */
    var prev = null;
    for (var i = 0; i < xs.length; i++) {
      if (xs[i] !== null && prev !== null && Math.abs(xs[i] - prev) > 180) { ox.push(null); oy.push(null); }
      ox.push(xs[i]); oy.push(ys[i]); prev = xs[i];
    }
  }
  function initMap() {
    var land = null, periods = [], firstDays = [], current = "all";
    var div = $("map"), slider = $("time-slider"), label = $("time-label");
    function nextDay(iso, freq) {
      var d = new Date(iso + "T00:00:00Z");
      if (freq === "year") { d.setUTCFullYear(d.getUTCFullYear() + 1); }
      else if (freq === "quarter") { d.setUTCMonth(d.getUTCMonth() + 3); }
      else if (freq === "month") { d.setUTCMonth(d.getUTCMonth() + 1); }
      else { d.setUTCDate(d.getUTCDate() + 7); }
      d.setUTCDate(d.getUTCDate() - 1);
      return d.toISOString().slice(0, 10);
    }
    function drillParams(eid, lat, lon, deg) {
      /* the events of one branch in one cell (the place) and the period shown, under the
         filters */
      var p = filterParams();
      p.set("branch", eid);
      if (lat !== undefined) { p.set("cell", [lat, lon, deg].join(",")); }
      var i = Number(slider.value);
      if (i > 0 && firstDays[i - 1]) {
        p.set("from", firstDays[i - 1]); p.set("to", nextDay(firstDays[i - 1], $("f-freq").value));
      }
      return p;
    }
    function drawCells(res) {
      var by = {}, max = 0, total = 0;
      res.cells.forEach(function (c) {
        (by[c[0]] = by[c[0]] || []).push(c);
        if (c[3] > max) { max = c[3]; }
        total += c[3];
      });
      var traces = [land];
      var half = (res.cell_deg || 1) / 2;
      Object.keys(by).sort().forEach(function (eid) {
        var rows = by[eid], color = (DATA.colors || {})[eid] || "#555555";
        var name = eid;
        (DATA.branches || []).forEach(function (b) { if (b.id === eid) { name = b.name; } });
        traces.push({ type: "scatter", mode: "markers", name: name, meta: eid,
          x: rows.map(function (r) { return r[2]; }), y: rows.map(function (r) { return r[1]; }),
          customdata: rows.map(function (r) { return [r[3].toFixed(1), Math.round(r[4]), eid, r[1], r[2]]; }),
          hovertemplate: name + "<br>%{customdata[0]} events, %{customdata[1]} deaths (best)<br>" +
            "cell " + "%{y:.1f}N %{x:.1f}E (" + (2 * half) + "°) · period " + res.period +
            "<br>click: this branch's events in this cell and period<extra></extra>",
          marker: { color: color, opacity: 0.65, line: { width: 0.5, color: color },
                    size: rows.map(function (r) { return 3 + 22 * Math.sqrt(r[3] / (max || 1)); }) } });
      });
      var layout = baseLayout("Events by branch — " + res.period, {
        xaxis: { range: [-22, 128], visible: false }, plot_bgcolor: "#e8eef3",
        yaxis: { range: [-32, 56], visible: false, scaleanchor: "x", scaleratio: 1 },
        margin: { l: 10, r: 10, t: 50, b: 10 }, height: 620,
        legend: { x: 1.01, xanchor: "left", y: 1, bgcolor: "rgba(255,255,255,0.9)", font: { size: 10 } } });
      div.setAttribute("data-period", res.period);
      div.setAttribute("data-cells", String(res.cells.length));
      $("map-status").textContent = res.cells.length + " cells, " + Math.round(total) +
        " events (weighted)" + (SYN ? " — SYNTHETIC" : "") + ". Click a bubble for its events.";
      return Plotly.react(div, traces, layout, CONFIG).then(function () {
        if (!div.getAttribute("data-click")) {
          div.setAttribute("data-click", "1");
          div.on("plotly_click", function (ev) {
            var pt = ev.points && ev.points[0];
            if (!pt || !pt.customdata) { return; }
            var p = drillParams(pt.customdata[2], pt.customdata[3], pt.customdata[4], res.cell_deg || 1);
            window.location.href = "/events?" + p.toString();
          });
        }
      });
    }
    function state() {
      var p = filterParams();
      if ($("f-freq").value !== "year") { p.set("freq", $("f-freq").value); }
      var i = Number(slider.value);
      if (i > 0 && periods[i - 1]) { p.set("period", periods[i - 1]); }
      return p;
    }
    function loadPeriod(push) {
      var i = Number(slider.value);
      var p = filterParams();
      if (i > 0 && periods[i - 1]) { p.set("period", periods[i - 1]); }
      current = i > 0 ? periods[i - 1] : "all";
      label.textContent = i > 0 ? periods[i - 1] : "all periods";
      if (push !== false) { toURL(state()); }
      return getJSON("/api/map?" + p.toString()).then(drawCells);
    }
    function loadPeriods(push, wanted) {
      var p = filterParams();
      p.set("freq", $("f-freq").value);
      return getJSON("/api/periods?" + p.toString()).then(function (res) {
        periods = res.labels;  /* labels of the first days, in date order */
        firstDays = res.periods;
        slider.max = String(periods.length);
        var k = wanted ? periods.indexOf(wanted) : -1;
        if (wanted !== undefined) { slider.value = String(k + 1); }
        if (Number(slider.value) > periods.length) { slider.value = "0"; }
        return loadPeriod(push);
      });
    }
    function restore() {
      var q = fromURL([["f-freq", "freq", "year"]]);
      return loadPeriods(false, q.get("period") || null);
    }
    fetch(document.body.getAttribute("data-outlines")).then(function (r) { return r.json(); })
      .then(function (o) {
        var xs = [], ys = [];
        o.countries.forEach(function (c) {
          if (xs.length) { xs.push(null); ys.push(null); }
          splitAntimeridian(c.x, c.y, xs, ys);
        });
        land = { type: "scatter", mode: "lines", x: xs, y: ys, fill: "toself", fillcolor: "#f3f0e8",
                 line: { color: "#a9a396", width: 0.6 }, hoverinfo: "skip", showlegend: false };
        setupFilters(function () { loadPeriods(); });
        $("f-freq").addEventListener("change", function () { slider.value = "0"; loadPeriods(); });
        slider.addEventListener("input", function () { loadPeriod(); });
        $("btn-all").addEventListener("click", function () { slider.value = "0"; loadPeriod(); });
        window.addEventListener("popstate", restore);
        return restore();
      });
  }

  /* ------------------------------------------------------------- events */
  function initEvents() {
    var state = { page: 1, size: 50, total: 0 };
    var EXTRA = [["q", "q"], ["sort", "sort", "date_desc"], ["f-cell", "cell"]];
    var tbody = document.querySelector("#events-table tbody");
    function cell(tr, text, href) {
      var td = document.createElement("td");
      if (href) { var a = document.createElement("a"); a.href = href; a.textContent = text; td.appendChild(a); }
      else { td.textContent = text === null || text === undefined ? "" : String(text); }
      tr.appendChild(td);
    }
    function params() {
      var p = filterParams();
      if ($("q").value.trim()) { p.set("q", $("q").value.trim()); }
      if ($("sort").value !== "date_desc") { p.set("sort", $("sort").value); }
      if ($("f-cell").value) { p.set("cell", $("f-cell").value); }
      return p;
    }
    function load(push) {
      var p = params();
      var shown = new URLSearchParams(p.toString());
      if (state.page > 1) { shown.set("page", String(state.page)); }
      if (push !== false) { toURL(shown); }
      ["csv", "json"].forEach(function (f) {
        var a = $("dl-" + f); if (a) { a.href = "/api/events." + f + "?" + p.toString(); }
      });
      p.set("page", String(state.page)); p.set("size", String(state.size));
      p.set("sort", $("sort").value);
      var c = $("f-cell").value.split(",");
      $("cell-note").hidden = c.length !== 3;
      if (c.length === 3) {
        $("cell-text").textContent = Math.abs(c[0]) + "°" + (c[0] < 0 ? "S" : "N") + " " +
          Math.abs(c[1]) + "°" + (c[1] < 0 ? "W" : "E") + " (" + c[2] + "° cell)";
      }
      var sorted = $("sort").value;
      markSorted($("events-table"), sorted);
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
        $("events-table").setAttribute("data-total", String(res.total));
        $("events-table").setAttribute("data-sort", sorted);  /* set once the rows are in */
        $("prev").disabled = state.page <= 1; $("next").disabled = state.page >= pages;
      }).catch(function () {
        tbody.textContent = ""; $("page-info").textContent = "no rows (see the error above)";
        $("events-table").setAttribute("data-total", "error");
      });
    }
    function restore() {
      var q = fromURL(EXTRA);
      state.page = Math.max(1, parseInt(q.get("page") || "1", 10) || 1);
      return load(false);
    }
    setupFilters(function () { state.page = 1; load(); });
    var timer = null;
    $("q").addEventListener("input", function () {
      clearTimeout(timer); timer = setTimeout(function () { state.page = 1; load(); }, 250);
    });
    $("sort").addEventListener("change", function () { state.page = 1; load(); });
    var table = $("events-table");
    headerSort(table, function () { return $("sort").value; }, function (sort) {
      var sel = $("sort");
      if (!Array.prototype.some.call(sel.options, function (o) { return o.value === sort; })) {
        var o = document.createElement("option"); o.value = sort; o.textContent = sort.replace(/_/g, " ");
        sel.appendChild(o);
      }
      sel.value = sort; state.page = 1; load();
    });
    $("cell-clear").addEventListener("click", function (e) {
      e.preventDefault(); $("f-cell").value = ""; state.page = 1; load();
    });
    $("prev").addEventListener("click", function () { if (state.page > 1) { state.page--; load(); } });
    $("next").addEventListener("click", function () { state.page++; load(); });
    window.addEventListener("popstate", restore);
    restore();
  }

  /* ------------------------------------------------------------ network */
  function initNetwork() {
    var COLORS = { organisation: "#111111", directorate: "#5b2c6f", office: "#1f618d",
                   province: "#c0392b", predecessor: "#7f8c8d", person: "#b9770e",
                   group: "#16a085", splinter: "#95a5a6" };
    var cy = cytoscape({ container: $("cy"), elements: [], wheelSensitivity: 0.3, maxZoom: 2.5,
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
    function show(day, push) {  /* the date is in the URL (?as_of=...): a permalink */
      input.value = day;
      if (push !== false) {
        var p = new URLSearchParams(window.location.search); p.set("as_of", day); toURL(p);
      }
      return load(day);
    }
    function restore() {
      return show(new URLSearchParams(window.location.search).get("as_of") || DATA.as_of, false);
    }
    input.addEventListener("change", function () { if (input.value) { show(input.value); } });
    [["asof-a", DATA.compare[0]], ["asof-b", DATA.compare[1]]].forEach(function (x) {
      $(x[0]).textContent = x[1];
      $(x[0]).addEventListener("click", function () { show(x[1]); });
    });
    window.addEventListener("popstate", restore);
    restore();
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

  /* ----------------------------------------------------------- overview */
  function initOverview() {
    var pending = (DATA.pending || []).slice();
    if (!pending.length) { return; }
    document.body.classList.add("loading");
    function poll() {
      fetch("/api/overview/sections", { credentials: "same-origin" }).then(function (r) { return r.json(); })
        .then(function (res) {
          pending = pending.filter(function (id) {
            var html = res.sections[id];
            if (html === undefined) { return true; }
            var slot = document.querySelector('.overview-slot[data-section-id="' + id + '"]');
            if (slot) {
              slot.innerHTML = html;  /* server-rendered by the brief's own template (escaped) */
              if (window.kharitaCharts) { window.kharitaCharts.drawAll(slot); }
            }
            return false;
          });
          if (res.done || !pending.length) {
            document.body.classList.remove("loading");
            var st = $("overview-status"); if (st) { st.hidden = true; }
            document.body.setAttribute("data-overview", "done");
          } else { setTimeout(poll, 700); }
        }).catch(function () { setTimeout(poll, 2000); });
    }
    setTimeout(poll, 300);
  }

  if (page === "overview") { initOverview(); }
  else if (page === "map") { initMap(); }
  else if (page === "events" && $("events-table")) { initEvents(); }
  else if (page === "network") { initNetwork(); }
  else if (page === "branches" && DATA.entity_id) { initBranch(); }
  Array.prototype.forEach.call(document.querySelectorAll("table.sortable"), initSortableTable);
})();
