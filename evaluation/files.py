"""Files in and out: the YAML a user writes read within limits; output files
written whole or not at all, with cells a spreadsheet cannot run."""

from __future__ import annotations

import errno
import os
import re
import shutil
import socket
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import pandas as pd
import yaml

from evaluation.errors import CatalogueError
from evaluation.vocabulary import Word, say, words
from evaluation.yamlkeys import BASE as _LOADER
from evaluation.yamlkeys import Twice
from evaluation.yamlkeys import load as _load_noting

T = TypeVar("T")

#: set it to a project folder to make :func:`project_root` answer it
ROOT_VARIABLE = "EVALUATION_ROOT"


def project_root() -> Path:
    """The project folder a notebook or script reads ``indicators.yaml`` and
    ``data/`` from, whatever folder the kernel started in (JupyterLab starts it in
    ``notebooks/``, pytest and papermill elsewhere): ``$EVALUATION_ROOT`` if set,
    else the folder holding the installed package when it has ``indicators.yaml``
    (an editable install, as ``make install`` makes), else the nearest folder up
    from the working directory that has one."""
    if os.environ.get(ROOT_VARIABLE):
        return Path(os.environ[ROOT_VARIABLE]).resolve()
    here = Path(__file__).resolve().parents[1]
    if (here / "indicators.yaml").is_file():
        return here
    cwd = Path.cwd().resolve()
    for folder in (cwd, *cwd.parents):
        if (folder / "indicators.yaml").is_file():
            return folder
    raise FileNotFoundError(
        f"no project folder (one with indicators.yaml) holds the package or {cwd}; "
        f"set {ROOT_VARIABLE} to it"
    )


@contextmanager
def replacing(path: str | Path, *, suffix: str = "") -> Iterator[Path]:
    """A temporary file beside ``path`` to write; when the block ends without error
    it replaces ``path`` (one rename: a reader never sees half a file), with the
    permissions of any file the user writes (``mkstemp`` makes it owner-only). On an
    error the temporary file is removed and ``path`` is left as it was; a folder at
    ``path`` is refused before the block (``IsADirectoryError``)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.is_dir():  # its rename would fail once written, after the others'
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(path))
    try:
        fd, name = tempfile.mkstemp(
            prefix=f".{path.name}-", suffix=suffix, dir=path.parent
        )
    except OSError as exc:
        raise naming(exc, path) from exc
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        umask = os.umask(0)
        os.umask(umask)
        tmp.chmod(0o666 & ~umask)
        tmp.replace(path)
    except BaseException as exc:
        tmp.unlink(missing_ok=True)
        if isinstance(exc, OSError) and exc.filename in (None, name):
            raise naming(exc, path) from exc
        raise


@contextmanager
def replacing_folder(path: str | Path) -> Iterator[Path]:
    """:func:`replacing` for a folder: a new folder beside ``path`` (:func:`staging`)
    to write; when the block ends without error it takes ``path``'s place by renames
    (a reader finds the old folder or the new, whole), and on an error it is removed
    and ``path`` left as it was. Errors name ``path``, not the staging folder."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        tmp = staging(path)  # a killed write's staging removed first
    except OSError as exc:
        raise naming(exc, path) from exc
    # an earlier version's one name for the old folder (a killed swap's leftover)
    shutil.rmtree(path.with_name(f".{path.name}-old"), ignore_errors=True)
    try:
        yield tmp
        _swap(tmp, path)
    except BaseException as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        if isinstance(exc, OSError) and str(exc.filename or tmp).startswith(str(tmp)):
            raise naming(exc, path) from exc  # not the staging folder (or none)
        raise


