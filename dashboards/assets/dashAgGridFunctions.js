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
