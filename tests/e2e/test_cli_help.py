"""The command line's help, as an analyst reads it: it answers at once (no heavy
library loads for --help), says what every option does, in Chinese with the English
after it, wrapped whole in a narrow terminal, and shows no ``<bool>`` type beside a
flag (a flag takes no value)."""

from __future__ import annotations

import json
import os
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
#: a wide terminal, so that no help line is wrapped (Chinese, then English)
WIDE = {"COLUMNS": "500"}
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


# ------------------------------------------------------------ Chinese first
CJK = "[\u4e00-\u9fff]"
#: what a help's lines are drawn with (Rich's panels)
BOX = re.compile(r"[\s│╭╮╰╯─]")


def helps(name: str | None) -> list[tuple[str, str]]:
    """Every help text of the top level (``name`` None: its own, its epilog with
    the exit codes, its options') or of a command (its own, its options' and
    arguments', ``--help``'s), each with where it is."""
    command = GROUP if name is None else GROUP.commands[name]
    ctx = typer.Context(command, info_name=name or "evaluation")
    found = [(name or "evaluation", command.help)]
    if name is None:
        found.append(("epilog", command.epilog))
    return found + [(f"{name} {p.name}", p.help) for p in command.get_params(ctx)]


def halves(where: str, paragraph: str) -> tuple[str, str]:
    """A paragraph of help as Chinese, then its English: it starts with a Chinese
    character, and the English starts after the first 。 and a space."""
    said = re.fullmatch(rf"({CJK}.*?。) ([A-Za-z].*)", paragraph, re.S)
    assert said is not None, f"{where}: not Chinese, then English: {paragraph!r}"
    return said.group(1), said.group(2)


@pytest.mark.parametrize("name", [None, *COMMANDS])
def test_every_help_is_chinese_then_english(name):
    """Each help (a command's summary, the one the top-level help lists, and every
    paragraph after it; each option's and argument's; the top level's own, its exit
    codes, ``--help``'s) is Chinese, then the English: Chinese punctuation beside
    Chinese, and each paragraph one line with no space between two Chinese
    characters (typer makes a docstring's line break a space, 校验 数据, and keeps
    it in the list of commands)."""
    for where, text in helps(name):
        for paragraph in text.split("\n\n"):
            assert "\n" not in paragraph, (where, paragraph)
            zh, en = halves(where, paragraph)
            assert re.search(r"[A-Za-z]{2,}", en), where
            assert not re.search(rf"{CJK}[,;:()]|[,;:()]{CJK}", zh), (where, zh)
            assert not re.search(rf"{CJK} {CJK}", paragraph), (where, paragraph)


@pytest.mark.parametrize(
    "args, said",
    [([], "validate 校验数据：对照指标体系检查数据集，列出每个问题（文件、行、列）。 "
          "Check a dataset against the catalogue; list every problem (file, row, "
          "column)."),
     ([], "退出码：0 成功；1 输入有误（指标体系或数据有误：除所要求的问题报告外，"
          "不写入任何文件）；2 用法有误。 Exit codes: 0 success;"),
     (["score"], "--period -p <str> 报告期：2025、2025-H1、2025-Q4、2025-B6 或 "
                 "2025-M12。 Evaluation period: 2025, 2025-H1"),
     (["ledger"], "整改台账：检查整改期限，列出须催办的事项。 Check a rectification"),
     (["flags"], "数据质量提示：列出各条提示及其核实状态；"),
     (["publish"], "--store <path> 发布库（嵌入式 DuckDB 文件）。 Publication store"),
     (["publish"], "年度考评运行的公示天数（自然日，北京时间，自发布之日起算），"
                   "即申诉期。"),
     (["decide"], "复核结论：upheld 或“申诉成立”；rejected 或“申诉不成立”“驳回”"
                  "“维持原结果”。 The review's decision"),
     (["runs"], "--help 显示本帮助并退出。 Show this message and exit."),
     (["report"], "报告和消息的语言：zh 或 en。 Language of the report and the "
                  "messages: zh or en.")],
)  # fmt: skip
def test_help_says_it_in_the_offices_words(args, said):
    """A few helps as written by hand, in the glossary's words (报告期, 整改台账,
    数据质量提示, 发布库, 公示, 申诉, 复核) and as shown."""
    shown = CliRunner().invoke(app, [*args, "--help"], env=WIDE).output
    assert said in " ".join(BOX.sub(" ", shown).split())


