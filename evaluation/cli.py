"""The ``evaluation`` command line: validate, score, ledger, export, generate, serve.

Exit codes: 0 success; 1 invalid input (catalogue or data: nothing is written
except the problem report you ask for); 2 wrong usage.
"""

from __future__ import annotations

import inspect
import logging
import re
import sys
from contextlib import contextmanager
from datetime import datetime
from enum import StrEnum
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from typer.core import HAS_RICH, TyperCommand, TyperGroup

from evaluation import progress

# Only typer loads with the command line: every other library is imported inside the
# command that uses it, so that `evaluation --help` answers at once (pandas, DuckDB,
# scikit-learn, WeasyPrint … take seconds; tests/e2e/test_cli_help.py checks it).
if TYPE_CHECKING:
    from evaluation.catalogue import Catalogue
    from evaluation.errors import ValidationFailed


#: a Chinese character or full-width mark (，。：；（）“”…): a line break of a help
#: text between two of these is no space
_WIDE = "[\u2014\u2026\u201c\u201d\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]"


def _joined(text: str | None) -> str | None:
    """A help text as typer is to show it, each paragraph one line: a line break
    between two Chinese characters is dropped, any other is a space (typer makes
    every break a space, 校验 数据, and keeps them in the list of commands)."""
    if not text:
        return text
    text = re.sub(rf"(?<={_WIDE})\n(?={_WIDE})", "", inspect.cleandoc(text))
    return re.sub(r"(?<!\n)\n(?!\n)", " ", text)


#: where Rich may break a line of help: at a space, as it does, and where Chinese
#: text may: between two Chinese characters, after a mark (，：、), before an
#: opening one (（“), never before a closing one (）”…), nor in a file name
#: (OUT.说明.txt)
_HAN, _OPEN, _MARK, _QUOTE = (
    "\u3400-\u4dbf\u4e00-\u9fff",
    "（“‘《「『【〔",
    "，。、：；！？）》」』】〕",
    "”’…—",
)
_WORD = re.compile(
    rf"\s*(?:\S*?(?:[{_HAN}](?<![./\\][{_HAN}])(?=[{_HAN}](?![./\\]))"
    rf"|[{_MARK}](?=[^\s{_MARK}{_QUOTE}])|[{_QUOTE}](?=[{_HAN}{_OPEN}])"
    rf"|[^\s{_OPEN}](?=[{_OPEN}]))|\S+)\s*"
)


def _divided(divide, line: str, width: int, fold: bool = True) -> list[int]:
    """Rich's ``divide_line`` for help, where no text is cut short: a word longer
    than its column is folded where it stands in a sentence (an example of
    --normalisations; a lone word, an option's name, is cut with …, as Rich does),
    and a line too wide by its last space alone is divided again a cell short (Rich
    strips that space counting characters, not cells: a line with Chinese would
    lose its last letter to a …)."""
    from rich.cells import cell_len

    fold = fold or " " in line.strip()
    offsets = divide(line, width, fold)
    ends = zip([0, *offsets], [*offsets, len(line)], strict=True)
    if any(
        cell_len(line[a:b].rstrip()) <= width < cell_len(line[a:b]) for a, b in ends
    ):
        return divide(line, width - 1, fold)
    return offsets


#: typer's words around the help and its errors (its public settings, read as it
#: draws), Chinese first: the panels' titles, [default: …], the line after an error
_FRAME = {
    "ARGUMENTS_PANEL_TITLE": "参数 Arguments",
    "OPTIONS_PANEL_TITLE": "选项 Options",
    "COMMANDS_PANEL_TITLE": "命令 Commands",
    "ERRORS_PANEL_TITLE": "错误 Error",
    "DEFAULT_STRING": "[默认：{}]",
    "REQUIRED_LONG_STRING": "[必填]",
    "ENVVAR_STRING": "[环境变量：{}]",
    "DEPRECATED_STRING": "（已停用） ",
    "RICH_HELP": "查看帮助 For help: [blue]{command_path} {help_option}[/]",
    "ABORTED_TEXT": "已中止。 Aborted.",
}
#: the usage line's first word (click's, written by :meth:`_Help.format_usage`)
_USAGE = "用法 Usage: "
#: typer's own words for :data:`_FRAME`, read before it is first set: the frame of a
#: usage error with ``--lang en`` (English alone, as its message)
_FRAME_EN: dict[str, str] = {}
#: ``ctx.meta``'s key for a command line written with ``--lang en``
_ENGLISH = "evaluation.english"


def _framed(english: bool = False) -> None:
    """Set :data:`_FRAME` (typer's own words with ``english``) in typer's Rich
    drawing, loaded only to draw help or an error (so that a command that draws
    neither loads no Rich)."""
    if not HAS_RICH:
        return
    from typer import rich_utils

    if not _FRAME_EN:
        _FRAME_EN.update((name, getattr(rich_utils, name)) for name in _FRAME)
    for name, said in (_FRAME_EN if english else _FRAME).items():
        setattr(rich_utils, name, said)


class _Help:
    """Help in Chinese and English: the docstrings' paragraphs joined
    (:func:`_joined`), Chinese wrapped between its characters, ``--help``'s own
    words and typer's around them (:data:`_FRAME`)."""

    def __init__(self, *args, help=None, epilog=None, **kwargs):
        super().__init__(*args, help=_joined(help), epilog=_joined(epilog), **kwargs)

    def format_usage(self, ctx, formatter):
        pieces = self.collect_usage_pieces(ctx)
        prefix = "Usage: " if ctx.meta.get(_ENGLISH) else _USAGE
        formatter.write_usage(ctx.command_path, " ".join(pieces), prefix=prefix)

    def format_help(self, ctx, formatter):
        """Rich, which typer draws help with, breaks lines at spaces only: a Chinese
        sentence, having none, would be one word, cut short with … at the end of its
        column. While the help is drawn, each Chinese character is a word
        (:data:`_WORD`), and lines are divided by :func:`_divided` (Rich's private
        names, pinned by requirements.lock: a Rich without them draws as it does)."""
        from rich import _wrap, text

        _framed()
        words = getattr(_wrap, "re_word", None)
        divide = getattr(text, "divide_line", None)
        if words is None or divide is None:  # a Rich without them: drawn as it draws
            return super().format_help(ctx, formatter)
        _wrap.re_word = _WORD
        text.divide_line = partial(_divided, divide)
        try:
            return super().format_help(ctx, formatter)
        finally:
            _wrap.re_word, text.divide_line = words, divide

    def get_help_option(self, ctx):
        option = super().get_help_option(ctx)
        if option is not None:
            option.help = "显示本帮助并退出。 Show this message and exit."
        return option


class _Flags:
    """A flag takes no value: its help shows no ``<bool>`` type beside it (typer
    labels every option with its type, the flags and ``--help`` too)."""

    def get_params(self, ctx):
        params = super().get_params(ctx)  # with the --help option
        for param in params:
            if getattr(param, "is_flag", False):
                param.metavar = ""
        return params


def _said_usage(exc: Exception, args: list[str]) -> Exception:
    """A command written wrongly, said in Chinese above the English (English alone
    with ``--lang en``): the option or argument, and what was wrong with it. Typer
    carries its own click, whose errors are known here by their class names."""
    from evaluation.vocabulary import say

    kind = type(exc).__name__
    param = getattr(exc, "param", None)
    what = None
    if param is not None and getattr(param, "opts", None):
        option = getattr(param, "param_type_name", "option") == "option"
        name = param.opts[0] if option else param.name.upper()
        what = say("cli_usage", "option" if option else "argument", name=name)
    if kind == "MissingParameter" and what is not None:
        zh = say("cli_usage", "missing", what=what).zh
    elif kind == "BadParameter" and what is not None:
        dated = "does not match the formats" in exc.format_message()
        why = getattr(exc, "said", None) or say(
            "cli_usage", "date" if dated else "value"
        )
        zh = say("cli_usage", "bad_value", what=what, why=why).zh
    elif kind == "NoSuchOption":
        zh = say("cli_usage", "no_option", name=getattr(exc, "option_name", "")).zh
    else:
        zh = say("cli_usage", "usage").zh
    english = "--lang" in args and args[args.index("--lang") + 1 :][:1] == ["en"]
    _framed(english)
    if english and getattr(exc, "ctx", None) is not None:
        exc.ctx.meta[_ENGLISH] = True  # the usage line above it: English too
    usage = next((c for c in type(exc).__mro__ if c.__name__ == "UsageError"), None)
    if english or usage is None:
        return exc
    return usage(f"{zh}\n{exc.format_message()}", ctx=getattr(exc, "ctx", None))


class _Usage:
    """A command line written wrongly, a command's or the top level's (an option it
    does not take), said by :func:`_said_usage`; no arguments at all still show the
    help."""

    def parse_args(self, ctx, args):
        given = list(args)  # the parser consumes ``args``
        try:
            return super().parse_args(ctx, args)
        except typer.TyperException as exc:
            if type(exc).__name__ == "NoArgsIsHelpError":
                raise
            raise _said_usage(exc, given) from None


class _Command(_Usage, _Help, _Flags, TyperCommand):
    def invoke(self, ctx):
        """A file the system refuses (a full disk, a read-only folder) is said in
        the command's language, naming it: exit 1, not a traceback."""
        try:
            return super().invoke(ctx)
        except BrokenPipeError:  # output piped to a reader that stopped
            raise
        except OSError as exc:
            raise _failed(exc, _message_lang(ctx.params.get("lang", "zh"))) from None


class _Group(_Usage, _Help, _Flags, TyperGroup):
    def resolve_command(self, ctx, args):
        try:
            return super().resolve_command(ctx, args)
        except typer.TyperException as exc:
            if hasattr(exc, "message"):
                from evaluation.vocabulary import say

                name = args[0] if args else ""
                zh = say("cli_usage", "no_command", name=name).zh
                exc.message = f"{zh}\n{exc.format_message()}"
            _framed()
            raise


class _App(typer.Typer):
    """The command line; every command is a :class:`_Command`."""

    def command(self, *args, cls=_Command, **kwargs):
        return super().command(*args, cls=cls, **kwargs)


app = _App(
    cls=_Group,
    help="政府部门绩效评估：校验各报送单位的数据，为各单位评分和排名，"
    "导出供媒体发布的排名表，提供领导仪表板。 Government "
    "department performance evaluation: validate agency data, "
    "score and rank units, export media tables, serve the "
    "leadership dashboard.",
    epilog="退出码：0 成功；1 输入有误（指标体系或数据有误："
    "除所要求的问题报告外，不写入任何文件）；2 用法有误。 Exit "
    "codes: 0 success; 1 invalid input (catalogue or data: nothing "
    "is written except the problem report you ask for); 2 wrong "
    "usage.",
    no_args_is_help=True,
    add_completion=False,
)

CatalogueOpt = Annotated[
    Path,
    typer.Option(
        "--catalogue", "-c", help="指标体系文件（YAML）。 Indicator catalogue (YAML)."
    ),
]
Data = Annotated[
    Path,
    typer.Argument(
        help="数据文件夹：单位文件 units.csv 和报送数据 observations/ 下的 "
        "CSV、TXT、Excel 或 Parquet 文件。 Dataset folder: units.csv "
        "and observations/*.csv|txt|xlsx|xlsm|parquet."
    ),
]
#: what a problem report's name may end in: .csv and .txt are CSV text, .xlsx a
#: workbook (write_problem_report); CSV text under another Excel name (.xls, .xlsm)
#: is a file Excel refuses or warns about
REPORT_SUFFIXES = (".csv", ".txt", ".xlsx")


def _report_option(ctx: typer.Context, report: Path | None) -> Path | None:
    """``--report``'s check, before any work, in the command's ``--lang`` (parsed
    before it): a name that ends in none of :data:`REPORT_SUFFIXES` is refused,
    exit 2, as ``--out``'s suffix is."""
    from evaluation.vocabulary import Word, quoted, say

    if report is None or report.suffix.lower() in REPORT_SUFFIXES:
        return report
    suffixes = Word(
        f"{'、'.join(REPORT_SUFFIXES[:-1])} 或 {REPORT_SUFFIXES[-1]}",
        f"{', '.join(REPORT_SUFFIXES[:-1])} or {REPORT_SUFFIXES[-1]}",
    )
    said = say(
        "cli_error", "report_suffix", option="--report", suffixes=suffixes,
        got=quoted(report.name),
    )  # fmt: skip
    raise _fail_words(said, _message_lang(ctx.params.get("lang", "zh")), 2)


ReportOpt = Annotated[
    Path | None,
    typer.Option(
        help="校验不通过时，将完整的问题报告写入此文件（CSV，UTF-8 带 "
        "BOM；文件名以 .xlsx 结尾的，写为 Excel 工作簿；须以 .csv、.txt 或 "
        ".xlsx 结尾）。 Write the full problem report here on failure "
        "(UTF-8-BOM CSV; an Excel workbook if the name ends .xlsx; it must "
        "end in .csv, .txt or .xlsx).",
        callback=_report_option,
    ),
]
#: the office's own records, every command's default (and make run's): git-ignored,
#: never removed by make clean
DEFAULT_STORE = Path("data/store.duckdb")
DEFAULT_DECISIONS = Path("data/output/flag_decisions.csv")


#: progress bars on (stderr a terminal) unless --quiet
_SHOW_PROGRESS = True


@app.callback()
def _main(
    verbose: Annotated[
        bool,
        typer.Option(
            "--verbose", "-v", help="输出各步骤的运行日志。 Log what each stage does."
        ),
    ] = False,
    quiet: Annotated[
        bool,
        typer.Option(
            "--quiet",
            "-q",
            help="不显示进度条（耗时较长的命令在终端中运行时显示进度条）。 No "
            "progress bars (the long commands draw them on stderr when it "
            "is a terminal).",
        ),
    ] = False,
) -> None:
    global _SHOW_PROGRESS
    _SHOW_PROGRESS = not quiet
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )


def _bars() -> bool:
    """Whether to draw progress bars: on a terminal and without --quiet."""
    return _SHOW_PROGRESS and progress.terminal()


def _fail(message: str, code: int = 1) -> typer.Exit:
    with progress.aside():  # an open progress bar steps aside for the message
        typer.secho(message, err=True, fg=typer.colors.RED)
    return typer.Exit(code)


def _fail_in(lang: str, zh: str, en: str, code: int = 1) -> typer.Exit:
    """``_fail`` in the language of the command (``--lang``): Chinese with the
    English after it (zh, the default: agencies read it), or English alone."""
    if lang == "en":
        return _fail(en, code)
    return _fail(zh if en in zh else f"{zh}\n{en}", code)


def _fail_words(words, lang: str, code: int = 1) -> typer.Exit:
    """``_fail_in`` with a vocabulary ``Word``."""
    return _fail_in(lang, words.zh, words.en, code)


def _out_suffix(
    out: Path, suffixes, lang: str, hint=None, *, option: str = "--out"
) -> None:
    """Refuse (exit 2, before any work) an ``--out`` (or another ``option`` that
    names a file to write) whose suffix is not one of ``suffixes`` (``.pdf``, or
    ``.csv`` and ``.xlsx``): the file would be written in its own format under a
    name that promises another (a PDF named .html). ``hint``: a ``Word`` said
    after the refusal (the option that writes the other format)."""
    from evaluation.vocabulary import Word, quoted, say

    if out.suffix.lower() in suffixes:
        return
    shown = Word(" 或 ".join(suffixes), " or ".join(suffixes))
    said = say(
        "cli_error", "out_suffix", option=option, suffixes=shown, got=quoted(out.name)
    )
    if hint is not None:
        said = Word(f"{said.zh}；{hint.zh}", f"{said.en}; {hint.en}")
    raise _fail_words(said, lang, 2)


