"""A person who speaks Streamlit's own websocket protocol instead of driving a browser (``--client protocol``).

What a browser tab does with the app, without drawing it: the same handshake as Streamlit's frontend (the page's
HTTP requests, the ``_streamlit_xsrf`` cookie, then ``ws://HOST/_stcore/stream`` with the subprotocols
``streamlit, <XSRF token>`` and the page's Origin), the same ``rerun_script`` BackMsgs (query string, page name on
the first run and the page's script hash after it, widget states, fragment id, the hashes of the messages it has
cached), and the same reactions to what the server sends:

- deltas are kept by their path, as the frontend's element tree, and an element not redrawn by a run that
  finished is dropped (by a full run: every such element; by a fragment run: those of its fragments);
- ``page_info_changed`` replaces the query string the next rerun sends (the levers live in the URL);
- ``auto_rerun`` starts a timer that asks for that fragment's rerun on its interval, as the frontend's
  ``setInterval`` does (until ``stop_auto_rerun`` for it, or a full run's ``new_session``, stops it): the what-if
  page's proof poll (``await_proof``) reruns here as in Chromium, and its ``st.rerun()`` redraws the page;
- a ``ref_hash`` message is resolved from the messages cached so far.

A key press on a slider is what the frontend sends for it: that slider's widget state at its next step, in a rerun
of the fragment the slider was drawn in (and in the URL, for a slider bound to it), with every slider's and
toggle's state on the page (on /what-if, 27 of the 28 states Chromium sends; compared frame by frame). It fetches no
static files and sends no heartbeats: what it costs the server is the scripts it runs and the messages it sends,
which is what the server turn times.
"""

from __future__ import annotations

import asyncio
import base64
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

import numpy
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

XSRF_COOKIE = "_streamlit_xsrf"
STREAM_PATH = "/_stcore/stream"
#: What a page load asks of the server besides the websocket (the frontend's probes; the static bundle is cached).
PAGE_REQUESTS = ("/_stcore/health", "/_stcore/host-config")
#: A run ended by a newer rerun answers nothing: the next run's end does (benchmarks/load.py's ANSWERING).
ANSWERING = frozenset({"FINISHED_SUCCESSFULLY", "FINISHED_FRAGMENT_RUN_SUCCESSFULLY"})
#: The frontend's context of a desk browser in one fixed place: the server reads it into ``st.context``.
CONTEXT = {"timezone": "UTC", "timezone_offset": 0, "locale": "en-US", "is_embedded": False, "color_scheme": "light"}


def rerun_message(
    *,
    query_string: str,
    widget_states: list[WidgetState],
    page_script_hash: str = "",
    page_name: str = "",
    fragment_id: str = "",
    is_auto_rerun: bool = False,
    cached_message_hashes: list[str] = (),
    url: str = "",
) -> bytes:
    """A serialized BackMsg ``rerun_script``, as the frontend's ``sendRerunBackMsg`` builds it."""
    message = BackMsg()
    state = message.rerun_script
    state.query_string = query_string
    state.widget_states.widgets.extend(widget_states)
    state.page_script_hash = page_script_hash
    state.page_name = page_name
    state.fragment_id = fragment_id
    state.is_auto_rerun = is_auto_rerun
    state.cached_message_hashes.extend(cached_message_hashes)
    for name, value in CONTEXT.items():
        setattr(state.context_info, name, value)
    state.context_info.url = url
    return message.SerializeToString()


def slider_state(widget_id: str, value: float) -> WidgetState:
    """A slider's widget state (a one-value slider sends its value as a one-element double array)."""
    state = WidgetState(id=widget_id)
    state.double_array_value.data.append(value)
    return state


