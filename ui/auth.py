"""Who this session is and what they may do: the one place where a write checks the role, on the server.

Sign-in is on when Streamlit's secrets have an ``[auth]`` section (CONTRACT.md, "Sign-in"); the person is then
``st.user`` (OIDC through ``st.login``) and their role comes from the store's grants (``analytics.users``). With
sign-in off the one local user is admin, but only on this machine: served to other machines without sign-in,
Quarterdeck saves nothing and says how to configure it.

Every write helper calls ``require(role, doing)`` before it writes and records the identity it returns
(``Identity.name``), never a typed name. Hiding a button is for the eye only; ``require`` is what refuses.
``gate()`` is the shell's guard: before any page runs it asks for sign-in, or says whom to ask for access.
"""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from analytics import store, text, users
from ui import data

#: What a write records as its author when sign-in is off: the one person at this machine.
LOCAL_USER = "local user"
SIGN_IN_OFF_ELSEWHERE = (
    "Sign-in is off and this Quarterdeck is served to other machines, so it saves nothing: add an [auth] section "
    "to .streamlit/secrets.toml (see the README's section Sign-in) and restart it, or serve it on 127.0.0.1 only."
)


class Refused(store.StoreError):
    """A write this session may not make; the message says why and whom to ask.

    A ``StoreError`` so that every place that already shows a store's sentence (the shell, the pages' forms and
    callbacks) shows a refusal the same way, and nothing is written.
    """


@dataclass(frozen=True)
class Identity:
    """The person using this session, as the server knows them."""

    #: The verified email address of a signed-in person; ``None`` with sign-in off or before signing in.
    email: str | None
    #: What a write records as its author (``created_by``, ``imported_by``, ``decided_by``, ``granted_by``).
    name: str
    #: ``viewer``, ``editor`` or ``admin``; ``None``: no access.
    role: str | None
    #: Whether sign-in is configured (else this is the one local user).
    sign_in: bool
    #: Whether the person has signed in.
    signed_in: bool
    #: The identity provider's ``groups`` claim: grants to ``group:NAME`` match these.
    groups: tuple[str, ...] = ()


def sign_in_on() -> bool:
    """Whether Streamlit's secrets have an ``[auth]`` section."""
    try:
        return "auth" in st.secrets
    except Exception:  # noqa: BLE001 - no secrets file at all (StreamlitSecretNotFoundError) is sign-in off
        return False


def _loopback(address: str) -> bool:
    if address.strip("[]").lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(address.strip("[]")).is_loopback
    except ValueError:
        return False


def served_beyond_this_machine() -> bool:
    """Whether the server listens on an address other machines reach, or this session comes from another one.

    With no ``server.address`` Streamlit listens on every interface, so the session's own address decides
    (Streamlit gives ``None`` for a session from this machine).
    """
    address = st.get_option("server.address")
    if address and not _loopback(str(address)):
        return True
    try:
        client = st.context.ip_address
    except Exception:  # noqa: BLE001 - no client connection: this machine
        client = None
    # Only an address counts (AppTest's stand-in client has none): anything else is a session on this machine.
    return isinstance(client, str) and not _loopback(client)


def _groups(claim: object) -> tuple[str, ...]:
    # Providers send groups as a list of names or ids; some send one string.
    if claim is None:
        return ()
    if isinstance(claim, str):
        return (claim,)
    if isinstance(claim, list | tuple | set):
        return tuple(str(g) for g in claim)
    return ()


def current_identity() -> Identity:
    """Who this session is: the local admin with sign-in off, else the signed-in person and their role."""
    if not sign_in_on():
        return Identity(None, LOCAL_USER, "admin", sign_in=False, signed_in=False)
    if not st.user.is_logged_in:
        return Identity(None, "", None, sign_in=True, signed_in=False)
    email = st.user.get("email")
    # An address the provider says it has not verified could be anyone's: it is not matched against grants.
    if not email or st.user.get("email_verified") is False:
        email = None
    groups = _groups(st.user.get("groups"))
    role = data.query(users.role_of, email, groups) if email or groups else None
    name = str(email or st.user.get("name") or st.user.get("sub") or "signed-in person")
    return Identity(email, name, role, sign_in=True, signed_in=True, groups=groups)


def may(role: str) -> bool:
    """Whether this session may do what ``role`` may (for showing a form; the write itself calls ``require``)."""
    identity = current_identity()
    if not identity.sign_in and served_beyond_this_machine():
        return False
    return users.at_least(identity.role, role)


