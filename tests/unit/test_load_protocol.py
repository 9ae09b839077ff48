"""The load benchmark's protocol client (benchmarks/protocol.py) does what Streamlit's frontend does with the wire.

The pieces are checked on messages built here, without a server or a browser: the rerun requests it sends, the
page it keeps from the deltas (stale elements dropped as the frontend drops them, the page's script hash from the
router, the query string, auto-rerun timers), a slider's key press and the frontier's star. One test (marked
``process``: it serves a tiny app) checks the whole round trip, a fragment's slider and its auto-rerun poll.
"""

from __future__ import annotations

import asyncio
import textwrap
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import plotly.graph_objects as go
import pytest
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from benchmarks import protocol
from benchmarks.protocol import PageState

FRAGMENT, POLL = "f-answer", "f-poll"


def rerun_sent(payload: bytes):
    message = BackMsg()
    message.ParseFromString(payload)
    assert message.WhichOneof("type") == "rerun_script"
    return message.rerun_script


def new_session(page: PageState, run_id: str, fragment_ids=(), page_hash: str = "main") -> None:
    message = ForwardMsg()
    message.new_session.page_script_hash = page_hash
    message.metadata.run.script_run_id = run_id
    message.metadata.run.fragment_ids.extend(fragment_ids)
    page.receive(message, 0.0)


def navigation(page: PageState, page_hash: str) -> None:
    message = ForwardMsg()
    message.navigation.page_script_hash = page_hash
    page.receive(message, 0.0)


def delta(page: PageState, path, fragment_id: str = "", **element) -> None:
    """A new element at ``path``: ``alert="text"``, ``markdown="text"`` or ``slider=(label, default, step, key)``."""
    message = ForwardMsg()
    message.metadata.delta_path.extend(path)
    message.delta.fragment_id = fragment_id
    shown = message.delta.new_element
    if "alert" in element:
        shown.alert.body = element["alert"]
    if "markdown" in element:
        shown.markdown.body = element["markdown"]
    if "slider" in element:
        label, default, step, key = element["slider"]
        shown.slider.id, shown.slider.label = f"$$ID-{key}", label
        shown.slider.default.append(default)
        shown.slider.min, shown.slider.max, shown.slider.step = 40, 160, step
        shown.slider.query_param_key = key
        if "value" in element:  # set by the server (from the URL or session state)
            shown.slider.value.append(element["value"])
            shown.slider.set_value = True
    if "toggle" in element:
        shown.checkbox.id, shown.checkbox.label, shown.checkbox.default = "$$ID-toggle", element["toggle"], False
    if "figure" in element:
        shown.plotly_chart.spec = element["figure"].to_json()
    page.receive(message, 0.0)


def finished(page: PageState, status: str = "FINISHED_SUCCESSFULLY", at: float = 1.0) -> None:
    message = ForwardMsg()
    message.script_finished = ForwardMsg.ScriptFinishedStatus.Value(status)
    page.receive(message, at)


def test_a_rerun_request_carries_what_the_frontend_sends():
    state = protocol.slider_state("$$ID-budget_pct", 115.0)
    sent = rerun_sent(
        protocol.rerun_message(
            query_string="budget_pct=115",
            widget_states=[state],
            page_script_hash="page",
            fragment_id=FRAGMENT,
            is_auto_rerun=True,
            cached_message_hashes=["h1"],
            url="http://127.0.0.1:1/what-if",
        )
    )
    assert (sent.query_string, sent.page_script_hash, sent.page_name) == ("budget_pct=115", "page", "")
    assert (sent.fragment_id, sent.is_auto_rerun, list(sent.cached_message_hashes)) == (FRAGMENT, True, ["h1"])
    assert [(w.id, list(w.double_array_value.data)) for w in sent.widget_states.widgets] == [("$$ID-budget_pct", [115])]
    assert sent.context_info.url == "http://127.0.0.1:1/what-if" and sent.context_info.timezone == "UTC"


def test_the_page_s_script_hash_is_the_one_the_router_chose_and_a_fragment_run_keeps_it():
    page = PageState()
    new_session(page, "run-1", page_hash="legacy-page")
    assert page.page_script_hash == "legacy-page"  # the pages/ folder mode: the run's own page
    navigation(page, "what-if")
    new_session(page, "run-2", fragment_ids=[FRAGMENT], page_hash="main-script")
    assert page.page_script_hash == "what-if"


