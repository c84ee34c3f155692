"""ui.auth.is_team remembers a missing secrets file for a second, per st.secrets object."""

from __future__ import annotations

import time
from typing import Any

import pytest
import streamlit as st
from streamlit.errors import StreamlitSecretNotFoundError
from streamlit.runtime.secrets import Secrets

from ui import auth


class _Missing(Secrets):
    """A secrets store with no file, counting how often it looks for one."""

    looks: list[int] = []  # Secrets refuses attribute assignment: one entry per look

    def _parse(self) -> Any:
        self.looks.append(1)
        raise StreamlitSecretNotFoundError("No secrets found.", error_id="no-secrets-found")


def test_a_missing_secrets_file_is_looked_for_once_a_second(monkeypatch: pytest.MonkeyPatch) -> None:
    missing = _Missing()
    missing.looks.clear()
    monkeypatch.setattr(st, "secrets", missing)
    monkeypatch.setattr(auth, "_no_secrets", None)
    clock = [1000.0]
    monkeypatch.setattr(time, "monotonic", lambda: clock[0])
    assert [auth.is_team() for _ in range(5)] == [False] * 5
    assert len(missing.looks) == 1
    clock[0] += auth._RECHECK_SECONDS + 0.01  # a second later: the files are looked for again
    assert auth.is_team() is False
    assert len(missing.looks) == 2


def test_another_secrets_object_is_read_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(st, "secrets", _Missing())
    monkeypatch.setattr(auth, "_no_secrets", None)
    assert auth.is_team() is False
    team = Secrets()
    team._secrets = {"auth": {"redirect_uri": "http://localhost/oauth2callback"}}  # as AppTest's at.secrets
    monkeypatch.setattr(st, "secrets", team)
    assert auth.is_team() is True
