#!/usr/bin/env python3
"""Generate tests/data/torch_reference.json and tests/data/torch_mlp_reference.json from
torch.optim in float64.

Each 2-D case is an optiviz preset (RON text) plus the trajectory torch produces for the same
objective, start, optimizer, schedule and clipping (and, for ASGD, its averaged iterate ax).
tests/torch_reference.rs runs the presets through optiviz and compares every point. Adafactor
and Muon see the point as torch's 1 x 2 matrix [[x, y]] (Muon takes only matrices), as
optiviz's 2-D view does.

Each MLP case is a 2-h-...-1 tanh network of torch.nn.Linear layers, its initial weights and a
fixed batch, an optimizer (Adafactor on every tensor; Muon on the hidden weight matrices with
an AdamW on the rest, as torch's documentation advises) and the flat parameter vector after
every full-batch step, in optiviz's layout (per layer the weight column-major, then the bias).
tests/torch_reference.rs steps optiviz's optimizer through its network's gradient.

    python3 -m venv /tmp/torchenv && /tmp/torchenv/bin/pip install torch
    /tmp/torchenv/bin/python scripts/torch_reference.py

Objectives are written here with torch operations, so gradients come from autograd rather than
from optiviz's closed forms: the comparison checks both the update rules and the derivatives.
"""

import contextlib
import inspect
import json
import math
import pathlib

import torch
import torch.optim._muon

torch.set_default_dtype(torch.float64)


def quadratic(kappa, angle_deg, l_max=1.0, center=(0.0, 0.0)):
    r = math.radians(angle_deg)
    c, s = math.cos(r), math.sin(r)
    rot = torch.tensor([[c, -s], [s, c]])
    a = rot @ torch.diag(torch.tensor([l_max, l_max / kappa])) @ rot.T
    a = 0.5 * (a + a.T)
    ctr = torch.tensor(center)

    def f(p):
        d = p - ctr
        return 0.5 * d @ (a @ d)

    ron = f"Quadratic(l_max: {l_max!r}, kappa: {kappa!r}, angle_deg: {angle_deg!r}, center: ({center[0]!r}, {center[1]!r}))"
    return ron, f


def rosenbrock(p):
    x, y = p[0], p[1]
    return (1 - x) ** 2 + 100 * (y - x**2) ** 2


def beale(p):
    x, y = p[0], p[1]
    return (1.5 - x + x * y) ** 2 + (2.25 - x + x * y**2) ** 2 + (2.625 - x + x * y**3) ** 2


def himmelblau(p):
    x, y = p[0], p[1]
    return (x**2 + y - 11) ** 2 + (x + y**2 - 7) ** 2


def styblinski_tang(p):
    return 0.5 * torch.sum(p**4 - 16 * p**2 + 5 * p)


def saddle_with_walls(p):
    x, y = p[0], p[1]
    return 1.0 * (x**2 - y**2) + 0.25 * y**4


OBJECTIVES = {
    "quadratic": quadratic(20.0, 30.0, 1.0, (0.5, -0.25)),
    "rosenbrock": ("Rosenbrock(a: 1.0, b: 100.0)", rosenbrock),
    "beale": ("Beale", beale),
    "himmelblau": ("Himmelblau", himmelblau),
    "styblinski": ("StyblinskiTang", styblinski_tang),
    "saddle": ("Saddle(scale: 1.0, quartic: 0.25)", saddle_with_walls),
}

