"""The pool's gate lets requests in the order they came (shared.db.engine.FairGate): asyncpg's own queue lets a
newcomer take a returned connection before the one that waited longest, which left a few requests waiting seconds
under load."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from shared.db.engine import FairGate, RequestConnection, get_engine


async def test_a_freed_slot_goes_to_the_longest_waiting_not_to_a_newcomer() -> None:
    gate = FairGate(1)
    await gate.enter()  # the only slot is taken
    order: list[str] = []

    async def visit(name: str) -> None:
        await gate.enter()
        order.append(name)
        await asyncio.sleep(0)
        gate.leave()

    first = asyncio.create_task(visit("first"))
    second = asyncio.create_task(visit("second"))
    await asyncio.sleep(0)  # both wait now
    gate.leave()  # the slot goes to "first" ...
    newcomer = asyncio.create_task(visit("newcomer"))  # ... even though this one asks before "first" runs
    await asyncio.gather(first, second, newcomer)
    assert order == ["first", "second", "newcomer"]
    assert gate.free == 1 and not gate.waiting


async def test_a_cancelled_waiter_keeps_no_slot_and_loses_none() -> None:
    gate = FairGate(1)
    await gate.enter()
    waiter = asyncio.create_task(gate.enter())
    await asyncio.sleep(0)
    gate.leave()  # handed to the waiter ...
    waiter.cancel()  # ... which is cancelled before it runs: the slot must go on, not vanish
    with pytest.raises(asyncio.CancelledError):
        await waiter
    assert gate.free == 1
    await asyncio.wait_for(gate.enter(), timeout=1)  # and can be had


async def test_never_more_inside_than_the_size() -> None:
    gate = FairGate(3)
    inside = peak = 0

    async def visit() -> None:
        nonlocal inside, peak
        await gate.enter()
        inside += 1
        peak = max(peak, inside)
        await asyncio.sleep(0)
        inside -= 1
        gate.leave()

    await asyncio.gather(*(visit() for _ in range(50)))
    assert peak == 3 and gate.free == 3


async def test_a_statement_still_running_when_its_request_ends_gives_the_connection_back(
    client: httpx.AsyncClient,
) -> None:
    """A task the request started may still run a statement on the request's connection when the response has
    gone: the connection (and its place at the gate) goes back when that statement ends, not never."""
    pool = get_engine().pool
    assert pool is not None
    holder = RequestConnection(pool)
    connection = await holder.take(pool)
    idle_while_taken = pool.get_idle_size()
    await holder.close()  # the request is over, its task's statement still runs
    assert holder.connection is connection
    await holder.give_back()  # the statement ends
    if holder.connection is not None:  # kept: hand it back, so the failure below is reported, not a hung pool
        await pool.release(holder.connection)
    assert holder.connection is None
    assert pool.get_idle_size() == idle_while_taken + 1
    for _ in range(pool.get_max_size() + 1):  # every place at the gate can still be had, and given back
        other = RequestConnection(pool)
        await asyncio.wait_for(other.take(pool), timeout=5)
        await other.give_back()
        await other.close()
