"""Who may do what: role grants in the store's ``user_roles`` table (CONTRACT.md, "Sign-in").

A grant gives a role to a principal: an email address, or ``group:NAME`` for everyone whose identity's ``groups``
claim holds NAME. A person's role is the highest of the grants for their email and for each of their groups;
with none they have no access (deny by default). Emails are kept and matched in lower case (providers differ in
how they spell them); group names are kept as the provider sends them.

Every write is one transaction (``store.transaction``); values always go through ``?``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import duckdb
import pandas as pd

from analytics.store import transaction

#: The roles, lowest first: each may do everything the ones before it may (DESIGN.md, "Who may do what").
ROLES = ("viewer", "editor", "admin")
#: A role's rank: a higher rank may do what a lower one may.
RANK = {role: rank for rank, role in enumerate(ROLES, start=1)}
GROUP_PREFIX = "group:"
#: Longest principal accepted (an email address may be 254 characters; a group name gets the same room).
MAX_PRINCIPAL_LENGTH = 254
# One @, something on each side, a dot in the domain, no spaces: what every provider's email claim looks like.
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_GROUP_NAME = re.compile(r"\S+")


class GrantError(ValueError):
    """A grant cannot be made or removed; the message says why in a sentence."""


def principal_of(text: str) -> str:
    """Return ``text`` as a principal (an email in lower case, or ``group:NAME``); ``GrantError`` when it is neither.

    Examples
    --------
    >>> principal_of(" Ana@Example.COM ")
    'ana@example.com'
    >>> principal_of("group:portfolio-office")
    'group:portfolio-office'
    """
    cleaned = str(text).strip()
    if len(cleaned) > MAX_PRINCIPAL_LENGTH:
        raise GrantError(f"A principal is at most {MAX_PRINCIPAL_LENGTH} characters; this one has {len(cleaned)}.")
    if cleaned.lower().startswith(GROUP_PREFIX):
        name = cleaned[len(GROUP_PREFIX) :]
        if not _GROUP_NAME.fullmatch(name):
            raise GrantError(
                f"{cleaned!r} names no group: write group:NAME, with NAME as the identity provider sends it in "
                "the groups claim (no spaces)."
            )
        return GROUP_PREFIX + name
    if not _EMAIL.fullmatch(cleaned):
        raise GrantError(
            f"{cleaned!r} is neither an email address (name@example.com) nor a group (group:NAME): grant a role "
            "to one of those."
        )
    return cleaned.lower()


def role_named(text: str) -> str:
    """Return ``text`` as a role; ``GrantError`` naming the roles when it is none of them."""
    cleaned = str(text).strip().lower()
    if cleaned not in RANK:
        raise GrantError(f"{text!r} is not a role: use one of {', '.join(ROLES)}.")
    return cleaned


def at_least(role: str | None, needed: str) -> bool:
    """Whether ``role`` (``None``: no access) may do what ``needed`` may."""
    return role is not None and RANK[role] >= RANK[needed]


def grant(con: duckdb.DuckDBPyConnection, principal: str, role: str, granted_by: str | None = None) -> str:
    """Give ``role`` to ``principal`` (replacing any role it had); return the principal as stored.

    Raises
    ------
    GrantError
        The principal is neither an email nor ``group:NAME``, or the role is not one of ``ROLES``.
    """
    grant_each(con, [(principal, role)], granted_by)
    return principal_of(principal)


def grant_each(con: duckdb.DuckDBPyConnection, grants: Iterable[tuple[str, str]], granted_by: str | None) -> int:
    """Make every ``(principal, role)`` grant in one transaction (all or none); return how many."""
    rows = [[principal_of(principal), role_named(role), granted_by] for principal, role in grants]
    with transaction(con):
        for row in rows:
            con.execute(
                "INSERT INTO user_roles (principal, role, granted_at, granted_by) VALUES (?, ?, current_timestamp, ?) "
                "ON CONFLICT (principal) DO UPDATE SET role = excluded.role, granted_at = excluded.granted_at, "
                "granted_by = excluded.granted_by",
                row,
            )
    return len(rows)


def revoke(con: duckdb.DuckDBPyConnection, principal: str) -> bool:
    """Remove ``principal``'s grant; return whether it had one."""
    who = principal_of(principal)
    with transaction(con):
        removed = con.execute("DELETE FROM user_roles WHERE principal = ? RETURNING principal", [who]).fetchall()
    return bool(removed)


def list_grants(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every grant: principal, role, granted_at, granted_by; admins first, then editors, then viewers, by principal."""
    return con.execute(
        "SELECT principal, role, granted_at, granted_by FROM user_roles "
        "ORDER BY CASE role WHEN 'admin' THEN 0 WHEN 'editor' THEN 1 ELSE 2 END, principal"
    ).df()


def role_of(con: duckdb.DuckDBPyConnection, email: str | None, groups: Iterable[str] = ()) -> str | None:
    """Return the role of a signed-in person: the highest grant for their email or groups; ``None``: no access."""
    principals = [GROUP_PREFIX + str(g) for g in groups]
    if email:
        principals.append(str(email).strip().lower())
    if not principals:
        return None
    found = {
        row[0]
        for row in con.execute(
            "SELECT DISTINCT role FROM user_roles WHERE list_contains(?, principal)", [principals]
        ).fetchall()
    }
    ranked = [role for role in ROLES if role in found]
    return ranked[-1] if ranked else None


def admin_emails(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Return the email addresses granted admin, by address: whom a person without access is told to ask."""
    rows = con.execute(
        "SELECT principal FROM user_roles WHERE role = 'admin' AND NOT starts_with(principal, ?) ORDER BY principal",
        [GROUP_PREFIX],
    ).fetchall()
    return [row[0] for row in rows]


def grant_count(con: duckdb.DuckDBPyConnection) -> int:
    """How many grants the store holds (none: nobody has been given access yet)."""
    return int(con.execute("SELECT count(*) FROM user_roles").fetchone()[0])