def _error_words(exc: Exception):
    """An error as people read it, in Chinese and English (a ``Word``): from its
    own words (``EvaluationError(words=…)``) or its fields (a catalogue's problems,
    a missing file); an error without Chinese words yet keeps its English after a
    Chinese heading (未能完成：)."""
    from evaluation.errors import CatalogueError
    from evaluation.vocabulary import say

    if getattr(exc, "words", None) is not None:
        return exc.words
    if isinstance(exc, CatalogueError):
        return _config_words(exc, "catalogue")
    if isinstance(exc, FileNotFoundError):
        return say("cli_error", "no_file", path=exc.filename or str(exc).strip("'\""))
    if isinstance(exc, OSError):
        from evaluation.files import os_reason

        why = os_reason(exc)
        path = exc.filename2 or exc.filename  # a rename's target, else the file
        if path is None:
            return say("cli_error", "os_error_bare", why=why)
        return say("cli_error", "os_error", path=path, why=why)
    if isinstance(exc, KeyError):
        return say("cli_error", "not_found", detail=str(exc).strip("'\""))
    return say("cli_error", "refused", detail=str(exc))


def _config_words(exc, code: str, file: Path | None = None):
    """A catalogue's (or appraisal config's) problems said from their fields: a
    heading naming the file and the count, then ``path: rule (got value)`` each,
    the path with its line and list entry's id where known."""
    import pandas as pd

    from evaluation.vocabulary import Word, say, say_count

    problems = exc.problems
    files = problems["file"].unique() if len(problems) else []
    name = file if file is not None else (files[0] if len(files) == 1 else "")
    lines = [say_count("cli_error", code, len(problems), file=name)]
    for r in problems.itertuples():
        key = "config_row_value" if r.value else "config_row"
        where = r.path or r.file  # a file that is not there: no path in it
        line, item = getattr(r, "line", None), getattr(r, "item", None)
        # where in the file, and whose; a problem at no path (a YAML syntax error)
        # says its line in its words
        if r.path and line is not None and not pd.isna(line):
            at = "config_at_item" if isinstance(item, str) else "config_at"
            where = say("cli_error", at, path=where, item=item or "", line=int(line))
        zh = getattr(r, "rule_zh", None)
        rule = Word(zh, r.rule) if isinstance(zh, str) else r.rule
        lines.append(say("cli_error", key, path=where, rule=rule, value=r.value))
    return Word(*("\n  ".join(w[i] for w in lines) for i in (0, 1)))


def _failed(exc: Exception, lang: str, code: int = 1) -> typer.Exit:
    """A library error said in the command's language (:func:`_error_words`)."""
    return _fail_words(_error_words(exc), lang, code)


def _catalogue(path: Path, lang: str = "zh", report: Path | None = None) -> Catalogue:
    from evaluation.catalogue import load_catalogue
    from evaluation.errors import CatalogueError

    try:
        return load_catalogue(path)
    except CatalogueError as exc:
        raise _config_failure(exc, "catalogue", path, report, lang) from None


def _config_failure(
    exc, code: str, path: Path, report: Path | None, lang: str
) -> typer.Exit:
    """A catalogue's (or appraisal config's) problems said (:func:`_config_words`)
    and, with ``--report``, written to it as a data problem report is: file, row
    (the line), column (the path), value, rule, headed and worded in ``lang``."""
    exit_ = _fail_words(_config_words(exc, code, path), lang)
    if report is not None:
        from evaluation.intake.validate import problems_table
        from evaluation.publish.export import write_problem_report
        from evaluation.vocabulary import say

        write_problem_report(problems_table(exc.as_report(), lang), report, lang)
        typer.echo(say("validate_cli", "full", path=report).text(lang), err=True)
    return exit_


DaskOpt = Annotated[
    bool,
    typer.Option(
        "--dask",
        help="用 Dask 集群分担计算（未给 --scheduler 时，"
        "在本机启动本地集群）。 Spread the work over a Dask cluster (a "
        "LocalCluster on this machine unless --scheduler is given).",
    ),
]
SchedulerOpt = Annotated[
    str | None,
    typer.Option(
        help="已在运行的 Dask 调度器的地址，如 tcp://host:8786。 Address of "
        "a running Dask scheduler, e.g. tcp://host:8786."
    ),
]


@contextmanager
def _cluster(dask: bool, scheduler: str | None):
    """A Dask client when asked for (``--dask`` or ``--scheduler``), else None."""
    from evaluation.scale import distributed

    if not (dask or scheduler):
        yield None
        return
    with distributed.connect(scheduler) as client:
        yield client


def _report_failure(
    exc: ValidationFailed, report: Path | None, lang: str = "en"
) -> typer.Exit:
    """Say a refused input's problems in ``lang``: a count per file and rule, the
    first problems, and the full report (file, row, column, value, rule) to
    ``report``, headed and worded in ``lang``."""
    from evaluation.intake.validate import problems_table
    from evaluation.publish.export import write_problem_report
    from evaluation.vocabulary import say, say_count

    table = problems_table(exc.report, lang)
    file, row, column, value, rule = table.columns
    # a count per file and rule (the English sentence starts with the rule's id):
    # a rule whose sentence names each cell (a percent-formatted cell, a spaced code)
    # is counted once, its first cell said
    rule_id = exc.report["rule"].astype(str).str.split(":", n=1).str[0]
    lines = []
    # files in the report's order (the units file first), each file's rules sorted
    order = {f: i for i, f in enumerate(dict.fromkeys(table[file]))}
    grouped = table.groupby([table[file], rule_id], sort=True)[rule]
    for (f, _), said in sorted(grouped, key=lambda g: order[g[0][0]]):
        key = "by_rule" if said.nunique() == 1 else "by_rule_first"
        line = say("validate_cli", key, file=f, n=len(said), rule=said.iloc[0])
        lines.append("  " + line.text(lang))
    typer.secho(
        say_count("validate_cli", "failed", len(table)).text(lang),
        err=True,
        fg=typer.colors.RED,
    )
    typer.echo("\n".join(lines[:30]) + ("\n  …" if len(lines) > 30 else ""), err=True)
    head = "first" if len(table) > 15 else "every"  # 前15个问题 of 1 misled
    typer.echo("\n" + say("validate_cli", head, n=15).text(lang), err=True)
    shown = table.head(15).astype(object)
    typer.echo(shown.where(shown.notna(), "").to_string(index=False), err=True)
    if report is not None:
        report.parent.mkdir(parents=True, exist_ok=True)
        write_problem_report(table, report, lang)
        typer.echo("\n" + say("validate_cli", "full", path=report).text(lang), err=True)
    else:
        typer.echo("\n" + say("validate_cli", "hint").text(lang), err=True)
    return typer.Exit(1)


#: parsed first (is_eager), so that --report's check speaks it
ProblemLang = Annotated[
    str,
    typer.Option(
        "--lang",
        is_eager=True,
        help="消息和发给报送单位的问题报告所用的语言：zh（中文，默认）或 "
        "en（英文）。 Language of the messages and of the problem "
        "report for the agencies: zh (Chinese, the default) or en.",
    ),
]


def _check_lang(lang: str, choices: tuple[str, ...] = ("zh", "en")) -> None:
    if lang not in choices:
        raise _fail(
            f"--lang 只能是 {'、'.join(choices)}，而不是“{lang}”\n"
            f"--lang must be {', '.join(choices[:-1])} or {choices[-1]}, "
            f"not {lang!r}",
            2,
        )


def _message_lang(lang: str) -> str:
    """The language of a command's messages: ``en`` for ``--lang en``, else zh
    (``both``, a table's headers in both languages, says its messages in zh and
    en)."""
    return "en" if lang == "en" else "zh"


#: --lang of a command whose messages only it sets: parsed first (is_eager), so
#: that a missing store or a bad option is refused in it too
LangOpt = Annotated[
    str,
    typer.Option(
        "--lang",
        is_eager=True,
        help="消息和错误提示的语言：zh（中文，后附英文；默认）或 "
        "en（英文）。 Language of the messages and errors: zh "
        "(Chinese, with the English after it; the default) or en.",
    ),
]


@app.command()
def validate(
    data: Data,
    catalogue: CatalogueOpt = Path("indicators.yaml"),
    report: ReportOpt = None,
    lang: ProblemLang = "zh",
    strict: Annotated[
        bool,
        typer.Option(
            "--strict",
            help="报送单位未报送最近各期数据的，不予通过，与 score --strict "
            "相同（默认放行，并列出该单位）。 Refuse an agency that has "
            "not sent its latest periods, as `score --strict` does (by "
            "default it is let through and named).",
        ),
    ] = False,
    today: Annotated[
        str | None,
        typer.Option(
            "--today",
            help="核查日期（YYYY-MM-DD）：报送日期晚于该日的，"
            "视为尚未到来的日期，不予通过；默认为今天（北京时间）。 The "
            "day of the check (YYYY-MM-DD): a reported_at after it is "
            "refused as a day still to come; default today, Beijing time.",
        ),
    ] = None,
) -> None:
    """校验数据：对照指标体系检查数据集，列出每个问题（文件、行、列）。 Check a
    dataset against the catalogue; list every problem (file, row, column)."""
    from evaluation.errors import ValidationFailed
    from evaluation.intake.io import encoding_word, load_dataset
    from evaluation.intake.validate import validate_dataset
    from evaluation.vocabulary import quoted, say

    _check_lang(lang)
    try:
        day = None if today is None else datetime.strptime(today, "%Y-%m-%d").date()
    except ValueError:
        said = say("cli_error", "date", option="--today", got=quoted(today))
        raise _fail_words(said, lang, 2) from None
    cat = _catalogue(catalogue, lang, report)
    try:
        with progress.stages("validate", ["read"], show=_bars()) as stage:
            stage("read")
            dataset = load_dataset(data)
        for r in dataset.files.itertuples():
            read = say(
                "validate_cli", "read", file=r.file, rows=r.rows,
                encoding=encoding_word(r.encoding),  # UTF-8编码 / the codec's name
            )  # fmt: skip
            typer.echo(read.text(lang))
        valid = validate_dataset(dataset, cat, strict=strict, today=day)
    except ValidationFailed as exc:
        raise _report_failure(exc, report, lang) from None
    said = say(
        "validate_cli",
        "valid",
        units=len(valid.units),
        observations=len(valid.observations),
        empty=int(valid.observations["value"].isna().sum()),
    )
    typer.secho(said.text(lang), fg=typer.colors.GREEN)
    if not valid.absent.empty:  # a late agency, let through: said, never silently
        from evaluation.intake.status import absence_warning

        late = absence_warning(valid.absent, cat)
        typer.secho(late.text(lang), fg=typer.colors.YELLOW)


@app.command()
def template(
    agency: Annotated[
        str,
        typer.Argument(
            help="报送单位在指标体系中的代码，如 finance。 Reporting agency id "
            "of the catalogue, e.g. finance."
        ),
    ],
    period: Annotated[
        str,
        typer.Option(
            help="模板所属的报告期，如 "
            "2025-M03（该期应报的数据：3月的月度数据、2025-Q1 "
            "的季度数据等）、2025-Q1、2025。 Period the template is for, "
            "e.g. 2025-M03 (the series due in it: monthly ones for March, "
            "quarterly ones for 2025-Q1 …), 2025-Q1, 2025."
        ),
    ],
    out: Annotated[
        Path,
        typer.Option(help="要写入的工作簿（.xlsx）。 The workbook to write (.xlsx)."),
    ],
    data: Annotated[
        Path,
        typer.Option(
            help="数据文件夹，模板中的单位取自其单位文件。 Dataset folder whose "
            "units file lists the units."
        ),
    ] = Path("data/sample"),
    catalogue: CatalogueOpt = Path("indicators.yaml"),
    lang: Annotated[
        str,
        typer.Option(
            "--lang",
            help="表头和填写说明的语言：zh（默认）或 en。 Language of the "
            "headers and instructions: zh (default) or en.",
        ),
    ] = "zh",
) -> None:
    """报送模板：为报送单位生成某一报告期的 Excel 报送模板，
    列出应报的单位和指标，填好交回后用 validate 校验。 Write an agency's
    submission template (报送模板) for a period: an Excel sheet of the units
    and series due, ready to fill in and send back to `validate`."""
    from evaluation.errors import ValidationFailed
    from evaluation.intake import template as T
    from evaluation.vocabulary import quoted, say

    _check_lang(lang)
    if out.suffix.lower() != ".xlsx":
        said = say(
            "cli_error", "out_suffix", option="--out", suffixes=".xlsx",
            got=quoted(out.name),
        )  # fmt: skip
        raise _fail_words(said, lang, 2)
    cat = _catalogue(catalogue, lang)
    try:
        units = T.read_units(data, cat)
        T.write_template(out, cat, units, agency, period, lang=lang)
        due = T.due_reports(cat, agency, period, lang)
    except T.TemplateError as exc:
        raise _fail(exc.words.text(lang)) from None
    except ValidationFailed as exc:
        raise _report_failure(exc, None, lang) from None
    name = cat.name(agency, lang)
    said = say(
        "template",
        "wrote",
        file=out,
        agency=name,
        period=T.held_periods(due, lang),
        units=units["unit_id"].nunique(),
        series=due["series_id"].nunique(),
        rows=units["unit_id"].nunique() * len(due),
    )
    typer.secho(said.text(lang), fg=typer.colors.GREEN)


@app.command()
def score(
    data: Data,
    period: Annotated[
        str,
        typer.Option(
            "--period",
            "-p",
            help="报告期：2025、2025-H1、2025-Q4、2025-B6 或 2025-M12。 "
            "Evaluation period: 2025, 2025-H1, 2025-Q4, 2025-B6 or "
            "2025-M12.",
        ),
    ],
    catalogue: CatalogueOpt = Path("indicators.yaml"),
    out: Annotated[
        Path,
        typer.Option(help="输出文件夹。 Output folder."),
    ] = Path("data/output"),
    run_at: Annotated[
        str | None,
        typer.Option(
            help="要记录的计算时间（ISO 8601，带时区，如 2026-01-05T09:00:00+08:00）；"
            "填原运行的计算时间，可逐字节重现结果。 Timestamp to record (ISO 8601 "
            "with its UTC offset, e.g. 2026-01-05T09:00:00+08:00); pass the "
            "original to reproduce a result byte for byte."
        ),
    ] = None,
    report: ReportOpt = None,
    lang: ProblemLang = "zh",
    ledger: Annotated[
        Path | None,
        typer.Option(
            help="要接续的整改台账文件（CSV）："
            "按本次评分中尚未计入台账的报告期，新增、升级和销号整改事项。 "
            "Rectification ledger file (CSV) to carry on: the run's "
            "periods not yet applied open, escalate and close its items."
        ),
    ] = None,
    strict: Annotated[
        bool,
        typer.Option(
            "--strict",
            help="有报送单位尚未报送最近各期数据时，不予评分（默认照常评分："
            "这些数据按缺失处理，按各指标的缺失数据规则计分，"
            "结果中予以标注）。 Refuse to score while an agency has not "
            "sent its latest periods (by default the run goes on: its "
            "values are missing, scored by each indicator's missing rule, "
            "and the result marks them).",
        ),
    ] = False,
) -> None:
    """评分：校验数据、计算得分并排名；写入结果文件夹 OUT/result/ 和排名表
    OUT/ranking_PERIOD.csv。 Validate, score and rank; write OUT/result/ and
    OUT/ranking_PERIOD.csv."""
    from evaluation.errors import EvaluationError, ValidationFailed
    from evaluation.files import replacing
    from evaluation.intake.io import load_dataset
    from evaluation.pipeline import run
    from evaluation.publish.export import write_media_csv
    from evaluation.publish.store import save_result
    from evaluation.risk import ledger as L
    from evaluation.risk.rules import node_values
    from evaluation.vocabulary import quoted, say

    _check_lang(lang)
    if run_at is not None:  # recorded, printed in the notes and published as given
        try:  # without its zone it is read as UTC: 8 hours late in Beijing time
            zoned = datetime.fromisoformat(run_at).tzinfo is not None
            key = None if zoned else "time_zone"
        except ValueError:
            key = "time"
        if key is not None:
            said = say("cli_error", key, option="--run-at", got=quoted(run_at))
            raise _fail_words(said, lang, 2) from None
    cat = _catalogue(catalogue, lang, report)
    try:
        with progress.stages("score", ["read", "scores"], show=_bars()) as stage:
            stage("read")
            dataset = load_dataset(data)
            stage("scores")
            result = run(cat, dataset, period=period, run_at=run_at, strict=strict)
    except ValidationFailed as exc:
        raise _report_failure(exc, report, lang) from None
    except EvaluationError as exc:
        raise _failed(exc, lang) from None
    if ledger is not None:  # checked before anything is written
        previous = _read_ledger(ledger, lang)
        try:
            updated = L.update(
                previous,
                result.warnings,
                node_values(result.prepared, result.scores, result.composite),
                result.periods,
                cat,
            )
        except EvaluationError as exc:
            raise _ledger_failed(ledger, exc, lang) from None
    table = result.league_table(period)
    ranking = out / f"ranking_{period}.csv"
    with replacing(ranking) as tmp:  # the result and its ranking: both, or neither
        write_media_csv(table, tmp)
        folder = save_result(result, out / "result")
    if ledger is not None:
        L.write_ledger(updated, ledger, previous=previous)
    ranked = int(table["rank"].notna().sum())
    if lang == "zh":
        from evaluation.periods import name_zh

        typer.echo(
            f"已评分：{name_zh(period)}，{len(table)}个单位中{ranked}个参加排名；"
            f"评分期：{'、'.join(map(name_zh, result.periods))}"
        )
        typer.echo(say("cli_said", "wrote_result", folder=folder, ranking=ranking).zh)
        top = table.head(5)[["rank", "unit_id", "name_zh", "composite_score"]]
        top.columns = ["排名", "单位代码", "单位", "综合得分"]
    else:
        typer.echo(
            f"scored {period}: {ranked} of {len(table)} units ranked; periods "
            f"{', '.join(result.periods)}"
        )
        typer.echo(say("cli_said", "wrote_result", folder=folder, ranking=ranking).en)
        top = table.head(5)[["rank", "unit_id", "name_en", "composite_score"]]
    typer.echo(top.to_string(index=False, float_format=lambda v: f"{v:.2f}"))
    _say_blank_dimensions(result, table, period, lang)
    _say_absences(result)
    if ledger is not None:  # after the run's own summary: its reminders, at length
        names = dict(zip(result.units["unit_id"], result.units["name_zh"], strict=True))
        _say_ledger(
            ledger, previous, updated, cat, lang, names, data=data, catalogue=catalogue
        )


