"""Progress of the long commands, on stderr: a bar over a command's stages, the time
so far (ticking, so a long stage is seen to be alive), the stage and what it works on:

    40%|████      | [00:07] 评分 score · 读取数据 reading · observations/a.csv (4/10)

The command line opens :func:`stages` around a command's work and says when each
stage starts; library functions say what they work on with :func:`note` (a file
read, a step of the pipeline, a block of draws). A note costs nothing when no bar is
open: in a notebook, a test, a script, or a command whose stderr is not a terminal
(a log file, a pipe) or that was given ``--quiet``. Names are codes of the
vocabulary's ``progress`` family, shown in Chinese and English.

This module sits at the bottom of the package (like ``errors`` and ``files``) and
imports tqdm and the vocabulary only when a bar is shown.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar

#: the open bar's ``say(code, detail, part)``, or None
_OPEN: ContextVar[Callable[[str, str, float | None], None] | None] = ContextVar(
    "evaluation_progress", default=None
)
#: seconds between redraws of an open bar (the elapsed time ticks)
TICK = 1.0


def note(code: str, detail: str = "", part: float | None = None) -> None:
    """Say what the running stage works on now: ``code``, a code of the vocabulary's
    ``progress`` family (``read``, ``check`` …), ``detail``, e.g. a file name and
    how far (``observations/finance.xlsx (4/10)``), and ``part``, the share of the
    stage done (0–1) when it is known. Nothing happens without a bar."""
    say = _OPEN.get()
    if say is not None:
        say(code, detail, part)


def terminal() -> bool:
    """Whether stderr is a terminal, where a bar can redraw itself in place."""
    return sys.stderr.isatty()


@contextmanager
def aside() -> Iterator[None]:
    """Write to the terminal while a bar may be open (an error, a problem report):
    the bar steps aside for the lines written and is drawn again below them."""
    if _OPEN.get() is None:
        yield
        return
    from tqdm import tqdm

    with tqdm.external_write_mode(file=sys.stderr):
        yield


@contextmanager
def stages(
    title: str, codes: Sequence[str], *, show: bool = True
) -> Iterator[Callable[[str], None]]:
    """A bar on stderr over a command's stages ``codes`` (in the order they run,
    ``title`` the command's code) while the block runs; yields ``stage(code)``, to
    call as each stage starts. Without ``show``, or when stderr is not a terminal,
    nothing is drawn and ``stage`` and :func:`note` do nothing. The bar is erased
    when the block ends (the command then says what it did), also on an error."""
    if not (show and terminal()):
        yield lambda code: None
        return
    from tqdm import tqdm

    from evaluation.vocabulary import family

    words = family("progress")

    def text(code: str) -> str:
        return f"{words[code].zh} {words[code].en}"

    head = text(title)
    now = {"code": "", "stage": "", "step": ""}
    bar = tqdm(
        total=len(codes),
        file=sys.stderr,
        leave=False,
        desc=head,
        bar_format="{percentage:3.0f}%|{bar:10}| [{elapsed}] {desc}",
    )

    def show_now() -> None:
        parts = [head, now["stage"], now["step"]]
        bar.set_description_str(" · ".join(p for p in parts if p), refresh=True)

    def stage(code: str) -> None:
        bar.n = list(codes).index(code)
        now.update(code=code, stage=text(code), step="")
        show_now()

    def say(code: str, detail: str, part: float | None) -> None:
        if part is not None and now["code"]:  # within the stage: the bar moves on
            bar.n = list(codes).index(now["code"]) + min(max(part, 0.0), 1.0)
        named = "" if code == now["code"] else text(code)  # the stage's own: detail
        now["step"] = " ".join(p for p in (named, detail) if p)
        show_now()

    done = threading.Event()

    def tick() -> None:
        while not done.wait(TICK):
            bar.refresh()

    ticker = threading.Thread(target=tick, name="progress", daemon=True)
    token = _OPEN.set(say)
    ticker.start()
    try:
        yield stage
    finally:
        done.set()
        ticker.join()
        _OPEN.reset(token)
        bar.close()
