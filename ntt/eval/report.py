"""The evaluation report: an HTML page with DET curves, latency histograms and the ablation
table, as PNG plots (matplotlib, Agg backend)."""

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

    fig, ax = plt.subplots(figsize=(6, 5))
    for name, items in scored.items():
        if not items:
            continue
        s = np.array([i.p for i in items])
        y = np.array([i.directed for i in items])
        if y.all() or not y.any():
            continue
        _, far, frr = det_curve(s, y)
        ax.plot(np.clip(far, 1e-3, 1) * 100, np.clip(frr, 1e-3, 1) * 100, label=name)
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

    rows = [("overall (fused)", result["overall"])]
    rows += [(f"scenario {k}", v) for k, v in result.get("by_scenario", {}).items()]
    rows += [(f"ablation {k}", v) for k, v in result.get("ablation", {}).items()]
    fig, ax = plt.subplots(figsize=(10, 0.35 * len(rows) + 1))
    ax.axis("off")
    table = ax.table(cellText=[[name] + [_fmt(v.get(c)) for c in METRIC_COLUMNS]
                               for name, v in rows],
                     colLabels=["", *METRIC_COLUMNS], loc="center")
    table.auto_set_font_size(False)
    table.set_fontsize(8)
    fig.tight_layout()
    _save_figure(fig, out / "table.png")
    plt.close(fig)

    body = ["<html><head><meta charset='utf-8'><title>NTT evaluation</title></head><body>",
            "<h1>NTT evaluation</h1>", "<h2>Metrics</h2><table border=1 cellpadding=3>",
            "<tr><th></th>" + "".join(f"<th>{c}</th>" for c in METRIC_COLUMNS) + "</tr>"]
    for name, v in rows:
        body.append(f"<tr><td>{html.escape(name)}</td>" +
                    "".join(f"<td>{_fmt(v.get(c))}</td>" for c in METRIC_COLUMNS) + "</tr>")
    body += ["</table>", "<h2>DET curves</h2><img src='det.png'>",
             "<h2>Latency</h2><img src='latency.png'>",
             "<h2>Table</h2><img src='table.png'>", "</body></html>"]
    page = out / "index.html"
    with atomic_write(page, "w", "write the report") as f:  # last: no page, no report
        f.write("\n".join(body))
    return page


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