def _say_blank_dimensions(result, table, period: str, lang: str) -> None:
    """The units ranked with a level-1 dimension not scored (too few values: their
    composite is the other dimensions'), as :func:`_say_blank` says them, pointing
    to the media table's note; nothing if none."""
    from evaluation.analysis.views import blank_dimensions

    blank = blank_dimensions(result, table, period)
    names = table[f"name_{lang}"]
    _say_blank(blank, names, result.catalogue, lang, "blank_where_media")


def _say_blank(blank, names, catalogue, lang: str, where: str, named: int = 3):
    """``blank``: a row per unit by rank, True at each level-1 dimension it is
    ranked without (``names``: the units' names, the same index). The units
    counted, the first ``named`` named with those dimensions, and ``where`` (a
    ``cli_said`` word: where the scores are to be read); nothing if none."""
    from evaluation.vocabulary import say, say_count, word

    rows = blank.index[blank.any(axis=1)]
    if rows.empty:
        return
    sep = word("cli_said", "blank_sep", lang)
    dims_sep = word("export_about", "list_sep", lang)
    units = [
        say(
            "cli_said",
            "blank_unit",
            unit=names[row],
            dims=dims_sep.join(
                catalogue.name(d, lang) for d in blank.columns[blank.loc[row]]
            ),
        ).text(lang)
        for row in rows[:named]
    ]
    more = len(rows) - named
    listed = sep.join(units)
    if more > 0:
        listed += say("cli_said", "blank_more", more=more).text(lang)
    said = say_count(
        "cli_said",
        "blank_dimensions",
        len(rows),
        named=listed,
        where=word("cli_said", where, lang),
    )
    typer.echo(said.text(lang))


def _say_absences(result) -> None:
    """A run that went on without a late agency's submissions says so, naming the
    agencies and periods, in Chinese and English (never silently)."""
    if result.absences.empty:
        return
    from evaluation.intake.status import absence_warning

    said = absence_warning(
        result.absences, result.catalogue, result.absent_indicators()
    )
    typer.secho(said.zh, fg=typer.colors.YELLOW)
    typer.secho(said.en, fg=typer.colors.YELLOW)


@app.command("ledger")
def ledger_cmd(
    file: Annotated[
        Path,
        typer.Argument(help="整改台账文件（CSV）。 Rectification ledger file (CSV)."),
    ],
    catalogue: CatalogueOpt = Path("indicators.yaml"),
    as_of: Annotated[
        str | None,
        typer.Option(
            help="核查日期（YYYY-MM-DD）：逾期未整改的事项升级，"
            "并列入催办（默认只列出）。 Check date YYYY-MM-DD: open items "
            "past due escalate and are listed for a reminder (default: "
            "only list)."
        ),
    ] = None,
    reminders: Annotated[
        Path | None,
        typer.Option(
            help="将催办清单写入此文件（CSV；中文时用文字，单位和指标写名称）。 "
            "Write the reminder list here (CSV; in Chinese in words, units "
            "and indicators by name)."
        ),
    ] = None,
    data: Annotated[
        Path,
        typer.Option(
            help="数据文件夹，单位的中文名称取自其单位文件。 Dataset folder "
            "whose units file names the units (in Chinese)."
        ),
    ] = Path("data/sample"),
    lang: LangOpt = "zh",
) -> None:
    """整改台账：检查整改期限，列出须催办的事项。 Check a rectification ledger's
    deadlines and list the reminders."""
    from evaluation.publish import worded as W
    from evaluation.publish.export import write_media_csv
    from evaluation.risk import ledger as L
    from evaluation.vocabulary import quoted, say

    _check_lang(lang)
    cat = _catalogue(catalogue, lang)
    if not file.exists():
        raise _fail_words(say("cli_error", "no_ledger", file=file), lang)
    # names: the Chinese lines say units by name, a reminder list in any language
    units = _unit_names(data, lang) if lang == "zh" or reminders else {}
    previous = _read_ledger(file, lang)
    updated = previous
    if as_of is not None:
        try:
            updated = L.check(previous, as_of, cat)
        except ValueError:
            said = say("cli_error", "date", option="--as-of", got=quoted(as_of))
            raise _fail_words(said, lang, 2) from None
        L.write_ledger(updated, file, previous=previous)
    _say_ledger(
        file, previous, updated, cat, lang, units,
        data=data, reminders=reminders, catalogue=catalogue,
    )  # fmt: skip
    if reminders is not None:
        write_media_csv(W.reminders(L.reminders(updated), cat, units, lang), reminders)
        typer.echo(say("cli_said", "wrote", path=reminders).text(lang))


def _unit_names(data: Path, lang: str = "zh") -> dict[str, str]:
    """Unit code → name in ``lang`` (Chinese where the file has no English), from
    the units file of the dataset folder ``data`` (read, not checked against the
    catalogue: only the names are wanted)."""
    from evaluation.errors import ValidationFailed
    from evaluation.intake.io import matching_files, read_table
    from evaluation.vocabulary import say

    files = matching_files(data, "units") if data.is_dir() else []
    if len(files) != 1:
        raise _fail_words(say("cli_error", "units_file", folder=data), lang)
    try:
        units, _ = read_table(files[0])
    except ValidationFailed as exc:
        raise _report_failure(exc, None, lang) from None
    if not {"unit_id", "name_zh"} <= set(units.columns):
        raise _fail_words(say("cli_error", "units_file", folder=data), lang)
    name = f"name_{lang}" if f"name_{lang}" in units else "name_zh"
    return dict(zip(units["unit_id"], units[name], strict=True))


def _read_ledger(path: Path, lang: str = "zh"):
    from evaluation.errors import EvaluationError
    from evaluation.risk import ledger as L

    try:
        return L.read_ledger(path)
    except EvaluationError as exc:
        raise _ledger_failed(path, exc, lang) from None


def _ledger_failed(path: Path, exc: Exception, lang: str) -> typer.Exit:
    """A ledger refused, said naming the file (once)."""
    from evaluation.vocabulary import say

    words = _error_words(exc)
    if str(path) not in words.en:
        words = say("cli_error", "ledger", file=path, detail=words)
    return _fail_words(words, lang)


#: reminders the CLI lists; the rest are counted and pointed to
REMINDERS_SHOWN = 20
#: open data-quality flags ``evaluation flags`` lists; the rest are counted and
#: pointed to
FLAGS_SHOWN = 20


def _say_ledger(
    path: Path,
    previous,
    updated,
    cat: Catalogue,
    lang: str = "zh",
    units: dict[str, str] | None = None,
    *,
    data: Path = Path("data/sample"),
    reminders: Path | None = None,
    catalogue: Path = Path("indicators.yaml"),
) -> None:
    """A ledger's counts and its first :data:`REMINDERS_SHOWN` reminders, in
    ``lang`` (an item's unit and indicator by their names in Chinese, by their ids in
    English; its level and reason as the letters and the dashboard word them:
    红色（发现时为橙色）, 最近一期：…); past those, how many more and where the whole
    list is: the ``reminders`` file written, else the command that writes it."""
    from evaluation.analysis.views import item_level, item_situation
    from evaluation.risk import ledger as L
    from evaluation.vocabulary import Word, say, shell_word

    opened = len(updated) - len(previous)
    # closed by this run: open before, or opened and closed in the periods replayed
    was_closed = set(previous.loc[previous["status"] == "closed", "item_id"])
    closed = ~updated["item_id"].isin(was_closed) & (updated["status"] == "closed")
    due = L.reminders(updated)
    n_open = int((updated["status"] == "open").sum())
    said = say(
        "cli_said", "ledger", path=path, open=n_open, opened=opened,
        closed=int(closed.sum()), due=len(due),
    )  # fmt: skip
    typer.echo(said.text(lang))
    for r in due.head(REMINDERS_SHOWN).itertuples():
        node = Word(cat.name_or_id(r.node_id, "zh"), r.node_id)
        unit = Word((units or {}).get(r.unit_id, r.unit_id), r.unit_id)
        said = say(
            "cli_said", "remind", unit=unit, node=node,
            level=Word(item_level(r, "zh"), item_level(r, "en")), due=_day(r.due),
            first_due=_day(r.first_due), escalations=r.escalations,
            reason=Word(item_situation(r, "zh"), item_situation(r, "en")),
        )  # fmt: skip
        typer.echo(said.text(lang))
    more = len(due) - REMINDERS_SHOWN
    if more > 0:
        if reminders is not None:
            said = say("cli_said", "remind_more_in", more=more, file=reminders)
        else:
            # the command as this one ran: its catalogue, data and language
            words = ["evaluation", "ledger", path, "--data", data, "-c", catalogue]
            command = Word(
                *(
                    " ".join(map(shell_word, [*words, "--reminders", name, *more_]))
                    for name, more_ in zip(
                        say("cli_said", "reminders_file"), ([], ["--lang", "en"]),
                        strict=True,
                    )
                )
            )  # fmt: skip
            said = say("cli_said", "remind_more", more=more, command=command)
        typer.echo(said.text(lang))


@app.command()
def export(
    result: Annotated[
        Path,
        typer.Argument(help="由 score 生成的结果文件夹。 Result folder from `score`."),
    ],
    out: Annotated[
        Path,
        typer.Option(
            help="要写入的文件：以 .csv 结尾的为 CSV，以 .xlsx 结尾的为 Excel "
            "工作簿。 File to write: CSV if it ends .csv, a workbook if it "
            "ends .xlsx."
        ),
    ],
    period: Annotated[
        str | None,
        typer.Option(
            help="报告期（默认为结果的报告期）。 Period (default: the result's)."
        ),
    ] = None,
    lang: Annotated[
        str,
        typer.Option(
            help="表头和名称的语言：zh、en 或 both（中英对照）。 Headers and "
            "names: zh, en or both."
        ),
    ] = "zh",
    peer_group: Annotated[
        str | None,
        typer.Option(
            help="只导出这一类别，在类别内排名（仅用于 --table media）。 Only this "
            "peer group, ranked within it (--table media only)."
        ),
    ] = None,
    decimals: Annotated[
        int,
        typer.Option(
            min=0, max=6, help="数值的小数位数。 Decimal places of the numbers."
        ),
    ] = 2,  # vocabulary.SCORE_DECIMALS (not imported here: --help stays light)
    table: Annotated[
        str,
        typer.Option(
            help="导出的表：media（供媒体发布的排名表）、ranking（完整排名，"
            "供分析）、风险表 warnings（预警）、risk（风险等级）、"
            "ledger（整改台账）、flags（数据质量提示），或 "
            "grades（本年度考评等次，取自 --store）。 media (the league "
            "table), ranking (the full one, for analysts), a risk table: "
            "warnings, risk, ledger, flags; or grades (the year's annual "
            "grades, from --store)."
        ),
    ] = "media",
    decisions: Annotated[
        Path | None,
        typer.Option(
            help="配合 --table flags：数据质量核实记录文件。 With --table "
            "flags: analysts' decisions file."
        ),
    ] = None,
    rank_range: Annotated[
        bool,
        typer.Option(
            help="增加排名区间（第5至第95百分位）："
            "由1000次模拟得出（固定随机种子，一级指标权重上下浮动25%）。 "
            "Add the 5–95% rank range from 1,000 seeded uncertainty draws "
            "(weights ±25% at level 1), e.g. '3 (2–5)'."
        ),
    ] = False,
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format",
            help="文件格式：csv 或 xlsx（默认按 --out 的后缀：.xlsx 为工作簿，"
            ".csv 为 CSV）；与后缀矛盾的 --format 不予受理。 csv or xlsx "
            "(default: by --out's suffix, .xlsx a workbook, .csv a CSV); a "
            "--format that contradicts the suffix is refused.",
        ),
    ] = None,
    split: Annotated[
        bool,
        typer.Option(
            "--split/--no-split",
            help="媒体排名表：另按单位类型（市直部门；县（市）区）各出一张表，"
            "在本类型内排名：CSV 各为一个文件 OUT_<type>.csv，"
            "工作簿中各为一张工作表。 Media table: also one table per type "
            "of unit (municipal departments; districts and counties), each "
            "ranked among its own: a file OUT_<type>.csv each, or a sheet "
            "each in a workbook.",
        ),
    ] = True,
    store: Annotated[
        Path | None,
        typer.Option(
            help="存有本年度考评等次的发布库（等次发布后，"
            "若该年度考评由本结果得出，"
            "等次即为当年媒体排名表的一列；--table grades 须给出）。"
            "默认不用。 Publication store with the year's annual grades (a "
            "column of a year's media table once released, if that "
            "appraisal was made from this result; --table grades). None "
            "unless given.",
        ),
    ] = None,
) -> None:
    """导出：供媒体发布的排名表、完整排名、风险表或年度考评等次；CSV 或 Excel
    工作簿。 Write the media CSV, the full ranking, a risk table or the
    annual grades; CSV or an Excel workbook.

    媒体排名表可单独使用（报告期、排名、单位、得分、名次变化；
    市直部门和县（市）区分别排名，各一个文件；附说明文件 OUT.说明.txt，
    写明报告期、数据来源和方法）；风险表有预警、单位风险等级、
    整改台账和数据质量提示；CSV 为 UTF-8 带 BOM，Excel 可直接打开；
    工作簿中数值为数字，表头中英对照并冻结，附“说明”工作表。 The media CSV a
    journalist can use alone (period, rank, department, scores, rank change;
    市直部门 and 县（市）区 ranked apart, a file each; a note OUT.说明.txt
    with the period, source and method); a risk table: warnings, unit grades,
    rectification ledger or data-quality flags; CSV in UTF-8 with BOM (Excel
    opens it) or an Excel workbook (numbers as numbers, bilingual frozen
    header, a 说明 About sheet)."""
    from evaluation.analysis import uncertainty as U
    from evaluation.errors import EvaluationError
    from evaluation.publish import media as M
    from evaluation.publish.store import load_result
    from evaluation.result import rank_range as ranges_of
    from evaluation.risk import quality as Q
    from evaluation.vocabulary import Word, quoted, say

    _check_lang(lang, M.LANGS)
    said = _message_lang(lang)
    if table not in M.TABLES:
        choices = Word("、".join(M.TABLES), ", ".join(M.TABLES))  # 、 in Chinese
        words = say(
            "cli_error", "choice", option="--table", choices=choices, got=quoted(table)
        )
        raise _fail_words(words, said, 2)
    _out_suffix(out, (".csv", ".xlsx"), said)  # not a CSV under another name
    if peer_group is not None and table != "media":  # not silently every unit
        words = say("library_error", "peer_group_table", table=M.table_word(table))
        raise _fail_words(words, said, 2)
    try:
        fmt = M.output_format(out, fmt)
    except ValueError as exc:
        raise _failed(exc, said, 2) from None
    if store is not None and not store.is_file():
        raise _fail_words(say("cli_error", "no_store", store=store.absolute()), said)
    try:
        res = load_result(result)
        groups = [g.id for g in res.catalogue.peer_groups]
        if peer_group is not None and peer_group not in groups:
            known = Word(  # named, as officials know them: economic（经济管理部门）
                "、".join(f"{g.id}（{g.name_zh}）" for g in res.catalogue.peer_groups),
                ", ".join(f"{g.id} ({g.name_en})" for g in res.catalogue.peer_groups),
            )
            words = say("cli_error", "peer_group", got=quoted(peer_group), known=known)
            raise _fail_words(words, said)
        ranges = None
        if rank_range and table == "media":
            if peer_group is not None:  # refused before the draws, not after
                words = say("library_error", "rank_range_peer_group")
                raise _fail_words(words, said, 2)
            with progress.stages("export", ["draws"], show=_bars()) as stage:
                stage("draws")
                drawn = U.run(res, U.Spec(), period=period)
                # 3（2–5） in a Chinese table, 3 (2–5) in English (and both)
                ranges = ranges_of(drawn.summary, lang="zh" if lang == "zh" else "en")
                ranges.attrs["spec"] = drawn.spec  # the note says what was drawn
        written = M.export(
            res, out, table=table, fmt=fmt, period=period, lang=lang,
            decimals=decimals, peer_group=peer_group, rank_range=ranges,
            decisions=Q.read_decisions(decisions) if decisions else None,
            split=split, store=store, source=result, say=typer.echo,
        )  # fmt: skip
    except (FileNotFoundError, KeyError, ValueError, EvaluationError) as exc:
        raise _failed(exc, said) from None
    for path, rows in written:
        if rows is None:
            typer.echo(say("cli_said", "wrote", path=path).text(said))
        else:
            typer.echo(say("cli_said", "wrote_rows", path=path, rows=rows).text(said))


