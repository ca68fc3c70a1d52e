"""The `scale` scenario's results as the Markdown table of bench/README.md ("City-scale data"):

    .venv/bin/python bench/scale_table.py bench/results/<after>-scale.json [--before bench/results/<before>-scale.json]

One row per path: p50/p95 in ms at each size measured, the p95 ratio largest/smallest size, the target and whether
it is met (issue 17), and with --before the p95 of the code before at the same sizes.
"""
import argparse
import json
from pathlib import Path

TARGETS = {"similar_ideas": "≤ 50 ms at 100k, ≤ 2×", "similar_across_schemes": "≤ 50 ms at 100k, ≤ 2×",
           "ideas_search_common_word": "≤ 50 ms at 100k, ≤ 2×", "ideas_search_rare_word": "≤ 50 ms at 100k, ≤ 2×",
           "ideas_search_no_match_word": "≤ 50 ms at 100k, ≤ 2×", "submit_idea": "within 10 % of before",
           "idea_page_while_8_similar": "p95 ≤ 2× idle", "routing_inbox_last_page_by_number": "(reported)"}


def cell(figures: dict | None) -> str:
    if not figures or figures.get("p95_ms") is None:
        return "—"
    errors = f" ({figures['errors']} err.)" if figures.get("errors") else ""
    return f"{figures['p50_ms']:.0f} / {figures['p95_ms']:.0f}{errors}"


def verdict(target: dict | None) -> str:
    if not target or target.get("met") is None:
        return "—"
    return "yes" if target["met"] else "**no**"


def table(after: dict, before: dict | None) -> str:
    sizes = sorted(after["sizes"], key=int)
    before_sizes = sorted(before["sizes"], key=int) if before else []
    head = ["path", *(f"{int(s):,} p50 / p95" for s in sizes), "p95 ratio", "target", "met"]
    head += [f"before {int(s):,}" for s in before_sizes]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for name in after["sizes"][sizes[-1]]["paths"]:
        row = [f"`{name}`", *(cell(after["sizes"][s]["paths"].get(name)) for s in sizes),
               str(after["p95_ratio_largest_over_smallest"].get(name, "—")),
               TARGETS.get(name, "≤ 150 ms, ≤ 2×"), verdict(after["targets"].get(name))]
        if name == "idea_page_while_8_similar":
            row[-3] = str(after["sizes"][sizes[-1]]["idea_page_under_similarity"]["p95_ratio"]) + " (vs idle)"
        row += [cell(before["sizes"][s]["paths"].get(name)) for s in before_sizes]
        lines.append("| " + " | ".join(row) + " |")
    memory = [f"{int(s):,}: {after['sizes'][s]['ideas_memory']['idle']['rss_mib']} → "
              f"{after['sizes'][s]['ideas_memory']['after_probes']['rss_mib']} MiB "
              f"(peak {after['sizes'][s]['ideas_memory']['after_probes']['peak_mib']})" for s in sizes]
    lines.append("")
    lines.append(f"Ideas service memory, idle → after the probes: {'; '.join(memory)}; target met: "
                 f"{verdict(after['targets'].get('ideas_memory'))}.")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("after", type=Path)
    parser.add_argument("--before", type=Path)
    args = parser.parse_args()
    before = json.loads(args.before.read_text()) if args.before else None
    print(table(json.loads(args.after.read_text()), before))


if __name__ == "__main__":
    main()