# (name, optiviz optimizer RON, torch constructor)
OPTIMIZERS = {
    "sgd": ("SGD(lr: 0.001)", lambda p: torch.optim.SGD(p, lr=0.001)),
    "momentum": ("SGD(lr: 0.001, momentum: 0.9)", lambda p: torch.optim.SGD(p, lr=0.001, momentum=0.9)),
    "nesterov": ("SGD(lr: 0.001, momentum: 0.8, nesterov: true, weight_decay: 0.01)",
                 lambda p: torch.optim.SGD(p, lr=0.001, momentum=0.8, nesterov=True, weight_decay=0.01)),
    "dampened": ("SGD(lr: 0.002, momentum: 0.7, dampening: 0.3)",
                 lambda p: torch.optim.SGD(p, lr=0.002, momentum=0.7, dampening=0.3)),
    "adagrad": ("Adagrad(lr: 0.3, lr_decay: 0.01, initial_accumulator_value: 0.1, weight_decay: 0.001)",
                lambda p: torch.optim.Adagrad(p, lr=0.3, lr_decay=0.01, initial_accumulator_value=0.1, weight_decay=0.001)),
    "rmsprop": ("RMSprop(lr: 0.01)", lambda p: torch.optim.RMSprop(p, lr=0.01)),
    "rmsprop_centered": ("RMSprop(lr: 0.005, alpha: 0.9, momentum: 0.5, centered: true, weight_decay: 0.01)",
                         lambda p: torch.optim.RMSprop(p, lr=0.005, alpha=0.9, momentum=0.5, centered=True, weight_decay=0.01)),
    "adam": ("Adam(lr: 0.05)", lambda p: torch.optim.Adam(p, lr=0.05)),
    "adam_amsgrad": ("Adam(lr: 0.05, betas: (0.8, 0.99), amsgrad: true, weight_decay: 0.01)",
                     lambda p: torch.optim.Adam(p, lr=0.05, betas=(0.8, 0.99), amsgrad=True, weight_decay=0.01)),
    "adam_low_beta": ("Adam(lr: 0.02, betas: (0.3, 0.9), eps: 1e-6)",
                      lambda p: torch.optim.Adam(p, lr=0.02, betas=(0.3, 0.9), eps=1e-6)),
    "adamw": ("AdamW(lr: 0.05, weight_decay: 0.1)", lambda p: torch.optim.AdamW(p, lr=0.05, weight_decay=0.1)),
    "nadam": ("NAdam(lr: 0.05)", lambda p: torch.optim.NAdam(p, lr=0.05)),
    "nadam_decoupled": ("NAdam(lr: 0.03, weight_decay: 0.05, decoupled_weight_decay: true, momentum_decay: 0.01)",
                        lambda p: torch.optim.NAdam(p, lr=0.03, weight_decay=0.05, decoupled_weight_decay=True, momentum_decay=0.01)),
    "radam": ("RAdam(lr: 0.05)", lambda p: torch.optim.RAdam(p, lr=0.05)),
    "radam_wd": ("RAdam(lr: 0.05, weight_decay: 0.02)", lambda p: torch.optim.RAdam(p, lr=0.05, weight_decay=0.02)),
    "adadelta": ("Adadelta(lr: 1.0)", lambda p: torch.optim.Adadelta(p)),
    "adadelta_tuned": ("Adadelta(lr: 5.0, rho: 0.8, eps: 0.0001)", lambda p: torch.optim.Adadelta(p, lr=5.0, rho=0.8, eps=1e-4)),
    "adamax": ("Adamax(lr: 0.05)", lambda p: torch.optim.Adamax(p, lr=0.05)),
    # Rprop and ASGD take torch's single-tensor path (the default on the CPU; said explicitly).
    "rprop": ("Rprop()", lambda p: torch.optim.Rprop(p, foreach=False)),
    "rprop_tuned": ("Rprop(lr: 0.05, etas: (0.3, 1.5), step_sizes: (0.001, 0.5))",
                    lambda p: torch.optim.Rprop(p, lr=0.05, etas=(0.3, 1.5), step_sizes=(0.001, 0.5), foreach=False)),
    "rprop_maximize": ("Rprop(lr: 0.02, etas: (0.6, 1.1), maximize: true)",
                       lambda p: torch.optim.Rprop(p, lr=0.02, etas=(0.6, 1.1), maximize=True, foreach=False)),
    "asgd": ("ASGD(lr: 0.001)", lambda p: torch.optim.ASGD(p, lr=0.001, foreach=False)),
    "asgd_averaging": ("ASGD(lr: 0.05, lambd: 0.001, t0: 20.0)",
                       lambda p: torch.optim.ASGD(p, lr=0.05, lambd=0.001, t0=20.0, foreach=False)),
    "asgd_wd": ("ASGD(lr: 0.01, lambd: 0.01, alpha: 0.5, t0: 10.0, weight_decay: 0.05)",
                lambda p: torch.optim.ASGD(p, lr=0.01, lambd=0.01, alpha=0.5, t0=10.0, weight_decay=0.05, foreach=False)),
    "asgd_maximize": ("ASGD(lr: 0.004, lambd: 0.1, alpha: 1.0, t0: 30.0, maximize: true)",
                      lambda p: torch.optim.ASGD(p, lr=0.004, lambd=0.1, alpha=1.0, t0=30.0, maximize=True, foreach=False)),
    "lbfgs_step": ("LBFGS(lr: 0.05, max_iter: 1, history_size: 5)",
                   lambda p: torch.optim.LBFGS(p, lr=0.05, max_iter=1, history_size=5)),
    "lbfgs_wolfe": ("LBFGS(max_iter: 1, max_eval: 25, line_search_fn: StrongWolfe)",
                    lambda p: torch.optim.LBFGS(p, max_iter=1, max_eval=25, line_search_fn="strong_wolfe")),
    # torch leaves the line search no evaluations when max_eval = max_iter = 1: it never moves.
    "lbfgs_wolfe_stuck": ("LBFGS(max_iter: 1, line_search_fn: StrongWolfe)",
                          lambda p: torch.optim.LBFGS(p, max_iter=1, line_search_fn="strong_wolfe")),
    "lbfgs_default": ("LBFGS()", lambda p: torch.optim.LBFGS(p)),
    "lbfgs_wolfe_20": ("LBFGS(history_size: 3, line_search_fn: StrongWolfe)",
                       lambda p: torch.optim.LBFGS(p, history_size=3, line_search_fn="strong_wolfe")),
}