@app.command()
def flags(
    result: Annotated[
        Path,
        typer.Argument(help="由 score 生成的结果文件夹。 Result folder from `score`."),
    ],
    decisions: Annotated[
        Path,
        typer.Option(
            help="数据质量核实记录文件（CSV；不存在则新建；make clean "
            "不删除）。 Analysts' decisions file (CSV; created if absent; "
            "make clean keeps it)."
        ),
    ] = DEFAULT_DECISIONS,
    accept: Annotated[
        str | None,
        typer.Option(help="确认为问题的提示编号。 Flag id to accept (a real problem)."),
    ] = None,
    dismiss: Annotated[
        str | None,
        typer.Option(
            help="排除的提示编号（已有合理解释，不是问题）。 Flag id to dismiss "
            "(explained, not a problem)."
        ),
    ] = None,
    comment: Annotated[
        str,
        typer.Option(help="核实意见（记录核实结论时必填）。 Why (required to decide)."),
    ] = "",
    by: Annotated[
        str,
        typer.Option(
            help="核实人姓名（记录核实结论时必填）。 Analyst's name (required "
            "to decide)."
        ),
    ] = "",
    lang: Annotated[
        str,
        typer.Option(
            help="原因、消息和错误提示的语言：zh 或 en。 Reasons, messages and "
            "errors in zh or en."
        ),
    ] = "zh",
) -> None:
    """数据质量提示：列出各条提示及其核实状态；可确认或排除一条，
    并写明理由（每次核实结论都予保留）。 List data-quality flags with their
    status; accept or dismiss one with a comment (every decision is kept)."""
    from evaluation.errors import EvaluationError
    from evaluation.publish.store import load_result
    from evaluation.risk import quality as Q
    from evaluation.vocabulary import Word, say, say_count, shell_word

    _check_lang(lang)
    if accept and dismiss:
        raise _fail_words(say("cli_error", "accept_dismiss"), lang, 2)
    try:
        res = load_result(result)
        if accept or dismiss:
            Q.decide(
                decisions,
                accept or dismiss,
                "accepted" if accept else "dismissed",
                comment,
                by=by,
                flags_table=res.flags,
            )
            decided = say("cli_said", "flag_accepted" if accept else "flag_dismissed")
            said = say(
                "cli_said", "flag_recorded", flag=accept or dismiss, decision=decided
            )
            typer.echo(said.text(lang))
        table = Q.with_decisions(res.flags, Q.read_decisions(decisions))
    except (FileNotFoundError, EvaluationError) as exc:
        raise _failed(exc, lang) from None
    counts = table["status"].value_counts().to_dict()
    statuses = {k: counts.get(k, 0) for k in ("open", "accepted", "dismissed")}
    said = say_count("cli_said", "flags_heading", len(table), **statuses)
    typer.echo(said.text(lang))
    still_open = table[table["status"] == "open"]
    for r in still_open.head(FLAGS_SHOWN).itertuples():
        said = say(
            "cli_said", "flag_open", flag=r.flag_id, zh=r.reason_zh, en=r.reason_en
        )
        typer.echo(said.text(lang))
    more = len(still_open) - FLAGS_SHOWN
    if more > 0:  # the rest, and the command that writes them all with their status
        words = ["evaluation", "export", result, "--table", "flags"]
        words += ["--decisions", decisions]
        command = Word(
            *(
                " ".join(map(shell_word, [*words, "--out", name, *more_]))
                for name, more_ in zip(
                    say("cli_said", "flags_file"), ([], ["--lang", "en"]), strict=True
                )
            )
        )
        said = say_count("cli_said", "flags_more", more, command=command)
        typer.echo(said.text(lang))


StoreOpt = Annotated[
    Path,
    typer.Option(
        help="发布库（嵌入式 DuckDB 文件）。 Publication store (an embedded "
        "DuckDB file)."
    ),
]


def _store_exists(store: Path, lang: str = "zh") -> Path:
    """A store to read or change must be there: a mistyped path or a missing
    ``data/store.duckdb`` is said, never made into a new, empty store."""
    if not store.exists():
        from evaluation.vocabulary import say

        raise _fail_words(say("cli_error", "no_store", store=store.absolute()), lang)
    return store


def _store_option(ctx: typer.Context, store: Path) -> Path:
    """``--store``'s check, in the command's ``--lang`` (parsed before it)."""
    return _store_exists(store, _message_lang(ctx.params.get("lang", "zh")))


#: the store of a command that reads or changes what is in it
ExistingStoreOpt = Annotated[
    Path,
    typer.Option(
        help="发布库（嵌入式 DuckDB 文件，须已存在）。 Publication store "
        "(an embedded DuckDB file; it must exist).",
        callback=_store_option,
    ),
]


ProblemsOpt = Annotated[
    Path | None,
    typer.Option(
        "--report",
        help="将所有输入问题写入此文件（CSV；文件名以 .xlsx 结尾的，写为 Excel "
        "工作簿；须以 .csv、.txt 或 .xlsx 结尾）。 Write every input problem "
        "here (CSV; an Excel workbook if the name ends .xlsx; it must end in "
        ".csv, .txt or .xlsx).",
        callback=_report_option,
    ),
]


def _annual(
    result_folder: Path,
    appraisal: Path | None,
    config: Path,
    report: Path | None = None,
    stage=lambda code: None,
    lang: str = "zh",
):
    """A stored Result and, with an appraisal folder, its year-end appraisal (every
    input problem reported, in full to ``report``, before anything is stored);
    ``stage``: a progress bar's, told as reading and appraising start."""
    from evaluation import appraisal as A
    from evaluation.errors import CatalogueError, ValidationFailed
    from evaluation.publish.store import load_result

    stage("read")
    res = load_result(result_folder)
    if appraisal is None:
        return res, None
    try:
        cfg = A.load_config(config)
        inputs = A.load_inputs(appraisal)
        stage("appraise")
        return res, A.appraise(cfg, res, inputs)
    except CatalogueError as exc:
        with progress.aside():
            refused = _config_failure(exc, "appraisal_config", config, report, lang)
        raise refused from None
    except ValidationFailed as exc:
        with progress.aside():
            refused = _report_failure(exc, report, lang)
        raise refused from None


NoticeDays = Annotated[
    int,
    typer.Option(
        min=1,
        help="年度考评运行的公示天数（自然日，北京时间，自发布之日起算），"
        "即申诉期。 Length of the 公示 (public notice) of an annual "
        "run, in calendar days (Beijing time, from the day of "
        "release): the appeal window.",
    ),
]


def _say_release(run_id: str, status: str, store: Path, lang: str = "zh") -> None:
    """A released run said in ``lang``: published, or its 公示 dates and what next
    (the commands as the user copies them: with ``--store`` where not the default)."""
    from evaluation.publish.store import store_option
    from evaluation.vocabulary import say

    if status == "published":
        typer.echo(say("cli_said", "published", run=run_id).text(lang))
        return
    with _reading(store, lang) as s:
        row = s.runs().set_index("run_id").loc[run_id]
    said = say(
        "cli_said",
        "notice",
        run=run_id,
        start=_day(row["notice_from"]),
        until=_day(row["notice_until"]),
        where=store_option(store),
    )
    typer.echo(said.text(lang))


def _day(value):
    """A stored date (``2026-01-20``) as people read it: ``2026年1月20日`` in
    Chinese, as stored in English (:func:`.publication.day_word`)."""
    from evaluation.publish.publication import day_word

    return day_word(value)


#: the options of a new run that a draft's release (``publish --run``) would ignore
NEW_RUN_OPTIONS = {
    "appraisal": "--appraisal",
    "appraisal_config": "--appraisal-config",
    "release": "--release",
    "uncertainty_draws": "--uncertainty-draws",
    "skip_released": "--skip-released",
    "report": "--report",
}


def _given(ctx: typer.Context, name: str) -> bool:
    """Whether the user gave option ``name``, not its default: click's record of
    where the value came from, so a default typed again counts. Typer carries its
    own click, whose ``ParameterSource`` is known here by its members' names."""
    source = ctx.get_parameter_source(name)
    return getattr(source, "name", "DEFAULT") not in ("DEFAULT", "DEFAULT_MAP")


def _notice_needs_appraisal(run_id: str, store: Path, lang: str) -> None:
    """``--notice-days`` beside ``--run``: the run's 公示 length, so refused (exit 2,
    nothing written) for a run without an appraisal, a period run, which its
    release publishes at once with no 公示. Its kind is read from the store (read
    only); a run not there is said so."""
    from evaluation.vocabulary import say

    with _reading(store, lang) as s:
        kind = s.run(run_id)["kind"]
    if kind != "annual":
        said = say("cli_error", "notice_days_period", run=run_id)
        raise _fail_words(said, lang, 2)


@app.command()
def publish(
    ctx: typer.Context,
    result: Annotated[
        Path | None,
        typer.Argument(
            help="由 score 生成的结果文件夹（新运行）。 Result folder from "
            "`score` (a new run)."
        ),
    ] = None,
    by: Annotated[
        str, typer.Option(help="存入或发布运行的经办人。 Who adds or releases the run.")
    ] = "",
    store: StoreOpt = DEFAULT_STORE,
    appraisal: Annotated[
        Path | None,
        typer.Option(
            help="考评材料文件夹：给出即为年度考评运行。 Appraisal inputs "
            "folder: makes it an annual run."
        ),
    ] = None,
    appraisal_config: Annotated[
        Path, typer.Option(help="考评规则（YAML）。 Appraisal rules (YAML).")
    ] = Path("appraisal.yaml"),
    release: Annotated[
        bool,
        typer.Option(
            help="存入后立即发布：期间评分运行直接正式发布；年度考评运行先公示。"
            "不予受理时，不存入任何内容。 Release the new run at once: a "
            "period run is published; an annual run opens its 公示 (public "
            "notice) first. Refused: nothing is stored."
        ),
    ] = False,
    run: Annotated[
        str | None,
        typer.Option(
            help="改为发布这个已有的草稿（运行编号）。 Release this existing "
            "draft instead."
        ),
    ] = None,
    supersedes: Annotated[
        str | None,
        typer.Option(
            help="将新运行作为对这个已发布运行的更正存入（其版本链的新版本；"
            "须同时给出 --reason）。同一类型、"
            "同一报告期的运行只能这样替换。 Store the new run as a "
            "correction of this released run (a new version of its chain; "
            "needs --reason). The only way to replace the run of a kind "
            "and period."
        ),
    ] = None,
    reason: Annotated[
        str,
        typer.Option(
            help="更正理由（申诉、复核文号）。 Why the correction (申诉/复核 "
            "reference)."
        ),
    ] = "",
    notice_days: NoticeDays = 7,
    report: ProblemsOpt = None,
    uncertainty_draws: Annotated[
        int,
        typer.Option(
            help="按此次数做模拟（固定随机种子，一级指标权重上下浮动25%），"
            "存入排名区间；0 为不做。 Store rank intervals from this many "
            "seeded uncertainty draws (weights ±25% at level 1); 0: none."
        ),
    ] = 0,
    skip_released: Annotated[
        bool,
        typer.Option(
            "--skip-released",
            help="同一类型、同一报告期的运行已经发布（现行或公示中）时，"
            "说明情况，不存入任何内容（退出码 0），而不是不予受理："
            "供重复发布同一结果的脚本使用，如 make run。 If a run of this "
            "kind and period is released already (in force or under 公示), "
            "say so and store nothing (exit 0) instead of refusing: for "
            "scripts that publish the same result again, such as `make "
            "run`.",
        ),
    ] = False,
    lang: LangOpt = "zh",
) -> None:
    """发布：将运行存为草稿（加 --release 即发布），或发布已有的草稿（--run
    运行编号）。 Store a run as a draft (and release it with --release), or
    release a draft (--run ID).

    期间评分运行立即正式发布；年度考评运行先公示，由 finalise 结束公示。
    同一类型、同一报告期只有一个现行运行：
    对已发布的类型和报告期再存入新结果，即为更正（--supersedes 运行编号
    --reason 理由）。已发布的运行永不改变。 A period run is published at
    once; an annual run opens a 公示 (public notice) that `finalise` closes.
    One run per kind and period is in force: a new result for a kind and
    period already released is a correction (--supersedes RUN --reason …).
    Released runs never change."""
    from evaluation.analysis import uncertainty as U
    from evaluation.errors import EvaluationError
    from evaluation.publish.publication import InForceError, Publication
    from evaluation.vocabulary import say

    _check_lang(lang)
    if (result is None) == (run is None):
        raise _fail_words(say("cli_error", "result_or_run"), lang, 2)
    if run is not None and (supersedes or reason):
        raise _fail_words(say("cli_error", "supersedes_run"), lang, 2)
    given = [name for name in NEW_RUN_OPTIONS if _given(ctx, name)]
    if run is not None and given:  # the draft is released as stored: refused unread
        why = say("run_option_why", given[0])
        said = say("cli_error", "run_option", option=NEW_RUN_OPTIONS[given[0]], why=why)
        raise _fail_words(said, lang, 2)
    if run is not None:  # a draft is in a store: a mistyped one is said, not made
        _store_exists(store, lang)
        if _given(ctx, "notice_days"):
            _notice_needs_appraisal(run, store, lang)
    if run is None and _given(ctx, "notice_days") and not (appraisal and release):
        # a new run that opens no 公示: its length would be dropped without a word
        from evaluation.publish.store import store_option

        key = "notice_days_draft" if appraisal else "notice_days_period_new"
        said = say("cli_error", key, where=store_option(store))
        raise _fail_words(said, lang, 2)
    new = run is None
    steps = ["read", "appraise", "draws", "store"] if new else ["store"]
    steps = [
        step
        for step in steps
        if (step != "appraise" or appraisal) and (step != "draws" or uncertainty_draws)
    ]
    try:
        with progress.stages("publish", steps, show=_bars()) as stage:
            if new:  # checked before the store is opened: a refusal touches nothing
                res, ap = _annual(
                    result, appraisal, appraisal_config, report, stage, lang
                )
                kind = "annual" if ap is not None else "period"
                period = str(ap.config.year) if ap is not None else res.period
                params = {"appraisal_inputs": str(appraisal)} if appraisal else {}
                with Publication(store) as s:  # held briefly: others may use it
                    try:  # before the draws: a refused run costs nothing
                        s.check_new(kind, period, supersedes, reason)
                    except InForceError:
                        if not skip_released:
                            raise
                        released = s.runs().query(
                            "kind == @kind and period == @period and status != 'draft'"
                        )["run_id"]
                        kept = say(
                            "cli_said",
                            "skip_released",
                            kind=say("library_error", f"kind_{kind}"),
                            period=_period_words(period),
                            store=store,
                            runs=", ".join(released),
                        )
                        with progress.aside():
                            typer.echo(kept.text(lang))
                        return
                if uncertainty_draws:
                    stage("draws")
                    params["uncertainty"] = U.run(res, U.Spec(n=uncertainty_draws))
            stage("store")
            with Publication(store) as s:
                if new:
                    run = s.add_run(
                        res,
                        ap,
                        by=by,
                        supersedes=supersedes,
                        reason=reason,
                        release=release,
                        notice_days=notice_days,
                        **params,
                    )
                    status = s.runs().set_index("run_id").at[run, "status"]
                else:
                    status = s.publish(run, by=by, notice_days=notice_days)
    except (FileNotFoundError, EvaluationError) as exc:
        raise _failed(exc, lang) from None
    if new:
        code = "stored" if release else "stored_draft"
        stored = say("cli_said", code, run=run, store=store)
        typer.echo(stored.text(lang))
    if release or not new:
        _say_release(run, status, store, lang)


