"""Running what once hung with a deadline, so a regression fails instead of hanging the test run."""

from __future__ import annotations

import threading
from collections.abc import Callable


def finishes(action: Callable[[], object], seconds: float = 10.0) -> BaseException | None:
    """Run ``action`` on a thread; the exception it raised (None if none). Fails if it hangs."""
    outcome: list[BaseException | None] = []

    def run() -> None:
        try:
            action()
        except BaseException as error:  # noqa: BLE001  (handed to the test)
            outcome.append(error)
        else:
            outcome.append(None)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), "it hung"
    return outcome[0]
