"""The MLP training workload of `optiviz bench`, done with JAX: the same 2-16-16-1 tanh network,
batch 32, Adam (lr 0.01; torch's and optax's Adam: betas 0.9 and 0.999, eps 1e-8, bias
correction), binary cross-entropy with logits, on circle data of 200 training points (optiviz's
Circle generator: a disc of class 1 inside a ring of class 0, noise 0.1). The whole training
loop is one compiled `jax.lax.scan` over the steps; it runs in float64 (jax_enable_x64, what
optiviz computes in) and in float32, on one thread: XLA's CPU threads are turned off before
jax is imported and the process is pinned to one core. Compilation is excluded (a warm-up call
of the same shapes, then `block_until_ready` around each timed run); the figure is the median
of several runs of 50,000 steps. Minibatches: B indices drawn uniformly (with replacement) per
step, precomputed with numpy and fed to the scan as its input, so the sampling is not in the
timed loop (optiviz draws a shuffled epoch at a time, as torch's DataLoader; the gather of the
batch is the same work). With --grid, also every width W in {4, 8, 16} x batch B in {8, 32, 128}
in float64, as optiviz's scaling curve (20,000 steps a run).

Prints steps per second and the ratio of optiviz's "MLP training: 2-16-16-1 tanh, B = 32,
Adam" from the same run (the goal: optiviz at least 2x JAX float64 and faster than JAX float32).

Usage: python3 mlp_peer.py [OPTIVIZ_BINARY] [--bench-json FILE] [--out FILE] [--grid] [--quick]

Without --bench-json it runs `OPTIVIZ_BINARY bench --json --only "MLP training: 2-"` (default
binary: target/release/optiviz); with it, it reads an `optiviz bench --json` run's figures.
"""
import os

# One thread, before jax is imported.
os.environ["XLA_FLAGS"] = (
    os.environ.get("XLA_FLAGS", "") + " --xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
).strip()
if hasattr(os, "sched_setaffinity"):
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})

import json  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import jax  # noqa: E402

import peer_common  # noqa: E402

jax.config.update("jax_enable_x64", True)
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402

TRAIN_POINTS, LR, BETA1, BETA2, EPS = 200, 0.01, 0.9, 0.999, 1e-8
MAIN = (16, 32)
WIDTHS, BATCHES = [4, 8, 16], [8, 32, 128]


def circle(n, noise, rng):
    """optiviz's Circle data: half r ~ U(0, 2.5) labelled 1, half r ~ U(3.5, 5) labelled 0."""
    inside = np.arange(n) < n // 2
    r = np.where(inside, rng.uniform(0.0, 2.5, n), rng.uniform(3.5, 5.0, n))
    a = rng.uniform(0.0, 2.0 * np.pi, n)
    x = np.stack([r * np.sin(a), r * np.cos(a)], axis=1) + noise * rng.standard_normal((n, 2))
    return x, inside.astype(np.float64)


def init(width, rng, dtype):
    """Uniform in +-1/sqrt(fan_in) weights (torch's nn.Linear default), zero biases."""
    params = []
    for fan_in, fan_out in [(2, width), (width, width), (width, 1)]:
        bound = 1.0 / np.sqrt(fan_in)
        w = rng.uniform(-bound, bound, (fan_in, fan_out))
        params.append((jnp.asarray(w, dtype), jnp.zeros(fan_out, dtype)))
    return params


def logits(params, x):
    (w1, b1), (w2, b2), (w3, b3) = params
    h = jnp.tanh(x @ w1 + b1)
    h = jnp.tanh(h @ w2 + b2)
    return (h @ w3 + b3)[:, 0]


def loss(params, x, y):
    """Binary cross-entropy with logits, the mean over the batch (torch's BCEWithLogitsLoss)."""
    z = logits(params, x)
    return jnp.mean(jnp.maximum(z, 0) - z * y + jnp.log1p(jnp.exp(-jnp.abs(z))))


