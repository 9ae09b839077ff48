"""The static styles the app sends through st.html (ui/shell.py, ui/layout.py's room CSS, ui/kiosk.py)."""

from __future__ import annotations

import re

from ui import kiosk, layout, shell


def test_no_style_the_app_sends_holds_what_looks_like_a_tag():
    # st.html's sanitiser drops a whole <style> holding "<metric>" (an opening angle bracket before a letter): a
    # comment in the tile CSS did, and every page lost its tile, room and kiosk styles without an error.
    styles = {"PRESENT_CSS": shell.PRESENT_CSS, "PLAIN_CSS": shell.PLAIN_CSS, "ROOM_CSS": layout.ROOM_CSS}
    styles |= {name: value for name, value in vars(kiosk).items() if name.endswith("CSS") and isinstance(value, str)}
    for name, css in styles.items():
        inner = re.sub(r"</?style>", "", css)
        assert not re.search(r"<[A-Za-z!/?]", inner), f"{name} holds a tag-like '<': {re.search(r'<.{0,20}', inner)}"