def js_number(value: float) -> str:
    """A number as JavaScript's ``String(value)`` writes it (``115``, ``0.085``)."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def with_parameter(query_string: str, key: str, value: str | None) -> str:
    """``query_string`` with ``key`` set to ``value`` (None: removed), keys sorted as the frontend's query-string
    library writes them."""
    pairs = {k: v for k, v in parse_qsl(query_string, keep_blank_values=True)}
    if value is None:
        pairs.pop(key, None)
    else:
        pairs[key] = value
    return urlencode(sorted(pairs.items()), quote_via=quote)


def element_texts(element) -> list[str]:
    """The words an element shows that a person reads for a page's state: alert and Markdown bodies (captions,
    status lines), and widget labels."""
    kind = element.WhichOneof("type")
    shown = getattr(element, kind) if kind else None
    return [getattr(shown, name) for name in ("body", "label") if shown is not None and hasattr(shown, name)]


def star_point(element, trace_name: str) -> list | None:
    """[x, y] of the first point of the Plotly trace named ``trace_name`` in a chart element, else None (the what-if
    frontier's star, which benchmarks/load.py's Chromium people read from Plotly's data in the page)."""
    if element.WhichOneof("type") != "plotly_chart" or trace_name not in element.plotly_chart.spec:
        return None
    for trace in json.loads(element.plotly_chart.spec).get("data", []):
        if trace.get("name") == trace_name:
            return [_first(trace["x"]), _first(trace["y"])]
    return None


def _first(values) -> float:
    """The first of a Plotly array: a list, or Plotly's typed array (``{"dtype": "f8", "bdata": base64}``)."""
    if isinstance(values, dict):
        return float(numpy.frombuffer(base64.b64decode(values["bdata"]), dtype=values["dtype"])[0])
    return values[0]


@dataclass
class Shown:
    """An element on the page: what it is, the fragment that drew it ("" outside any) and the run that sent it."""

    element: object
    fragment_id: str
    run_id: str


@dataclass
class PageState:
    """What the frontend holds of one page: the element tree by delta path, the widgets' positions, the query
    string, the page's script hash, the cached messages, and the wire's log: ``(time, "rerun")`` per rerun sent
    and ``(time, status)`` per script-finished received (``time.perf_counter``)."""

    query_string: str = ""
    page_script_hash: str = ""
    run_id: str = ""
    fragment_ids: tuple[str, ...] = ()
    elements: dict[tuple[int, ...], Shown] = field(default_factory=dict)
    widget_states: dict[str, WidgetState] = field(default_factory=dict)
    cache: dict[str, ForwardMsg] = field(default_factory=dict)
    wire: list[tuple[float, str]] = field(default_factory=list)
    auto_reruns: dict[str, float] = field(default_factory=dict)  # fragment id: interval, s
    navigated: bool = False  # the app routes its pages with st.navigation
    running: bool = False  # a rerun was asked for or a run is going: not the frontend's "notRunning"

    def receive(self, message: ForwardMsg, at: float) -> str:
        """Apply one ForwardMsg as the frontend does; return its type (a ``ref_hash`` resolved to the cached one)."""
        if message.WhichOneof("type") == "ref_hash":
            cached = ForwardMsg()
            cached.CopyFrom(self.cache[message.ref_hash])
            cached.metadata.CopyFrom(message.metadata)
            message = cached
        elif message.metadata.cacheable and message.hash:
            self.cache[message.hash] = message
        kind = message.WhichOneof("type")
        if kind == "new_session":
            if not self.navigated:  # a page of the legacy pages/ folder mode: the run's own page
                self.page_script_hash = message.new_session.page_script_hash
            self.run_id = message.metadata.run.script_run_id
            self.fragment_ids = tuple(message.metadata.run.fragment_ids)
            self.running = True
            if not self.fragment_ids:
                self.auto_reruns.clear()  # a full run: the frontend's cleanupAutoReruns
        elif kind == "delta" and message.delta.WhichOneof("type") == "new_element":
            path = tuple(message.metadata.delta_path)
            element = message.delta.new_element
            self.elements[path] = Shown(element, message.delta.fragment_id, self.run_id)
            # A value the server sets (from the URL, or session state) replaces the one held, as in the frontend.
            if element.WhichOneof("type") == "slider" and element.slider.set_value:
                self.widget_states[element.slider.id] = slider_state(element.slider.id, element.slider.value[0])
            elif element.WhichOneof("type") == "checkbox" and element.checkbox.set_value:
                box = element.checkbox
                self.widget_states[box.id] = WidgetState(id=box.id, bool_value=box.value)
        elif kind == "navigation":
            # With st.navigation, new_session names the main script; the page the router chose is named here.
            self.page_script_hash = message.navigation.page_script_hash
            self.navigated = True
        elif kind == "page_info_changed":
            self.query_string = message.page_info_changed.query_string
        elif kind == "auto_rerun" and message.auto_rerun.fragment_id:
            self.auto_reruns[message.auto_rerun.fragment_id] = message.auto_rerun.interval
        elif kind == "stop_auto_rerun":
            for fragment_id in message.stop_auto_rerun.fragment_ids:
                self.auto_reruns.pop(fragment_id, None)
        elif kind == "script_finished":
            status = ForwardMsg.ScriptFinishedStatus.Name(message.script_finished)
            self.wire.append((at, status))
            if status in ANSWERING:
                self.running = False
                self._drop_stale()
        return kind

    def active_widget_states(self) -> list[WidgetState]:
        """The states the frontend sends with every rerun: each slider's and toggle's on the page (the one this
        client set, else the one the server set, else its default). Other widget kinds are left to the server's
        memory of their last value (the what-if page's only other one is its review download's format picker)."""
        states = []
        for shown in self.elements.values():
            kind = shown.element.WhichOneof("type")
            if kind == "slider":
                slider, value, _ = self.slider_of(shown)
                states.append(slider_state(slider.id, value))
            elif kind == "checkbox":
                box = shown.element.checkbox
                held = self.widget_states.get(box.id)
                states.append(held or WidgetState(id=box.id, bool_value=box.value if box.set_value else box.default))
        return states

    def _drop_stale(self) -> None:
        # The frontend's clearStaleNodes: what this run did not draw again is gone (a fragment run: in its fragments).
        self.elements = {
            path: shown
            for path, shown in self.elements.items()
            if shown.run_id == self.run_id or (self.fragment_ids and shown.fragment_id not in self.fragment_ids)
        }

    def texts(self) -> list[str]:
        return [text for shown in self.elements.values() for text in element_texts(shown.element)]

    def shows(self, words: str) -> bool:
        return any(words in text for text in self.texts())

    def star(self, trace_name: str) -> list | None:
        for shown in self.elements.values():
            point = star_point(shown.element, trace_name)
            if point is not None:
                return point
        return None

    def slider(self, label: str) -> tuple[object, float, str]:
        """The slider labelled ``label``: its element proto, the value it shows and the fragment it is in."""
        for shown in self.elements.values():
            if shown.element.WhichOneof("type") == "slider" and shown.element.slider.label == label:
                return self.slider_of(shown)
        raise LookupError(f"no slider labelled {label!r} on the page")

    def slider_of(self, shown: Shown) -> tuple[object, float, str]:
        slider = shown.element.slider
        state = self.widget_states.get(slider.id)
        if state is not None:  # moved here, or set by the server since (receive)
            value = state.double_array_value.data[0]
        else:
            value = slider.value[0] if slider.set_value else slider.default[0]
        return slider, value, shown.fragment_id

    def move_slider(self, label: str, steps: int) -> str:
        """Set the slider labelled ``label`` ``steps`` of its step on (within its range), as an arrow key does, and
        keep it in the query string if it is bound to it; return the fragment to rerun."""
        slider, value, fragment_id = self.slider(label)
        moved = min(slider.max, max(slider.min, round(value + steps * slider.step, 10)))
        self.widget_states[slider.id] = slider_state(slider.id, moved)
        if slider.HasField("query_param_key"):
            # The frontend's maybeSyncValueToUrl: String(value), and no parameter at the widget's default.
            shown = None if [moved] == list(slider.default) else js_number(moved)
            self.query_string = with_parameter(self.query_string, slider.query_param_key, shown)
        return fragment_id


class Tab:
    """One browser tab on one page of a served app, speaking Streamlit's protocol (see the module docstring).

    ``await Tab.open(http, base_url, path, query)`` loads the page (its HTTP requests, then the websocket and the
    first rerun); ``until(condition)`` waits for a script-finished after which ``condition(page)`` holds;
    ``press(label, steps)`` moves a slider; ``close()`` leaves the page (the browser's navigation away).
    """

    def __init__(self, websocket, base_url: str, path: str, query: str):
        self.page = PageState(query_string=query)
        self._websocket = websocket
        self._url = f"{base_url}{path}" + (f"?{query}" if query else "")
        self._changed = asyncio.Condition()
        self._reader = asyncio.ensure_future(self._read())
        self._timers: dict[str, asyncio.Task] = {}
        self.failure: BaseException | None = None

    @classmethod
    async def open(cls, http, base_url: str, path: str, query: str = "") -> Tab:
        import websockets

        page_url = f"{base_url}{path}" + (f"?{query}" if query else "")
        (await http.get(page_url)).raise_for_status()
        for probe in PAGE_REQUESTS:
            await http.get(f"{base_url}{probe}")
        token = http.cookies.get(XSRF_COOKIE)
        parts = urlsplit(base_url)
        websocket = await websockets.connect(
            f"ws://{parts.netloc}{STREAM_PATH}",
            subprotocols=["streamlit", token] if token else ["streamlit"],
            additional_headers={"Origin": base_url, **({"Cookie": f"{XSRF_COOKIE}={token}"} if token else {})},
            max_size=None,
            open_timeout=60,
        )
        tab = cls(websocket, base_url, path, query)
        await tab._send_rerun(page_name=path.strip("/"))
        return tab

    async def _send_rerun(self, *, page_name: str = "", fragment_id: str = "", is_auto_rerun: bool = False) -> int:
        """Send a rerun of the page (or of ``fragment_id``); return its index in the wire log."""
        page = self.page
        payload = rerun_message(
            query_string=page.query_string,
            widget_states=page.active_widget_states(),
            page_script_hash=page.page_script_hash,
            page_name=page_name if not page.page_script_hash else "",
            fragment_id=fragment_id,
            is_auto_rerun=is_auto_rerun,
            cached_message_hashes=list(page.cache),
            url=self._url,
        )
        # Logged before the send's await: a rerun that another task (a timer) sends meanwhile is logged after it.
        page.wire.append((time.perf_counter(), "rerun"))
        page.running = True  # the frontend's "rerun requested"
        await self._websocket.send(payload)
        return len(page.wire) - 1

    async def _read(self) -> None:
        try:
            async for payload in self._websocket:
                at = time.perf_counter()
                message = ForwardMsg()
                message.ParseFromString(payload)
                kind = self.page.receive(message, at)
                if kind in ("auto_rerun", "stop_auto_rerun", "new_session"):
                    self._follow_timers()
                if kind in ("delta", "script_finished"):
                    async with self._changed:
                        self._changed.notify_all()
        except Exception as problem:  # noqa: BLE001 - a dropped connection fails the waiting step, named there
            self.failure = problem
        finally:
            self.failure = self.failure or ConnectionError("the server closed the websocket")
            async with self._changed:
                self._changed.notify_all()

    def _follow_timers(self) -> None:
        """Run one timer per auto-rerun the page holds, as the frontend's setInterval; stop those it dropped."""
        for fragment_id in [f for f in self._timers if f not in self.page.auto_reruns]:
            self._timers.pop(fragment_id).cancel()
        for fragment_id, interval in self.page.auto_reruns.items():
            if fragment_id not in self._timers:
                self._timers[fragment_id] = asyncio.ensure_future(self._every(fragment_id, interval))

    async def _every(self, fragment_id: str, interval: float) -> None:
        while True:
            await asyncio.sleep(interval)
            await self._send_rerun(fragment_id=fragment_id, is_auto_rerun=True)

    async def until(self, condition: Callable[[PageState], bool], since: int = 0) -> float:
        """Wait until the page is not running, has finished a run since index ``since`` of the wire log, and
        ``condition`` holds of it (Chromium's ``notRunning`` and the condition, polled); return the time. A closed
        connection raises."""
        async with self._changed:
            while True:
                finished = any(what in ANSWERING for _, what in self.page.wire[since:])
                if finished and not self.page.running and condition(self.page):
                    return time.perf_counter()
                if self.failure is not None:
                    raise self.failure
                await self._changed.wait()

    async def first(self, condition: Callable[[PageState], bool]) -> float:
        """Wait until ``condition`` holds of the page (after any message); return the time."""
        async with self._changed:
            while not condition(self.page):
                if self.failure is not None:
                    raise self.failure
                await self._changed.wait()
            return time.perf_counter()

    async def press(self, label: str, steps: int) -> int:
        """Move the slider labelled ``label`` by ``steps`` of its step, as an arrow key does: a rerun of its fragment
        with its new state. Returns the index of that rerun in the wire log."""
        return await self._send_rerun(fragment_id=self.page.move_slider(label, steps))

    async def close(self) -> None:
        for timer in self._timers.values():
            timer.cancel()
        self._timers.clear()
        await self._websocket.close()
        self._reader.cancel()


def server_turn(wire: list[tuple[float, str]], since: int) -> float | None:
    """Seconds from the rerun at index ``since`` of a tab's wire log to the first answering script-finished after
    it (None if none has arrived)."""
    sent = wire[since][0]
    return next((at - sent for at, what in wire[since + 1 :] if what in ANSWERING), None)
