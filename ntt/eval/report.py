"""The evaluation report: an HTML page with the metrics table (overall, per scenario,
ablations), DET curves with the operating threshold marked, latency histograms (PNG plots,
matplotlib's Agg backend), and every utterance with what was heard, the truth, p and the
verdict; and the same metrics as a terminal table under 100 columns."""

from __future__ import annotations

import html
from pathlib import Path

import numpy as np

from ntt.eval.metrics import ScoredUtterance, det_curve
from ntt.outputs import atomic_write

METRIC_COLUMNS = ("eer", "auc", "far", "frr", "fa_per_hour", "latency_final_p95_ms",
                  "utterances")


def write_report(out_dir: str | Path, result: dict,
                 scored: dict[str, list[ScoredUtterance]]) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    threshold = result["overall"].get("threshold")

    fig, ax = plt.subplots(figsize=(6, 5))
    operating = None  # the fused model's (FAR, FRR) at the threshold
    for name, items in scored.items():
        if not items:
            continue
        s = np.array([i.p for i in items])
        y = np.array([i.directed for i in items])
        if y.all() or not y.any():
            continue
        _, far, frr = det_curve(s, y)
        line, = ax.plot(_pct(far), _pct(frr), label=name)
        if name == "fused" and threshold is not None:  # where the shipped threshold operates
            at_far, at_frr = (s[~y] >= threshold).mean(), (s[y] < threshold).mean()
            operating = at_far, at_frr
            ax.plot(_pct(at_far), _pct(at_frr), "o", color=line.get_color(), markersize=8,
                    label=f"fused at threshold {threshold:.2f}")
            ax.annotate(f"p >= {threshold:.2f}", (_pct(at_far), _pct(at_frr)),
                        textcoords="offset points", xytext=(8, 8), fontsize=8)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("false accepts (%)")
    ax.set_ylabel("false rejects (%)")
    ax.set_title("DET curves, final decisions")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    _save_figure(fig, out / "det.png")
    plt.close(fig)

    fused = scored.get("fused", [])
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.5))
    finals = [i.latency_final_ms for i in fused if i.latency_final_ms is not None]
    earlies = [i.latency_early_ms for i in fused if i.latency_early_ms is not None]
    axes[0].hist(finals, bins=30, color="tab:blue")
    axes[0].set_title("final decision after speech end (ms)")
    axes[1].hist(earlies, bins=30, color="tab:orange")
    axes[1].set_title("early decision after speech onset (ms)")
    fig.tight_layout()
    _save_figure(fig, out / "latency.png")
    plt.close(fig)

    body = ["<html><head><meta charset='utf-8'><title>NTT evaluation</title></head><body>",
            "<h1>NTT evaluation</h1>", "<h2>Metrics</h2><table border=1 cellpadding=3>",
            "<tr><th></th>" + "".join(f"<th>{c}</th>" for c in METRIC_COLUMNS) + "</tr>"]
    for name, v in metric_rows(result):
        body.append(f"<tr><td>{html.escape(name.strip())}</td>" +
                    "".join(f"<td>{_fmt(v.get(c))}</td>" for c in METRIC_COLUMNS) + "</tr>")
    body += ["</table>", "<h2>DET curves</h2><img src='det.png'>"]
    if operating is not None:
        body.append(f"<p>The dot: the fused model at its threshold, directed when p &gt;= "
                    f"{threshold:.2f} (false accepts {operating[0]:.1%}, false rejects "
                    f"{operating[1]:.1%}).</p>")
    body += _calibration_section(result, plt, out)
    body.append("<h2>Latency</h2><img src='latency.png'>")
    body += _utterance_table(fused, threshold)
    body.append("</body></html>")
    page = out / "index.html"
    with atomic_write(page, "w", "write the report") as f:  # last: no page, no report
        f.write("\n".join(body))
    return page