@app.command()
def finalise(
    run_id: Annotated[
        str, typer.Argument(help="公示中的年度考评运行。 An annual run under 公示.")
    ],
    by: Annotated[
        str, typer.Option(help="正式发布的经办人。 Who publishes it (final).")
    ] = "",
    store: ExistingStoreOpt = DEFAULT_STORE,
    lang: LangOpt = "zh",
) -> None:
    """结束公示：结束年度考评运行的公示，正式发布（现行有效）。 Close the 公示
    (public notice) of an annual run and publish it (final, in force).

    公示期未满（北京时间）、仍有申诉未复核，
    或有申诉成立（应改为发布更正版本）时，不予受理。 Refused while the window
    is open (Beijing time), while an appeal case is undecided, or when one
    was upheld (release the corrected version instead)."""
    from evaluation.errors import EvaluationError
    from evaluation.publish.publication import Publication
    from evaluation.vocabulary import say

    try:
        with Publication(store) as s:
            s.finalise(run_id, by=by)
    except EvaluationError as exc:
        raise _failed(exc, lang) from None
    typer.echo(say("cli_said", "published", run=run_id).text(lang))


@app.command()
def runs(store: ExistingStoreOpt = DEFAULT_STORE, lang: LangOpt = "zh") -> None:
    """运行列表：发布库中的各个运行，及其状态（草稿、公示中、已发布）、
    是否现行、公示期、版本和所更正的运行。 List the runs in the store: status
    (草稿 draft, 公示中 under notice, 已发布 final), in force (现行), the
    公示 dates, version, what each supersedes."""
    import pandas as pd

    from evaluation.publish.publication import status_words
    from evaluation.vocabulary import say, word, words

    _check_lang(lang)
    with _reading(store, lang) as s:
        table = s.runs()
    if table.empty:
        typer.echo(say("cli_said", "no_runs", store=store).text(lang))
        return
    stage = table.apply(status_words, axis=1, result_type="expand")
    k = 0 if lang == "zh" else 1  # status_words: (stage zh, en, force zh, en)
    shown = pd.DataFrame(
        {
            "run_id": table["run_id"],
            "status": stage[k],
            "in_force": stage[2 + k],
            "notice": [
                say("cli_said", "notice_dates", start=_day(a), until=_day(b)).text(lang)
                if isinstance(a, str)
                else ""
                for a, b in zip(
                    table["notice_from"], table["notice_until"], strict=True
                )
            ],
            "kind": [word("run_kind", x, lang) for x in table["kind"]],
            "period": [_period_words(p).text(lang) for p in table["period"]],
            "supersedes": table["supersedes"].fillna(""),
            "reason": table["reason"].fillna(""),
        }
    )
    shown = shown.rename(columns=words("runs_header", lang))
    typer.echo(shown.to_string(index=False))


def _period_words(period: str):
    """A period as people read it: ``2025年第四季度`` / ``2025-Q4`` (a Word)."""
    from evaluation.periods import name_zh
    from evaluation.vocabulary import Word

    try:
        return Word(name_zh(period), period)
    except ValueError:
        return Word(str(period), str(period))


@app.command()
def diff(
    old: Annotated[str, typer.Argument(help="原运行的编号。 Run id (old).")],
    new: Annotated[str, typer.Argument(help="新运行的编号。 Run id (new).")],
    store: ExistingStoreOpt = DEFAULT_STORE,
    viewer: Annotated[
        str | None,
        typer.Option(
            help="你的姓名，用于查看草稿（予以记录）。 Your name, to read a "
            "draft (recorded)."
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            help="将变化写入此文件（CSV；中文时用文字，与显示的相同）。 Write "
            "the changes (CSV; in words in Chinese, as shown)."
        ),
    ] = None,
    lang: LangOpt = "zh",
) -> None:
    """比较运行：两个运行之间，哪些单位的什么有变化（得分、排名、等次）。 What
    changed for whom between two runs (scores, ranks, grades)."""
    from evaluation.errors import EvaluationError
    from evaluation.publish import worded as W
    from evaluation.publish.export import write_media_csv
    from evaluation.publish.store import Store
    from evaluation.vocabulary import say, say_count

    if out is not None:  # CSV: refused under another name before any work
        _out_suffix(out, (".csv",), lang)
    try:
        with Store(store) as s:
            changes = s.diff(old, new, viewer=viewer)
            units = _diff_units(s, (old, new), viewer) if len(changes) else None
            why = _correction_why(s, old, new, units or {}, lang)
            why += _quota_why(s, old, new, viewer, lang) if len(changes) else []
    except EvaluationError as exc:
        raise _failed(exc, lang) from None
    if len(changes):
        said = say_count("cli_said", "changes", len(changes), old=old, new=new)
    else:  # not "0 changes"
        said = say("cli_said", "changes_none", old=old, new=new)
    typer.echo(said.text(lang))
    for line in why:  # a correction: why, the appeal its reason names, the quota
        typer.echo(line)
    if len(changes):
        head = W.changes_table(changes.head(40), lang, units)
        typer.echo(head.to_string(index=False))
    if out is not None:  # in Chinese in words, as shown; in English as stored
        worded = lang == "zh" and len(changes)
        table = W.changes_table(changes, lang, units) if worded else changes
        write_media_csv(table, out)


def _correction_why(s, old: str, new: str, names: dict, lang: str) -> list[str]:
    """Why ``new`` corrects ``old`` (its recorded reason) and, in Chinese, where
    the reason names an appeal case, the case in words (who, why, the review: the
    appellant's own Chinese words): the diff's changes then read with their cause.
    Nothing when ``new`` does not correct ``old``."""
    from evaluation.publish.report import case_text
    from evaluation.vocabulary import say

    run = s.run(new)
    reason = str(run.get("reason") or "")
    if run.get("supersedes") != old or not reason:
        return []
    lines = [say("cli_said", "diff_reason", new=new, old=old, reason=reason).text(lang)]
    case = s.case(reason) if lang == "zh" else None  # its words are the clerk's
    if case is not None:
        lines.append(case_text(case, names, lang))
    return lines


def _quota_why(s, old: str, new: str, viewer: str | None, lang: str) -> list[str]:
    """Each unit whose grade the quota alone changed between two annual runs (its
    score the same: another unit moved over or under the quota line), with the
    quota in words, as the report and the letters say it
    (``report.quota_words``): ``龙泉县（X08）：最终得分未变，等次变化系优秀名额所致…``.
    Nothing for runs without grades. Not logged as a view (the diff itself is)."""
    from evaluation.appraisal import parse_config
    from evaluation.publish.report import correction_changes, quota_words
    from evaluation.vocabulary import words

    try:
        before = s.table(old, "grades", viewer=viewer, record=False)
        after = s.table(new, "grades", viewer=viewer, record=False)
    except KeyError:  # not annual runs
        return []
    config = parse_config(s.manifest(new)["appraisal"]["config"], stored=True)
    changes = correction_changes(before, after, config)
    item = words("report", lang)["correction_item"]
    return [
        item.format(
            name=r.name_zh if lang == "zh" else r.name_en, unit=r.unit_id,
            what=quota_words(r, lang),
        )
        for r in changes[changes["places"].notna()].itertuples()
    ]  # fmt: skip


def _diff_units(s, runs: tuple[str, str], viewer: str | None) -> dict[str, str]:
    """Unit code → Chinese name, from the units tables of the runs compared (the
    newer name wins). Not logged as a view of a draft: the diff itself is (its
    tables), and the names only say whom its rows are about."""
    names: dict[str, str] = {}
    for run in runs:
        try:
            units = s.table(run, "units", viewer=viewer, record=False)
        except KeyError:
            continue
        names.update(zip(units["unit_id"], units["name_zh"], strict=True))
    return names


@app.command()
def appeal(
    run_id: Annotated[
        str,
        typer.Argument(
            help="被更正的已发布运行（公示中或已正式发布）。 The released run "
            "corrected (under notice or final)."
        ),
    ],
    result: Annotated[
        Path,
        typer.Argument(
            help="更正后运行的结果文件夹。 Result folder of the corrected run."
        ),
    ],
    reason: Annotated[
        str,
        typer.Option(help="更正理由（申诉、复核文号）。 Why (申诉/复核 reference)."),
    ] = "",
    by: Annotated[str, typer.Option(help="经办人。 Who files it.")] = "",
    store: ExistingStoreOpt = DEFAULT_STORE,
    appraisal: Annotated[
        Path | None,
        typer.Option(
            help="更正后的考评材料文件夹。 Corrected appraisal inputs folder."
        ),
    ] = None,
    appraisal_config: Annotated[
        Path, typer.Option(help="考评规则（YAML）。 Appraisal rules (YAML).")
    ] = Path("appraisal.yaml"),
    report: ProblemsOpt = None,
    lang: LangOpt = "zh",
) -> None:
    """更正：提出申诉或更正，存为取代 RUN_ID 的新版本草稿。 File an appeal or
    correction: a new draft version that supersedes RUN_ID.

    新版本发布前，RUN_ID 仍现行有效（或仍在公示）；年度考评的更正版本发布时，
    另行公示。 RUN_ID stays in force (or under notice) until the new version
    is released; an annual correction opens its own 公示 (public notice) when
    released."""
    from evaluation.errors import EvaluationError
    from evaluation.publish.publication import Publication
    from evaluation.publish.store import store_option
    from evaluation.vocabulary import say

    steps = ["read", *(["appraise"] if appraisal else []), "store"]
    try:
        with progress.stages("publish", steps, show=_bars()) as stage:
            res, ap = _annual(result, appraisal, appraisal_config, report, stage, lang)
            stage("store")
            with Publication(store) as s:
                params = {"appraisal_inputs": str(appraisal)} if appraisal else {}
                new = s.add_run(
                    res, ap, by=by, supersedes=run_id, reason=reason, **params
                )
    except (FileNotFoundError, EvaluationError) as exc:
        raise _failed(exc, lang) from None
    kind = "annual" if ap is not None else "period"
    release = say(
        "cli_said", f"appeal_release_{kind}", run=new, old=run_id,
        where=store_option(store),
    )  # fmt: skip
    said = say("cli_said", "appeal_stored", run=new, old=run_id, release=release)
    typer.echo(said.text(lang))


class Decision(StrEnum):
    upheld = "upheld"
    rejected = "rejected"


#: the committee's own words for a decision (复核结论), read as its code
DECISION_WORDS = {
    "申诉成立": "upheld", "成立": "upheld",
    "申诉不成立": "rejected", "不成立": "rejected", "驳回": "rejected",
    "维持": "rejected", "维持原结果": "rejected",
}  # fmt: skip


def _decision(value: str) -> Decision:
    """``--decision`` as the code or the committee's words (维持 → rejected)."""
    code = DECISION_WORDS.get(value.strip(), value.strip())
    if code not in Decision.__members__:
        from evaluation.vocabulary import say

        said = say("cli_usage", "decision")
        refused = typer.BadParameter(f"{value!r}: {said.en}")
        refused.said = said  # the Chinese words of it (_said_usage)
        raise refused
    return Decision(code)


def _unit_code(typed: str, names: dict[str, tuple[str, str]]) -> str:
    """The unit an official typed, as its code: the code itself (any case), or
    the one unit whose Chinese or English name it is (白水县 → X09); else as typed,
    for the refusal to name."""
    typed = typed.strip()
    if typed in names:
        return typed
    hits = [
        u
        for u, (zh, en) in names.items()
        if typed.casefold() in (u.casefold(), zh.casefold(), en.casefold())
    ]
    return hits[0] if len(hits) == 1 else typed


@app.command("appeal-case")
def appeal_case(
    run_id: Annotated[
        str, typer.Argument(help="公示中的年度考评运行。 An annual run under 公示.")
    ],
    unit: Annotated[
        str,
        typer.Option(
            help="提出申诉的单位：单位代码或名称。 The appealing unit: unit "
            "code or name (单位代码或名称)."
        ),
    ],
    by: Annotated[str, typer.Option(help="申诉人。 Who files the appeal.")],
    grounds: Annotated[str, typer.Option(help="申诉理由。 The grounds of the appeal.")],
    on: Annotated[
        datetime | None,
        typer.Option(
            formats=["%Y-%m-%d"],
            help="申诉日期（YYYY-MM-DD；默认为今天，北京时间）。 The date it "
            "was filed (YYYY-MM-DD; default today, Beijing time).",
        ),
    ] = None,
    store: ExistingStoreOpt = DEFAULT_STORE,
    lang: LangOpt = "zh",
) -> None:
    """登记申诉：对公示中的运行登记一项申诉；公示期外，
    或该运行未对该单位评定等次的，不予受理；同一单位以同一理由的申诉，
    复核前不重复登记。 Record an appeal (申诉) against a run under 公示
    (public notice): refused outside the window or for a unit the run does
    not grade; a unit's appeal on the same grounds is filed once until it is
    decided."""
    from evaluation.errors import EvaluationError
    from evaluation.publish.publication import Publication

    try:
        with Publication(store) as s:
            unit = _unit_code(unit, s.unit_names(run_id))
            case = s.file_case(
                run_id,
                unit_id=unit,
                by=by,
                grounds=grounds,
                on=on.date() if on else None,
            )
            zh, en = s.unit_names(run_id).get(unit, (unit, unit))
    except EvaluationError as exc:
        raise _failed(exc, lang) from None
    from evaluation.publish.store import store_option
    from evaluation.vocabulary import Word, say

    who = Word(f"{zh}（{unit}）", f"{en} ({unit})")
    said = say(
        "cli_said", "case_filed", case=case, unit=who, run=run_id,
        where=store_option(store),
    )  # fmt: skip
    typer.echo(said.text(lang))


