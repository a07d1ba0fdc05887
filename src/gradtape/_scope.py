"""The current name scope (``tf.name_scope``), per thread: a prefix such as ``"outer/inner/"``.

Kept in a tiny module of its own so that ``Variable`` can read it without importing ``module.py``.
"""
from __future__ import annotations

import threading


class _ScopeState(threading.local):
    def __init__(self) -> None:
        self.name = ""          # "" at the root, else ends with "/"


STATE = _ScopeState()


def current() -> str:
    """The active scope prefix ("" at the root, else e.g. ``"outer/inner/"``)."""
    return STATE.name