# Optimizers whose 2-D parameter is the 1 x 2 matrix [[x, y]].
ROW_OPTIMIZERS = set()


def row(name, ron, make):
    ROW_OPTIMIZERS.add(name)
    OPTIMIZERS[name] = (ron, make)


row("adafactor", "Adafactor()", lambda p: torch.optim.Adafactor(p))
row("adafactor_tuned", "Adafactor(lr: 0.05, beta2_decay: -0.5, eps: (1e-3, 1e-2), d: 2.0, weight_decay: 0.1)",
    lambda p: torch.optim.Adafactor(p, lr=0.05, beta2_decay=-0.5, eps=(1e-3, 1e-2), d=2.0, weight_decay=0.1))
row("adafactor_maximize", "Adafactor(lr: 0.02, beta2_decay: -1.2, eps: (None, 0.1), maximize: true)",
    lambda p: torch.optim.Adafactor(p, lr=0.02, beta2_decay=-1.2, eps=(None, 0.1), maximize=True))
row("muon", "Muon(lr: 0.02)", lambda p: torch.optim.Muon(p, lr=0.02))
row("muon_plain", "Muon(lr: 0.03, momentum: 0.9, nesterov: false, weight_decay: 0.0, ns_steps: 3, adjust_lr_fn: MatchRmsAdamW)",
    lambda p: torch.optim.Muon(p, lr=0.03, momentum=0.9, nesterov=False, weight_decay=0.0, ns_steps=3,
                               adjust_lr_fn="match_rms_adamw"))
row("muon_spectral", "Muon(lr: 0.05, ns_coefficients: (1.5, -0.5, 0.0), ns_steps: 10, eps: 1e-5, adjust_lr_fn: SpectralUnclamped)",
    lambda p: torch.optim.Muon(p, lr=0.05, ns_coefficients=(1.5, -0.5, 0.0), ns_steps=10, eps=1e-5,
                               adjust_lr_fn="spectral_unclamped"))
