/* plotly.js started while the page's layout is on its way, and only what the
   pages draw.

   dcc.Graph fetches the full plotly.js bundle (4.8 MB) once a chart is in the
   rendered layout, then parses it on the main thread (~130 ms) before it draws.
   Here the page starts plotly.js's cartesian bundle (vendor/, 1.5 MB, ~40 ms: bar,
   box, heatmap, scatter and the other cartesian traces; the same version as the
   plotly package; MIT licence beside it) as soon as Dash has asked the server for
   the layout, so it is fetched and parsed while the server builds the page.
   dcc.Graph uses window.Plotly when it is defined (a promise until the script has
   run: dcc waits on it) and then never fetches its own.

   A figure with a trace the cartesian bundle lacks is drawn by the full bundle,
   fetched then; that chart stays with it. A graph inside an element of class
   "plotly-full" (the methodology page's sunburst) is the full bundle's from its
   first, empty drawing, so dcc's click and hover bindings are the full bundle's
   (a chart moved over later is started afresh and loses them). If the cartesian
   bundle cannot be fetched, every chart is drawn by the full bundle.

   On a page load, charts wait for the grids marked "draw-first" (the rankings'
   league table, whose rows come from the server) to show their first rows (at
   most 3 s): one main thread does both, and the rows are what a leader reads. */
(function () {
  var here = document.currentScript.src;
  var CARTESIAN = "vendor/plotly-cartesian-4.1.1.min.js";
  var FULL = "../_dash-component-suites/plotly/package_data/plotly.min.js";
  var TRACES = ["bar", "box", "contour", "heatmap", "histogram", "histogram2d",
    "histogram2dcontour", "image", "pie", "scatter", "scatterternary", "violin"];

  function load(path) {
    /* the bundle at path (relative to this file), its Plotly kept from window */
    return new Promise(function (resolve, reject) {
      var s = document.createElement("script");
      var loaded;
      Object.defineProperty(window, "Plotly", {
        configurable: true,
        get: function () { return shown; },
        set: function (p) { loaded = p; }
      });
      s.src = here.replace(/plotly_early\.js.*$/, path);
      s.async = true;
      s.onload = function () { resolve(loaded); };
      s.onerror = reject;
      document.head.appendChild(s);
    });
  }

  var full = null;
  function needsFull(figure) {
    var traces = Array.isArray(figure) ? figure : (figure && figure.data) || [];
    return traces.some(function (t) {
      return t && TRACES.indexOf(t.type || "scatter") < 0;
    });
  }
  function byChart(cartesian, target) {
    /* target's functions (Plotly or Plotly.Plots), each called on a chart by the
       bundle that drew it */
    return new Proxy(target, {
      get: function (obj, name) {
        var f = obj[name];
        if (name === "Plots") return byChart(cartesian, f);
        if (typeof f !== "function") return f;
        return function (gd, figure) {
          var args = arguments;
          var drawing = name === "react" || name === "newPlot";
          if (gd && (gd.__plotlyFull || (drawing && (needsFull(figure) ||
              (gd.closest && gd.closest(".plotly-full")))))) {
            /* this chart is the full bundle's from now on; its calls in order */
            var fresh = !gd.__plotlyFull;
            gd.__plotlyFull = true;
            full = full || load(FULL);
            var step = (gd.__plotlyQueue || full).then(function () {
              return full;
            }).then(function (p) {
              if (fresh) {
                /* drawn by the cartesian bundle so far (an empty chart): its
                   state is not the full bundle's, so start the chart afresh */
                if (gd._fullLayout) cartesian.purge(gd);
                return p.newPlot.apply(p, args);
              }
              var own = target === cartesian ? p : p.Plots;
              return own[name].apply(own, args);
            });
            gd.__plotlyQueue = step.catch(function () {});
            return step;
          }
          return f.apply(obj, args);
        };
      }
    });
  }

  function firstDrawn() {
    /* once every "draw-first" grid shows a row with text (or 3 s have passed) */
    var t0 = performance.now();
    return new Promise(function (resolve) {
      /* asked while React renders the chart: look once the page is in place */
      setTimeout(function check() {
        var waiting = [].some.call(document.querySelectorAll(".draw-first"),
          function (e) {
            var cell = e.querySelector(".ag-row:not(.ag-row-loading) .ag-cell");
            return !(cell && cell.textContent);
          });
        if (waiting && performance.now() - t0 < 3000) setTimeout(check, 10);
        else requestAnimationFrame(function () {
          performance.mark("plotly: charts may draw");
          setTimeout(resolve, 0);
        });
      }, 0);
    });
  }

  var start;
  var cartesian = new Promise(function (resolve, reject) {
    start = function () {
      start = function () {};
      load(CARTESIAN).then(function (p) {
        performance.mark("plotly: cartesian bundle run");
        resolve(byChart(p, p));
      }, function () {
        /* the cartesian bundle did not come (a proxy, an install without it):
           every chart by the full bundle, as dcc would have drawn it */
        full = full || load(FULL);
        full.then(resolve, reject);
      });
    };
  });
  /* until then, what dcc.Graph waits on: asked once a chart is in the page */
  var shown = {
    then: function (ok, fail) {
      return cartesian.then(function (p) {
        return firstDrawn().then(function () {
          shown = p;  /* from now on, charts draw at once */
          return p;
        });
      }).then(ok, fail);
    }
  };
  Object.defineProperty(window, "Plotly", {
    configurable: true,
    get: function () { return shown; },
    set: function () {}
  });
  var fetch0 = window.fetch;
  window.fetch = function (url) {
    var answer = fetch0.apply(this, arguments);
    if (String(url).indexOf("_dash-layout") >= 0) start();
    return answer;
  };
  /* no layout request within a second of the page loading: start anyway */
  window.addEventListener("load", function () { setTimeout(function () { start(); }, 1000); });
})();
