"""The contour workload of `optiviz bench`, done the matplotlib way: numpy evaluates Rosenbrock
on a grid over optiviz's default Rosenbrock view and contourpy (the engine behind matplotlib's
contour) extracts 24 log-spaced levels. At 512x512 it times the grid evaluation and the
extraction apart, as optiviz does; at every side of optiviz's scaling curve (128 to 2048) it
times the whole pipeline (grid, levels, lines). Prints medians and the ratios to optiviz's own
figures (on every core, as the app runs, and on one thread), measured in the same run on the
same machine.

Usage: python3 contour_peer.py [OPTIVIZ_BINARY] [--bench-json FILE] [--out FILE] [--quick]

Without --bench-json it runs `OPTIVIZ_BINARY bench --json --only "contour pipeline" --only
"contour extraction"` (default binary: target/release/optiviz); with it, it reads the figures
of an `optiviz bench --json` run from FILE (benches/peers/run.sh hands both peers one run's).
--out writes the peer's figures as JSON (for plot_scaling.py).
"""
import json
import statistics
import sys
import time

import contourpy
import numpy as np

import peer_common

N, LEVELS = 512, 24
SIDES = [128, 256, 512, 1024, 2048]


def view():
    """optiviz's default Rosenbrock view (a = 1): x in [-2, 2], y in [-1, 3]."""
    return (-2.0, 2.0), (-1.0, 3.0)


def grid(xr, yr, n=N):
    x = np.linspace(*xr, n)
    y = np.linspace(*yr, n)
    X, Y = np.meshgrid(x, y)
    return X, Y, (1.0 - X) ** 2 + 100.0 * (Y - X**2) ** 2


def log_levels(lo, hi, n):
    """numerics/contour.rs's rule: equally spaced in log(f - lo + delta), delta = 1e-4 of the range."""
    delta = (hi - lo) * 1e-4
    step = np.log((hi - lo + delta) / delta) / n
    return lo - delta + delta * np.exp(step * (np.arange(1, n + 1) - 0.5))


def timed_ms(f, repeats, span):
    """Times of f in ms after one warm-up call: at least `repeats` calls and until `span`
    seconds have passed (at most 2,001), as `optiviz bench` repeats its millisecond workloads."""
    f()
    times = []
    start = time.perf_counter()
    while len(times) < 2001 and (len(times) < repeats or time.perf_counter() - start < span):
        t = time.perf_counter()
        f()
        times.append((time.perf_counter() - t) * 1e3)
    return times


def p90(times):
    """The nearest-rank 90th percentile, as optiviz computes its p90."""
    v = sorted(times)
    return v[-(-9 * len(v) // 10) - 1]


def pipeline(xr, yr, n):
    """What optiviz's contour pipeline does: sample the grid, choose the levels, extract them."""
    X, Y, Z = grid(xr, yr, n)
    levels = log_levels(float(Z.min()), float(Z.max()), LEVELS)
    gen = contourpy.contour_generator(X, Y, Z)
    return [gen.lines(level) for level in levels]


def main():
    parser = peer_common.parser(__doc__)
    args = parser.parse_args()
    repeats, span = (3, 0.0) if args.quick else (21, 1.0)

    xr, yr = view()
    X, Y, Z = grid(xr, yr)
    levels = log_levels(float(Z.min()), float(Z.max()), LEVELS)

    def extract():
        gen = contourpy.contour_generator(X, Y, Z)
        return [gen.lines(level) for level in levels]

    eval_ms = statistics.median(timed_ms(lambda: grid(xr, yr), repeats, span))
    extract_ms = statistics.median(timed_ms(extract, repeats, span))
    peer = {}
    for n in SIDES:
        # Big grids take a second a call: at least 5 of them.
        times = timed_ms(lambda: pipeline(xr, yr, n), repeats if n <= N else min(repeats, 5), span)
        peer[n] = {"side": n, "median_ms": statistics.median(times), "p90_ms": p90(times), "repeats": len(times)}

    ours = {m["name"]: m for m in peer_common.optiviz_figures(args, ["contour pipeline", "contour extraction"])}

    def median(name):
        if name not in ours:
            sys.exit(f"the optiviz figures lack {name!r}")
        return ours[name]["median"]

    def curve(n, one_thread):
        suffix = ", one thread" if one_thread else ""
        return median(f"contour pipeline: Rosenbrock {n}x{n} + 24 levels{suffix}")

    pipeline_all = curve(N, False)
    pipeline_1 = curve(N, True)
    extraction = median("contour extraction alone (24 levels, 512x512)")
    extraction_1 = median("contour extraction alone (24 levels, 512x512), one thread")
    peer_pipeline = eval_ms + extract_ms
    print(f"numpy {np.__version__}, contourpy {contourpy.__version__}; 512x512, 24 levels:")
    print(f"numpy grid evaluation               {eval_ms:8.2f} ms")
    print(f"contourpy 24 levels                 {extract_ms:8.2f} ms")
    print(f"numpy + contourpy                   {peer_pipeline:8.2f} ms")
    print(f"optiviz pipeline                    {pipeline_all:8.2f} ms   ratio {peer_pipeline / pipeline_all:5.1f}x (goal >= 10x)")
    print(f"optiviz extraction alone            {extraction:8.2f} ms   ratio {extract_ms / extraction:5.1f}x (goal >= 5x)")
    print(f"optiviz pipeline, one thread        {pipeline_1:8.2f} ms   ratio {peer_pipeline / pipeline_1:5.1f}x")
    print(f"optiviz extraction, one thread      {extraction_1:8.2f} ms   ratio {extract_ms / extraction_1:5.1f}x")
    print("(numpy and contourpy use one thread; optiviz's first two lines use every core)")
    print()
    print("The whole pipeline (grid, levels, 24 levels of lines) at every side, medians:")
    print(f"{'side':>6}  {'numpy+contourpy':>16}  {'optiviz 1 thread':>16}  {'ratio':>6}  {'optiviz all cores':>17}  {'ratio':>6}")
    rows = []
    for n in SIDES:
        p = peer[n]["median_ms"]
        one, every = curve(n, True), curve(n, False)
        print(f"{n:>6}  {p:13.2f} ms  {one:13.2f} ms  {p / one:5.1f}x  {every:14.2f} ms  {p / every:5.1f}x")
        rows.append({**peer[n], "ratio_one_thread": p / one, "ratio_every_core": p / every})

    if args.out:
        with open(args.out, "w") as f:
            json.dump(
                {
                    "numpy": np.__version__,
                    "contourpy": contourpy.__version__,
                    "eval_512_ms": eval_ms,
                    "extract_512_ms": extract_ms,
                    "pipeline": rows,
                },
                f,
                indent=2,
            )


if __name__ == "__main__":
    main()
