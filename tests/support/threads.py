"""Calls run at the same moment from several threads, each with its own database connections (races)."""

import threading
import time

from django.db import connections

CRITICAL_SECTION_PAUSE = 0.3  # seconds spent inside the transaction, so that the other call arrives meanwhile


def run_together(*calls, timeout: float = 30) -> list[tuple]:
    """Run each call in its own thread, released at once; returns ("ok", value) or ("error", exc), with times."""
    barrier = threading.Barrier(len(calls))
    outcomes: list = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait(timeout)
            started = time.monotonic()
            try:
                outcomes[index] = ("ok", call(), started, time.monotonic())
            except Exception as error:  # the test inspects it
                outcomes[index] = ("error", error, started, time.monotonic())
        finally:
            connections.close_all()  # this thread's own connections

    threads = [threading.Thread(target=run, args=(i, call), daemon=True) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    assert not any(thread.is_alive() for thread in threads), "a call is stuck (deadlock?)"
    assert all(outcomes), outcomes
    return outcomes


def assert_overlapped(outcomes) -> None:
    """Every call started before any of them returned: they really ran at the same time."""
    assert max(o[2] for o in outcomes) < min(o[3] for o in outcomes), "the calls did not overlap"


def slow_down(monkeypatch, module, name: str) -> None:
    """Make `module.name` pause before doing its work (it runs inside the transaction under test)."""
    original = getattr(module, name)

    def slowed(*args, **kwargs):
        time.sleep(CRITICAL_SECTION_PAUSE)
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, slowed)
