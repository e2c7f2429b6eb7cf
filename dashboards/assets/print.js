/* Printing a page: every grid in AG Grid's print layout (all rows, no scrolling)
   with its columns fitted to the A4 landscape width; back to normal afterwards. */
(function () {
  function grids() {
    var apis = [];
    document.querySelectorAll(".ag-root-wrapper").forEach(function (root) {
      var host = root.closest("[id]");
      if (!host || !window.dash_ag_grid || !window.dash_ag_grid.getApi) return;
      try {
        var api = window.dash_ag_grid.getApi(host.id);
        if (api) apis.push(api);
      } catch (e) { /* a grid not ready yet: printed as it is */ }
    });
    return apis;
  }
  var saved = [];
  window.addEventListener("beforeprint", function () {
    saved = grids().map(function (api) {
      var layout = api.getGridOption("domLayout");
      api.setGridOption("domLayout", "print");
      api.sizeColumnsToFit();
      return [api, layout];
    });
  });
  window.addEventListener("afterprint", function () {
    saved.forEach(function (x) { x[0].setGridOption("domLayout", x[1] || "normal"); });
    saved = [];
  });
})();
