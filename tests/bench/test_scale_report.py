"""bench/scale.py's report: percentiles, ratios largest/smallest size and issue 17's targets, from probe figures."""
import importlib.util
import sys
from argparse import Namespace
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench"
ARGS = Namespace(samples=40, seed=17, baseline=None, no_vacuum=False)


def load(name: str):
    sys.path.insert(0, str(BENCH))
    try:
        spec = importlib.util.spec_from_file_location(name, BENCH / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(BENCH))


scale, probes = load("scale"), load("scale_probes")


def figures(p95: float, errors: int = 0) -> dict:
    return {"p50_ms": p95 / 2, "p95_ms": p95, "requests": 40, "errors": errors}


def size(similar: float, inbox: float, memory=(100.0, 120.0, 130.0), concurrent_ratio=1.5) -> dict:
    return {"paths": {"similar_ideas": figures(similar), "ideas_search_rare_word": figures(20),
                      "routing_inbox_last_page": figures(inbox), "idea_page_idle": figures(10),
                      "idea_page_while_8_similar": figures(10 * concurrent_ratio), "submit_idea": figures(30)},
            "idea_page_under_similarity": {"p95_ratio": concurrent_ratio},
            "ideas_memory": {"idle": {"rss_mib": memory[0]}, "growth_mib": memory[1] - memory[0],
                             "peak_over_idle_mib": memory[2] - memory[0]}}


def test_percentiles_of_the_samples():
    values = list(range(1, 101))
    assert probes.percentile(values, 0.5) in (50, 51) and probes.percentile(values, 0.95) in (95, 96)
    assert probes.percentile([7.0], 0.95) == 7.0
    assert probes.summary([], 3, ["503"]) ["p95_ms"] is None


def test_targets_met_at_100000_ideas():
    document = scale.report({2_000: size(20, 40), 100_000: size(35, 60)}, ARGS,
                            (1.0, 1.0, 1.0))
    assert document["p95_ratio_largest_over_smallest"]["similar_ideas"] == 1.75
    assert document["config"]["vacuumed"] is True  # the state autovacuum keeps a box in (bench/scale.py settled)
    targets = document["targets"]
    assert targets["similar_ideas"]["met"] and targets["routing_inbox_last_page"]["met"]
    assert targets["idea_page_while_8_similar"]["met"] and targets["ideas_memory"]["met"]
    assert targets["submit_idea"]["met"] is None  # compared with the code before, not with a limit


def test_targets_missed_say_so():
    document = scale.report({2_000: size(20, 40), 100_000: size(60, 90, memory=(100, 120, 200), concurrent_ratio=3)},
                            ARGS, (1.0, 1.0, 1.0))
    targets = document["targets"]
    assert targets["similar_ideas"]["met"] is False  # 60 ms > 50 ms (and 3x growth)
    assert targets["routing_inbox_last_page"]["met"] is False  # 90 / 40 > 2x
    assert targets["ideas_memory"]["met"] is False and targets["idea_page_while_8_similar"]["met"] is False


def test_below_100000_ideas_the_search_targets_are_not_judged():
    document = scale.report({2_000: size(20, 40), 20_000: size(25, 45)}, ARGS,
                            (1.0, 1.0, 1.0))
    assert document["targets"]["similar_ideas"]["met"] is None
    assert document["targets"]["routing_inbox_last_page"]["met"] is True


def test_against_a_baseline():
    baseline = {"sizes": {"2000": size(40, 80)}}
    assert scale.against(baseline, {2_000: size(20, 40)})["2000"]["similar_ideas"] == 0.5


def test_a_path_with_error_answers_is_not_met_whatever_its_figures():
    timed_out = size(20, 40)
    timed_out["paths"]["routing_inbox_last_page"]["errors"] = 2
    timed_out["paths"]["idea_page_idle"]["errors"] = 1
    document = scale.report({2_000: size(20, 40), 20_000: timed_out}, ARGS,
                            (1.0, 1.0, 1.0))
    assert document["targets"]["routing_inbox_last_page"]["met"] is False
    assert document["targets"]["idea_page_while_8_similar"]["met"] is False
