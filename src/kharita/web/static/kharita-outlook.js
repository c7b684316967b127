/* kharita workbench: the outlook page (fan chart per branch, backtest scores, alerts).
   The URL is the state (?unit=...): every view is a permalink; Back and Forward restore it.
   Talks only to this server's /api/outlook. */
(function () {
  "use strict";
  if (document.body.getAttribute("data-page") !== "outlook") { return; }
  var CONFIG = { displaylogo: false, responsive: true, showLink: false };
  function $(id) { return document.getElementById(id); }
  var sel = $("o-unit"), status = $("o-status"), fan = $("outlook-fan");
  function showError(msg) { var e = $("form-error"); e.textContent = msg || ""; e.hidden = !msg; }
  function getJSON(url) {
    document.body.classList.add("loading");
    return fetch(url, { credentials: "same-origin" }).then(function (r) {
      return r.json().catch(function () { return { detail: r.statusText }; }).then(function (b) {
        if (!r.ok) {
          var msg = "Error " + r.status + ": " + (typeof b.detail === "string" ? b.detail : JSON.stringify(b.detail));
          showError(msg); throw new Error(msg);
        }
        showError(""); return b;
      });
    }).finally(function () { document.body.classList.remove("loading"); });
  }
  function fmt(v) {
    if (v === null || v === undefined) { return ""; }
    if (typeof v === "number") { return Math.abs(v) >= 100 ? v.toFixed(0) : String(Math.round(v * 1000) / 1000); }
    return String(v);
  }
  function fillRows(tbody, rows) {
    tbody.textContent = "";
    rows.forEach(function (cells) {
      var tr = document.createElement("tr");
      cells.forEach(function (c) { var td = document.createElement("td"); td.textContent = fmt(c); tr.appendChild(td); });
      tbody.appendChild(tr);
    });
  }
  function fillUnits(units, chosen) {
    if (sel.options.length === units.length) { sel.value = chosen; return; }
    sel.textContent = "";
    units.forEach(function (u) {
      var o = document.createElement("option"); o.value = u.id; o.textContent = u.name + " (" + u.id + ")";
      sel.appendChild(o);
    });
    sel.value = chosen;
  }
  function render(res) {
    fillUnits(res.units, res.unit);
    status.textContent = "model: " + res.model + " — " + res.verdict;
    $("o-why").textContent = res.why;
    var notes = $("o-notes"); notes.textContent = "";
    Object.keys(res.notes).sort().forEach(function (u) {
      var li = document.createElement("li"); li.textContent = u + ": " + res.notes[u]; notes.appendChild(li);
    });
    var head = $("o-scores").querySelector("thead"); head.textContent = "";
    var tr = document.createElement("tr");
    res.scores.columns.forEach(function (c) { var th = document.createElement("th"); th.textContent = c; tr.appendChild(th); });
    head.appendChild(tr);
    fillRows($("o-scores").querySelector("tbody"), res.scores.rows.map(function (r) {
      return res.scores.columns.map(function (c) { return r[c]; });
    }));
    function iv(lo, hi) { return Math.round(lo) + "-" + Math.round(hi); }
    fillRows($("o-forecast").querySelector("tbody"), res.forecast.map(function (r) {
      return [r.period.slice(0, 7), Math.round(r.events_median), iv(r.events_lo50, r.events_hi50),
              iv(r.events_lo80, r.events_hi80), iv(r.events_lo95, r.events_hi95),
              Math.round(r.p_any * 100) / 100, Math.round(r.p_surge * 100) / 100];
    }));
    $("o-alerts-note").textContent = (res.alerts.length ? res.alerts.length + " alert(s). " : "No alert. ") + res.alerts_note + ".";
    fillRows($("o-alerts").querySelector("tbody"), res.alerts.map(function (r) {
      return [r.unit, r.period, r.events, r.expected, Number(r.p_value).toPrecision(2)];
    }));
    return Plotly.react(fan, res.fan.data, res.fan.layout, CONFIG).then(function () {
      fan.setAttribute("data-unit", res.unit);
    });
  }
  function load(unit, push) {
    var q = new URLSearchParams(window.location.search);
    if (unit) { q.set("unit", unit); } else { q.delete("unit"); }
    if (push) {
      var url = window.location.pathname + "?" + q.toString();
      if (url !== window.location.pathname + window.location.search) { history.pushState(null, "", url); }
    }
    return getJSON("/api/outlook?" + q.toString()).then(render).catch(function (e) {
      status.textContent = String(e.message || e);
    });
  }
  function restore() { return load(new URLSearchParams(window.location.search).get("unit"), false); }
  sel.addEventListener("change", function () { load(sel.value, true); });
  window.addEventListener("popstate", restore);
  restore();
})();