row("muon_f64", "Muon(lr: 0.05, ns_dtype: Float64)", lambda p: torch.optim.Muon(p, lr=0.05))
row("muon_f64_plain", "Muon(lr: 0.02, momentum: 0.5, nesterov: false, weight_decay: 0.2, ns_dtype: Float64)",
    lambda p: torch.optim.Muon(p, lr=0.02, momentum=0.5, nesterov=False, weight_decay=0.2))

# Muon's iteration in float64: torch's own function with float64 in place of bfloat16.
_NS_SOURCE = inspect.getsource(torch.optim._muon._zeropower_via_newtonschulz)
assert _NS_SOURCE.count("torch.bfloat16") == 1, "torch's Newton-Schulz changed"
_ns_namespace = dict(vars(torch.optim._muon))
exec(_NS_SOURCE.replace("torch.bfloat16", "torch.float64"), _ns_namespace)
NS_FLOAT64 = _ns_namespace["_zeropower_via_newtonschulz"]


@contextlib.contextmanager
def newton_schulz(float64):
    """Runs torch's Muon with its Newton-Schulz iteration in float64 (optiviz's ns_dtype: Float64)."""
    original = torch.optim._muon._zeropower_via_newtonschulz
    if float64:
        torch.optim._muon._zeropower_via_newtonschulz = NS_FLOAT64
    try:
        yield
    finally:
        torch.optim._muon._zeropower_via_newtonschulz = original


# name -> (optiviz RON, torch scheduler constructor)
SCHEDULES = {
    "step": ("Step(step_size: 7, gamma: 0.5)", lambda o: torch.optim.lr_scheduler.StepLR(o, step_size=7, gamma=0.5)),
    "exponential": ("Exponential(gamma: 0.97)", lambda o: torch.optim.lr_scheduler.ExponentialLR(o, gamma=0.97)),
    "cosine": ("Cosine(t_max: 40, eta_min: 0.001)",
               lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=40, eta_min=0.001)),
    "warmup": ("Warmup(steps: 10, start_factor: 0.1)",
               lambda o: torch.optim.lr_scheduler.LinearLR(o, start_factor=0.1, end_factor=1.0, total_iters=10)),
}

