#!/usr/bin/env python3
"""Generate tests/data/package_reference.json: trajectories of the optimizers that are not in
torch.optim, from their reference packages, in float64.

    Lion                 lion_pytorch.Lion                   (lion-pytorch)
    ScheduleFreeAdamW    schedulefree.AdamWScheduleFree      (schedulefree, the main class)
    ScheduleFreeSGD      schedulefree.SGDScheduleFree

Each case is an optiviz preset (RON text), the points the package's parameter visits (for
Schedule-Free: y, the parameter in train mode, where gradients are taken) and, for
Schedule-Free, the averaged point x that `optimizer.eval()` puts into the parameter. x is read
after every step without disturbing the run: y is saved, eval() swaps x in, and y is put back
bit for bit (train() would recompute it by a lerp that rounds). tests/package_reference.rs
runs the presets through optiviz and compares both.

    /tmp/torchenv/bin/pip install torch lion-pytorch schedulefree
    /tmp/torchenv/bin/python scripts/package_reference.py

Objectives and schedules are torch_reference.py's (gradients by autograd).
"""

import json
import math
import pathlib
import sys
from importlib.metadata import version

import torch

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from torch_reference import OBJECTIVES, SCHEDULES  # noqa: E402

import lion_pytorch  # noqa: E402
import schedulefree  # noqa: E402

torch.set_default_dtype(torch.float64)


def sf_adamw(lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, warmup_steps=0, r=0.0, weight_lr_power=2.0):
    ron = (f"ScheduleFreeAdamW(lr: {lr!r}, betas: ({betas[0]!r}, {betas[1]!r}), eps: {eps!r}, "
           f"weight_decay: {weight_decay!r}, warmup_steps: {warmup_steps}, r: {r!r}, "
           f"weight_lr_power: {weight_lr_power!r})")

    def make(params, foreach=True):
        return schedulefree.AdamWScheduleFree(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                                              warmup_steps=warmup_steps, r=r,
                                              weight_lr_power=weight_lr_power, foreach=foreach)
    return ron, make


def sf_sgd(lr, momentum=0.9, weight_decay=0.0, warmup_steps=0, r=0.0, weight_lr_power=2.0):
    ron = (f"ScheduleFreeSGD(lr: {lr!r}, momentum: {momentum!r}, weight_decay: {weight_decay!r}, "
           f"warmup_steps: {warmup_steps}, r: {r!r}, weight_lr_power: {weight_lr_power!r})")

    def make(params, foreach=True):
        return schedulefree.SGDScheduleFree(params, lr=lr, momentum=momentum, weight_decay=weight_decay,
                                            warmup_steps=warmup_steps, r=r,
                                            weight_lr_power=weight_lr_power, foreach=foreach)
    return ron, make


def lion(lr, betas=(0.9, 0.99), weight_decay=0.0, decoupled_weight_decay=False):
    ron = (f"Lion(lr: {lr!r}, betas: ({betas[0]!r}, {betas[1]!r}), weight_decay: {weight_decay!r}, "
           f"decoupled_weight_decay: {'true' if decoupled_weight_decay else 'false'})")

    def make(params, foreach=None):
        return lion_pytorch.Lion(params, lr=lr, betas=betas, weight_decay=weight_decay,
                                 decoupled_weight_decay=decoupled_weight_decay)
    return ron, make


OPTIMIZERS = {
    "lion": lion(0.01),
    "lion_wd": lion(0.05, betas=(0.95, 0.98), weight_decay=0.1),
    "lion_low_betas": lion(0.02, betas=(0.5, 0.9)),
    "lion_decoupled": lion(0.02, weight_decay=0.05, decoupled_weight_decay=True),
    "sf_adamw": sf_adamw(0.05),
    "sf_adamw_default": sf_adamw(0.0025),
    "sf_adamw_wd_warmup": sf_adamw(0.1, weight_decay=0.01, warmup_steps=20),
    "sf_adamw_r": sf_adamw(0.05, r=1.0, weight_lr_power=1.0),
    "sf_adamw_all": sf_adamw(0.1, betas=(0.5, 0.99), eps=1e-6, weight_decay=0.001, warmup_steps=10, r=0.5),
    "sf_adamw_primal": sf_adamw(0.05, betas=(1.0, 0.999)),
    "sf_sgd": sf_sgd(0.5),
    "sf_sgd_small": sf_sgd(0.001),
    "sf_sgd_wd_warmup": sf_sgd(0.01, weight_decay=0.01, warmup_steps=20),
    "sf_sgd_r": sf_sgd(0.01, r=2.0, weight_lr_power=0.0),
    "sf_sgd_low_momentum": sf_sgd(0.05, momentum=0.5, warmup_steps=5, r=1.0),
}