def _swap(tmp: Path, path: Path, attempts: int = 8) -> None:
    """Put folder ``tmp`` at ``path`` by renames, the folder there moved aside first,
    into a staging folder of this process's own: two saves of one folder at once
    each move theirs aside, and when the other's new folder lands between the two
    renames it is moved aside too, so the last save wins whole and neither fails. A
    swap killed midway leaves the aside folder for :func:`staging` to remove."""
    aside = staging(path)
    try:
        for attempt in range(attempts):
            try:
                os.replace(path, aside / "old")
            except FileNotFoundError:
                pass  # none yet, or a concurrent save moved it aside
            try:
                os.replace(tmp, path)
                return
            except OSError as exc:  # another save's folder landed at path
                if exc.errno not in (errno.ENOTEMPTY, errno.EEXIST) or (
                    attempt == attempts - 1
                ):
                    raise
            shutil.rmtree(aside / "old", ignore_errors=True)
    finally:
        shutil.rmtree(aside, ignore_errors=True)


def staging(path: str | Path) -> Path:
    """A new, empty folder beside ``path`` to write it in before one rename puts it
    in place: ``.NAME-HOST-PID-xxxxxxxx``, named by the machine and process writing
    it, readable as any folder the user makes (``mkdtemp`` makes it owner-only). The
    staging folders of ``path`` that a process of this machine killed midway left
    there (SIGKILL, a power cut: their process no longer runs) are removed first; a
    running process's (a concurrent write), another machine's (a shared folder: its
    processes are not seen from here) and one not so named are kept."""
    path = Path(path)
    prefix = f".{path.name}-"
    host = staging_host()
    for old in path.parent.iterdir():
        name = old.name[len(prefix) :] if old.name.startswith(prefix) else ""
        # the host, the pid and mkdtemp's letters
        mine = re.fullmatch(r"([A-Za-z0-9_]+)-(\d+)-[a-z0-9_]+", name)
        if (
            mine
            and mine[1] == host
            and not _running(int(mine[2]))
            and old.is_dir()
            and not old.is_symlink()
        ):
            shutil.rmtree(old, ignore_errors=True)  # or another write removed it
    tmp = Path(
        tempfile.mkdtemp(prefix=f"{prefix}{host}-{os.getpid()}-", dir=path.parent)
    )
    umask = os.umask(0)
    os.umask(umask)
    tmp.chmod(0o777 & ~umask)
    return tmp


def staging_host() -> str:
    """This machine's name as a staging folder carries it: letters, digits and
    ``_`` (a dot or hyphen in the host name read as ``_``)."""
    return re.sub(r"[^A-Za-z0-9]", "_", socket.gethostname()) or "_"


def _running(pid: int) -> bool:
    """Whether process ``pid`` runs (another user's too). Taken as running on
    Windows, where no signal asks without acting: its folders are kept there."""
    if os.name == "nt":
        return True
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, OverflowError):  # none such; beyond any pid
        return False
    except PermissionError:  # another user's process
        return True
    return True


def naming(exc: OSError, path: str | Path) -> OSError:
    """``exc`` said of ``path``, the file or folder the user asked for, not of the
    temporary one beside it (or of none, as pyarrow's write errors): the same
    errno, so the same kind (``OSError(28, …)`` is a full disk)."""
    return OSError(exc.errno, exc.strerror or str(exc), str(path))


#: how a spreadsheet formula can start (OWASP CSV-injection advice)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")
#: a number written as text (``-5``, ``-1.50``, ``+3``, ``2e-05``)
_NUMBER = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def neutralise(value):
    """``value`` made inert in a spreadsheet: text starting with ``= + - @``, tab,
    CR or LF gets a leading ``'``. Anything else is returned as it is, numbers and
    numbers written as text (``-5``) included: a spreadsheet reads those as
    numbers, never as formulas."""
    if (
        isinstance(value, str)
        and value.startswith(FORMULA_START)
        and not _NUMBER.fullmatch(value)
    ):
        return "'" + value
    return value