@jax.jit
def train(params, x, y, batches):
    """Adam over every row of `batches` (one scan step per training step); returns the
    parameters and the loss on the whole training set after the last step."""
    dtype = x.dtype
    zeros = jax.tree_util.tree_map(jnp.zeros_like, params)

    def step(carry, idx):
        p, m, v, t = carry
        g = jax.grad(loss)(p, x[idx], y[idx])
        t = t + 1
        m = jax.tree_util.tree_map(lambda m, g: BETA1 * m + (1 - BETA1) * g, m, g)
        v = jax.tree_util.tree_map(lambda v, g: BETA2 * v + (1 - BETA2) * g * g, v, g)
        c1 = 1 - BETA1 ** t.astype(dtype)
        c2 = 1 - BETA2 ** t.astype(dtype)
        p = jax.tree_util.tree_map(lambda p, m, v: p - LR * (m / c1) / (jnp.sqrt(v / c2) + EPS), p, m, v)
        return (p, m, v, t), None

    (params, _, _, _), _ = jax.lax.scan(step, (params, zeros, zeros, jnp.zeros((), jnp.int32)), batches)
    return params, loss(params, x, y)


def rates(width, batch, steps, runs, dtype):
    """Steps per second of `runs` timed runs (after a compiling warm-up) and the last loss."""
    rng = np.random.default_rng(1)
    x, y = circle(TRAIN_POINTS, 0.1, rng)
    x, y = jnp.asarray(x, dtype), jnp.asarray(y, dtype)
    params = init(width, rng, dtype)
    batches = jnp.asarray(rng.integers(0, TRAIN_POINTS, (steps, batch)), jnp.int32)
    jax.block_until_ready(train(params, x, y, batches))
    out = []
    for _ in range(runs):
        t = time.perf_counter()
        _, final = jax.block_until_ready(train(params, x, y, batches))
        out.append(steps / (time.perf_counter() - t))
    return out, float(final)


def name(width, batch):
    return f"MLP training: 2-{width}-{width}-1 tanh, B = {batch}, Adam"


def main():
    parser = peer_common.parser(__doc__)
    parser.add_argument("--grid", action="store_true", help="also the W x B grid in float64")
    args = parser.parse_args()
    steps, runs = (5_000, 3) if args.quick else (50_000, 5)

    ours = {m["name"]: m for m in peer_common.optiviz_figures(args, ["MLP training: 2-"])}
    if name(*MAIN) not in ours:
        sys.exit(f"the optiviz figures lack {name(*MAIN)!r}")
    optiviz = ours[name(*MAIN)]["median"]

    pinned = f", pinned to CPU {min(os.sched_getaffinity(0))}" if hasattr(os, "sched_getaffinity") else ""
    threads = f"one XLA thread{pinned}"
    print(f"JAX {jax.__version__} on {jax.devices()[0].platform}, {threads}; 2-16-16-1 tanh, B = 32, Adam, "
          f"{steps:,} steps a run, median of {runs} (compilation excluded):")
    result = {"jax": jax.__version__, "steps": steps, "runs": runs, "optiviz": optiviz}
    for label, dtype in [("float64", jnp.float64), ("float32", jnp.float32)]:
        r, final = rates(*MAIN, steps, runs, dtype)
        median = statistics.median(r)
        result[label] = {"median": median, "rates": r, "final_loss": final}
        goal = "goal >= 2x" if label == "float64" else "goal > 1x"
        print(f"JAX {label}   {median / 1e3:8.1f} k steps/s   optiviz {optiviz / 1e3:.1f} k steps/s is "
              f"{optiviz / median:4.2f}x ({goal}); final training loss {final:.3f}")

    if args.grid:
        grid_steps = 2_000 if args.quick else 20_000
        print()
        print(f"JAX float64 at every width and batch size ({grid_steps:,} steps, median of 3), against optiviz:")
        print(f"{'network':>10}  {'B':>4}  {'JAX f64':>14}  {'optiviz':>14}  {'ratio':>6}")
        result["grid_f64"] = []
        for width in WIDTHS:
            for batch in BATCHES:
                r, _ = rates(width, batch, grid_steps, 3, jnp.float64)
                median = statistics.median(r)
                theirs = ours.get(name(width, batch), {}).get("median")
                ratio = f"{theirs / median:5.2f}x" if theirs else "     -"
                shown = f"{theirs / 1e3:8.1f} k/s" if theirs else "           -"
                print(f"{f'2-{width}-{width}-1':>10}  {batch:>4}  {median / 1e3:8.1f} k/s  {shown:>14}  {ratio}")
                result["grid_f64"].append({"width": width, "batch": batch, "median": median, "optiviz": theirs})

    if args.out:
        with open(args.out, "w") as f:
            json.dump(result, f, indent=2)


if __name__ == "__main__":
    main()