CASES = [
    # (objective, start, optimizer, steps, schedule, clip)
    ("rosenbrock", (-1.5, 2.0), "lion", 200, None, None),
    ("quadratic", (-2.0, 1.5), "lion_wd", 150, None, None),
    ("himmelblau", (0.0, 0.0), "lion_low_betas", 150, None, None),
    ("beale", (1.0, 1.5), "lion_decoupled", 120, "cosine", None),
    ("saddle", (1.5, 1e-3), "lion", 150, None, None),
    ("rosenbrock", (-1.5, 2.0), "sf_adamw", 200, None, None),
    ("rosenbrock", (-1.5, 2.0), "sf_adamw_default", 100, None, None),
    ("quadratic", (-2.0, 1.5), "sf_adamw_wd_warmup", 150, None, None),
    ("beale", (1.0, 1.5), "sf_adamw_r", 150, None, None),
    ("styblinski", (0.5, 4.5), "sf_adamw_all", 150, None, None),
    ("himmelblau", (0.0, 0.0), "sf_adamw", 150, "step", None),
    ("quadratic", (1.7, 2.2), "sf_adamw_primal", 120, None, None),
    ("quadratic", (-2.0, 1.5), "sf_sgd", 150, None, None),
    ("rosenbrock", (-1.5, 2.0), "sf_sgd_small", 200, None, None),
    ("himmelblau", (-1.0, 0.5), "sf_sgd_wd_warmup", 150, None, None),
    ("beale", (1.0, 1.5), "sf_sgd_r", 150, None, None),
    ("saddle", (1.5, 0.2), "sf_sgd_low_momentum", 150, None, None),
    ("rosenbrock", (-1.5, 2.0), "sf_sgd_small", 80, None, ("Norm", 10.0)),
]


def run_case(objective, start, optimizer, steps, schedule, clip, foreach=True):
    _, f = OBJECTIVES[objective]
    p = torch.tensor(start, requires_grad=True)
    opt = OPTIMIZERS[optimizer][1]([p], foreach)
    schedule_free = hasattr(opt, "eval")
    sched = SCHEDULES[schedule][1](opt) if schedule else None
    if schedule_free:
        opt.train()

    def closure():
        opt.zero_grad()
        loss = f(p)
        loss.backward()
        if clip is not None:
            kind, c = clip
            if kind == "Norm":
                torch.nn.utils.clip_grad_norm_([p], c)
            else:
                torch.nn.utils.clip_grad_value_([p], c)
        return loss

    def averaged():
        with torch.no_grad():
            y = p.detach().clone()
            opt.eval()
            x = p.detach().tolist()
            opt.train()
            p.copy_(y)
        return x

    points = [p.detach().tolist()]
    xs = [averaged()] if schedule_free else None
    for _ in range(steps):
        closure()
        opt.step()
        if sched is not None:
            sched.step()
        points.append(p.detach().tolist())
        if schedule_free:
            xs.append(averaged())
    return points, xs


def preset(objective, start, optimizer, steps, schedule, clip):
    run = f"optimizer: {OPTIMIZERS[optimizer][0]}, start: ({start[0]!r}, {start[1]!r})"
    if schedule:
        run += f", schedule: {SCHEDULES[schedule][0]}"
    if clip:
        run += f", clip: {clip[0]}({clip[1]!r})"
    return f"(objective: {OBJECTIVES[objective][0]}, steps: {steps}, runs: [({run})])"


def main():
    cases = []
    for case in CASES:
        objective, start, optimizer, steps, schedule, clip = case
        name = "-".join(filter(None, [objective, optimizer, schedule, clip and clip[0].lower()]))
        points, xs = run_case(*case)
        # The package's foreach and per-tensor paths agree to the bit, so either is "the" reference.
        assert (points, xs) == run_case(*case, foreach=False), name
        assert all(math.isfinite(v) for pt in points + (xs or []) for v in pt), name
        entry = {"name": name, "preset": preset(*case), "points": points}
        if xs is not None:
            entry["averaged"] = xs
        cases.append(entry)
    out = pathlib.Path(__file__).resolve().parent.parent / "tests" / "data" / "package_reference.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    doc = {
        "torch_version": torch.__version__,
        "lion_pytorch_version": version("lion-pytorch"),
        "schedulefree_version": version("schedulefree"),
        "dtype": "float64",
        "cases": cases,
    }
    out.write_text(json.dumps(doc, indent=1) + "\n")
    print(f"wrote {len(cases)} cases to {out}")


if __name__ == "__main__":
    main()
