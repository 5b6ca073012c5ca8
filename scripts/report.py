#!/usr/bin/env python3
"""Report of `kvzip eval` results: a Markdown table and plots.

    python3 scripts/report.py -o DIR results.jsonl [more.jsonl ...]
    (or: kvzip report results.jsonl -o DIR)

Writes DIR/report.md (per model and task: score relative to the full cache,
agreement with the full-cache answer, the same as a text plot, top-1 flips and probability change of the
full-cache answer's tokens, per method and kept ratio), DIR/summary.csv
(every aggregate), and, when matplotlib is installed (scripts/setup_report_env.sh),
DIR/<model>_relative_score.png and DIR/<model>_agreement.png: one line per
method, score relative to the full cache (y) against the kept ratio (x), one
panel per task, like the KVzip paper's benchmark figure.
"""
import argparse
import csv
import json
import os
import sys
from collections import defaultdict

METHOD_ORDER = ["kvzip", "kvzip-uniform", "kvzip-head", "kvzip-plus", "snapkv", "h2o", "streamingllm", "knorm", "random"]


def read_results(paths):
    rows = []
    for path in paths:
        with open(path, encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                line = line.strip()
                if not line:
                    continue
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError:
                    print(f"{path}:{n}: skipped (not a complete JSON line)", file=sys.stderr)
    return rows


def panel_name(task, ctx, ctxs):
    return f"{task} ({ctx} tok)" if len(ctxs) > 1 else task


def aggregate(rows):
    """(model, panel, method, ratio) -> aggregates over examples and questions."""
    groups = defaultdict(list)
    ctxs_by_task = defaultdict(set)
    for r in rows:
        ctxs_by_task[(r["model"], r["task"])].add(r["ctx_len"])
    for r in rows:
        panel = panel_name(r["task"], r["ctx_len"], ctxs_by_task[(r["model"], r["task"])])
        groups[(r["model"], panel, r["method"], float(r["ratio"]))].append(r)
    out = {}
    for key, g in groups.items():
        n = len(g)
        score = sum(r["score"] for r in g)
        full = sum(r["full_score"] for r in g)
        tokens = sum(r["answer_tokens"] for r in g)
        out[key] = {
            "n": n,
            "ratio_kept": sum(r["ratio_kept"] for r in g) / n,
            "score": score / n,
            "full_score": full / n,
            # Relative to the full cache: summed scores, so examples the full cache misses weigh nothing.
            "relative": score / full if full > 0 else None,
            "agreement": sum(1 for r in g if r["same_as_full"]) / n,
            "prob_change": sum(r["prob_change"] for r in g) / n,
            "flips_per_token": sum(r["top1_flips"] for r in g) / tokens if tokens else 0.0,
            "metric": g[0]["metric"],
        }
    return out


def ordered_methods(methods):
    known = [m for m in METHOD_ORDER if m in methods]
    return known + sorted(m for m in methods if m not in METHOD_ORDER)


def pct(x):
    return "–" if x is None else f"{100 * x:.0f}"


def ratio_table(agg, model, panel, methods, ratios, cell):
    """A Markdown table: one row per method, one column per ratio, cell(aggregate) in each."""
    lines = ["| method | " + " | ".join(f"{r:g}" for r in ratios) + " |", "|---|" + "---:|" * len(ratios)]
    for m in methods:
        cells = [cell(agg[(model, panel, m, r)]) if (model, panel, m, r) in agg else "" for r in ratios]
        lines.append(f"| {m} | " + " | ".join(cells) + " |")
    return lines


def head_to_head(agg, model, panel, methods, ratios, ours="kvzip"):
    """Where KVzip wins or loses against each other method: at how many ratios its
    score relative to the full cache (the agreement where the full cache scores
    0) is higher, equal or lower, and the mean difference in points."""
    if ours not in methods:
        return []
    lines = [f"{ours} against each method, ratio by ratio: ratios where {ours} scores higher / the same / lower "
             "(relative score; agreement when the full cache scores 0), and the mean difference in points.", "",
             "| method | higher | same | lower | mean difference |", "|---|---:|---:|---:|---:|"]
    for m in methods:
        if m == ours:
            continue
        diffs = []
        for r in ratios:
            a, b = agg.get((model, panel, ours, r)), agg.get((model, panel, m, r))
            if a is None or b is None:
                continue
            what = "relative" if a["relative"] is not None and b["relative"] is not None else "agreement"
            diffs.append(100 * (a[what] - b[what]))
        if diffs:
            higher = sum(1 for d in diffs if d > 0.5)
            lower = sum(1 for d in diffs if d < -0.5)
            lines.append(f"| {m} | {higher} | {len(diffs) - higher - lower} | {lower} | {sum(diffs) / len(diffs):+.0f} |")
    return lines + [""]


BLOCKS = "▁▂▃▄▅▆▇█"


def text_plot(agg, model, panel, methods, ratios):
    """The plot as text, for terminals and notes: one row per method, one
    character per ratio, its height the score relative to the full cache
    (· = 0, █ = 100 % or more); the agreement with the full-cache answer
    where the full cache scores 0."""
    def level(a):
        v = a["relative"] if a["relative"] is not None else a["agreement"]
        return "·" if v <= 0 else BLOCKS[min(len(BLOCKS) - 1, max(0, round(v * len(BLOCKS)) - 1))]

    width = max(len(m) for m in list(methods) + ["kept ratio"])
    lines = ["```", f"{'kept ratio':<{width}}  {' '.join(f'{r:g}' for r in ratios)}"]
    for m in methods:
        cells = []
        for r in ratios:
            a = agg.get((model, panel, m, r))
            # Each cell under its ratio's label.
            cells.append((level(a) if a else " ").center(len(f"{r:g}")))
        lines.append(f"{m:<{width}}  {' '.join(cells)}")
    return lines + ["```", ""]


def write_markdown(agg, path):
    models = sorted({k[0] for k in agg})
    lines = ["# kvzip eval report", ""]
    for model in models:
        panels = sorted({k[1] for k in agg if k[0] == model})
        for panel in panels:
            keys = [k for k in agg if k[0] == model and k[1] == panel]
            methods = ordered_methods({k[2] for k in keys})
            ratios = sorted({k[3] for k in keys})
            any_key = keys[0]
            n = agg[any_key]["n"]
            full = agg[any_key]["full_score"]
            lines += [f"## {model} — {panel}", "",
                      f"{n} answers per cell; full-cache {agg[any_key]['metric']}: {100 * full:.0f} %. "
                      "Cells: score relative to the full cache, % (agreement with the full-cache answer, %).", ""]
            lines += ratio_table(agg, model, panel, methods, ratios,
                                 lambda a: f"{pct(a['relative'])} ({pct(a['agreement'])})")
            lines += ["", "The same as a text plot (height: relative score, · = 0, █ = 100 %):", ""]
            lines += text_plot(agg, model, panel, methods, ratios)
            lines += ["", "Fidelity on the full-cache answer (teacher-forced): top-1 flips per answer token "
                      "(mean answer-token probability change).", ""]
            lines += ratio_table(agg, model, panel, methods, ratios,
                                 lambda a: f"{a['flips_per_token']:.2f} ({a['prob_change']:+.2f})")
            lines.append("")
            lines += head_to_head(agg, model, panel, methods, ratios)
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines))


