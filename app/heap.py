"""The process's long-lived heap, set aside once start-up is done."""

from __future__ import annotations

import gc

#: set once the start-up heap is set aside (counting the frozen objects walks them all)
_settled = [False]


def settle_heap() -> None:
    """Move what start-up made (modules, routes, schemes and their plans) out of the garbage
    collector's sight, once per process: they live as long as the process, and a full collection
    walking them again and again during a ranking of 3,000 regions cost a third of its time
    (bench/run_all.py, P3a). Later objects are collected as usual, the collector on from here."""
    if gc.get_freeze_count() == 0:
        # no gc.collect() first: start-up leaves a few dozen unreachable objects, and a full
        # collection of its 160,000 would add a quarter of a second to the start (P6)
        gc.freeze()
    _settled[0] = True
    # `innomon serve` imports and builds the app with the collector off (app.cli.cmd_serve): the
    # collections it would run on the way find little, and cost a sixth of the imports' time
    gc.enable()


def settle_loaded() -> None:
    """Set aside what a module imported after start-up made (a router loaded on first use,
    app.api.lazy) as settle_heap set aside the start-up heap: it too lives as long as the process,
    and a full collection walking the routers' objects took 10-15 ms. Only in a process whose
    start-up heap is set aside. Only the youngest generation is collected first: collecting the
    next one too tripled the cost of loading a router and found a few hundred objects."""
    if _settled[0]:
        gc.collect(0)
        gc.freeze()