@app.command()
def decide(
    case_id: Annotated[str, typer.Argument(help="申诉编号。 An appeal case id.")],
    decision: Annotated[
        Decision,
        typer.Option(
            parser=_decision,
            help="复核结论：upheld 或“申诉成立”；rejected 或“申诉不成立”“驳回”"
            "“维持原结果”。 The review's decision (复核): upheld "
            "(申诉成立) or rejected (申诉不成立, 驳回, 维持原结果).",
        ),
    ],
    by: Annotated[str, typer.Option(help="复核人。 Who decides.")],
    note: Annotated[str, typer.Option(help="复核意见。 Why.")],
    store: ExistingStoreOpt = DEFAULT_STORE,
    lang: LangOpt = "zh",
) -> None:
    """复核：记录对一项申诉的复核结论，申诉成立或不成立，只能记录一次。 Record
    the review (复核) of an appeal case: upheld or rejected, once.

    申诉成立的，以更正版本答复（evaluation appeal）。 An upheld case is
    answered by a corrected version (`evaluation appeal`)."""
    from evaluation.errors import EvaluationError
    from evaluation.publish.publication import Publication, appeal_inputs

    try:
        with Publication(store) as s:
            s.decide(case_id, decision=decision.value, by=by, note=note)
            run_id = s.cases().set_index("case_id").at[case_id, "run_id"]
            inputs = appeal_inputs(s.run(run_id)["kind"])
    except EvaluationError as exc:
        raise _failed(exc, lang) from None
    from evaluation.publish.store import store_option
    from evaluation.vocabulary import APPEAL_DECISION, say

    said = say(
        "cli_said", "case_decided", case=case_id,
        decision=APPEAL_DECISION[decision.value], by=by,
    )  # fmt: skip
    typer.echo(said.text(lang))
    if decision is Decision.upheld:
        said = say(
            "cli_said", "case_upheld", run=run_id, case=case_id, inputs=inputs,
            where=store_option(store),
        )  # fmt: skip
        typer.echo(said.text(lang))


@app.command()
def cases(
    run_id: Annotated[
        str | None, typer.Argument(help="只列出针对这个运行的申诉。 Only this run's.")
    ] = None,
    store: ExistingStoreOpt = DEFAULT_STORE,
    lang: LangOpt = "zh",
) -> None:
    """申诉列表：各项申诉及其复核结论。 List appeal cases (申诉) and their
    decisions (复核)."""
    from evaluation.vocabulary import APPEAL_DECISION, say, words

    _check_lang(lang)
    with _reading(store, lang) as s:
        table = s.cases(run_id)
        names = {r: s.unit_names(r) for r in table["run_id"].unique()}
    if table.empty:
        if run_id:
            typer.echo(say("cli_said", "no_cases_against", run=run_id).text(lang))
        else:
            typer.echo(say("cli_said", "no_cases").text(lang))
        return
    decided = table["decision"].fillna("")

    def day(value) -> str:  # a stored 2026-01-20: 2026年1月20日 in Chinese
        return _day(value).text(lang) if isinstance(value, str) and value else ""

    k = 0 if lang == "zh" else 1
    unit = [
        names[r].get(u, (u, u))[k]
        for r, u in zip(table["run_id"], table["unit_id"], strict=True)
    ]
    shown = table[["case_id", "unit_id", "filed_by", "filed_at", "grounds"]].assign(
        filed_at=table["filed_at"].map(day),
        decision=decided.map(lambda d: APPEAL_DECISION[d or "pending"].text(lang)),
        decided_by=table["decided_by"].fillna(""),
        decided_at=table["decided_at"].map(day),
        note=table["decision_note"].fillna(""),
    )
    shown.insert(1, "unit", unit)
    shown = shown.rename(columns=words("cases_header", lang))
    typer.echo(shown.to_string(index=False))


@app.command()
def report(
    run_id: Annotated[
        str, typer.Argument(help="发布库中的年度考评运行。 An annual run in the store.")
    ],
    out: Annotated[Path, typer.Option(help="要写入的 PDF 文件。 PDF file to write.")],
    store: ExistingStoreOpt = DEFAULT_STORE,
    lang: Annotated[
        str,
        typer.Option(
            is_eager=True,
            help="报告和消息的语言：zh 或 en。 Language of the report and the "
            "messages: zh or en.",
        ),
    ] = "zh",
    html: Annotated[
        Path | None,
        typer.Option(help="同时将 HTML 写入此文件。 Also write the HTML here."),
    ] = None,
    viewer: Annotated[
        str | None,
        typer.Option(
            help="你的姓名，用于查看草稿（予以记录）。 Your name, to read a "
            "draft (recorded)."
        ),
    ] = None,
    unit: Annotated[
        list[str] | None,
        typer.Option(
            help="只生成这些单位的页面：单位代码或名称。 Only these department "
            "pages: unit code or name (单位代码或名称)."
        ),
    ] = None,
) -> None:
    """委员会报告：年度考评运行的等次、等次分布、考评规则及其政策依据，
    每个单位一页（HTML 和 PDF）。 The committee report of an annual run:
    grades, distribution, rules and their sources, a page per department
    (HTML and PDF)."""
    from evaluation.errors import EvaluationError
    from evaluation.publish import report as R
    from evaluation.publish.store import Store
    from evaluation.vocabulary import quoted, say

    _check_lang(lang)
    if out.suffix.lower() != ".pdf":  # a PDF under an HTML name: refused
        pdf = out.with_suffix(".pdf")
        named = html or (out if out.suffix.lower() == ".html" else None)
        named = named or out.with_suffix(".html")
        hint = say("cli_error", "report_out_hint", pdf=pdf, html=named)
        _out_suffix(out, (".pdf",), lang, hint)
    if html is not None and html.suffix.lower() != ".html":
        said = say("cli_error", "html_suffix", got=quoted(html.name))
        raise _fail_words(said, lang, 2)
    try:
        with Store(store) as s:
            if unit:  # a unit by its code or its name (白水县 → X09)
                unit = [_unit_code(u, s.unit_names(run_id)) for u in unit]
            page = R.from_store(
                s, run_id, viewer=viewer, lang=lang, units=unit, progress=_bars()
            )
    except (KeyError, ValueError, EvaluationError) as exc:
        raise _failed(exc, lang) from None
    from contextlib import ExitStack

    from evaluation.files import replacing

    with ExitStack() as both:  # the HTML stays unwritten until the PDF is
        if html is not None:
            both.enter_context(replacing(html, suffix=".html")).write_text(
                page, encoding="utf-8"
            )
        R.write_pdf(page, out, progress=_bars())
    for path in (out, *([html] if html else [])):
        typer.echo(say("cli_said", "wrote", path=path).text(lang))


@app.command("grades")
def grades_cmd(
    run_id: Annotated[
        str, typer.Argument(help="发布库中的年度考评运行。 An annual run in the store.")
    ],
    out: Annotated[
        Path,
        typer.Option(
            help="输出文件：grades.xlsx（中文和英文工作表、考评规则、“说明”"
            "工作表）或 grades.csv（UTF-8 带 BOM；附说明文件 grades.说明.txt，"
            "写明运行、状态及是否已生效）。 grades.xlsx (Chinese and English "
            "sheets, rules, 说明 About) or grades.csv (UTF-8 with BOM; a note "
            "grades.说明.txt beside it, grades.about.txt with --lang en: the "
            "run, its status, whether in force)."
        ),
    ],
    store: ExistingStoreOpt = DEFAULT_STORE,
    lang: Annotated[
        str,
        typer.Option(
            is_eager=True,
            help="表头和名称的语言（CSV）：zh、en 或 both（中英对照）。 CSV "
            "headers and names: zh, en or both.",
        ),
    ] = "zh",
    viewer: Annotated[
        str | None,
        typer.Option(
            help="你的姓名，用于查看草稿（予以记录）。 Your name, to read a "
            "draft (recorded)."
        ),
    ] = None,
    persons: Annotated[
        Path | None,
        typer.Option(
            help="另写出个人考核建议（.xlsx），单独成一个文件，"
            "只供组织人事部门使用。 Also write the proposed individual "
            "outcomes (.xlsx), a separate file for the personnel "
            "department only."
        ),
    ] = None,
) -> None:
    """考评等次表：年度考评运行的等次表，供考评委员会和媒体使用：组内名次、
    考/评/议、扣分、加分、得分、等次、各维度得分。 The grades table of an
    annual run for the appraisal committee and the press: rank in group,
    考/评/议, deductions, bonus, score, grade, dimension scores."""
    from evaluation.errors import EvaluationError
    from evaluation.publish.export import check_grades_request, export_grades
    from evaluation.publish.store import Store

    said = _message_lang(lang)
    try:
        check_grades_request(out, persons, lang)
    except ValueError as exc:
        raise _failed(exc, said, 2) from None
    try:
        with Store(store) as s:
            paths = export_grades(
                s, run_id, out, lang=lang, viewer=viewer, persons=persons
            )
    except (KeyError, EvaluationError) as exc:
        raise _failed(exc, said) from None
    from evaluation.vocabulary import say

    for path in paths:
        typer.echo(say("cli_said", "wrote", path=path).text(said))


@app.command("letters")
def letters_cmd(
    run_id: Annotated[
        str, typer.Argument(help="发布库中的年度考评运行。 An annual run in the store.")
    ],
    out: Annotated[
        Path,
        typer.Option(
            help="反馈意见书（PDF）的输出文件夹。 Folder for the letters (PDF)."
        ),
    ],
    store: ExistingStoreOpt = DEFAULT_STORE,
    unit: Annotated[
        list[str] | None,
        typer.Option(
            help="只为这些单位生成：单位代码或名称（可重复此选项）。 Only these "
            "units, by unit code or name (单位代码或名称; repeat the "
            "option)."
        ),
    ] = None,
    viewer: Annotated[
        str | None,
        typer.Option(
            help="你的姓名，用于查看草稿（予以记录）。 Your name, to read a "
            "draft (recorded)."
        ),
    ] = None,
    issuer: Annotated[
        str | None,
        typer.Option(
            help="落款并受理申诉的机关（默认取该运行的 appraisal.yaml 中的 "
            "office，即市绩效考评委员会办公室）。 Who signs and receives "
            "appeals (default: `office` in the run's appraisal.yaml, "
            "市绩效考评委员会办公室)."
        ),
    ] = None,
    date: Annotated[
        str | None,
        typer.Option(
            help="发文日期（YYYY-MM-DD；默认为今天，北京时间）。 Date of issue "
            "YYYY-MM-DD (default: today, Beijing time)."
        ),
    ] = None,
    html: Annotated[
        bool,
        typer.Option(help="另写出每份意见书的 HTML。 Also write each letter's HTML."),
    ] = False,
    lang: LangOpt = "zh",
) -> None:
    """反馈意见书：为年度考评运行的每个单位生成一份反馈意见书（PDF，中文）。 A
    feedback letter (反馈意见书, PDF, Chinese) to each unit of an annual run.

    内容：得分、等次和排名，各维度与本组中位数的比较，预警，整改事项，
    适用的考评规则，数据质量提示，以及申诉办法。 Score, grade and rank,
    dimensions against the group median, warnings, rectification items, rules
    applied, data-quality flags, how to appeal."""
    import pandas as pd

    from evaluation.errors import EvaluationError
    from evaluation.publish import letters as LT
    from evaluation.publish.store import Store
    from evaluation.vocabulary import quoted, say, say_count

    if out.suffix.lower() in (".pdf", ".html"):  # a folder, not one file
        folder = out.with_suffix("")
        said = say("cli_error", "letters_out", got=quoted(out.name), folder=folder)
        raise _fail_words(said, lang, 2)
    issued_on = None
    if date is not None:
        try:
            issued_on = pd.Timestamp(date).date()
        except ValueError:
            said = say("cli_error", "date", option="--date", got=quoted(date))
            raise _fail_words(said, lang, 2) from None
    try:
        with Store(store) as s:  # closed before rendering
            if unit:  # a unit by its code or its name (白水县 → X09)
                unit = [_unit_code(u, s.unit_names(run_id)) for u in unit]
            source = LT.load_letters(s, run_id, units=unit, viewer=viewer)
        issued_on = LT.issue_date(source.run, issued_on)  # not before its 公示
    except (KeyError, EvaluationError) as exc:
        raise _failed(exc, lang) from None
    paths = LT.write_letters(
        source, out, issuer=issuer, issued_on=issued_on, html=html, progress=_bars()
    )
    typer.echo(say_count("cli_said", "letters", len(paths), out=out).text(lang))


@contextmanager
def _reading(store: Path, lang: str = "zh"):
    """The store opened read-only (others may read it meanwhile); a missing store,
    one held by a writer too long, or a changed one is a message, exit 1."""
    from evaluation.errors import EvaluationError
    from evaluation.publish.store import Store

    _store_exists(store, lang)
    try:
        with Store(store, read_only=True) as s:
            yield s
    except EvaluationError as exc:
        raise _failed(exc, lang) from None


@app.command()
def verify(
    store: Annotated[
        Path | None,
        typer.Argument(
            help="发布库（*.duckdb），也可写作 --store（默认 data/store.duckdb）。 "
            "The publication store (*.duckdb), also as --store (default "
            "data/store.duckdb).",
            show_default=False,
        ),
    ] = None,
    store_option: Annotated[
        Path | None,
        typer.Option(
            "--store",
            help="发布库，同上：与其他命令的写法一致。 The store, as above: "
            "written as every other command takes it.",
            show_default=False,
        ),
    ] = None,
    expect: Annotated[
        str | None,
        typer.Option(
            help="先前记下的日志头哈希：须仍在日志链中。 A head hash noted "
            "earlier: it must still be in the chain."
        ),
    ] = None,
    adopt: Annotated[
        bool,
        typer.Option(
            "--adopt",
            help="为旧版本程序建立的发布库开始记日志（以其现有运行为准；"
            "请先与备份核对）。 Start the journal of a store made by an "
            "earlier version (its runs as they are now; check it against a "
            "backup first).",
        ),
    ] = False,
    lang: LangOpt = "zh",
) -> None:
    """核验发布库：对照日志，检查每个运行和每项申诉是否与程序最后写入时一致，
    每张数据表的字节是否与其 SHA-256 相符，日志链是否完整。 Check the store
    against its journal: every run and appeal case as the program last wrote
    it, every table's bytes against their SHA-256, the journal's chain
    unbroken.

    有差异时逐条列出，退出码为 1。
    请将显示的日志头哈希另行保存（每次写入都会改变），之后用 --expect 传回，
    可发现被删除的记录或被整体改写的日志。 Exit 1 listing each difference.
    Keep the printed head hash elsewhere (it changes with every write) and
    pass it back with --expect to detect records removed or a journal
    rewritten whole."""
    from evaluation.errors import EvaluationError
    from evaluation.publish.store import Store
    from evaluation.vocabulary import say, say_count

    _check_lang(lang)
    if store and store_option and store.absolute() != store_option.absolute():
        said = say("cli_error", "two_stores", given=store, option=store_option)
        raise _fail_words(said, lang)
    store = store or store_option or DEFAULT_STORE
    if adopt:
        _store_exists(store, lang)
        try:
            with Store(store) as s:
                head = s.adopt()
        except EvaluationError as exc:
            raise _failed(exc, lang) from None
        typer.echo(
            say("cli_said", "journal_started", store=store, head=head).text(lang)
        )
        return
    with _reading(store, lang) as s:
        problems = s.problems(expect=expect)
        runs, head = len(s.runs()), s.head_hash()
    if problems:
        typer.secho(
            say_count("cli_said", "tampered", len(problems), store=store).text(lang),
            err=True,
            fg=typer.colors.RED,
        )
        for line in problems:
            typer.echo(f"  {line.text(lang)}", err=True)
        raise typer.Exit(1)
    said = say_count("cli_said", "intact", runs, store=store, head=head)
    typer.echo(said.text(lang))


