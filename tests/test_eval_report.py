"""``ntt eval`` output a person can read (issue 23, requirement 4): the real evaluation of a
bundled sample prints a rounded table of at most 100 columns, and the HTML report has the
threshold on the DET curve, one metrics table and a per-utterance table (heard text, truth,
p, verdict)."""

from __future__ import annotations

import contextlib
import html
import io
import re

import cv2
import pytest
from conftest import SAMPLE

from ntt.cli import main


@pytest.fixture(scope="module")
def evaluated(tmp_path_factory):
    """``ntt eval living-room --ablate --report DIR`` (pocketsphinx, the shipped model)."""
    tmp = tmp_path_factory.mktemp("eval")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(["eval", str(SAMPLE), "--ablate", "--report", str(tmp / "report"),
                     "--cache", str(tmp / "cache")])
    assert code == 0
    return out.getvalue(), tmp / "report"


def test_the_terminal_table_is_rounded_and_fits_100_columns(evaluated):
    text, _ = evaluated
    lines = text.splitlines()
    assert len(lines) >= 1 + 2 + 8  # header, overall, the scenario, the ablations
    assert max(len(line) for line in lines) <= 100, max(lines, key=len)
    assert not re.search(r"\d\.\d{4,}", text)  # no unrounded floats
    assert lines[1].startswith("overall") and "ablation rule" in text
    assert re.search(r"directed when p >= 0\.\d\d", text)


def test_the_report_has_the_threshold_one_table_and_every_utterance(evaluated):
    _, report = evaluated
    page = (report / "index.html").read_text(encoding="utf-8")
    assert cv2.imread(str(report / "det.png")) is not None
    assert not (report / "table.png").exists() and "table.png" not in page
    assert page.count("<h2>Metrics</h2>") == 1
    threshold = re.search(r"The dot: the fused model at its threshold, directed when p &gt;= "
                          r"(0\.\d\d)", page)
    assert threshold is not None
    utterances = page.split("<h2>Utterances (fused)</h2>")[1]
    rows = re.findall(r"<tr><td>(.*?)</td><td>(.*?)</td><td>(.*?)</td><td>(.*?)</td>"
                      r"<td>(.*?)</td><td>(.*?)</td></tr>", utterances)
    assert len(rows) >= 5  # the living-room sample's five labelled utterances
    t = float(threshold.group(1))
    heard = [html.unescape(r[2]) for r in rows]
    assert sum(h not in ("–", "''") for h in heard) >= 4  # pocketsphinx heard words
    assert any("Turn on the kitchen lights" in html.unescape(r[3]) for r in rows)
    for session, _start, _heard, truth, p, verdict in rows:
        assert session == "living-room"
        directed = float(p) >= t
        assert verdict.startswith("DIRECTED" if directed else "not directed")
        if truth.startswith(("directed", "not directed")):
            ok = directed == truth.startswith("directed")
            assert verdict.endswith("(ok)" if ok else "(<b>wrong</b>)")
