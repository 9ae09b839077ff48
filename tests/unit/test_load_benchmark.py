"""The load benchmark's walks (benchmarks/load.py) ask questions the what-if page answers with a frontier.

A setting with no feasible portfolio draws no frontier star, so a session waiting for the star would wait until its
step timed out: the budgets the crowd and the soak visit must all be feasible on the demo store, and the soak's
settings must all differ. Checked on the model, without a browser.
"""

from __future__ import annotations

import base64
import itertools
import json
import math
import statistics

import pytest
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from analytics import optimize
from benchmarks import load

#: The sliders' steps and ranges (ui/whatif.controls): budget 40-160 % in 5s, discount rate 0-25 % in 0.5 %.
BUDGET_RANGE, RATE_STEP, RATE_MAX = (40, 160), 0.005, 0.25
STEP_OF_KEY = {"ArrowRight": 1, "ArrowLeft": -1}


@pytest.fixture(scope="module")
def model(demo_store_path):
    from analytics import store

    with store.connect(demo_store_path, read_only=True) as con:
        return optimize.prepare_model(con)


def crowd_budgets() -> set[int]:
    visited = set()
    for number in range(load.BUDGET_STARTS):
        budget = load.Person(number).budget_pct
        visited.add(budget)
        for key in load._move_keys(5):
            budget += STEP_OF_KEY[key] * load.BUDGET_STEP_PCT
            visited.add(budget)
    return visited


def soak_settings(settings: int) -> list[tuple[int, float]]:
    budget, rate_steps = load.FIRST_BUDGET_PCT, 0
    visited = [(budget, 0.0)]
    for label, key in load._soak_keys(settings):
        if label == load.BUDGET_LABEL:
            budget += STEP_OF_KEY[key] * load.BUDGET_STEP_PCT
        else:
            rate_steps += STEP_OF_KEY[key]
        visited.append((budget, round(rate_steps * RATE_STEP, 4)))
    return visited


def test_the_soak_visits_a_new_setting_with_every_key_press_inside_the_sliders_ranges():
    visited = soak_settings(500)
    assert len(set(visited)) == len(visited) == 501
    assert all(BUDGET_RANGE[0] <= b <= BUDGET_RANGE[1] and 0 <= r <= RATE_MAX for b, r in visited)


def test_every_budget_the_crowd_and_the_soak_visit_has_a_feasible_portfolio_on_the_demo_store(model):
    budgets = crowd_budgets() | {b for b, _ in soak_settings(500)}
    assert all(BUDGET_RANGE[0] <= b <= BUDGET_RANGE[1] for b in budgets)
    infeasible = [
        b for b in sorted(budgets) if optimize.find_conflict(optimize.apply_what_if(model, optimize.WhatIf(b)).problem)
    ]
    assert infeasible == []


def test_the_knee_is_the_first_crowd_whose_p95_passes_twice_one_sessions_and_a_failed_crowd_counts():
    def row(n, p95, settled=0.1):
        return {"sessions": n, "server_p95_s": p95, "p95_s": settled}

    assert load._knee([row(1, 1.0), row(5, 1.9), row(10, 2.1), row(20, 5.0)]) == (1.0, 10)
    assert load._knee([row(1, 1.0), row(5, 2.0)]) == (1.0, None)
    assert load._knee([row(1, 1.0), {"sessions": 5, "failed": "why", "load_before": 1.0}]) == (1.0, 5)
    # Judged on the server's figure unless asked for another: the settled one has its knee elsewhere.
    assert load._knee([row(1, 1.0, 1.0), row(5, 1.5, 9.0)]) == (1.0, None)
    assert load._knee([row(1, 1.0, 1.0), row(5, 1.5, 9.0)], "p95_s") == (1.0, 5)
    # A crowd recorded before the server's figure existed has no single-session figure to compare with.
    assert load._knee([{"sessions": 1, "p95_s": 1.0}]) == (None, None)


def test_the_percentile_is_the_nearest_rank_of_the_sorted_values():
    values = [float(v) for v in range(100, -1, -1)]  # 100 .. 0, unsorted: rank share x 100 is the value
    assert load._percentile(values, 0.5) == 50.0
    assert load._percentile(values, 0.95) == 95.0
    assert load._percentile([3.0], 0.95) == 3.0
    assert load._percentile([1.0, 9.0], 0.95) == 9.0


def frame(message) -> str:
    return base64.b64encode(message.SerializeToString()).decode()


def test_a_rerun_request_is_recognised_in_the_frames_the_browser_sends():
    rerun = BackMsg()
    rerun.rerun_script.query_string = "budget_pct=100"
    rerun.rerun_script.fragment_id = "abc"
    heartbeat = BackMsg()
    heartbeat.app_heartbeat = True
    assert load.rerun_sent(frame(rerun), opcode=2)
    assert not load.rerun_sent(frame(heartbeat), opcode=2)
    assert not load.rerun_sent(frame(rerun), opcode=1)  # a text frame is not Streamlit's
    assert not load.rerun_sent(base64.b64encode(b"\xff\xff\xff").decode(), opcode=2)


def test_script_finished_and_its_status_are_recognised_in_the_frames_the_browser_receives():
    finished = ForwardMsg()
    finished.script_finished = ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY
    early = ForwardMsg()
    early.script_finished = ForwardMsg.FINISHED_EARLY_FOR_RERUN
    delta = ForwardMsg()
    delta.delta.new_element.markdown.body = "script_finished"
    assert load.script_finished(frame(finished), opcode=2) == "FINISHED_FRAGMENT_RUN_SUCCESSFULLY"
    assert load.script_finished(frame(early), opcode=2) == "FINISHED_EARLY_FOR_RERUN"
    assert load.script_finished(frame(delta), opcode=2) is None
    assert load.script_finished(frame(finished), opcode=1) is None