@app.command("reproduce")
def reproduce_cmd(
    run_id: Annotated[
        str,
        typer.Argument(
            help="发布库中的运行（evaluation runs 可列出）。 A run in the store "
            "(`evaluation runs` lists them)."
        ),
    ],
    store: ExistingStoreOpt = DEFAULT_STORE,
    base: Annotated[
        Path | None,
        typer.Option(
            help="从此文件夹（项目在别处的副本）读取运行的指标体系和输入文件；"
            "默认为各文件记录时所在的文件夹。 Read the run's catalogue and "
            "input files in this folder (a copy of the project elsewhere); "
            "default: the folder each was recorded in."
        ),
    ] = None,
    report: ProblemsOpt = None,
    lang: LangOpt = "zh",
) -> None:
    """重现：按记录（指标体系、输入文件、报告期、计算时间）
    重新计算发布库中的运行，逐字节比较每张数据表。 Score a stored run again
    from its record (catalogue, input files, period, run time) and compare
    every table's bytes with the store's.

    有数据表不一致，或指标体系、输入文件在运行后有改动的，退出码为 1：
    不予受理并指明该文件，绝不用新文件重新计算。 Exit 1 when one differs, or
    when the catalogue or an input file changed since the run: refused,
    naming it, never scored again with the new file."""
    from evaluation.errors import CatalogueError, EvaluationError, ValidationFailed
    from evaluation.publish.publication import program_changed, reproduce
    from evaluation.vocabulary import Word, say

    _check_lang(lang)
    # the run's files not where it recorded them: a project moved or copied since
    unread = (ValidationFailed, FileNotFoundError, CatalogueError)
    hint = say("cli_said", "reproduce_base") if base is None else None
    with _reading(store, lang) as s:
        try:
            same = reproduce(s, run_id, base=base)
        except unread as exc:
            failed = (
                _report_failure(exc, report, lang)
                if isinstance(exc, ValidationFailed)
                else _failed(exc, lang)
            )
            if hint is not None:
                said = hint.en if lang == "en" else f"{hint.zh}\n{hint.en}"
                typer.echo(said, err=True)
            raise failed from None
        except EvaluationError as exc:
            raise _failed(exc, lang) from None
        differ = [name for name, ok in same.items() if not ok]
        programs = program_changed(s, run_id) if differ else None
    if not differ:
        said = say("cli_said", "reproduced", run=run_id, n=len(same))
        typer.echo(said.text(lang))
        return
    tables = Word("、".join(differ), ", ".join(differ))
    said = say(
        "cli_said",
        "not_reproduced",
        run=run_id,
        k=len(differ),
        n=len(same),
        tables=tables,
    )
    if programs is not None:  # a newer program may differ by its changes alone
        more = say("cli_said", "reproduced_by_other", then=programs[0], now=programs[1])
        said = Word(f"{said.zh}\n{more.zh}", f"{said.en}\n{more.en}")
    raise _fail_words(said, lang)


@app.command()
def backup(
    dest: Annotated[
        Path,
        typer.Argument(help="要写入的副本（*.duckdb）。 The copy to write (*.duckdb)."),
    ],
    store: ExistingStoreOpt = DEFAULT_STORE,
    lang: LangOpt = "zh",
) -> None:
    """备份：将发布库复制到 DEST（如另一块磁盘或另一台机器），复制前后均予核验；
    显示两者共同的日志头哈希。 Copy the store to DEST (e.g. another disk or
    machine), verified before and after; prints the journal head hash both
    share."""
    from evaluation.errors import EvaluationError
    from evaluation.publish import store as S
    from evaluation.vocabulary import say

    _check_lang(lang)
    try:
        head = S.backup(store, dest)
    except EvaluationError as exc:
        raise _failed(exc, lang) from None
    said = say("cli_said", "backed_up", store=store, dest=dest, head=head)
    typer.echo(said.text(lang))


@app.command()
def restore(
    backup_file: Annotated[
        Path, typer.Argument(help="由 backup 生成的副本。 A copy made by `backup`.")
    ],
    store: StoreOpt = DEFAULT_STORE,
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="即使发布库中有备份所没有的记录，也予以替换。 Replace a store "
            "that has records the backup lacks.",
        ),
    ] = False,
    lang: LangOpt = "zh",
) -> None:
    """恢复：用核验过的备份替换发布库（发布库中有备份所没有的日志记录时，
    不予受理，除非加 --force）。 Put a verified backup in place of the store
    (refused if the store has journal records the backup lacks, unless
    --force)."""
    from evaluation.errors import EvaluationError
    from evaluation.publish import store as S
    from evaluation.vocabulary import say

    _check_lang(lang)
    try:
        head = S.restore(backup_file, store, force=force)
    except EvaluationError as exc:
        raise _failed(exc, lang) from None
    said = say("cli_said", "restored", store=store, backup=backup_file, head=head)
    typer.echo(said.text(lang))


@app.command()
def uncertainty(
    result: Annotated[
        Path,
        typer.Argument(help="由 score 生成的结果文件夹。 Result folder from `score`."),
    ],
    out: Annotated[
        Path,
        typer.Option(
            help="各单位的排名区间（CSV；中文时表头用文字，单位写名称，"
            "数值取整）。 Per-unit rank intervals (CSV; in Chinese headed "
            "in words, units by name, rounded)."
        ),
    ],
    period: Annotated[
        str | None,
        typer.Option(
            help="报告期（默认为结果的报告期）。 Period (default: the result's)."
        ),
    ] = None,
    draws: Annotated[
        int, typer.Option(min=1, help="模拟次数。 Number of draws.")
    ] = 1000,
    seed: Annotated[
        int,
        typer.Option(
            help="随机种子：种子相同，模拟结果相同。 Random seed: the same "
            "seed, the same draws."
        ),
    ] = 0,
    noise: Annotated[
        float,
        typer.Option(
            help="权重扰动幅度 f：每个权重 w 乘以 1 + (2U−1)·f。 Weight noise "
            "f: each w times 1 + (2U−1)·f."
        ),
    ] = 0.25,
    levels: Annotated[
        str,
        typer.Option(
            help="权重参与扰动的指标层级，如 1 或 1,2。 Depths whose weights "
            "vary, e.g. 1 or 1,2."
        ),
    ] = "1",
    normalisations: Annotated[
        str,
        typer.Option(
            help="参与抽取的标准化方法，以逗号分隔，每项写作 "
            "method[:key=value…]（方括号或引号内的逗号属于取值）。 Options "
            "drawn, comma-separated, each method[:key=value…], e.g. "
            "catalogue,minmax:low=1:high=100,zscore:clip=[0,100],reference:unit=101 "
            '(commas inside [ ] or "…" stay in the value).'
        ),
    ] = "catalogue",
    aggregations: Annotated[
        str,
        typer.Option(
            help="参与抽取的汇总方法，如 catalogue,geometric。 Options drawn, "
            "e.g. catalogue,geometric."
        ),
    ] = "catalogue",
    exclude: Annotated[
        bool,
        typer.Option(
            help="每次模拟剔除一个指标（或不剔除）。 Leave out one indicator "
            "(or none) per draw."
        ),
    ] = False,
    imputations: Annotated[
        str,
        typer.Option(
            help="参与抽取的缺失数据规则，如 catalogue,peer_mean。 Missing-data "
            "rules drawn, e.g. catalogue,peer_mean."
        ),
    ] = "catalogue",
    winsorisations: Annotated[
        str,
        typer.Option(
            help="参与抽取的异常值处理：catalogue、none 或一种 winmax。 Outlier "
            "options drawn: catalogue, none, a winmax."
        ),
    ] = "catalogue",
    weights: Annotated[
        str,
        typer.Option(
            help="权重的抽取方式：uniform（乘以 1 ± 扰动幅度）或 dirichlet。 "
            "uniform (× 1 ± noise) or dirichlet weights."
        ),
    ] = "uniform",
    concentration: Annotated[
        float,
        typer.Option(
            help="集中度：Dirichlet 分布的参数（越大，权重越集中）。 Dirichlet "
            "concentration (larger: less spread)."
        ),
    ] = 50.0,
    save_draws: Annotated[
        Path | None,
        typer.Option(
            help="将抽样表写入此文件（可用于重放）。 Write the draw table (to "
            "replay it)."
        ),
    ] = None,
    replay: Annotated[
        Path | None,
        typer.Option(
            help="原样重放 --save-draws 写出的抽样表（此时忽略各抽取选项）。 "
            "Replay a draw table written by --save-draws, exactly (the "
            "spec's draw options are then ignored)."
        ),
    ] = None,
    sobol: Annotated[
        int,
        typer.Option(
            help="另算 Sobol 敏感度指数，基础样本数为此值。 Also Sobol indices "
            "with this many base samples."
        ),
    ] = 0,
    sobol_out: Annotated[
        Path | None,
        typer.Option(
            help="敏感度指数文件（CSV；中文时因子用文字，代码另列）；默认在 "
            "--out 旁，名为 *_sobol.csv。 Sobol indices (CSV; in Chinese "
            "the factors in words, their codes apart); default: beside "
            "--out, *_sobol.csv."
        ),
    ] = None,
    weight_factors: Annotated[
        str,
        typer.Option(
            help="敏感度分析的权重因子：node（每个权重一个因子）或 "
            "level（每层一个因子）。 Sobol weight factors: node (each "
            "weight) or level."
        ),
    ] = "node",
    estimator: Annotated[
        str,
        typer.Option(
            help="敏感度指数的估计方法：salib 或 coinr。 Sobol estimator "
            "convention: salib or coinr."
        ),
    ] = "salib",
    weight_sets: Annotated[
        Path | None,
        typer.Option(
            help="权重集（CSV：每行一套权重，每列一个节点代码）；"
            "每次模拟抽取一套，代替权重扰动（敏感度分析中作为一个因子）。 "
            "Weight sets (CSV: a row per set, a column per node id); one "
            "is drawn per draw instead of the weight noise (Sobol: one "
            "factor)."
        ),
    ] = None,
    dask: DaskOpt = False,
    scheduler: SchedulerOpt = None,
    lang: LangOpt = "zh",
) -> None:
    """不确定性分析：在指标体系的各项可选设定上做蒙特卡洛模拟，
    得出排名区间（可另算 Sobol 敏感度指数）；向量化计算，固定随机种子，
    可重放。 Monte Carlo rank intervals (and Sobol sensitivity) over the
    catalogue's open choices; vectorised, seeded, replayable."""
    from evaluation.analysis import uncertainty as U
    from evaluation.errors import EvaluationError
    from evaluation.publish import worded as W
    from evaluation.publish.export import write_media_csv
    from evaluation.publish.store import load_result
    from evaluation.vocabulary import say, word

    _check_lang(lang)
    _out_suffix(out, (".csv",), lang)  # CSV: refused under another name
    for option, path in (("--sobol-out", sobol_out), ("--save-draws", save_draws)):
        if path is not None:  # CSVs too: refused before any draw
            _out_suffix(path, (".csv",), lang, option=option)
    try:
        spec = U.Spec(
            n=draws,
            seed=seed,
            weight_noise=noise,
            weight_levels=tuple(int(x) for x in levels.split(",")),
            normalisations=U.split_options(normalisations, name="--normalisations"),
            aggregations=tuple(aggregations.split(",")),
            exclude=exclude,
            imputations=tuple(imputations.split(",")),
            winsorisations=tuple(winsorisations.split(",")),
            weights=weights,
            concentration=concentration,
            weight_sets=_weight_sets(weight_sets) if weight_sets else (),
        )
        steps = ["read", "draws"]
        with progress.stages("uncertainty", steps, show=_bars()) as stage:
            stage("read")
            res = load_result(result)
            table = _draw_table(replay) if replay else None
            stage("draws")
            with _cluster(dask, scheduler) as client:
                u = U.run(res, spec, period=period, draws=table, client=client)
    except (FileNotFoundError, EvaluationError, ValueError) as exc:
        raise _failed(exc, lang) from None
    zh = lang == "zh"  # in Chinese in words; in English the analysis's own columns
    write_media_csv(W.intervals(u.summary, res.units, "zh") if zh else u.summary, out)
    wide = U.rank_widths(u.summary)
    said = say(
        "cli_said", "uncertainty", n=len(u.draws), period=_period_words(u.period),
        width=f"{wide['width'].median():g}", out=out,
    )  # fmt: skip
    typer.echo(said.text(lang))
    if save_draws is not None:
        write_media_csv(u.draws.reset_index(), save_draws)
    if sobol:
        try:
            with progress.stages("uncertainty", ["sobol"], show=_bars()) as stage:
                stage("sobol")
                s = U.sensitivity(
                    res,
                    spec,
                    period=period,
                    n=sobol,
                    weight_factors=weight_factors,
                    estimator=estimator,
                )
        except EvaluationError as exc:
            raise _failed(exc, lang) from None
        sobol_out = sobol_out or out.with_name(f"{out.stem}_sobol.csv")
        shown = W.sobol_table(s, res.catalogue, "zh") if zh else s
        write_media_csv(shown, sobol_out)
        if zh:  # the factors in words, the indices and their intervals' ends
            shown = shown.iloc[:, [0, 1, 2, 3, 5, 6, 7]]
        typer.echo(shown.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
        if zh:  # the estimator and its interval, once
            said = say(
                "cli_said", "sobol_method",
                estimator=word("sobol_estimator", s["estimator"].iloc[0], "zh"),
                interval=word("sobol_interval", s["interval"].iloc[0], "zh"),
            )  # fmt: skip
            typer.echo(said.zh)
        typer.echo(say("cli_said", "wrote", path=sobol_out).text(lang))


def _weight_sets(path: Path) -> tuple[dict[str, float], ...]:
    """Weight sets from a CSV: a row per set, a column per node id (an empty cell:
    the set does not name that node)."""
    import pandas as pd

    rows = pd.read_csv(path, encoding="utf-8-sig").to_dict("records")
    return tuple({k: v for k, v in row.items() if pd.notna(v)} for row in rows)


def _draw_table(path: Path):
    """A draw table as ``--save-draws`` wrote it; numbers read back bit for bit."""
    import pandas as pd

    table = pd.read_csv(path, encoding="utf-8-sig", keep_default_na=False)
    return table.set_index("draw") if "draw" in table else table


@app.command("national")
def national_cmd(
    observations: Annotated[
        Path,
        typer.Argument(
            help="报送数据（Parquet）：一个文件，或一个文件夹（分区数据集；"
            "每个单位的数据在同一个文件中）。 Reports as Parquet: one "
            "file, or a folder of files (a partitioned dataset; each "
            "unit's reports in one file)."
        ),
    ],
    units: Annotated[
        Path,
        typer.Option(
            help="单位表（Parquet、CSV 或 Excel）。 Units table (Parquet, CSV "
            "or Excel)."
        ),
    ],
    period: Annotated[
        str, typer.Option("--period", "-p", help="要评分的报告期。 Period to score.")
    ],
    catalogue: CatalogueOpt = Path("indicators.yaml"),
    out: Annotated[
        Path,
        typer.Option(help="输出文件夹。 Output folder."),
    ] = Path("data/output"),
    dask: DaskOpt = False,
    scheduler: SchedulerOpt = None,
    report: ReportOpt = None,
    lang: ProblemLang = "zh",
    strict: Annotated[
        bool,
        typer.Option(
            "--strict",
            help="有报送单位尚未报送最近各期数据时，不予评分（默认与 score "
            "一样照常评分：相关指标不计分，不记零分，并在 absences.parquet "
            "中列出）。 Refuse to score while an agency has not sent its "
            "latest periods (by default the run goes on without them, as "
            "`score` does: those indicators are left out, never scored 0, "
            "and absences.parquet lists them).",
        ),
    ] = False,
) -> None:
    """全国评分：从 Parquet 读取全国数据集（10万个以上单位），对一个报告期评分。
    Score a national dataset (100,000+ units) from Parquet for one period.

    写入 OUT/national_PERIOD/：综合得分、排名、各维度得分（Parquet）；
    评分时缺少的迟报数据列于 absences.parquet。 It writes
    OUT/national_PERIOD/ (composite, ranks, dimension scores as Parquet; the
    late agencies' submissions it went without, absences.parquet)."""
    from evaluation.errors import EvaluationError, ValidationFailed
    from evaluation.pipeline import check_period
    from evaluation.scale import distributed, national

    _check_lang(lang)
    cat = _catalogue(catalogue, lang, report)
    try:
        # the units file's problems are reported with the reports' (one round)
        check_period(period, cat)  # a period that is no label: said first, as score
        table, said = national.check_units(units, cat)
        if table is None:  # its columns are wrong: no ids to check the files by
            raise ValidationFailed(said)
        try:
            with _cluster(dask, scheduler) as client:
                if client is None:
                    scored = national.score_parquet(
                        observations, table, cat, period=period, progress=_bars(),
                        strict=strict, units_problems=said, units_file=units.name,
                    )  # fmt: skip
                else:
                    scored = distributed.score_parquet(
                        observations, table, cat, period=period, client=client,
                        progress=_bars(), strict=strict, units_problems=said,
                        units_file=units.name,
                    )  # fmt: skip
        except EvaluationError as exc:  # no reports to read: the units' rows first
            if said.empty or isinstance(exc, ValidationFailed):
                raise
            raise ValidationFailed(said) from None
    except ValidationFailed as exc:
        raise _report_failure(exc, report, lang) from None
    except EvaluationError as exc:
        raise _failed(exc, lang) from None
    target = out / f"national_{period}"
    from evaluation.files import replacing_folder

    with replacing_folder(target) as staging:  # all three files, or none
        scored.composite.to_parquet(staging / "composite.parquet", index=False)
        scored.ranks.to_parquet(staging / "ranks.parquet", index=False)
        scored.aggregated.scores.reset_index().to_parquet(
            staging / "scores.parquet", index=False
        )
        if not scored.absences.empty:
            scored.absences.to_parquet(staging / "absences.parquet", index=False)
    ranked = int(scored.ranks["rank"].notna().sum())
    if lang == "zh":
        from evaluation.periods import name_zh

        typer.echo(
            f"已评分：{name_zh(period)}，{len(table):,}个单位中{ranked:,}个参加排名"
        )
        typer.echo(f"已写入：{target}/")
    else:
        typer.echo(f"scored {period}: {ranked:,} of {len(table):,} units ranked")
        typer.echo(f"wrote {target}/")
    names = table.set_index("unit_id")[f"name_{lang}"]
    _say_blank(scored.blank_dimensions(cat), names, cat, lang, "blank_where_national")
    if not scored.absences.empty:  # said, never silently
        from evaluation.intake.status import absence_warning

        said = absence_warning(scored.absences, cat, scored.absent_indicators(cat))
        typer.secho(said.text(lang), fg=typer.colors.YELLOW)


@app.command()
def generate(
    out: Annotated[
        Path,
        typer.Argument(help="写入数据集的文件夹。 Folder to write the dataset to."),
    ],
    catalogue: CatalogueOpt = Path("indicators.yaml"),
    seed: Annotated[
        int,
        typer.Option(
            help="随机种子：种子相同，城市相同。 Random seed: the same seed, "
            "the same city."
        ),
    ] = 0,
    departments: Annotated[
        int,
        typer.Option(
            min=1, help="市直部门数。 Number of municipal departments (市直部门)."
        ),
    ] = 40,
    districts: Annotated[
        int,
        typer.Option(
            min=0, help="县（市）区数。 Number of districts and counties (县（市）区)."
        ),
    ] = 10,
    months: Annotated[
        int,
        typer.Option(
            min=1,
            help="从 --start-year 的1月起，生成几个月的报送数据（24 即两年）。 "
            "Months of reports from January of --start-year (24: 2 years).",
        ),
    ] = 24,
    start_year: Annotated[
        int, typer.Option(help="第一个月所在的年份。 Year of the first month.")
    ] = 2024,
    lang: LangOpt = "zh",
) -> None:
    """生成模拟城市：按随机种子生成一个模拟城市的数据，
    格式与各报送单位的文件相同，并在 OUT/appraisal/
    中生成最后一个完整年度的考评材料。 Generate a synthetic city (seeded) in
    the agencies' file formats, with the last whole year's appraisal inputs
    in OUT/appraisal/."""
    from evaluation.generate import (
        generate_appraisal,
        generate_city,
        write_appraisal,
        write_city,
    )

    _check_lang(lang)
    cat = _catalogue(catalogue, lang)
    appraised = months >= 12  # the last whole year gets year-end appraisal inputs
    steps = ["city", "write", *(["appraisal"] if appraised else [])]
    with progress.stages("generate", steps, show=_bars()) as stage:
        stage("city")
        tables = generate_city(
            cat,
            departments=departments,
            districts=districts,
            months=months,
            start_year=start_year,
            seed=seed,
        )
        stage("write")
        paths = write_city(tables, out, cat)
        if appraised:
            stage("appraisal")
            year = start_year + months // 12 - 1
            paths += write_appraisal(
                generate_appraisal(tables, year=year, seed=seed), out / "appraisal"
            )
    from evaluation.vocabulary import say

    said = say(
        "cli_said", "generated", files=len(paths), out=out,
        units=len(tables["units"]), observations=len(tables["observations"]),
    )  # fmt: skip
    typer.echo(said.text(lang))


@app.command()
def dashboard(
    result: Annotated[
        Path,
        typer.Argument(
            help="发布库（*.duckdb：已发布的运行人人可看，草稿须登录）或 score "
            "生成的结果文件夹。 A publication store (*.duckdb: published "
            "runs for everyone, drafts after login) or a result folder "
            "from `score`."
        ),
    ],
    host: Annotated[
        str,
        typer.Option(
            help="服务地址（0.0.0.0 为所有网络接口；在反向代理之后，请保留 "
            "127.0.0.1）。 Address to serve on (0.0.0.0: every network "
            "interface; behind a reverse proxy keep 127.0.0.1)."
        ),
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="服务端口。 Port to serve on.")] = 8050,
    threads: Annotated[
        int,
        typer.Option(
            min=1,
            help="同时处理的请求数（waitress 工作线程数）。 Requests served at "
            "once (waitress worker threads).",
        ),
    ] = 8,
    https: Annotated[
        bool,
        typer.Option(
            help="网站只经 HTTPS 访问（由代理终止 TLS）：会话 Cookie 始终带 "
            "Secure 标记。 The site is reached only over HTTPS (through a "
            "proxy that ends TLS): the session cookie is always Secure."
        ),
    ] = False,
    proxy: Annotated[
        bool,
        typer.Option(
            help="位于一个反向代理之后：信任其 X-Forwarded-For/-Proto/-Host "
            "头（登录锁定所用的客户端地址，Cookie 所需的 HTTPS）。 Behind "
            "one reverse proxy: trust its X-Forwarded-For/-Proto/-Host "
            "(client address for the login lockout, HTTPS for the cookie)."
        ),
    ] = False,
    debug: Annotated[
        bool,
        typer.Option(
            help="用 Flask 开发服务器，Dash 调试模式（改动后自动重载；只限本机，"
            "切勿用于正式服务）。 Flask's development server in Dash's "
            "debug mode (reloads on change; one machine, never in service)."
        ),
    ] = False,
) -> None:
    """仪表板：用生产级 WSGI 服务器 waitress 提供领导仪表板（草稿须登录，见
    docs/dashboard.md；部署见 docs/deployment.md）。 Serve the leadership
    dashboard with waitress, a production WSGI server (logins for drafts:
    docs/dashboard.md; deployment: docs/deployment.md)."""
    # lazy: Dash and the dashboard's pages load only to serve them
    from dashboards.app import create_app
    from evaluation.errors import EvaluationError
    from evaluation.vocabulary import say

    try:
        application = create_app(result, https=https, proxy=proxy)
    except (FileNotFoundError, ValueError, EvaluationError) as exc:
        raise _failed(exc, "zh") from None  # the dashboard speaks both
    server = (
        say("cli_said", "server_debug")
        if debug
        else say("cli_said", "server_waitress", threads=threads)
    )
    url = f"http://{host}:{port}/"
    for lang in ("zh", "en"):  # the dashboard speaks both
        line = say("cli_said", "serving", url=url, server=server.text(lang))
        typer.echo(line.text(lang))
    sys.stdout.flush()
    if debug:
        application.run(host=host, port=port, debug=True)
        return
    import waitress

    # X-Forwarded-* reach the app (read by its ProxyFix) only with --proxy
    waitress.serve(
        application.server,
        host=host,
        port=port,
        threads=threads,
        ident="evaluation",
        clear_untrusted_proxy_headers=not proxy,
    )