def _calibration_section(result: dict, plt, out: Path) -> list[str]:
    """The no-wake-word operating point (its DET neighbourhood) and the reliability diagram
    of the fused model's final decisions (``ntt.eval.operating``)."""
    body = []
    point, cal = result.get("no_wake_word"), result.get("calibration")
    if point:
        body += [f"<h2>No wake word: {point['target_fa_per_hour']:g} false accepts per hour"
                 "</h2>",
                 f"<p>Threshold {point['threshold']:.3f}: {point['fa_per_hour']:.2f} false "
                 f"accepts per hour of non-directed speech ({point['false_accepts']} in "
                 f"{point['nondirected_hours'] * 60:.1f} min; 95% upper bound "
                 f"{point['fa_per_hour_upper_95']}), false-reject rate {point['frr']:.1%}."
                 "</p>", "<table border=1 cellpadding=3><tr><th>threshold</th><th>FAR</th>"
                 "<th>FRR</th><th>FA/h</th></tr>"]
        body += [f"<tr><td>{r['threshold']:.3f}</td><td>{_pct(r['far']):.1f}%</td>"
                 f"<td>{_pct(r['frr']):.1f}%</td><td>{r['fa_per_hour']}</td></tr>"
                 for r in point["det_around"]]
        body.append("</table>")
    if cal and cal["bins"]:
        fig, ax = plt.subplots(figsize=(4.5, 4.5))
        ax.plot([0, 1], [0, 1], "--", color="grey", label="calibrated")
        ax.plot([b["mean_p"] for b in cal["bins"]], [b["directed"] for b in cal["bins"]],
                "o-", label=f"fused (ECE {cal['ece']:.3f})")
        ax.set_xlabel("p_directed (bin mean)")
        ax.set_ylabel("share directed")
        ax.set_title("Reliability, final decisions")
        ax.legend(fontsize=8)
        fig.tight_layout()
        _save_figure(fig, out / "reliability.png")
        plt.close(fig)
        body.append("<h2>Calibration</h2><img src='reliability.png'>")
    return body


def metric_rows(result: dict) -> list[tuple[str, dict]]:
    """The table's rows: overall, each scenario (indented), each ablation."""
    rows = [("overall", result["overall"])]
    rows += [(f"  {k}", v) for k, v in result.get("by_scenario", {}).items()]
    rows += [(f"ablation {k}", v) for k, v in result.get("ablation", {}).items()]
    return rows


TERMINAL_COLUMNS = (("eer", "EER", ".3f"), ("auc", "AUC", ".3f"), ("far", "FAR", ".3f"),
                    ("frr", "FRR", ".3f"), ("fa_per_hour", "FA/h", ".1f"),
                    ("latency_final_p95_ms", "p95 ms", ".0f"), ("utterances", "n", "d"))
NAME_WIDTH = 26


def terminal_table(result: dict) -> list[str]:
    """The metrics as lines of at most 100 characters, numbers rounded for reading."""
    lines = [f"{'':{NAME_WIDTH}}" + "".join(f"{h:>9}" for _, h, _ in TERMINAL_COLUMNS)]
    for name, v in metric_rows(result):
        if len(name) > NAME_WIDTH - 1:
            name = name[:NAME_WIDTH - 2] + "…"
        cells = "".join(f"{'–' if v.get(k) is None else format(v[k], f):>9}"
                        for k, _, f in TERMINAL_COLUMNS)
        lines.append(f"{name:{NAME_WIDTH}}{cells}")
    threshold = result["overall"].get("threshold")
    if threshold is not None:
        lines.append(f"directed when p >= {threshold:.2f}; FAR/FRR at that threshold; p95 ms: "
                     "final decision after speech end")
    return lines


def _utterance_table(items: list[ScoredUtterance], threshold: float | None) -> list[str]:
    """Every scored utterance of the fused model: session, time, what the recognizer heard,
    the label's text and truth, p and the verdict (ok or wrong)."""
    if not items or threshold is None:
        return []
    rows = ["<h2>Utterances (fused)</h2><table border=1 cellpadding=3>",
            "<tr><th>session</th><th>start (s)</th><th>heard</th><th>truth</th><th>p</th>"
            "<th>verdict</th></tr>"]
    for u in sorted(items, key=lambda u: (u.session, u.start_s or 0.0)):
        directed = u.p >= threshold
        if u.labelled:
            truth = (f"{'directed' if u.directed else 'not directed'}: "
                     f"{html.escape(repr(u.truth)) if u.truth else '–'}")
        else:
            truth = "no one spoke (false trigger)"
        heard = "–" if u.heard is None else html.escape(repr(u.heard))
        verdict = "DIRECTED" if directed else "not directed"
        mark = "ok" if directed == u.directed else "<b>wrong</b>"
        start = "–" if u.start_s is None else f"{u.start_s:.2f}"
        rows.append(f"<tr><td>{html.escape(u.session)}</td><td>{start}</td><td>{heard}</td>"
                    f"<td>{truth}</td><td>{u.p:.2f}</td><td>{verdict} ({mark})</td></tr>")
    rows.append("</table>")
    return rows


def _pct(x):
    """A rate as a percentage on the log axes (zero drawn at 0.1 %)."""
    return np.clip(x, 1e-3, 1) * 100


def _save_figure(fig, path: Path) -> None:
    """A plot written whole or not at all (a full disk leaves no half PNG)."""
    with atomic_write(path, "wb", "write the report") as f:
        fig.savefig(f, format="png", dpi=110)


def _fmt(v) -> str:
    if v is None:
        return "–"
    if isinstance(v, float):
        return f"{v:.3f}"
    return str(v)
