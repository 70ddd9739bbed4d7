"""The process's long-lived heap, set aside once start-up is done."""

from __future__ import annotations

import gc


def settle_heap() -> None:
    """Move what start-up made (modules, routes, schemes and their plans) out of the garbage
    collector's sight, once per process: they live as long as the process, and a full collection
    walking them again and again during a ranking of 3,000 regions cost a third of its time
    (bench/run_all.py, P3a). Later objects are collected as usual, the collector on from here."""
    if gc.get_freeze_count() == 0:
        # no gc.collect() first: start-up leaves a few dozen unreachable objects, and a full
        # collection of its 160,000 would add a quarter of a second to the start (P6)
        gc.freeze()
    # `innomon serve` imports and builds the app with the collector off (app.cli.cmd_serve): the
    # collections it would run on the way find little, and cost a sixth of the imports' time
    gc.enable()
