"""Durable acknowledgements: one event-loop wake-up settles every future of a commit."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest

from pilotage.store.spool import GroupCommitter, Position, Spool
from pilotage.web.collect_api import Acks, durable


def test_callbacks_from_another_thread_settle_their_futures() -> None:
    async def run() -> list[object]:
        loop = asyncio.get_running_loop()
        acks = Acks(loop)
        futures = [loop.create_future() for _ in range(50)]
        errors: list[BaseException | None] = [None] * 49 + [OSError("disk full")]
        callbacks = [acks.callback(f) for f in futures]

        def commit() -> None:
            for done, error in zip(callbacks, errors, strict=True):
                done(error)

        threading.Thread(target=commit).start()
        return await asyncio.gather(*futures, return_exceptions=True)

    results = asyncio.run(run())
    assert results[:49] == [None] * 49
    assert isinstance(results[49], OSError)


def test_durable_returns_once_the_records_are_in_the_spool(tmp_path: Path) -> None:
    spool = Spool(tmp_path)
    committer = GroupCommitter(spool)

    async def run() -> None:
        await asyncio.gather(*(durable(committer, [f"r{i}".encode()]) for i in range(20)))
        assert len(spool.read(Position(1, 0), 100)[0]) == 20  # before close: on disk

    asyncio.run(run())
    committer.close()
    with pytest.raises(RuntimeError, match="closed"):
        committer.submit(b"late", lambda error: None)
    spool.close()
