/* Draw every plotly figure on the page from its JSON; the camera icon saves a PNG offline. */
(function () {
  "use strict";
  document.querySelectorAll("[data-figure]").forEach(function (el) {
    var source = document.getElementById("fig-" + el.getAttribute("data-figure"));
    var fig = JSON.parse(source.textContent);
    Plotly.newPlot(el, fig.data, fig.layout, {
      responsive: true,
      displaylogo: false,
      // Nothing may leave the office: no "share to the cloud" button.
      showSendToCloud: false,
      showEditInChartStudio: false,
      modeBarButtonsToRemove: ["select2d", "lasso2d", "zoomIn2d", "zoomOut2d", "autoScale2d",
                               "sendChartToCloud"],
      toImageButtonOptions: { format: "png", scale: 2, filename: el.getAttribute("data-filename") }
    });
  });
})();
