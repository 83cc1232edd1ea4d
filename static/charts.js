/* Draw every plotly figure on the page from its JSON; the camera icon saves a PNG offline. */
(function () {
  "use strict";

  // The values of a figure's traces, for a table only screen readers see: the drawing is
  // hidden from them, its buttons are not.
  function describe(el, fig) {
    var hidden = document.createElement("div");  // a table's own box grows to fit its cells
    hidden.className = "visually-hidden";
    var table = hidden.appendChild(document.createElement("table"));
    table.createCaption().textContent = el.getAttribute("aria-label") || "";
    fig.data.forEach(function (trace) {
      var across = trace.orientation === "h";
      var labels = across ? trace.y : trace.x;
      var values = across ? trace.x : trace.y;
      if (!Array.isArray(labels) || !Array.isArray(values)) return;
      labels.forEach(function (label, i) {
        var row = table.insertRow();
        var head = document.createElement("th");
        head.scope = "row";
        head.textContent = label;
        row.appendChild(head);
        var text = Array.isArray(trace.text) && trace.text[i] !== "" ? trace.text[i] : values[i];
        row.insertCell().textContent = text === null || text === undefined ? "–" : text;
      });
    });
    el.after(hidden);
    el.querySelectorAll("svg.main-svg").forEach(function (svg) {
      svg.setAttribute("aria-hidden", "true");
    });
  }

  document.querySelectorAll("[data-figure]").forEach(function (el) {
    var source = document.getElementById("fig-" + el.getAttribute("data-figure"));
    var fig = JSON.parse(source.textContent);
    var title = fig.layout.title && fig.layout.title.text;
    if (!el.hasAttribute("aria-label") && title) el.setAttribute("aria-label", title);
    Plotly.newPlot(el, fig.data, fig.layout, {
      responsive: true,
      displaylogo: false,
      // Nothing may leave the office: no "share to the cloud" button.
      showSendToCloud: false,
      showEditInChartStudio: false,
      modeBarButtonsToRemove: ["select2d", "lasso2d", "zoomIn2d", "zoomOut2d", "autoScale2d",
                               "sendChartToCloud"],
      toImageButtonOptions: { format: "png", scale: 2, filename: el.getAttribute("data-filename") }
    }).then(function () { describe(el, fig); });
  });
})();
