"""The long commands show how far they are, as an analyst at a terminal sees it:
the real command line in its own process, its stderr a pseudo-terminal."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import struct
import subprocess
import sys
import termios

import pytest

from ..conftest import ROOT


def at_terminal(*args: str, cwd=ROOT) -> tuple[int, str, str]:
    """Run ``evaluation ARGS`` with stderr on a terminal 120 columns wide; return
    (exit code, what the terminal showed, stdout)."""
    main, side = pty.openpty()
    fcntl.ioctl(side, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    with subprocess.Popen(
        [sys.executable, "-m", "evaluation.cli", *args],
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=side,
    ) as proc:
        os.close(side)
        shown = b""
        while True:
            ready, _, _ = select.select([main], [], [], 1.0)
            if ready:
                try:
                    chunk = os.read(main, 65536)
                except OSError:  # the terminal's other side closed
                    break
                if not chunk:
                    break
                shown += chunk
            elif proc.poll() is not None:
                break
        out = proc.stdout.read().decode("utf-8")
        code = proc.wait(timeout=600)
    os.close(main)
    return code, shown.decode("utf-8", "replace"), out


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    folder = tmp_path_factory.mktemp("progress") / "city"
    code, shown, out = at_terminal(
        "generate", str(folder), "--departments", "6", "--districts", "2",
        "--months", "12", "--seed", "3",
    )  # fmt: skip
    assert code == 0, shown
    return folder, shown, out


def test_generate_shows_its_stages_then_says_what_it_wrote(city):
    _, shown, out = city
    assert "%|" in shown  # a bar
    assert "生成模拟城市 generate · 生成单位和报送数据 units and reports" in shown
    assert "生成年度考评材料 appraisal inputs" in shown
    assert out.startswith("已将")  # the summary, on stdout, after the bar


def test_score_shows_each_file_read_and_each_step(city, tmp_path):
    folder, _, _ = city
    code, shown, out = at_terminal(
        "score", str(folder), "--period", "2024", "--out", str(tmp_path)
    )
    assert code == 0, shown
    assert "评分 score · 读取数据 reading · units.csv (1/" in shown
    assert "observations/" in shown
    for step in ("校验数据 checking", "预警 warnings", "数据质量检查 data-quality"):
        assert f"评分 score · 计算得分 scoring · {step}" in shown
    assert shown.endswith(" \r")  # the bar erased when done: a blank line left
    assert "已评分：2024年度" in out  # the summary, Chinese by default (--lang zh)


def test_quiet_or_a_pipe_draws_no_bar(city, tmp_path):
    folder, _, _ = city
    code, shown, _ = at_terminal(
        "--quiet", "score", str(folder), "--period", "2024", "--out", str(tmp_path)
    )
    assert code == 0, shown
    assert "%|" not in shown and "读取数据" not in shown
    piped = subprocess.run(
        [sys.executable, "-m", "evaluation.cli", "score", str(folder), "--period",
         "2024", "--out", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=600, check=True,
    )  # fmt: skip
    assert "%|" not in piped.stderr and "读取数据" not in piped.stderr