def write_csv(agg, path):
    fields = ["model", "task", "method", "ratio", "n", "ratio_kept", "score", "full_score", "relative", "agreement",
              "prob_change", "flips_per_token", "metric"]
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(fields)
        for (model, panel, method, ratio), a in sorted(agg.items()):
            w.writerow([model, panel, method, ratio] + [a[k] for k in fields[4:]])


def safe(name):
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name)


def plot(agg, out_dir):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("plots skipped: matplotlib is not installed (run scripts/setup_report_env.sh)", file=sys.stderr)
        return []
    written = []
    for model in sorted({k[0] for k in agg}):
        panels = sorted({k[1] for k in agg if k[0] == model})
        for what, label in [("relative", "score relative to full cache"), ("agreement", "same answer as full cache")]:
            cols = min(3, len(panels))
            rows = (len(panels) + cols - 1) // cols
            fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 3.4 * rows), squeeze=False)
            for i, panel in enumerate(panels):
                ax = axes[i // cols][i % cols]
                keys = [k for k in agg if k[0] == model and k[1] == panel]
                for m in ordered_methods({k[2] for k in keys}):
                    pts = sorted((agg[k]["ratio_kept"], agg[k][what]) for k in keys if k[2] == m and agg[k][what] is not None)
                    if pts:
                        style = "-o" if m.startswith("kvzip") else "--."
                        ax.plot([p[0] for p in pts], [p[1] for p in pts], style, label=m, linewidth=2 if m == "kvzip" else 1.2)
                if not ax.lines:
                    ax.text(0.5, 0.5, "full cache scores 0:\nnothing to compare", ha="center", va="center",
                            transform=ax.transAxes, color="gray")
                ax.set_title(panel)
                ax.set_xlabel("KV ratio kept")
                ax.set_ylabel(label)
                ax.set_xlim(0, 1.02)
                ax.set_ylim(-0.02, 1.1 if what == "agreement" else None)
                ax.grid(alpha=0.3)
            for j in range(len(panels), rows * cols):
                axes[j // cols][j % cols].axis("off")
            legend = {}
            for ax in axes.flat:
                for h, lab in zip(*ax.get_legend_handles_labels()):
                    legend.setdefault(lab, h)
            if legend:
                fig.legend(list(legend.values()), list(legend.keys()), loc="lower center", ncol=min(8, len(legend)),
                           fontsize=8)
            fig.suptitle(f"{model}: {label}")
            fig.tight_layout(rect=(0, 0.07, 1, 0.95))
            path = os.path.join(out_dir, f"{safe(model)}_{what}.png")
            fig.savefig(path, dpi=110)
            plt.close(fig)
            written.append(path)
    return written


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("results", nargs="+", help="kvzip eval results (.jsonl)")
    p.add_argument("-o", "--output-dir", required=True)
    a = p.parse_args()
    rows = read_results(a.results)
    if not rows:
        sys.exit("report: no results in " + ", ".join(a.results))
    os.makedirs(a.output_dir, exist_ok=True)
    agg = aggregate(rows)
    write_markdown(agg, os.path.join(a.output_dir, "report.md"))
    write_csv(agg, os.path.join(a.output_dir, "summary.csv"))
    written = plot(agg, a.output_dir)
    print(f"report: {len(rows)} results -> {a.output_dir}/report.md, summary.csv" +
          "".join(", " + os.path.basename(w) for w in written), file=sys.stderr)


if __name__ == "__main__":
    main()
