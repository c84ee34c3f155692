"""Who is using the app: one local user, or a logged-in user of a team deployment.

Without an ``[auth]`` section in ``.streamlit/secrets.toml`` the app is a single-user tool:
no login, every assessment belongs to :data:`LOCAL_USER`. With ``[auth]`` configured
(Streamlit's built-in OpenID Connect login, which uses Authlib) every page requires a
login, and the user is known by the e-mail address the identity provider vouches for.
Nothing about the user is kept in the process: ``st.user`` comes from the signed identity
cookie on every rerun, so any replica can serve any request.
"""

from __future__ import annotations

import time
from typing import Final

import streamlit as st
from streamlit.errors import StreamlitSecretNotFoundError

from atmp_pathways.present import escape_markdown as _escape

__all__ = ["LOCAL_USER", "current_user", "gate", "is_team", "sidebar"]

LOCAL_USER: Final = "local"
"""The owner of every assessment when the app runs without login."""


def escape_markdown(text: str) -> str:
    return _escape(text, streamlit=True)


_RECHECK_SECONDS: Final = 1.0
"""Without a secrets file, how long "no file" is believed before the files are looked for again."""
_no_secrets: tuple[object, float] | None = None  # (the st.secrets object, believed until); no user data


def is_team() -> bool:
    """True when ``[auth]`` is configured: logins are required and assessments have owners.

    Streamlit remembers a parsed secrets file, but not a missing one: every lookup then takes
    its global lock and searches every secrets path again (the local default, several times a
    rerun, in every session). So "no file" is remembered here for a second, for the same
    ``st.secrets`` object (AppTest swaps in its own); a secrets file added while the server
    runs counts from the next rerun a second later.
    """
    global _no_secrets  # noqa: PLW0603 - a process-wide memo of one fact about the deployment
    secrets = st.secrets
    memo = _no_secrets
    if memo is not None and memo[0] is secrets and time.monotonic() < memo[1]:
        return False
    try:
        return "auth" in secrets
    except StreamlitSecretNotFoundError:  # no secrets file at all: the local default
        _no_secrets = (secrets, time.monotonic() + _RECHECK_SECONDS)
        return False


def _email() -> str | None:
    value = st.user.get("email")
    return value.strip().lower() if isinstance(value, str) and value.strip() else None


def current_user() -> str:
    """The owner id for this session: the user's e-mail (lower case), or ``"local"`` without login.

    Only call it after :func:`gate` has let the run through.
    """
    if not is_team():
        return LOCAL_USER
    email = _email()
    if email is None:  # gate() stops such a run; this keeps callers from ever seeing ""
        raise PermissionError("not logged in")
    return email


def gate() -> None:
    """Stop the run with a login screen unless the user may use the app.

    Local default: always passes. Team deployment: passes only a logged-in user whose
    identity provider sent an e-mail address (assessments are owned and shared by e-mail).
    """
    if not is_team():
        return
    if not st.user.get("is_logged_in"):
        st.title("ATMP Pathways")
        st.markdown("This deployment is shared by a team: log in to see and save your assessments.")
        if st.button("Log in", key="login", type="primary", icon=":material/login:"):
            st.login()
        st.stop()
    if st.user.get("email_verified") is False:  # shares go by e-mail: an unverified address is not an identity
        st.error(
            "Your identity provider says your e-mail address is not verified yet, and assessments are "
            "owned and shared by e-mail. Verify it with your provider, then log in again."
        )
        if st.button("Log out", key="logout"):
            st.logout()
        st.stop()
    if _email() is None:
        st.error(
            "Your identity provider did not send an e-mail address, and assessments are owned and "
            "shared by e-mail. Ask whoever runs this deployment to request the `email` scope "
            "(it is part of Streamlit's default scopes) and to release the claim."
        )
        if st.button("Log out", key="logout"):
            st.logout()
        st.stop()


def sidebar() -> None:
    """Who is logged in, and a way out (team deployment only)."""
    if not is_team():
        return
    with st.sidebar:
        st.caption(f"Logged in as **{escape_markdown(current_user())}**")
        if st.button("Log out", key="logout", icon=":material/logout:"):
            st.logout()
