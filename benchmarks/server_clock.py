"""``python -m benchmarks.server_clock run app.py ...``: Streamlit's own command line, with the server's own clock on
its websocket, for ``python -m benchmarks.load --compare``.

Into the file named by ``$QUARTERDECK_WIRE_LOG`` it writes a line per rerun request the server receives
(``<monotonic s> rerun <session id> <auto>``, auto 1 for a fragment's auto-rerun) and per script-finished message it
queues for a client (``<monotonic s> finished <status name>``): the server's turn as the server sees it, against
which each client's clock (the protocol client's own, Chromium's frame timestamps) is checked.
"""

from __future__ import annotations

import os
import sys
import time

from benchmarks.protocol import ANSWERING


def install(log_path: str) -> None:
    """Wrap the runtime's BackMsg handler and the websocket client's writer to log their times to ``log_path``."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
    from streamlit.runtime.runtime import Runtime
    from streamlit.web.server.starlette.starlette_websocket import StarletteSessionClient

    out = open(log_path, "a", buffering=1)  # noqa: SIM115 - open for the server's life
    handle_backmsg, write_forward_msg = Runtime.handle_backmsg, StarletteSessionClient.write_forward_msg

    def handle(self, session_id, message, *args, **kwargs):
        if message.WhichOneof("type") == "rerun_script":
            out.write(f"{time.monotonic():.6f} rerun {session_id} {int(message.rerun_script.is_auto_rerun)}\n")
        return handle_backmsg(self, session_id, message, *args, **kwargs)

    def write(self, message):
        if message.WhichOneof("type") == "script_finished":
            status = ForwardMsg.ScriptFinishedStatus.Name(message.script_finished)
            out.write(f"{time.monotonic():.6f} finished {status}\n")
        return write_forward_msg(self, message)

    Runtime.handle_backmsg, StarletteSessionClient.write_forward_msg = handle, write


def server_turns(log_lines: list[str], windows: list[tuple[float, float]]) -> list[float]:
    """Per ``(begin, end)`` window (``time.monotonic`` s, one key press each): seconds from the first rerun request
    the server received in it that is not an auto-rerun to the first answering script-finished after it."""
    events = [(float(at), what, rest) for at, what, *rest in (line.split() for line in log_lines if line.strip())]
    turns = []
    for begin, end in windows:
        pressed = (at for at, what, rest in events if what == "rerun" and begin <= at <= end and rest[1] == "0")
        asked = next(pressed, None)
        if asked is None:
            continue
        answered = next(
            (at for at, what, rest in events if what == "finished" and at >= asked and rest[0] in ANSWERING), None
        )
        if answered is not None:
            turns.append(answered - asked)
    return turns


if __name__ == "__main__":
    install(os.environ["QUARTERDECK_WIRE_LOG"])
    from streamlit.web import cli

    sys.exit(cli.main())