def shown_path(path: str | os.PathLike) -> str:
    """A path of the server as this session may see it: whole for an admin, else only the file's name."""
    return str(path) if may("admin") else Path(path).name


def shown_paths_in(sentence: str) -> str:
    """``sentence`` with the store's folder left out of every path it names, for anyone but an admin."""
    try:
        if may("admin"):
            return sentence
    except store.StoreError:  # the store cannot say who is admin: show no folder
        pass
    return sentence.replace(str(Path(data.store_path()).parent) + os.sep, "")


def whom_to_ask() -> str:
    """Whom a person without the role they need asks: the admins by email, else how to grant the first admin."""
    admins = data.query(users.admin_emails)
    if admins:
        return f"ask an admin of this Quarterdeck ({', '.join(admins)})"
    if data.query(users.grant_count) == 0:
        # No path of the server is shown to someone without access: the store's file name is enough to find it.
        return (
            "nobody has been given a role in this store yet: whoever runs this Quarterdeck grants the first admin "
            f"with `python -m analytics users grant --db {Path(data.store_path()).name} EMAIL admin` "
            "(before serving it)"
        )
    return "ask whoever runs this Quarterdeck"


def require(role: str, doing: str) -> Identity:
    """Return the session's identity if it may do what ``role`` may; else raise ``Refused`` saying why.

    ``doing`` names the write for the sentence ("Saving a scenario"). Call it in every write helper, before the
    write, and record ``.name`` of what it returns as the write's author.
    """
    identity = current_identity()
    if not identity.sign_in and served_beyond_this_machine():
        raise Refused(f"{doing} was refused. {SIGN_IN_OFF_ELSEWHERE}")
    if users.at_least(identity.role, role):
        return identity
    if not identity.signed_in:
        raise Refused(f"{doing} needs you to sign in first, with the {role} role.")
    has = f"the {identity.role} role" if identity.role else "no role"
    raise Refused(f"{doing} needs the {role} role, and {identity.name} has {has}: {whom_to_ask()}.")


def require_in(path: str | os.PathLike, role: str, doing: str) -> Identity:
    """``require(role, doing)`` in the open store, and the same role in the store at ``path`` too.

    For a write that makes ``path`` the store everyone is served (opening another store): grants live in each
    store, so an admin here may have no grant there, and switching would hand them a store they may not manage
    (and lock them out of it). Raises ``Refused`` saying so before anything is switched. With sign-in off the one
    local user is admin in every store.
    """
    identity = require(role, doing)
    if not identity.sign_in:
        return identity
    there = data.query_in(str(path), users.role_of, identity.email, identity.groups)
    if users.at_least(there, role):
        return identity
    name = Path(path).name
    has = f"only the {there} role" if there else "no role"
    raise Refused(
        f"{doing} was refused: {identity.name} is {identity.role} here but has {has} in {name}, and each store "
        f"keeps its own grants. Ask an admin of {name} to grant you the {role} role there (`python -m analytics "
        f"users grant --db {name} {identity.email or 'EMAIL'} {role}`), then open it again."
    )


def gate() -> Identity:
    """The guard before any page: sign in, or be told whom to ask; only an identity with a role gets past.

    Stops the script (``st.stop``) after drawing the sign-in button or the sentence, so no data is read or shown.
    """
    identity = current_identity()
    if identity.role is not None:
        return identity
    st.title("Quarterdeck", anchor=False)
    if not identity.signed_in:
        st.markdown("Sign in to see this Quarterdeck's figures.")
        if st.button("Sign in", type="primary", icon=":material/login:", key="sign_in"):
            st.login()
    else:
        st.info(
            f"You are signed in as {text.markdown(identity.name)}, who has no access to this Quarterdeck: "
            f"{whom_to_ask()}.",
            icon=":material/lock:",
        )
        if st.button("Sign out", icon=":material/logout:", key="sign_out"):
            st.logout()
    st.stop()


def show_identity(identity: Identity) -> None:
    """The sidebar's line on who is signed in with which role, and the sign-out button; or that sign-in is off."""
    if identity.signed_in:
        st.caption(f"Signed in as **{text.markdown(identity.name)}** · {identity.role}")
        if st.button("Sign out", icon=":material/logout:", key="sign_out", type="tertiary"):
            st.logout()
    elif served_beyond_this_machine():
        st.caption(f"Sign-in is off. {SIGN_IN_OFF_ELSEWHERE}")
    else:
        st.caption("Sign-in is off: you are the one local user, with every role (admin).")
