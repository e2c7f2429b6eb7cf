/* Printing a page (Ctrl+P or the browser's menu) on A4 landscape.

   A grid prints as a plain table beside it (the grid itself is hidden in print):
   every column, the rows the screen holds (the page shown of a paged grid, the
   rows loaded so far of the rankings), each cell as the grid writes it, and a
   line saying which rows of how many. AG Grid's own print layout cannot do this
   here: it draws every row of a lazily loaded ranking, most of them still empty,
   and it lays out after `beforeprint` has returned, too late for the printout.
   Charts wider than the page are scaled down to it. All undone after printing. */
(function () {
  var PAGE = 1000; // px across A4 landscape less @page margins and a little room
  var MOST = 500; // rows per grid at most
  var undo = [];

  function rowsPrinted(first, last, total) {
    /* the vocabulary's words (dashboard.print_rows), handed over by the layout */
    var root = document.getElementById("app-root");
    var words = root && root.getAttribute(
      "data-print-rows-" + (root.lang === "en" ? "en" : "zh")) || "";
    return words.replace("{first}", first).replace("{last}", last)
      .replace("{total}", total);
  }

  function rows(api) {
    var first = 0;
    var last = api.getDisplayedRowCount() - 1;
    if (api.getGridOption("pagination")) {
      first = api.paginationGetCurrentPage() * api.paginationGetPageSize();
      last = Math.min(last, first + api.paginationGetPageSize() - 1);
    }
    var out = [];
    for (var i = first; i <= last && out.length < MOST; i++) {
      var node = api.getDisplayedRowAtIndex(i);
      if (!node || !node.data) break; // a lazily loaded block not yet here
      out.push(node);
    }
    return { nodes: out, first: first, total: api.getDisplayedRowCount() };
  }

  function plain(value) { // a Markdown link, as the unit names are, as its words
    return value == null ? "" : String(value).replace(/\[([^\]]*)\]\([^)]*\)/g, "$1");
  }

  function cell(tag, text) {
    var el = document.createElement(tag);
    el.textContent = text == null ? "" : String(text);
    return el;
  }

  /* the cell's colours as the grid paints them (a warning level's or a grade's
     badge: its column's cellStyle, given the row), not its spacing */
  var PAINT = ["background", "backgroundColor", "color", "fontWeight"];
  function coloured(td, api, column, node) {
    var def = column.getColDef(), style = def.cellStyle;
    if (typeof style === "function") {
      try {
        style = style({
          value: api.getCellValue({ rowNode: node, colKey: column }),
          data: node.data, node: node, colDef: def, column: column, api: api,
          context: api.getGridOption("context"),
        });
      } catch (e) { style = null; }
    }
    if (!style || typeof style !== "object") return td;
    PAINT.forEach(function (k) { if (style[k]) td.style[k] = style[k]; });
    return td;
  }

  function table(api) {
    var columns = api.getAllDisplayedColumns();
    var got = rows(api);
    var t = document.createElement("table");
    t.className = "print-table";
    var head = t.createTHead().insertRow();
    columns.forEach(function (c) {
      head.appendChild(cell("th", api.getDisplayNameForColumn(c, "header")));
    });
    var body = t.createTBody();
    got.nodes.forEach(function (node) {
      var tr = body.insertRow();
      columns.forEach(function (c) {
        var value = api.getCellValue({ rowNode: node, colKey: c, useFormatter: true });
        tr.appendChild(coloured(cell("td", plain(value)), api, c, node));
      });
    });
    var box = document.createElement("div");
    box.className = "print-only";
    box.appendChild(t);
    if (got.nodes.length < got.total) {
      var a = got.first + 1;
      var b = got.first + got.nodes.length;
      box.appendChild(cell("p", rowsPrinted(a, b, got.total)));
    }
    return box;
  }

  window.addEventListener("beforeprint", function () {
    document.querySelectorAll(".ag-root-wrapper").forEach(function (root) {
      var host = root.closest("[id]");
      var api = null;
      try {
        api = host && window.dash_ag_grid && window.dash_ag_grid.getApi(host.id);
      } catch (e) { /* a grid not ready yet: not printed */ }
      if (!api) return;
      var box = table(api);
      host.parentNode.insertBefore(box, host.nextSibling);
      undo.push(function () { box.remove(); });
    });
    document.querySelectorAll(".js-plotly-plot").forEach(function (gd) {
      var width = gd.getBoundingClientRect().width;
      if (width > PAGE) {
        gd.style.zoom = PAGE / width;
        undo.push(function () { gd.style.zoom = ""; });
      }
    });
  });
  window.addEventListener("afterprint", function () {
    undo.forEach(function (f) { f(); });
    undo = [];
  });
})();