def test_the_servers_latency_runs_from_the_first_rerun_to_the_first_run_that_answers_it():
    frames = [
        (9.0, "FINISHED_SUCCESSFULLY"),  # a run that ended before the press
        (10.0, "rerun"),
        (10.4, "FINISHED_EARLY_FOR_RERUN"),  # stopped by a newer rerun: answers nothing
        (10.5, "rerun"),
        (11.25, "FINISHED_FRAGMENT_RUN_SUCCESSFULLY"),
        (12.0, "FINISHED_SUCCESSFULLY"),
    ]
    assert load.server_seconds(frames) == pytest.approx(1.25)
    assert load.server_seconds(frames[:4]) is None  # the answer has not arrived
    assert load.server_seconds([(9.0, "FINISHED_SUCCESSFULLY")]) is None  # nothing was asked


def test_think_times_are_exponential_with_the_given_mean_the_same_every_run_and_different_per_person():
    first = list(itertools.islice(load.think_times(0, 10.0), 4000))
    assert first == list(itertools.islice(load.think_times(0, 10.0), 4000))
    assert first[:20] != list(itertools.islice(load.think_times(1, 10.0), 20))
    assert statistics.mean(first) == pytest.approx(10.0, rel=0.05)
    assert statistics.median(first) == pytest.approx(10.0 * math.log(2), rel=0.07)  # exponential, not uniform
    assert min(first) >= 0


def test_the_measuring_window_opens_when_the_last_person_has_loaded():
    window = load.Window(people=3, length_s=60.0)
    window.arrive()
    window.arrive()
    assert not window.opened.is_set()
    window.arrive()
    assert window.opened.is_set() and window.closes_at > 0


def test_a_run_replaces_the_figures_it_measures_and_keeps_the_others(tmp_path, monkeypatch):
    monkeypatch.setattr(load, "RESULTS_JSON", tmp_path / "results.json")
    monkeypatch.setattr(load, "RESULTS_MD", tmp_path / "results.md")
    crowd = [{"sessions": 1, "failed": "a sentence", "load_before": 1.0}]
    load._write({"demo": crowd}, {}, pinned=True)  # the crowd alone (--soak 0)
    load._write(
        {"demo": []},
        {"demo": {"memory": [(50, 300.0)], "p50_s": 0.3, "wall_s": 9.0, "load_before": 1.0, "load_after": 1.0}},
        pinned=True,
    )  # the soak alone (--sessions)
    load._write({"bench": crowd}, {}, pinned=False)  # the bench store on its own
    load._write({load.crowd_key("demo", "protocol"): crowd}, {}, pinned=True)  # one client on its own
    raw = json.loads((tmp_path / "results.json").read_text())["load"]["raw"]
    # Chromium's crowds keep the store's name (as recorded before there were two clients).
    assert {k: v["rows"] for k, v in raw["crowds"].items()} == {"demo/protocol": crowd, "bench": crowd, "demo": crowd}
    assert raw["soaks"]["demo"]["memory"] == [[50, 300.0]]
    text = (tmp_path / "results.md").read_text()
    assert "**Soak, demo store, Chromium sessions**" in text
    # The protocol client's crowds are shown first: the goal is judged on them.
    assert text.index("**demo store, protocol clients**") < text.index("**demo store, Chromium sessions**")


def test_the_table_shows_the_servers_figures_beside_the_settled_ones_and_keeps_rows_recorded_before_them():
    measured = {
        "sessions": 1,
        "moves": 6,
        "server_moves": 6,
        "window_s": 60.0,
        "think_mean_s": 10.0,
        "server_p50_s": 0.25,
        "server_p95_s": 0.5,
        "answer_p50_s": 1.0,
        "p50_s": 1.5,
        "p95_s": 2.5,
        "rss_before_mb": 290.0,
        "rss_peak_mb": 300.0,
        "server_cpu_pct": 10.0,
        "client_cpu_pct": 50.0,
        "server_wait_pct": 1.0,
        "wall_s": 80.0,
        "load_before": 1.0,
        "load_after": 1.0,
    }
    old = {k: v for k, v in measured.items() if not k.startswith(("server_p", "server_moves", "window", "think"))}
    crowds = {
        "demo": {"measured_at": "now", "pinned": True, "rows": [measured]},
        "bench": {"measured_at": "before", "pinned": True, "rows": [old]},
    }
    text = "\n".join(load._markdown(crowds, {}))
    assert "| 1 | 6 | 250 ms | 500 ms | 1000 ms | 1500 ms | 2500 ms | 300 MB |" in text
    assert "60 s measuring window, think time mean 10 s" in text
    assert "| 1 | 6 | — | — | 1000 ms |" in text
    assert "The server's p95 stays within 2× one session's (500 ms) up to 1 sessions." in text


def test_the_servers_scheduler_time_never_goes_negative_when_a_thread_ends_between_readings():
    # Thread 2 (a session's script thread) ran 5 s and ended; thread 3 was born after the first reading.
    before = {1: (10_000_000_000, 1_000_000_000), 2: (5_000_000_000, 2_000_000_000)}
    after = {1: (12_000_000_000, 1_500_000_000), 3: (1_000_000_000, 500_000_000)}
    assert load.scheduled_since(before, after) == (3.0, 1.0)
