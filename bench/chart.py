#!/usr/bin/python3
"""Charts of benchmark results: requests per second, gateway CPU per request and latency added
over the direct upstream, per target and scenario, from one or more of the harness's results.tsv files (Debian's
python3-matplotlib).

    bench/chart.py RESULTS.tsv [MORE.tsv ...] -o chart.png

Each row of a results.tsv is one target on one scenario (a run measures every target twice: the
rows of a target and scenario are averaged). Panels: req/s; the gateway's CPU per request
(gw_cpu_us_per_req, user + system of the target's processes); the p50 and p99 latency added over
`direct` in the same run (p50_add_us, p99_add_us), where the run measured `direct`.
"""

import argparse
import csv
import statistics
import sys
from collections import defaultdict

try:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError:
    sys.exit("bench/chart.py needs matplotlib: apt-get install python3-matplotlib")


def number(text):
    try:
        return float(text)
    except (TypeError, ValueError):
        return None


def read(paths):
    """{(scenario, target): {"rps": [...], "p50_add": [...], "p99_add": [...]}}, run ids."""
    rows = defaultdict(lambda: defaultdict(list))
    runs = []
    for path in paths:
        with open(path, newline="") as f:
            for r in csv.DictReader(f, delimiter="\t"):
                if r.get("status") != "ok":
                    continue
                key = (r["scenario"], r["target"])
                for field, name in (("rps", "rps"), ("gw_cpu_us_per_req", "cpu"),
                                    ("p50_add_us", "p50_add"), ("p99_add_us", "p99_add")):
                    v = number(r.get(field))
                    if v is not None:
                        rows[key][name].append(v)
                if r["run_id"] not in runs:
                    runs.append(r["run_id"])
    return rows, runs


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("tsv", nargs="+")
    ap.add_argument("-o", "--output", default="bench-chart.png")
    args = ap.parse_args()
    rows, runs = read(args.tsv)
    if not rows:
        sys.exit("no ok rows in " + ", ".join(args.tsv))
    scenarios = sorted({s for s, _ in rows})
    targets = sorted({t for _, t in rows}, key=lambda t: (t != "direct", t != "nginx", t))
    width = 0.8 / len(targets)

    fig, (left, middle, right) = plt.subplots(1, 3, figsize=(9 + 3 * len(scenarios), 4.5))
    for i, target in enumerate(targets):
        xs, rps, cpu, p50, p99 = [], [], [], [], []
        for j, scenario in enumerate(scenarios):
            m = rows.get((scenario, target))
            if not m:
                continue
            x = j + (i - (len(targets) - 1) / 2) * width
            xs.append(x)
            rps.append(statistics.mean(m["rps"]) if m["rps"] else 0)
            cpu.append(statistics.mean(m["cpu"]) if m["cpu"] else 0)
            p50.append(statistics.mean(m["p50_add"]) if m["p50_add"] else 0)
            p99.append(statistics.mean(m["p99_add"]) if m["p99_add"] else 0)
        left.bar(xs, rps, width, label=target)
        middle.bar(xs, cpu, width, label=target)
        if target != "direct" and any(p50 + p99):
            right.bar([x - width / 4 for x in xs], p50, width / 2, label=f"{target} p50")
            right.bar([x + width / 4 for x in xs], p99, width / 2, label=f"{target} p99", alpha=0.6)
    if not right.get_legend_handles_labels()[0]:
        right.text(0.5, 0.5, "no direct target in these runs", ha="center", va="center",
                   transform=right.transAxes)
    for ax, title, unit in ((left, "throughput", "requests per second"),
                            (middle, "gateway CPU per request", "µs"),
                            (right, "latency added over direct", "µs")):
        ax.set_xticks(range(len(scenarios)))
        ax.set_xticklabels(scenarios)
        ax.set_title(title)
        ax.set_ylabel(unit)
        ax.grid(axis="y", alpha=0.3)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize="small")
    fig.suptitle("runs " + ", ".join(runs), fontsize="small")
    fig.tight_layout()
    fig.savefig(args.output, dpi=110)
    print("wrote", args.output)


if __name__ == "__main__":
    main()
