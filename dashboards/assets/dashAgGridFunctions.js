/* Functions the grids' column definitions name ({"function": "orderBy([...])"}). */
var dagfuncs = (window.dashAgGridFunctions = window.dashAgGridFunctions || {});

/* A comparator that sorts codes in the given order (e.g. warnings most severe
   first, grades best first), unknown codes and blanks last; never by the letters. */
dagfuncs.orderBy = function (order) {
  function key(v) {
    var i = order.indexOf(v);
    return i < 0 ? order.length : i;
  }
  return function (a, b) {
    return key(a) - key(b);
  };
};

/* Rows of one height as tall as the tallest text drawn in them. AG Grid's
   infinite row model gives every row one height (it places rows not yet loaded),
   so a long English name or risk reason wrapped to more lines than the page's
   height would be cut at its row. Named by the grid's eventListeners (see
   components.fit_rows): after rows are drawn, paged or resized, the lines of each
   wrapping cell drawn are counted (one layout; styles read once per column, not
   per cell as AG Grid's autoHeight does) and every row is made as tall as the
   tallest cell's lines, never lower than ``base``, the page's own height.
   AG Grid may draw a page's cells a frame or more after the event (on a busy
   machine, after the first measure found no cells), so the grid is also watched:
   rows or text drawn later are measured again. */
dagfuncs.fitRows = function (params, gridId, base) {
  var api = params.api;
  var root = document.getElementById(gridId);
  if (root && !api.__watch && window.MutationObserver) {
    api.__watch = new MutationObserver(function () {
      if (api.isDestroyed && api.isDestroyed()) return api.__watch.disconnect();
      dagfuncs.fitRows(params, gridId, base);
    });
    api.__watch.observe(root, { childList: true, subtree: true, characterData: true });
  }
  if (api.__fitting) return;
  api.__fitting = true;
  requestAnimationFrame(function () {
    api.__fitting = false;
    root = document.getElementById(gridId);
    if (!root || (api.isDestroyed && api.isDestroyed())) return;
    var cells = root.querySelectorAll(".ag-row .ag-cell-wrap-text");
    var range = document.createRange();
    var styles = {};
    var need = base;
    for (var i = 0; i < cells.length; i++) {
      var c = cells[i];
      var col = c.getAttribute("col-id");
      var st = styles[col];
      if (!st) {
        var cs = getComputedStyle(c);
        var line = parseFloat(cs.lineHeight) || 1.2 * parseFloat(cs.fontSize);
        var pad = parseFloat(cs.paddingTop) + parseFloat(cs.paddingBottom);
        st = styles[col] = { line: line, pad: pad + 2 }; // and the row's borders
      }
      range.selectNodeContents(c);
      var rects = range.getClientRects(), tops = {}, lines = 0;
      for (var k = 0; k < rects.length; k++) {
        var top = Math.round(rects[k].top);
        if (rects[k].height && !tops[top]) { tops[top] = 1; lines += 1; }
      }
      need = Math.max(need, Math.ceil(lines * st.line + st.pad));
    }
    if (cells.length && need !== api.getGridOption("rowHeight")) {
      api.setGridOption("rowHeight", need);
    }
  });
};