CASES = [
    # (objective, start, optimizer, steps, schedule, clip)
    ("quadratic", (-2.0, 1.5), "sgd", 60, None, None),
    ("quadratic", (-2.0, 1.5), "momentum", 80, None, None),
    ("quadratic", (1.7, 2.2), "nesterov", 80, None, None),
    ("quadratic", (-2.0, 1.5), "dampened", 80, None, None),
    ("rosenbrock", (-1.5, 2.0), "sgd", 100, None, None),
    ("rosenbrock", (-1.5, 2.0), "momentum", 200, None, None),
    ("rosenbrock", (-1.2, 1.0), "nesterov", 150, None, None),
    ("rosenbrock", (-1.5, 2.0), "adagrad", 150, None, None),
    ("rosenbrock", (-1.5, 2.0), "rmsprop", 150, None, None),
    ("rosenbrock", (0.5, -0.5), "rmsprop_centered", 150, None, None),
    ("rosenbrock", (-1.5, 2.0), "adam", 200, None, None),
    ("rosenbrock", (-1.5, 2.0), "adam_amsgrad", 150, None, None),
    ("rosenbrock", (-1.5, 2.0), "adamw", 150, None, None),
    ("rosenbrock", (-1.5, 2.0), "nadam", 150, None, None),
    ("himmelblau", (0.0, 0.0), "radam", 150, None, None),
    ("rosenbrock", (-1.5, 2.0), "adadelta", 150, None, None),
    ("rosenbrock", (-1.5, 2.0), "adamax", 150, None, None),
    ("rosenbrock", (-1.2, 1.0), "lbfgs_wolfe", 40, None, None),
    ("rosenbrock", (-1.2, 1.0), "lbfgs_wolfe_20", 5, None, None),
    ("rosenbrock", (-1.2, 1.0), "lbfgs_wolfe_stuck", 3, None, None),
    ("quadratic", (-2.0, 1.5), "adam_low_beta", 100, None, None),
    ("quadratic", (-2.0, 1.5), "radam_wd", 100, None, None),
    ("quadratic", (-2.0, 1.5), "lbfgs_step", 30, None, None),
    ("quadratic", (-2.0, 1.5), "lbfgs_default", 3, None, None),
    ("beale", (1.0, 1.5), "adam", 150, None, None),
    ("beale", (1.0, 1.5), "nadam_decoupled", 150, None, None),
    ("beale", (-1.0, -1.0), "lbfgs_wolfe", 30, None, None),
    ("himmelblau", (0.0, 0.0), "momentum", 100, None, None),
    ("himmelblau", (-1.0, 0.5), "adagrad", 100, None, None),
    ("himmelblau", (0.5, -4.0), "adamax", 120, None, None),
    ("styblinski", (0.5, 4.5), "adam", 150, None, None),
    ("styblinski", (0.5, 4.5), "adadelta_tuned", 120, None, None),
    ("saddle", (1.5, 1e-3), "momentum", 150, None, None),
    ("saddle", (1.5, 0.2), "rmsprop", 150, None, None),
    ("rosenbrock", (-1.5, 2.0), "adam", 80, "step", None),
    ("rosenbrock", (-1.5, 2.0), "momentum", 80, "exponential", None),
    ("quadratic", (-2.0, 1.5), "adam", 80, "cosine", None),
    ("quadratic", (-2.0, 1.5), "sgd", 40, "warmup", None),
    ("rosenbrock", (-1.5, 2.0), "rprop", 150, None, None),
    ("quadratic", (-2.0, 1.5), "rprop_tuned", 120, None, None),
    ("beale", (1.0, 1.5), "rprop", 150, None, None),
    ("styblinski", (0.5, 4.5), "rprop_tuned", 100, None, None),
    ("himmelblau", (0.5, 0.5), "rprop_maximize", 120, None, None),
    ("quadratic", (-2.0, 1.5), "rprop", 60, "warmup", None),
    ("rosenbrock", (-1.5, 2.0), "asgd", 150, None, None),
    ("quadratic", (-2.0, 1.5), "asgd_averaging", 150, None, None),
    ("styblinski", (0.5, 4.5), "asgd_wd", 150, None, None),
    ("himmelblau", (0.5, 0.5), "asgd_maximize", 120, None, None),
    ("saddle", (1.5, 0.2), "asgd_averaging", 100, None, None),
    ("quadratic", (-2.0, 1.5), "asgd_averaging", 80, "step", None),
    ("rosenbrock", (-1.5, 2.0), "sgd", 60, None, ("Norm", 10.0)),
    ("rosenbrock", (-1.5, 2.0), "momentum", 60, None, ("Value", 5.0)),
    ("rosenbrock", (-1.5, 2.0), "adafactor", 200, None, None),
    ("quadratic", (-2.0, 1.5), "adafactor_tuned", 150, None, None),
    ("beale", (1.0, 1.5), "adafactor", 150, None, None),
    ("styblinski", (0.5, 4.5), "adafactor_tuned", 150, None, None),
    ("himmelblau", (0.5, 0.5), "adafactor_maximize", 120, None, None),
    ("quadratic", (-2.0, 1.5), "adafactor_tuned", 80, "cosine", None),
    ("rosenbrock", (-1.5, 2.0), "muon", 200, None, None),
    ("quadratic", (-2.0, 1.5), "muon", 150, None, None),
    ("beale", (1.0, 1.5), "muon_plain", 150, None, None),
    ("himmelblau", (0.0, 0.0), "muon_spectral", 120, None, None),
    ("styblinski", (0.5, 4.5), "muon_plain", 150, None, None),
    ("quadratic", (-2.0, 1.5), "muon", 80, "warmup", None),
    # Muon's steps have a constant length: at a minimum it hops around chaotically, and there
    # rounding differences of the gradient grow a thousandfold in a few steps. Rosenbrock's
    # float64 case stops as it arrives (step 110 of 200).
    ("rosenbrock", (-1.5, 2.0), "muon_f64", 110, None, None),
    ("himmelblau", (0.0, 0.0), "muon_f64_plain", 150, None, None),
    ("saddle", (1.5, 0.2), "muon_f64", 100, None, None),
]


