"""The leadership dashboard app: a header with a zh/en switch above Dash pages.

Serve a result folder written by ``evaluation score``::

    from dashboards.app import create_app
    create_app("out/result").run(port=8050)

Nothing is read at import: ``create_app`` points the data layer at the folder.
"""

from __future__ import annotations

from pathlib import Path

import dash
from dash import Dash, Input, Output, html

from . import components, data

PAGES_FOLDER = Path(__file__).resolve().parent / "pages"
#: Dash's page template with Chinese as the page language (browsers then pick
#: simplified-Chinese glyphs) and no body margin around the title bar.
INDEX_STRING = """<!DOCTYPE html>
<html lang="zh-CN">
<head>{%metas%}<title>{%title%}</title>{%favicon%}{%css%}
<style>body { margin: 0; }</style></head>
<body>{%app_entry%}<footer>{%config%}{%scripts%}{%renderer%}</footer></body>
</html>"""


def create_app(result_path: str | Path) -> Dash:
    """A Dash app showing the Result saved in ``result_path``.

    Raises ``FileNotFoundError`` if the folder holds no result. The result is loaded
    here, so a broken folder fails at start-up rather than on the first visit.
    """
    data.set_result_path(result_path)
    catalogue = data.result().catalogue
    app = Dash(
        "dashboards",  # the package: pages import as dashboards.pages.<name>
        use_pages=True,
        pages_folder=str(PAGES_FOLDER),
        title=f"{catalogue.name_zh} · {catalogue.name_en}",
        index_string=INDEX_STRING,
    )
    app.layout = html.Div(
        [
            components.header(catalogue),
            html.Main(dash.page_container, style={"padding": "16px 28px"}),
        ],
        style={**components.BASE_STYLE, "minHeight": "100vh", "background": "#f7f9fb"},
    )
    app.callback(Output("app-title", "children"), Input("app-lang", "value"))(
        update_title
    )
    return app


def update_title(lang: str) -> str:
    """Header title in the chosen language."""
    return components.title(data.result().catalogue, lang)
