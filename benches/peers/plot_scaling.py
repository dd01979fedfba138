"""Draws the scaling curves of `optiviz bench` beside its peers' into a PNG (assets/scaling.png):
on the left the contour pipeline's median time against the grid side (log-log) for optiviz on
every core, optiviz on one thread and numpy + contourpy; on the right MLP training's median
steps per second against the batch size for each hidden width, optiviz's and, where
mlp_peer.py measured its grid, JAX float64's.

Usage: python3 plot_scaling.py --bench BENCH_JSON [--contour CONTOUR_JSON] [--mlp MLP_JSON]
       [--out PNG]
(BENCH_JSON from `optiviz bench --json` or `--json-out`; the others from the peers' --out.)
"""
import argparse
import json
import os
import time

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import FixedLocator, FuncFormatter, LogLocator, NullLocator  # noqa: E402

WIDTH_COLOURS = {4: "#0072b2", 8: "#e69f00", 16: "#009e73"}  # Okabe-Ito: colour-blind safe


def load(path):
    if not path:
        return None
    with open(path) as f:
        return json.load(f)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bench", required=True, metavar="BENCH_JSON")
    parser.add_argument("--contour", metavar="CONTOUR_JSON")
    parser.add_argument("--mlp", metavar="MLP_JSON")
    parser.add_argument("--out", default="assets/scaling.png", metavar="PNG")
    args = parser.parse_args()
    bench = load(args.bench)
    contour_peer = load(args.contour)
    mlp_peer = load(args.mlp)

    contour = {True: {}, False: {}}
    mlp = {}
    for m in bench:
        point = m.get("scaling")
        if not point:
            continue
        if point["curve"] == "contour":
            contour[point["one_thread"]][point["side"]] = m["median"]
        elif point["curve"] == "mlp":
            mlp[(point["width"], point["batch"])] = m["median"]

    plt.rcParams.update({"font.size": 15, "axes.titlesize": 17, "legend.fontsize": 13})
    fig, (left, right) = plt.subplots(1, 2, figsize=(14, 6.2), dpi=130)

    def line(ax, points, **style):
        xs = sorted(points)
        ax.plot(xs, [points[x] for x in xs], **{"marker": "o", "linewidth": 2.5, "markersize": 7, **style})

    line(left, contour[False], color="#0072b2", label=f"optiviz, every core ({os.cpu_count()})")
    line(left, contour[True], color="#56b4e9", linestyle="--", label="optiviz, one thread")
    if contour_peer:
        peer = {r["side"]: r["median_ms"] for r in contour_peer["pipeline"]}
        line(left, peer, color="#d55e00", label="numpy + contourpy (one thread)")
    sides = sorted(set(contour[False]) | set(contour[True]))
    left.set_xscale("log", base=2)
    left.set_yscale("log")
    left.xaxis.set_major_locator(FixedLocator(sides))
    left.xaxis.set_minor_locator(NullLocator())
    left.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:.0f}"))
    left.yaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    left.yaxis.set_minor_locator(NullLocator())
    left.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    left.set_xlabel("grid side n (n x n nodes)")
    left.set_ylabel("median time (ms), lower is better")
    left.set_title("Contour pipeline: Rosenbrock, 24 levels")
    left.grid(True, which="major", alpha=0.35)
    left.legend(loc="upper left", frameon=False)

    batches = sorted({b for _, b in mlp})
    widths = sorted({w for w, _ in mlp})
    for width in widths:
        line(right, {b: r for (w, b), r in mlp.items() if w == width}, color=WIDTH_COLOURS.get(width),
             label=f"optiviz 2-{width}-{width}-1")
    jax_grid = (mlp_peer or {}).get("grid_f64") or []
    for width in widths if jax_grid else []:
        jax = {r["batch"]: r["median"] for r in jax_grid if r["width"] == width}
        line(right, jax, color=WIDTH_COLOURS.get(width), linestyle=":", marker="s", alpha=0.8,
             label=f"JAX f64 2-{width}-{width}-1")
    right.set_xscale("log", base=2)
    right.set_yscale("log")
    right.xaxis.set_major_locator(FixedLocator(batches))
    right.xaxis.set_minor_locator(NullLocator())
    right.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:.0f}"))
    right.yaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    right.yaxis.set_minor_locator(NullLocator())
    right.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v / 1e6:g} M" if v >= 1e6 else f"{v / 1e3:g} k"))
    right.set_xlabel("batch size B")
    right.set_ylabel("median steps/s, higher is better")
    right.set_title("MLP training: tanh, Adam, one thread")
    right.grid(True, which="major", alpha=0.35)
    right.legend(loc="upper right", frameon=False, ncol=2 if jax_grid else 1)
    # Room above the curves for the legend.
    low, high = right.get_ylim()
    right.set_ylim(low, high * 4)

    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    fig.text(0.99, 0.01, f"optiviz bench and benches/peers, same run, {when}", ha="right",
             va="bottom", fontsize=11, color="#555555")
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    fig.savefig(args.out)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
