/* The components' lazy parts started while the page's layout is on its way.

   AG Grid (dash_ag_grid's "async-community", 870 kB), dcc.Graph and dcc.Dropdown
   are each split into a small part that comes with the page and a lazy part that
   webpack fetches only once the component is in the rendered layout: on a full
   page load that is after the layout has arrived, so the grid and the charts wait
   for a fetch (a revalidation: Dash serves these files without a version in their
   name) and for parsing 870 kB on the main thread. Here the page asks for them
   under their versioned names (cached for a year, as Dash caches its other
   bundles) as soon as Dash has asked the server for the layout, so they are
   fetched and parsed while the server builds the page; each registers itself with
   its library's webpack, which then fetches nothing. If one cannot be fetched,
   webpack fetches it itself when the component needs it, as before. */
(function () {
  var CHUNKS = [
    /* [the library's bundle (its versioned name), the lazy part beside it] */
    [/(dash_ag_grid\/)dash_ag_grid\.(v[\w-]+m[0-9a-f]+)\.min\.js/, "async-community"],
    [/(dcc\/)dash_core_components\.(v[\w-]+m[0-9a-f]+)\.js/, "async-graph"],
    [/(dcc\/)dash_core_components\.(v[\w-]+m[0-9a-f]+)\.js/, "async-dropdown"]
  ];
  var started = false;
  function start() {
    if (started) return;
    started = true;
    var scripts = [].map.call(document.scripts, function (s) { return s.src; });
    CHUNKS.forEach(function (chunk) {
      var bundle = scripts.filter(function (src) { return chunk[0].test(src); })[0];
      if (!bundle) return;
      var s = document.createElement("script");
      s.src = bundle.replace(chunk[0], "$1" + chunk[1] + ".$2.js");
      s.async = true;
      document.head.appendChild(s);
    });
  }
  var fetch0 = window.fetch;
  window.fetch = function (url) {
    var answer = fetch0.apply(this, arguments);
    if (String(url).indexOf("_dash-layout") >= 0) start();
    return answer;
  };
  window.addEventListener("load", start);
})();