def run_case(objective, start, optimizer, steps, schedule, clip):
    with newton_schulz("ns_dtype: Float64" in OPTIMIZERS[optimizer][0]):
        return run_case_with(objective, start, optimizer, steps, schedule, clip)


def run_case_with(objective, start, optimizer, steps, schedule, clip):
    _, f_point = OBJECTIVES[objective]
    if optimizer in ROW_OPTIMIZERS:
        p = torch.tensor([start], requires_grad=True)

        def f(q):
            return f_point(q[0])
    else:
        p = torch.tensor(start, requires_grad=True)
        f = f_point
    opt = OPTIMIZERS[optimizer][1]([p])
    sched = SCHEDULES[schedule][1](opt) if schedule else None

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

    points = [p.detach().reshape(-1).tolist()]
    # ASGD's averaged iterate ax; before the first step the start point stands for it.
    averaged = [p.detach().tolist()] if isinstance(opt, torch.optim.ASGD) else None
    for _ in range(steps):
        if isinstance(opt, torch.optim.LBFGS):
            opt.step(closure)
        else:
            closure()
            opt.step()
        if sched is not None:
            sched.step()
        points.append(p.detach().reshape(-1).tolist())
        if averaged is not None:
            averaged.append(opt.state[p]["ax"].tolist())
    return points, averaged


def preset(objective, start, optimizer, steps, schedule, clip):
    run = f"optimizer: {OPTIMIZERS[optimizer][0]}, start: ({start[0]!r}, {start[1]!r})"
    if schedule:
        run += f", schedule: {SCHEDULES[schedule][0]}"
    if clip:
        run += f", clip: {clip[0]}({clip[1]!r})"
    return f"(objective: {OBJECTIVES[objective][0]}, steps: {steps}, runs: [({run})])"


def linear_layers(model):
    return [m for m in model if isinstance(m, torch.nn.Linear)]


def adafactor_everywhere(**kwargs):
    return lambda model: [torch.optim.Adafactor(model.parameters(), foreach=False, **kwargs)]


def muon_and_adamw(muon, adamw):
    """Muon on the weights between hidden layers, AdamW on the first and last weights and all biases."""

    def make(model):
        layers = linear_layers(model)
        hidden = [layer.weight for layer in layers[1:-1]]
        rest = [layers[0].weight, layers[-1].weight] + [layer.bias for layer in layers]
        return [torch.optim.Muon(hidden, **muon), torch.optim.AdamW(rest, foreach=False, **adamw)]

    return make


# (name, hidden layers, optiviz optimizer RON, torch optimizers for the model, steps)
MLP_CASES = [
    ("adafactor-8-5", [8, 5], "Adafactor(lr: 0.05)", adafactor_everywhere(lr=0.05), 30),
    ("adafactor-tuned-4-7-3", [4, 7, 3],
     "Adafactor(lr: 0.03, beta2_decay: -0.6, eps: (1e-20, 1e-3), d: 1.5, weight_decay: 0.05)",
     adafactor_everywhere(lr=0.03, beta2_decay=-0.6, eps=(1e-20, 1e-3), d=1.5, weight_decay=0.05), 30),
    ("muon-8-5", [8, 5], "Muon(lr: 0.02, adamw: (lr: 0.01))",
     muon_and_adamw(dict(lr=0.02), dict(lr=0.01)), 30),
    ("muon-match-rms-4-7-3", [4, 7, 3],
     "Muon(lr: 0.05, momentum: 0.9, adjust_lr_fn: MatchRmsAdamW, adamw: (lr: 0.005, betas: (0.8, 0.99), weight_decay: 0.0))",
     muon_and_adamw(dict(lr=0.05, momentum=0.9, adjust_lr_fn="match_rms_adamw"),
                    dict(lr=0.005, betas=(0.8, 0.99), weight_decay=0.0)), 30),
    ("muon-16-12-16", [16, 12, 16], "Muon(lr: 0.02, adamw: (lr: 0.01))",
     muon_and_adamw(dict(lr=0.02), dict(lr=0.01)), 30),
    ("muon-f64-4-7-3", [4, 7, 3], "Muon(lr: 0.05, nesterov: false, ns_dtype: Float64, adamw: (lr: 0.01))",
     muon_and_adamw(dict(lr=0.05, nesterov=False), dict(lr=0.01)), 30),
]


