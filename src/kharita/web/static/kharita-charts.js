/* kharita: draws every chart declared in the page.
   Each chart is a <div data-chart="ID"> with a <script type="application/json" id="ID">
   holding a plotly.js figure {data, layout, frames}. Used by the brief (inlined) and
   the workbench (served from 127.0.0.1). No network access. */
(function () {
  "use strict";
  var CONFIG = { displaylogo: false, responsive: true, showLink: false,
                 modeBarButtonsToRemove: ["sendDataToCloud", "lasso2d", "select2d"] };
  function draw(div) {
    var node = document.getElementById(div.getAttribute("data-chart"));
    if (!node) { return null; }
    var fig = JSON.parse(node.textContent);
    return Plotly.newPlot(div, fig.data, fig.layout, CONFIG).then(function () {
      if (fig.frames && fig.frames.length) { return Plotly.addFrames(div, fig.frames); }
      return null;
    }).then(function () { div.setAttribute("data-drawn", "1"); });
  }
  function drawAll(root) {
    var divs = (root || document).querySelectorAll("[data-chart]");
    var jobs = [];
    for (var i = 0; i < divs.length; i++) { jobs.push(draw(divs[i])); }
    return Promise.all(jobs);
  }
  window.kharitaCharts = { draw: draw, drawAll: drawAll, config: CONFIG };
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { drawAll(); });
  } else { drawAll(); }
})();