@pytest.mark.parametrize("name", [None, *COMMANDS])
def test_chinese_help_is_shown_whole_in_a_narrow_terminal(name):
    """At 80 columns every Chinese text of the help is shown whole, wrapped between
    its characters: Rich breaks lines at spaces only and cut a Chinese sentence
    longer than its column with …, and a line with Chinese as wide as its column
    lost its last letter to a … (its space counted as a character, not a cell)."""
    shown = (
        CliRunner()
        .invoke(app, [*([name] if name else []), "--help"], env={"COLUMNS": "80"})
        .output
    )
    texts = helps(name) + (
        [(n, c.help.split("\n\n")[0]) for n, c in GROUP.commands.items()]
        if name is None  # the list of commands: each one's summary
        else []
    )
    for where, text in texts:
        for paragraph in text.split("\n\n"):
            zh, _ = halves(where, paragraph)
            assert BOX.sub("", zh) in BOX.sub("", shown), where
    cut = [line for line in shown.splitlines() if re.search(r"[^\s.]…\s*│$", line)]
    assert cut == []


def test_help_is_drawn_by_a_rich_without_the_names_it_patches(monkeypatch):
    """The Chinese wrapping swaps two private names of Rich while help is drawn
    (requirements.lock pins the Rich that has them): a Rich without them draws the
    help as it draws it, not a traceback on every ``--help``."""
    import types

    import rich._wrap

    # the package's _wrap as the help reads it: without re_word (Rich's own
    # modules keep theirs)
    monkeypatch.setattr(rich, "_wrap", types.SimpleNamespace())
    done = CliRunner().invoke(app, ["score", "--help"], env=WIDE)
    assert done.exit_code == 0, done.output
    assert "报告期" in done.output and "Evaluation period" in done.output


def test_help_frame_is_chinese_first():
    """typer's own words around the help are Chinese first too: the usage line, the
    panels' titles, a default and a required value (they were Usage:, Arguments,
    Options, Commands and [default: …] in a Chinese help)."""
    top = CliRunner().invoke(app, ["--help"], env=WIDE).output
    publish = CliRunner().invoke(app, ["publish", "--help"], env=WIDE).output
    decide = CliRunner().invoke(app, ["decide", "--help"], env=WIDE).output
    assert re.search(r"^ 用法 Usage: \S+ publish \[OPTIONS\] \[result\]", publish, re.M)
    assert "─ 参数 Arguments ─" in publish and "─ 选项 Options ─" in publish
    assert "─ 命令 Commands ─" in top
    assert "[默认：data/store.duckdb]" in publish
    assert "[必填]" in decide
    assert not re.search(r"\[default:|\[required\]|^\s*Usage:", publish + decide, re.M)


@pytest.mark.parametrize(
    ("args", "command", "option"),
    [
        (["score", "--bogus"], "evaluation score", "--bogus"),
        # an option the top level does not take (--quiet mistyped): not typer's
        # English alone (Try '…' for help, Error) under the Chinese usage line
        (["--quite", "score"], "evaluation", "--quite"),
    ],
)
def test_a_wrong_command_is_framed_in_chinese_first(tmp_path, args, command, option):
    """A command written wrongly, as the console shows it (the error panel on
    stderr): its title and the line pointing to the help are Chinese first."""
    done = subprocess.run(
        [sys.executable, "-m", "evaluation", *args],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "COLUMNS": "100"},
    )
    assert done.returncode == 2
    assert f"用法 Usage: {command} [OPTIONS]" in done.stderr
    assert f"查看帮助 For help: {command} --help" in done.stderr
    assert "─ 错误 Error ─" in done.stderr and f"没有选项 {option}" in done.stderr
    assert "Try '" not in done.stderr