def test_a_finished_full_run_drops_what_it_did_not_draw_and_a_fragment_run_only_in_its_fragment():
    page = PageState()
    new_session(page, "run-1")
    delta(page, (1, 0), markdown="Presentation mode")
    delta(page, (0, 0), FRAGMENT, alert="Good answer, proving the optimum…")
    delta(page, (0, 1), FRAGMENT, markdown="Computing the frontier for these settings…")
    finished(page)
    assert page.shows("proving the optimum") and page.shows("Computing the frontier")
    new_session(page, "run-2", fragment_ids=[FRAGMENT])
    delta(page, (0, 0), FRAGMENT, alert="Proven optimal")
    assert page.shows("Computing the frontier")  # still on screen until the run finishes
    finished(page, "FINISHED_FRAGMENT_RUN_SUCCESSFULLY")
    assert page.texts() == ["Presentation mode", "Proven optimal"]
    new_session(page, "run-3")
    delta(page, (0, 0), FRAGMENT, alert="Proven optimal")
    finished(page, "FINISHED_EARLY_FOR_RERUN")  # ended by a newer run: nothing is dropped yet
    assert "Presentation mode" in page.texts()
    finished(page)
    assert page.texts() == ["Proven optimal"]


def test_auto_reruns_start_on_request_and_stop_on_stop_or_on_a_full_run():
    page = PageState()
    new_session(page, "run-1")
    message = ForwardMsg()
    message.auto_rerun.interval, message.auto_rerun.fragment_id = 0.5, POLL
    page.receive(message, 0.0)
    assert page.auto_reruns == {POLL: 0.5}
    new_session(page, "run-2", fragment_ids=[POLL])
    assert page.auto_reruns == {POLL: 0.5}  # a fragment run keeps the timers
    stop = ForwardMsg()
    stop.stop_auto_rerun.fragment_ids.append(POLL)
    page.receive(stop, 0.0)
    assert page.auto_reruns == {}
    page.receive(message, 0.0)
    new_session(page, "run-3")
    assert page.auto_reruns == {}  # the frontend's cleanupAutoReruns on a full run


def test_a_key_press_moves_the_slider_one_step_in_its_fragment_and_in_the_url_and_the_server_may_set_it():
    page = PageState(query_string="budget_pct=110&rate=0")
    new_session(page, "run-1")
    delta(page, (0, 2, 0), FRAGMENT, slider=("Budget, % of plan", 100.0, 5.0, "budget_pct"))
    assert page.slider("Budget, % of plan")[1] == 100.0
    assert page.move_slider("Budget, % of plan", 1) == FRAGMENT
    assert page.widget_states["$$ID-budget_pct"].double_array_value.data == [105.0]
    assert page.query_string == "budget_pct=105&rate=0"
    page.move_slider("Budget, % of plan", -1)
    assert page.query_string == "rate=0"  # back at the default: the frontend drops the parameter
    for _ in range(30):
        page.move_slider("Budget, % of plan", 1)
    assert page.slider("Budget, % of plan")[1] == 160.0  # the slider's end
    delta(page, (0, 2, 0), FRAGMENT, slider=("Budget, % of plan", 100.0, 5.0, "budget_pct"), value=120.0)
    assert page.slider("Budget, % of plan")[1] == 120.0  # a value the server sets replaces the one held
    delta(page, (0, 2, 1), FRAGMENT, toggle="Allow stopping active projects")
    page.move_slider("Budget, % of plan", 1)
    # Every rerun carries the states of the widgets on the page, moved or not, as the frontend's do.
    sent = [(w.id, w.WhichOneof("value")) for w in page.active_widget_states()]
    assert sent == [("$$ID-budget_pct", "double_array_value"), ("$$ID-toggle", "bool_value")]
    assert page.active_widget_states()[0].double_array_value.data == [125.0]
    with pytest.raises(LookupError, match="Discount rate"):
        page.slider("Discount rate")


def test_the_query_string_follows_the_server_and_a_referenced_message_comes_from_the_cache():
    page = PageState(query_string="budget_pct=110")
    changed = ForwardMsg()
    changed.page_info_changed.query_string = "budget_pct=110&tab=Budget"
    page.receive(changed, 0.0)
    assert page.query_string == "budget_pct=110&tab=Budget"
    new_session(page, "run-1")
    big = ForwardMsg(hash="h-chart")
    big.metadata.cacheable = True
    big.metadata.delta_path.extend([0, 3])
    big.delta.new_element.markdown.body = "a large element"
    page.receive(big, 0.0)
    new_session(page, "run-2")
    reference = ForwardMsg(ref_hash="h-chart")
    reference.metadata.delta_path.extend([0, 4])
    assert page.receive(reference, 0.0) == "delta"
    assert list(page.cache) == ["h-chart"]
    finished(page)
    assert list(page.elements) == [(0, 4)] and page.texts() == ["a large element"]


