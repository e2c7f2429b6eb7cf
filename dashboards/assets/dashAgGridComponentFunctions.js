/* Cell renderers the grids' column definitions name ({"cellRenderer": "AppLink"}). */
var dagcomponentfuncs = (window.dashAgGridComponentFunctions =
  window.dashAgGridComponentFunctions || {});

/* A "[text](/path)" cell as a link that opens the page inside the app, as the
   navigation's links (dcc.Link) do: no page load, the scripts stay parsed. A click
   with a modifier key or another button keeps the browser's own (a new tab). */
dagcomponentfuncs.AppLink = function (props) {
  var m = /^\[(.*)\]\((\/[^)]*)\)$/.exec(props.value || "");
  if (!m) {
    return props.value || "";
  }
  return React.createElement(
    "a",
    {
      href: m[2],
      onClick: function (e) {
        if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) {
          return;
        }
        e.preventDefault();
        window.history.pushState({}, "", m[2]);
        window.dispatchEvent(new CustomEvent("_dashprivate_pushstate"));
        window.scrollTo(0, 0);
      },
    },
    m[1]
  );
};