def _said_unread(problems, code: str, lang: str) -> None:
    """The problems of the report files ``status`` could not read (``unread``) or
    read with cells that hold no value (``cells``): a note, then a line each."""
    import pandas as pd

    from evaluation.intake.validate import problems_table
    from evaluation.vocabulary import Word, say, say_count

    shown = problems_table(problems, lang)
    files = shown.iloc[:, 0].drop_duplicates()
    note = say_count("absence_cli", code, len(files)).text(lang)
    typer.secho(note, err=True, fg="yellow")
    for file, row, column, value, rule in shown.itertuples(index=False):
        where = [  # a file not read at all has no row: said so, never <NA>
            say("absence_cli", "not_read" if pd.isna(row) else "at_row", row=row),
            *(str(x) for x in (column, value) if pd.notna(x) and str(x)),
        ]
        where = ("，" if lang == "zh" else ", ").join(
            w.text(lang) if isinstance(w, Word) else w for w in where
        )
        line = say("absence_cli", "unread_line", file=file, where=where, rule=rule)
        typer.echo("  " + line.text(lang), err=True)


@app.command("status")
def status_cmd(
    data: Data,
    period: Annotated[
        str,
        typer.Option(
            "--period",
            "-p",
            help="报送数据所属的报告期：2025-M12（截止于12月的各期：2025-M12、"
            "2025-B6、2025-Q4、2025-H2、2025），2025-Q4（10月至12月），"
            "2025（全年）。 Period the reports are for: 2025-M12 (every "
            "report whose period ends in December: 2025-M12, 2025-B6, "
            "2025-Q4, 2025-H2, 2025), 2025-Q4 (October to December), 2025 "
            "(the whole year).",
        ),
    ],
    catalogue: CatalogueOpt = Path("indicators.yaml"),
    lang: Annotated[
        str,
        typer.Option(
            "--lang",
            help="消息的语言：zh（中文，默认）或 en。 zh (Chinese, the default) or en.",
        ),
    ] = "zh",
    out: Annotated[
        Path | None,
        typer.Option(
            help="将报送情况表（报送单位、指标、报告期、应报单位数、已报、空值、"
            "未报、报送日期、截止日期、迟报天数、状态）"
            "写入此文件：.csv（UTF-8 带 BOM，可用 Excel 打开）或 .xlsx。 "
            "Write the table (agency, series, period, units due, sent, "
            "empty, missing, reported on, due, days late, status) here: "
            ".csv (UTF-8 with BOM, opens in Excel) or .xlsx."
        ),
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            help="截至日期（YYYY-MM-DD）：报送日期在其后的视为尚未报送，"
            "未报数据的逾期天数算至该日，截止日期在其后的尚未到期；"
            "默认为今天（北京时间）。 Day the position is taken on "
            "(YYYY-MM-DD): a report dated after it had not been sent yet, "
            "overdue days of missing reports are counted to it, and a "
            "report due after it is not yet due; default today, Beijing "
            "time.",
        ),
    ] = None,
) -> None:
    """报送情况：按报送单位和指标，列出 PERIOD 应报的数据中按时报送、
    迟报（按报送日期 reported_at 对照指标体系规定的报送期限）和未报送的，
    并给出单位数；什么都未报送的报送单位也予列出。 Who has submitted
    (报送情况): per agency and series, what is due for PERIOD, sent on time,
    late (迟报, by reported_at against the catalogue's due days) or missing
    (未报送), with unit counts; agencies that sent nothing are listed."""
    from zoneinfo import ZoneInfo

    import pandas as pd

    from evaluation import periods as P
    from evaluation.errors import ValidationFailed
    from evaluation.intake.io import copies_in, events_in, load_dataset
    from evaluation.intake.status import (
        status,
        status_lines,
        status_table,
        unread_by_agency,
    )
    from evaluation.vocabulary import Word, quoted, say

    _check_lang(lang)
    try:
        P.frequency_of(period)
    except ValueError as exc:  # as the other commands say it
        said = say("library_error", "bad_period", period=period, detail=exc)
        raise _fail_words(said, lang, 2) from None
    if out is not None and out.suffix.lower() not in (".csv", ".xlsx"):
        suffixes = Word(".csv 或 .xlsx", ".csv or .xlsx")
        said = say(
            "cli_error", "out_suffix", option="--out", suffixes=suffixes,
            got=quoted(out.name),
        )  # fmt: skip
        raise _fail_words(said, lang, 2)
    try:
        day = (
            pd.Timestamp(datetime.now(ZoneInfo("Asia/Shanghai")).date())
            if as_of is None
            else pd.Timestamp(datetime.strptime(as_of, "%Y-%m-%d"))
        )
    except ValueError:
        raise _fail_in(
            lang,
            f"--as-of 须为日期 YYYY-MM-DD，而不是“{as_of}”",
            f"--as-of must be a date YYYY-MM-DD, not {as_of!r}",
            2,
        ) from None
    cat = _catalogue(catalogue, lang)
    try:
        with progress.stages("status", ["read"], show=_bars()) as stage:
            stage("read")
            dataset = load_dataset(data, skip_unreadable=True)
    except ValidationFailed as exc:
        raise _report_failure(exc, None, lang) from None
    # one bad file or cell must not hide who has sent what: said, then counted; a
    # copy of a file read is no file to resend, only one to delete; the events
    # file is no agency's report, and status reads no events
    copy, events = copies_in(dataset.unread), events_in(dataset.unread)
    sent = dataset.unread[~copy & ~events]
    for code, found in (
        ("unread", sent),
        ("copies", dataset.unread[copy]),
        ("cells", dataset.cells),
        ("events", dataset.unread[events]),
    ):
        if not found.empty:
            _said_unread(found, code, lang)
    if "unit_id" not in dataset.units:
        raise _fail_in(
            lang,
            f"{data}：单位文件缺少 unit_id 列",
            f"{data}: the units file has no unit_id column",
        )
    units = dataset.units["unit_id"].dropna()
    table = status(dataset.observations, cat, units, period, as_of=day)
    # a file sent but not read is its agency's (by its name): sent, to be resent
    files = list(dict.fromkeys(sent["file"] if "file" in sent else []))
    unread = unread_by_agency(files, cat)
    named = {f for mine in unread.values() for f in mine}
    lines = status_lines(
        table,
        cat,
        period,
        lang=lang,
        as_of=day,
        unread=unread,
        unclaimed=[f for f in files if f not in named],
    )
    for line in lines:
        typer.echo(line)
    if out is not None:
        from evaluation.publish.export import write_media_csv, write_xlsx

        shown = status_table(table, cat, lang=lang)
        if out.suffix.lower() == ".xlsx":
            title = lines[0]
            sheet = "报送情况" if lang == "zh" else "Submissions"
            write_xlsx(
                out,
                {sheet: shown},
                titles={sheet: title.split("：")[0] if lang == "zh" else title},
                freeze_columns={sheet: 2},
            )
        else:
            write_media_csv(shown, out)
        typer.echo(f"已写入：{out}" if lang == "zh" else f"wrote {out}")


def main() -> None:  # pragma: no cover - console entry point
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
