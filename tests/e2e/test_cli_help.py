"""The command line's help, as an analyst reads it: it answers at once (no heavy
library loads for --help), says what every option does, and shows no ``<bool>``
type beside a flag (a flag takes no value)."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest
import typer.main
from typer.testing import CliRunner

from evaluation.cli import app

from ..conftest import ROOT

#: libraries that take seconds to import; none may load to print help
HEAVY = (
    "pandas",
    "numpy",
    "duckdb",
    "dash",
    "plotly",
    "pyarrow",
    "scipy",
    "sklearn",
    "weasyprint",
    "dask",
    "openpyxl",
    "xlsxwriter",
)

GROUP = typer.main.get_command(app)
#: a wide terminal, so that no help line is wrapped
WIDE = {"COLUMNS": "250"}
COMMANDS = sorted(GROUP.commands)


def test_help_of_every_command_loads_no_heavy_library():
    """In a fresh interpreter, as the console script starts: the top-level help and
    every command's help, then the modules loaded are listed. (A check on what is
    imported, not on seconds: the seconds depend on the machine.)"""
    code = f"""
import json, sys
from typer.testing import CliRunner
import typer.main
from evaluation.cli import app
names = sorted(typer.main.get_command(app).commands)
runner = CliRunner()
codes = [runner.invoke(app, [*args, "--help"]).exit_code
         for args in [[], *[[n] for n in names]]]
heavy = sorted(m for m in {HEAVY!r} if m in sys.modules)
print(json.dumps({{"codes": codes, "heavy": heavy, "n": len(names)}}))
"""
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    seen = json.loads(done.stdout.splitlines()[-1])
    assert seen["n"] == len(COMMANDS) > 20
    assert set(seen["codes"]) == {0}
    assert seen["heavy"] == []


def test_the_package_face_loads_lazily_and_still_answers():
    """``import evaluation`` alone loads no heavy library; ``ev.run`` and the other
    names of the face still come when asked for."""
    code = f"""
import json, sys
import evaluation as ev
before = sorted(m for m in {HEAVY!r} if m in sys.modules)
names = {{n: type(getattr(ev, n)).__name__ for n in ev.__all__}}
after = "pandas" in sys.modules
print(json.dumps({{"before": before, "names": names, "pandas": after}}))
"""
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    seen = json.loads(done.stdout.splitlines()[-1])
    assert seen["before"] == []
    assert seen["names"]["run"] == "function" and seen["names"]["Result"] == "type"
    assert seen["pandas"]  # loaded once a name that needs it was used
    with pytest.raises(AttributeError, match="no attribute 'nonesuch'"):
        import evaluation

        evaluation.nonesuch  # noqa: B018


@pytest.mark.parametrize("name", [None, *COMMANDS])
def test_help_describes_every_option_and_shows_no_bool_type(name):
    command = GROUP if name is None else GROUP.commands[name]
    undescribed = [
        p.name for p in command.params if not (getattr(p, "help", None) or "").strip()
    ]
    assert undescribed == [], f"{name or 'evaluation'}: options without a description"
    shown = CliRunner().invoke(app, [*([name] if name else []), "--help"], env=WIDE)
    assert shown.exit_code == 0, shown.output
    assert "<bool>" not in shown.output
    assert "Show this message and exit." in shown.output
    flags = [p for p in command.params if getattr(p, "is_flag", False)]
    for flag in flags:  # each flag is listed, bare
        assert flag.opts[0] in shown.output


def option_help(command: str, option: str) -> str:
    """An option's help text, as the command declares it."""
    params = GROUP.commands[command].params
    return next(p.help for p in params if p.name == option)


def named(text: str, name: str) -> bool:
    """``name`` is a whole word of ``text`` and names an item, not a kind (``risk``,
    not the ``risk`` of "a risk table")."""
    return (
        re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])(?! table)", text) is not None
    )


def test_export_help_names_every_language_and_table():
    """The export help lists the languages and tables in words (written out so that
    --help needs no import): they must stay those the exporter accepts, each a whole
    word of its option's help (``en`` is in "Headers", ``risk`` in "a risk table")."""
    from evaluation.publish.media import LANGS, TABLES

    shown = " ".join(
        CliRunner().invoke(app, ["export", "--help"], env=WIDE).output.split()
    )
    for command in ("export", "grades"):
        text = option_help(command, "lang")
        listed = set(re.findall(r"[a-z]+", text.split(":")[-1])) - {"or"}
        assert listed == set(LANGS), (command, text)
    tables = option_help("export", "table")
    missing = [t for t in TABLES if not named(tables, t)]
    assert not missing, (missing, tables)
    for option in ("lang", "table"):  # as declared, so as shown
        assert " ".join(option_help("export", option).split()) in shown


@pytest.mark.parametrize(
    "text, name, hit",
    [("Headers and names: zh or both.", "en", False),
     ("a risk table: warnings, ledger", "risk", False),
     ("a risk table: warnings, risk, ledger", "risk", True),
     ("media-ranking", "media", False)],
)  # fmt: skip
def test_whole_word_check_can_fail(text, name, hit):
    assert named(text, name) is hit


def test_python_dash_m_evaluation_is_the_command(tmp_path):
    """``python -m evaluation`` (a kernel's ``!python -m …``, a scheduler's job)
    runs the same command line, from any folder, under the command's own name."""
    done = subprocess.run(
        [sys.executable, "-m", "evaluation", "runs", "--help"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "Usage: evaluation runs" in " ".join(done.stdout.split())