def safe_cells(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` safe to open in a spreadsheet, for every file an office
    opens in Excel (exports, problem reports, the flag decisions): the cells of text
    columns go through :func:`neutralise`; numeric, boolean and date columns are
    left as they are, so numbers stay numbers."""
    out = frame.copy()
    for j, (_, column) in enumerate(frame.items()):
        if not (
            pd.api.types.is_numeric_dtype(column)
            or pd.api.types.is_datetime64_any_dtype(column)
            or pd.api.types.is_timedelta64_dtype(column)
        ):
            out.isetitem(j, column.map(neutralise))
    return out


def os_reason(exc: OSError | str) -> Word:
    """Why the system refused a file, as people read it (``os_reason`` words by
    errno: 磁盘空间不足, 没有权限 …), with the system's own English: from an
    ``OSError``, or from another library's message that quotes the system (DuckDB's
    ``… No space left on device``)."""
    known = [k for k in words("os_reason", "zh") if k != "other"]
    if isinstance(exc, str):
        said = [k for k in known if os.strerror(getattr(errno, k.upper())) in exc]
        key, detail = (said or ["other"])[0], exc
    else:
        key = errno.errorcode.get(exc.errno or 0, "").lower()
        key, detail = key if key in known else "other", exc.strerror or str(exc)
    return say("os_reason", key, detail=detail)


#: the largest YAML configuration read (``indicators.yaml`` is about 30 KB)
MAX_YAML_BYTES = 2 * 2**20
#: aliases (``*name``, a merge ``<<: *name`` too) one YAML configuration may use,
#: and its nodes (keys, values, lists) with the aliases expanded: ~2,000 in
#: ``indicators.yaml``; 100,000 load in about half a second
MAX_YAML_ALIASES = 1_000
MAX_YAML_NODES = 100_000
#: how deep mappings and lists may nest (libyaml's own parser crashes on deep nesting)
MAX_YAML_DEPTH = 100


def read_yaml(path: str | Path, *, stored: bool = False) -> object:
    """The content of a YAML file a user writes (``indicators.yaml``,
    ``appraisal.yaml``), safely loaded. Refused fast, with a ``CatalogueError``
    naming the file: a missing or unreadable file, not UTF-8, not valid YAML, a value
    Python cannot hold, and a file past the limits above, checked before anything is
    built: a 1 KB file of nested aliases (a "billion laughs") expands to billions of
    nodes in whatever walks it, and deep nesting overflows the parser.

    A key written twice in one mapping (a copy-pasted ``target:`` line: YAML keeps
    the last without a word) is refused too, every one at once, each at its line
    with the line of the first (:func:`read_yaml_noting` gives them beside the
    content, to be said with the content's own problems). ``stored``: a file a
    stored run was scored with, read as it was then (the last of two keys kept)."""
    raw, twice = read_yaml_noting(path)
    if twice is not None and not stored:
        raise twice
    return raw


def read_yaml_noting(path: str | Path) -> tuple[object, CatalogueError | None]:
    """:func:`read_yaml`'s content, and its keys written twice as a
    ``CatalogueError`` (None if there are none) rather than raised: a loader says
    them together with the problems of the content (the last of each key kept), so
    that one pass shows everything to fix. The file's other faults are raised."""
    raw, _, twice = _read_yaml(path)
    return raw, twice


def _read_yaml(
    path: str | Path,
) -> tuple[object, yaml.Node | None, CatalogueError | None]:
    """:func:`read_yaml_noting`, and the root node (the file as written, to place
    a path in it)."""
    path = Path(path)

    def refuse(where: str, value: object, rule: str, zh: str | None = None, line=None):
        rows = [(path.name, where, value, rule)]
        table = pd.DataFrame(rows, columns=CatalogueError.columns)
        if zh is not None:  # the rule in Chinese too
            table["rule_zh"] = zh
        if line is not None:  # said in the words too: the report's row column
            table["line"] = pd.array([line], dtype="Int64")
        return CatalogueError(table)

    def refused(where: str, value: object, key: str, **fields):
        said = say("yaml_problem", key, **fields)
        return refuse(where, value, said.en, said.zh)

    try:
        size = path.stat().st_size
        if size > MAX_YAML_BYTES:
            raise refused("", f"{size} bytes", "too_large", limit=MAX_YAML_BYTES)
        text = path.read_text(encoding="utf-8")
        beyond = _beyond_limits(text)
        if beyond:  # its line and column said in its words, as a syntax error's
            value, said, line = beyond
            raise refuse("", value, said.en, said.zh, line)
        raw, root, twice = _load_noting(text)
        return raw, root, (_twice_error(path.name, root, twice) if twice else None)
    except FileNotFoundError:
        raise refused("", "", "not_found", path=path.absolute()) from None
    except OSError as exc:
        raise refused("", str(path), "unreadable", why=exc.strerror) from None
    except UnicodeDecodeError as exc:  # the line, and whether it reads as GBK
        data = path.read_bytes()
        line = data[: exc.start].count(b"\n") + 1
        try:
            data.decode("gbk")
            key = "not_utf8_gbk"
        except UnicodeDecodeError:
            key = "not_utf8"
        said = say("yaml_problem", key, line=line)
        raise refuse("", "", said.en, said.zh, line) from None
    except yaml.YAMLError as exc:
        problem, context = (getattr(exc, k, None) for k in ("problem", "context"))
        detail = f"{problem or exc}" + (f" ({context})" if context else "")
        mark = getattr(exc, "problem_mark", None)
        position = getattr(exc, "position", None)  # a character the reader refuses
        if mark is None and isinstance(position, int):
            detail = detail.splitlines()[0]  # not the reader's "in <unicode string>"
            before = text[:position]
            column = position - (before.rfind("\n") + 1)
            mark = yaml.Mark("", position, before.count("\n"), column, None, None)
        opened = getattr(exc, "context_mark", None)  # a quote's or bracket's start
        # the place in the words (第3行第8列, or a slip's own line), not in the path
        said, line = _yaml_said(text, mark, detail, opened)
        raise refuse("", "", said.en, said.zh, line) from None
    except (ValueError, OverflowError) as exc:  # 2025-02-30, a 5000-digit number
        raise refused("", "", "unholdable", detail=exc) from None


def _twice_error(file: str, root: yaml.Node, twice: list[Twice]) -> CatalogueError:
    """Keys written twice as a configuration's problems, in the order of the file:
    each at its path (``indicators[4].target``), its line and list entry's id, the
    rule naming the key and the line of its first writing (``yaml_problem``)."""
    where = _paths(root)
    rows = []
    for t in sorted(twice, key=lambda t: t.again):
        at, item = where.get(id(t.mapping), ("", None))
        said = say("yaml_problem", "key_twice", name=t.key, first=t.first)
        path = f"{at}.{t.key}" if at else t.key
        rows.append((file, path, "", said.en, said.zh, t.again, item))
    columns = [*CatalogueError.columns, "rule_zh", "line", "item"]
    table = pd.DataFrame(rows, columns=columns)
    table["line"] = pd.array(table["line"], dtype="Int64")
    return CatalogueError(table)


def _paths(root: yaml.Node) -> dict[int, tuple[str, str | None]]:
    """Each mapping and list node under ``root`` (by ``id``) → its path
    (``indicators[4]``; ``""`` for the root) and the id of the list entry it is in,
    as :func:`located` says them; a node an alias repeats at its first place."""
    out: dict[int, tuple[str, str | None]] = {}

    def walk(node: yaml.Node, path: str, item: str | None) -> None:
        if id(node) in out or isinstance(node, yaml.ScalarNode):
            return
        out[id(node)] = (path, item)
        if isinstance(node, yaml.SequenceNode):
            for k, child in enumerate(node.value):
                here = item
                if isinstance(child, yaml.MappingNode):
                    ids = [v.value for key, v in child.value if key.value == "id"]
                    here = ids[-1] if ids and isinstance(ids[-1], str) else item
                walk(child, f"{path}[{k}]", here)
        else:
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode):
                    walk(value, f"{path}.{key.value}" if path else key.value, item)

    walk(root, "", None)
    return out


def _beyond_limits(text: str) -> tuple[str, Word, int] | None:
    """The first YAML limit ``text`` breaks, as ``(value, rule, line)``, or None: the
    rule in Chinese and English (``yaml_problem``), at the parser's line and column.

    Reads the parser's events only, nothing built, and stops at the first limit:
    each anchor's node size with its aliases expanded, so an alias adds the size of
    what it names."""
    sizes: dict[str, int] = {}  # anchor → nodes of its node, aliases expanded
    stack: list[list] = [[0, None]]  # each open collection: nodes so far, anchor
    aliases = nodes = 0

    def beyond(event, value: str, key: str, **fields) -> tuple[str, Word, int]:
        at = event.start_mark
        where = {"line": at.line + 1, "column": at.column + 1}
        return value, say("yaml_problem", key, **where, **fields), at.line + 1

    for event in yaml.parse(text, Loader=_LOADER):
        if isinstance(event, yaml.AliasEvent):
            name = f"*{event.anchor}"
            if any(anchor == event.anchor for _, anchor in stack):
                return beyond(event, name, "alias_loop")
            aliases += 1
            if aliases > MAX_YAML_ALIASES:
                return beyond(event, name, "aliases", limit=MAX_YAML_ALIASES)
            n = sizes.get(event.anchor, 0)  # undefined: the loader says so
            nodes += n
            stack[-1][0] += n
            if nodes > MAX_YAML_NODES:
                return beyond(event, name, "alias_nodes", limit=MAX_YAML_NODES)
            continue
        if isinstance(event, yaml.ScalarEvent):
            stack[-1][0] += 1
            if event.anchor:
                sizes[event.anchor] = 1
        elif isinstance(event, yaml.CollectionStartEvent):
            stack.append([1, event.anchor])
            if len(stack) > MAX_YAML_DEPTH + 1:
                return beyond(event, "", "too_deep", limit=MAX_YAML_DEPTH)
        elif isinstance(event, yaml.CollectionEndEvent):
            n, anchor = stack.pop()
            if anchor:
                sizes[anchor] = n
            stack[-1][0] += n
            continue
        else:
            continue
        nodes += 1
        if nodes > MAX_YAML_NODES:
            return beyond(event, "", "too_many_nodes", limit=MAX_YAML_NODES)
    return None


#: a key written with a full-width colon (``weight：0.25``), as a Chinese keyboard
#: types it: YAML reads the line as text, and fails at the line after it
_FULL_WIDTH_KEY = re.compile(r"^\s*(?:-\s+)?[\w.-]+\s*：")
#: a line indented with a tab (an editor's Tab key): YAML indents with spaces only
_TAB_INDENT = re.compile(r"^ *\t")
#: a key and its value with no colon between them (``unit_zh 比值``): YAML reads the
#: line as text, and fails at the line after it
_NO_COLON_KEY = re.compile(r"^\s*(?:-\s+)?[A-Za-z_][\w.-]*[ \t]+[^\s:#][^:]*$")


#: PyYAML's syntax problems (libyaml's, and its own where built without it), by a
#: phrase of ``problem (context)``, as their ``yaml_syntax`` code: the first that
#: matches; none, ``other``
_SYNTAX = (
    ("tab character", "tab"),
    ("unknown escape", "bad_escape"),
    ("quoted scalar", "unclosed_quote"),
    ("',' or ']'", "unclosed_bracket"),
    ("',' or '}'", "unclosed_brace"),
    ("block collection", "indent_item"),
    ("expected key", "indent_key"),
    ("expected <block end>", "indent_key"),
    ("mapping values are not allowed", "colon_here"),
    ("expected ':'", "no_colon"),
    ("undefined alias", "undefined_alias"),
    ("block sequence entries are not allowed", "list_here"),
    ("alphabetic or numeric character", "anchor_name"),
    ("document start", "one_document"),
    ("single document", "one_document"),
    ("constructor for the tag", "tag"),
    ("unhashable key", "unhashable_key"),
    ("expected node content", "no_value"),
    ("cannot start any token", "bad_start"),
    ("unacceptable character", "control_char"),
)


def _yaml_said(text: str, mark, detail: str, opened=None) -> tuple[Word, int | None]:
    """A YAML syntax error in words, with the likely slip where there is one: a
    full-width colon or a missing colon on the line at fault or the one before it,
    a tab indenting the line at fault, else the parser's line and column
    (第3行第8列) and what the parser said in Chinese (:data:`_SYNTAX`; a quote or
    bracket not closed, with ``opened``, where it opens), its English beside; and
    the line the words name (None where the parser gives none)."""
    lines = text.splitlines()
    at = mark.line if mark else -1
    for n in (at, at - 1):  # the parser stops on the line after the slip
        if 0 <= n < len(lines) and _FULL_WIDTH_KEY.match(lines[n]):
            key = "full_width_colon"
            return say("yaml_problem", key, line=n + 1, detail=detail), n + 1
    code = next((c for phrase, c in _SYNTAX if phrase in detail), "other")
    if (
        0 <= at < len(lines)
        and (  # a tab indenting the line, or where it stops
            _TAB_INDENT.match(lines[at])
            or code == "tab"
            or lines[at][mark.column : mark.column + 1] == "\t"
        )
    ):
        return say("yaml_problem", "tab", line=at + 1, detail=detail), at + 1
    for n in (at - 1, at) if "expected ':'" in detail else ():
        if 0 <= n < len(lines) and _NO_COLON_KEY.match(lines[n]):
            return say("yaml_problem", "no_colon", line=n + 1, detail=detail), n + 1
    start = opened or mark  # a quote's or bracket's: where it opens
    at_start = {"line": start.line + 1, "column": start.column + 1} if start else {}
    if not at_start and "{line}" in words("yaml_syntax", "zh")[code]:
        code = "other"
    why = Word(say("yaml_syntax", code, **at_start).zh, detail)
    if mark is None:
        return say("yaml_problem", "invalid", why=why), None
    where = {"line": mark.line + 1, "column": mark.column + 1}
    return say("yaml_problem", "invalid_at", **where, why=why), mark.line + 1


def load_yaml_config(
    path: str | Path,
    parse: Callable[[object, Callable[[str], int | None]], T],
    *,
    stored=False,
) -> T:
    """``parse`` (``parse_catalogue``, the appraisal's ``parse_config``) of the YAML
    file at ``path`` (:func:`read_yaml`) and of a function giving a path's line in
    it (``indicators[3].weight`` → 164; None if not there), its problems
    :func:`located` and said in one ``CatalogueError`` with the keys written twice
    (first, in the file's order): all there is to fix in one pass. ``stored``: a
    stored run's file, its keys written twice read as they were then (the last
    kept)."""
    raw, root, twice = _read_yaml(path)
    twice = None if stored else twice

    def line_of(where: str) -> int | None:
        return None if root is None else _node_at(root, where)[0]

    try:
        out = parse(raw, line_of)
    except CatalogueError as exc:
        exc = located(exc, path)
        if twice is None:
            raise exc from None
        table = pd.concat([twice.problems, exc.problems], ignore_index=True)
        table["line"] = pd.array(table["line"], dtype="Int64")
        raise CatalogueError(table) from None
    if twice is not None:
        raise twice
    return out


def located(error: CatalogueError, path: str | Path) -> CatalogueError:
    """``error`` (a configuration's problems, each at its YAML path) with where each
    is in ``path``: its ``line``, and the ``item``, the id of the list entry it is in
    (``dimensions[1].weight`` is in ``tasks``, line 80). A path alone sends the
    author counting list items. Unchanged if the file cannot be read again."""
    try:
        root = yaml.compose(Path(path).read_text(encoding="utf-8"), Loader=_LOADER)
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return error
    if root is None:
        return error
    table = error.problems.copy()
    found = [_node_at(root, str(p)) for p in table["path"]]
    table["line"] = pd.array([line for line, _ in found], dtype="Int64")
    table["item"] = [item for _, item in found]
    return CatalogueError(table)


def _node_at(root: yaml.Node, path: str) -> tuple[int | None, str | None]:
    """The line of the deepest node of ``root`` along ``path`` (``a.b[2].c``; a key's
    own line for a mapping's entry) and the id of the last list entry passed."""
    node, line, item = root, None, None
    for token in re.findall(r"\[\d+\]|[^.\[\]]+", path):
        if token.startswith("[") and isinstance(node, yaml.SequenceNode):
            k = int(token[1:-1])
            if k >= len(node.value):
                break
            node = node.value[k]
            line = node.start_mark.line + 1
            if isinstance(node, yaml.MappingNode):
                ids = [v.value for key, v in node.value if key.value == "id"]
                item = str(ids[0]) if ids and isinstance(ids[0], str) else item
        elif isinstance(node, yaml.MappingNode):
            keys = [(key, v) for key, v in node.value if key.value == token]
            if not keys:
                break
            # a key given twice: YAML keeps the last, so that is the one at fault
            line, node = keys[-1][0].start_mark.line + 1, keys[-1][1]
        else:
            break
    return line, item


def _written(times: pd.DatetimeIndex, lang: str | None) -> list[str]:
    """When each file was written, in ``lang``: ``2026年1月15日 17:00`` in Chinese
    (the date as :func:`.periods.date_zh` writes it, the time as the store's
    messages do), ``2026-01-15 17:00:05`` otherwise."""
    if lang == "zh":
        from evaluation.periods import date_zh

        return [f"{date_zh(t)} {t:%H:%M}" for t in times]
    return list(times.strftime("%Y-%m-%d %H:%M:%S"))


#: the columns of :func:`listing`
LISTING_COLUMNS = ["file", "bytes", "mode", "modified", "folder"]


def listing(*paths: str | Path, lang: str | None = None) -> pd.DataFrame:
    """The files a notebook or script wrote, as a table to end it with: each of
    ``paths`` that is a file, and every file under each one that is a folder
    (hidden files, such as a half-written temporary one, left out).

    ``file`` (its name; under a folder given, its path from that folder), ``bytes``,
    ``mode`` (``0644``: whether colleagues on a shared drive can read it),
    ``modified`` (Beijing time, ``2026-01-15 17:00:05``; in Chinese as officials
    write a date and time, ``2026年1月15日 17:00``) and ``folder``. A path
    that does not exist is an error naming it: a file the notebook meant to write
    and did not is a fault to see, not to skip. With ``lang`` (``zh``, ``en``) the
    headers are the analyst's words (``listing_header``: 文件, 大小（字节）…).
    """
    rows = []
    for given in map(Path, paths):
        if not given.exists():
            raise FileNotFoundError(f"{given}: no such file or folder")
        if given.is_dir():
            found = sorted(
                p
                for p in given.rglob("*")
                if p.is_file()
                and not any(part.startswith(".") for part in p.relative_to(given).parts)
            )
            rows += [(p.relative_to(given).as_posix(), p, given) for p in found]
        else:
            rows.append((given.name, given, given.parent))
    stats = [p.stat() for _, p, _ in rows]
    modified = pd.to_datetime([s.st_mtime for s in stats], unit="s", utc=True)
    table = pd.DataFrame(
        {
            "file": [name for name, _, _ in rows],
            "bytes": pd.Series([s.st_size for s in stats], dtype="int64"),
            "mode": [f"{s.st_mode & 0o777:04o}" for s in stats],
            "modified": _written(modified.tz_convert("Asia/Shanghai"), lang),
            "folder": [str(folder) for _, _, folder in rows],
        },
        columns=LISTING_COLUMNS,
    )
    return table.rename(columns=words("listing_header", lang)) if lang else table
