"""What both peer scripts share: their command line and optiviz's figures of the same run."""
import argparse
import json
import subprocess


def parser(doc):
    """The peers' common options: the optiviz binary, --bench-json, --out and --quick."""
    p = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    p.add_argument("binary", nargs="?", default="target/release/optiviz")
    p.add_argument("--bench-json", metavar="FILE", help="figures of an `optiviz bench --json` run")
    p.add_argument("--out", metavar="FILE", help="write the peer's figures as JSON")
    p.add_argument("--quick", action="store_true", help="short runs: a look, not a measurement")
    return p


def optiviz_figures(args, only):
    """optiviz's figures: from --bench-json, else from the binary run on the workloads `only` names."""
    if args.bench_json:
        with open(args.bench_json) as f:
            return json.load(f)
    cmd = [args.binary, "bench", "--json"]
    for o in only:
        cmd += ["--only", o]
    if args.quick:
        cmd.append("--quick")
    return json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