def flat(model):
    """optiviz's layout: per layer the weight (out x in) column-major, then the bias."""
    parts = []
    for layer in linear_layers(model):
        parts += layer.weight.detach().t().reshape(-1).tolist() + layer.bias.detach().tolist()
    return parts


def run_mlp_case(hidden, ron, make, steps, seed=7):
    torch.manual_seed(seed)
    x = 2.0 * torch.randn(24, 2)
    y = (x[:, 0] * x[:, 1] > 0).to(torch.float64)
    sizes = [2] + hidden + [1]
    modules = []
    for i, (n_in, n_out) in enumerate(zip(sizes, sizes[1:])):
        modules.append(torch.nn.Linear(n_in, n_out))
        if i + 2 < len(sizes):
            modules.append(torch.nn.Tanh())
    model = torch.nn.Sequential(*modules)
    optimizers = make(model)
    params = [flat(model)]
    with newton_schulz("ns_dtype: Float64" in ron):
        for _ in range(steps):
            for o in optimizers:
                o.zero_grad()
            loss = torch.nn.functional.binary_cross_entropy_with_logits(model(x).squeeze(1), y)
            loss.backward()
            for o in optimizers:
                o.step()
            params.append(flat(model))
    return {"inputs": x.tolist(), "labels": y.tolist(), "params": params}


def main():
    data = pathlib.Path(__file__).resolve().parent.parent / "tests" / "data"
    mlp_cases = []
    for name, hidden, ron, make, steps in MLP_CASES:
        case = {"name": name, "hidden": hidden, "optimizer": ron}
        case.update(run_mlp_case(hidden, ron, make, steps))
        assert all(math.isfinite(v) for p in case["params"] for v in p), name
        mlp_cases.append(case)
    # One line per weight vector: the file stays small and its diffs readable.
    text = json.dumps({"torch_version": torch.__version__, "dtype": "float64", "cases": ["CASES"]}, indent=1)
    cases_text = ",\n".join(
        "{" + ", ".join(f"{json.dumps(k)}: {json.dumps(v)}" for k, v in case.items() if k != "params")
        + ', "params": [\n' + ",\n".join(json.dumps(p) for p in case["params"]) + "]}"
        for case in mlp_cases
    )
    (data / "torch_mlp_reference.json").write_text(text.replace('"CASES"', cases_text) + "\n")
    print(f"wrote {len(mlp_cases)} MLP cases to {data / 'torch_mlp_reference.json'}")
    cases = []
    for objective, start, optimizer, steps, schedule, clip in CASES:
        name = "-".join(filter(None, [objective, optimizer, schedule, clip and clip[0].lower()]))
        points, averaged = run_case(objective, start, optimizer, steps, schedule, clip)
        assert all(math.isfinite(v) for pt in points + (averaged or []) for v in pt), name
        case = {"name": name, "preset": preset(objective, start, optimizer, steps, schedule, clip), "points": points}
        if averaged is not None:
            case["averaged"] = averaged
        cases.append(case)
    out = pathlib.Path(__file__).resolve().parent.parent / "tests" / "data" / "torch_reference.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    doc = {"torch_version": torch.__version__, "dtype": "float64", "cases": cases}
    out.write_text(json.dumps(doc, indent=1) + "\n")
    print(f"wrote {len(cases)} cases to {out}")


if __name__ == "__main__":
    main()