def test_the_star_is_read_from_plotly_s_typed_arrays_as_from_plain_lists():
    page = PageState()
    new_session(page, "run-1")
    assert page.star("these settings") is None
    figure = go.Figure(
        [
            go.Scatter(x=np.array([100.0, 110.0]), y=np.array([1.0, 2.0]), name="frontier"),
            go.Scatter(x=np.array([110.0]), y=np.array([2.5e7]), name="these settings"),
        ]
    )
    delta(page, (0, 5), FRAGMENT, figure=figure)
    assert page.star("these settings") == [110.0, 2.5e7]
    delta(page, (0, 5), FRAGMENT, figure=go.Figure([go.Scatter(x=[115], y=[3], name="these settings")]))
    assert page.star("these settings") == [115, 3]


def test_the_server_s_turn_is_the_rerun_to_the_first_run_that_answers_it():
    wire = [(0.0, "rerun"), (0.5, "rerun"), (0.7, "FINISHED_EARLY_FOR_RERUN"), (1.2, "FINISHED_SUCCESSFULLY")]
    assert protocol.server_turn(wire, 1) == pytest.approx(0.7)
    assert protocol.server_turn(wire[:3], 1) is None
    assert protocol.js_number(115.0) == "115" and protocol.js_number(0.085) == "0.085"


#: A fragment with a slider bound to the URL that, like the what-if page, shows "proving the optimum" for a while
#: after each new value, with a polling fragment (run_every) that redraws the app once the answer is there.
TINY_APP = textwrap.dedent(
    """
    import time

    import streamlit as st

    @st.fragment(run_every=0.2)
    def poll():
        if time.monotonic() >= st.session_state["ready_at"]:
            st.rerun()

    @st.fragment
    def answer():
        level = st.slider("Level", 0, 10, 5, key="level", bind="query-params")
        ready_at = st.session_state.setdefault(f"ready_{level}", time.monotonic() + 0.6)
        st.session_state["ready_at"] = ready_at
        if time.monotonic() < ready_at:
            st.info(f"Level {level}: proving the optimum")
            poll()
        else:
            st.success(f"Level {level}: proven")

    answer()
    """
)


@pytest.mark.process
def test_against_a_served_app_a_press_reruns_the_fragment_and_its_poll_reruns_until_the_answer_is_final(tmp_path):
    import httpx

    from tests.chromium import served_app

    script = tmp_path / "tiny.py"
    script.write_text(TINY_APP)

    def final(level):
        return lambda page: page.shows(f"Level {level}: proven") and not page.shows("proving")

    async def visit(url):
        async with httpx.AsyncClient() as http:
            tab = await protocol.Tab.open(http, url, "/", "level=7")
            try:
                await asyncio.wait_for(tab.until(final(7)), 60)
                sent = await tab.press("Level", -1)
                assert tab.page.query_string == "level=6"
                await asyncio.wait_for(tab.until(final(6), sent), 60)
                reruns = [what for _, what in tab.page.wire[sent:] if what == "rerun"]
                turn = protocol.server_turn(tab.page.wire, sent)
                sent_back = await tab.press("Level", 1)
                await asyncio.wait_for(tab.until(final(7), sent_back), 60)
                return reruns, turn, tab.page.query_string
            finally:
                await tab.close()

    with served_app(tmp_path / "unused.duckdb", tmp_path / "streamlit.log", script=script) as url:
        # A loop of its own in a thread of its own: this process may already hold a running loop in its main thread
        # (the browser tests' shared sync Playwright stays started for the process), and asyncio.run refuses then.
        with ThreadPoolExecutor(max_workers=1) as pool:
            reruns, turn, query = pool.submit(asyncio.run, visit(url)).result()
    assert len(reruns) >= 2  # the press, then the poll's auto-reruns until the answer was there
    assert turn is not None and 0 < turn < 30
    assert query == "level=7"  # 7 was proven before: final at once, and in the URL as the frontend writes it


def test_the_server_s_own_clock_times_a_press_from_its_rerun_to_the_run_that_answers_it_not_from_a_poll():
    from benchmarks import server_clock

    log = [
        "10.0 rerun s1 1",  # a poll's auto-rerun, before the press
        "10.2 rerun s1 0",  # the press
        "10.3 finished FINISHED_EARLY_FOR_RERUN",
        "10.9 finished FINISHED_FRAGMENT_RUN_SUCCESSFULLY",
        "20.0 rerun s1 0",  # a press that was never answered
    ]
    assert server_clock.server_turns(log, [(9.9, 11.0), (19.9, 21.0), (30.0, 31.0)]) == [pytest.approx(0.7)]
