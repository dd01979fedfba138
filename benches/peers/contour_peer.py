"""The contour workload of `optiviz bench`, done the matplotlib way: numpy evaluates Rosenbrock
on a 512x512 grid over optiviz's default Rosenbrock view and contourpy (the engine behind
matplotlib's contour) extracts 24 log-spaced levels. Prints medians and the ratio to optiviz's
own figures (on every core, as the app runs, and on one thread), measured in the same run on the
same machine.

Usage: python3 contour_peer.py OPTIVIZ_BINARY
"""
import json
import statistics
import subprocess
import sys
import time

import contourpy
import numpy as np

N, LEVELS, REPEATS = 512, 24, 21


def view():
    """optiviz's default Rosenbrock view (a = 1): x in [-2, 2], y in [-1, 3]."""
    return (-2.0, 2.0), (-1.0, 3.0)


def grid(xr, yr):
    x = np.linspace(*xr, N)
    y = np.linspace(*yr, N)
    X, Y = np.meshgrid(x, y)
    return X, Y, (1.0 - X) ** 2 + 100.0 * (Y - X**2) ** 2


def log_levels(lo, hi, n):
    """numerics/contour.rs's rule: equally spaced in log(f - lo + delta), delta = 1e-4 of the range."""
    delta = (hi - lo) * 1e-4
    step = np.log((hi - lo + delta) / delta) / n
    return lo - delta + delta * np.exp(step * (np.arange(1, n + 1) - 0.5))


def median_ms(f):
    f()
    times = []
    for _ in range(REPEATS):
        t = time.perf_counter()
        f()
        times.append((time.perf_counter() - t) * 1e3)
    return statistics.median(times)


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else "target/release/optiviz"
    xr, yr = view()
    X, Y, Z = grid(xr, yr)
    levels = log_levels(float(Z.min()), float(Z.max()), LEVELS)

    def extract():
        gen = contourpy.contour_generator(X, Y, Z)
        return [gen.lines(level) for level in levels]

    eval_ms = median_ms(lambda: grid(xr, yr))
    extract_ms = median_ms(extract)
    ours = json.loads(subprocess.run([binary, "bench", "--json"], check=True, capture_output=True, text=True).stdout)
    def median(name):
        return next(m["median"] for m in ours if m["name"] == name)

    pipeline = median("contour pipeline: Rosenbrock 512x512 + 24 levels")
    extraction = median("contour extraction alone (24 levels, 512x512)")
    pipeline_1 = median("contour pipeline: Rosenbrock 512x512 + 24 levels, one thread")
    extraction_1 = median("contour extraction alone (24 levels, 512x512), one thread")
    peer_pipeline = eval_ms + extract_ms
    print(f"numpy grid evaluation               {eval_ms:8.2f} ms")
    print(f"contourpy 24 levels                 {extract_ms:8.2f} ms   (contourpy {contourpy.__version__})")
    print(f"numpy + contourpy                   {peer_pipeline:8.2f} ms")
    print(f"optiviz pipeline                    {pipeline:8.2f} ms   ratio {peer_pipeline / pipeline:5.1f}x (goal >= 10x)")
    print(f"optiviz extraction alone            {extraction:8.2f} ms   ratio {extract_ms / extraction:5.1f}x (goal >= 5x)")
    print(f"optiviz pipeline, one thread        {pipeline_1:8.2f} ms   ratio {peer_pipeline / pipeline_1:5.1f}x")
    print(f"optiviz extraction, one thread      {extraction_1:8.2f} ms   ratio {extract_ms / extraction_1:5.1f}x")
    print("(numpy and contourpy use one thread; optiviz's first two lines use every core)")

if __name__ == "__main__":
    main()
