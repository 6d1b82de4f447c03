"""The durable ingestion spool: an append-only log of records, fsynced before any ack.

Records are framed as ``length (4 bytes, big-endian) | crc32 (4 bytes) | payload`` in
segment files ``<n>.seg``. :class:`GroupCommitter` batches the records of concurrent
requests into one write + fsync (group commit), so durability costs one fsync per batch,
not per event. The writer loop reads from its stored position (kept in the event store,
in the transaction that loads the batch) and deletes segments it has fully loaded.

After a crash the tail of the last segment may hold a partial record: it was never
fsynced, so never acknowledged, and :meth:`Spool.recover` cuts it off.
"""

from __future__ import annotations

import fcntl
import os
import queue
import struct
import threading
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pilotage.errors import StoreError

_Entry = tuple[bytes, Callable[[BaseException | None], None]]

HEADER = struct.Struct(">II")
SEGMENT_BYTES = 64 * 1024 * 1024
READ_CHUNK = 4 * 1024 * 1024


@dataclass(frozen=True, order=True)
class Position:
    segment: int
    offset: int


class SpoolReader:
    """Reads and trims the segments of ``folder``; never writes records. The writer loop
    holds one per spool folder, including the folders of other collector processes."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)

    def _path(self, segment: int) -> Path:
        return self.folder / f"{segment:012d}.seg"

    def segments(self) -> list[int]:
        return sorted(int(p.stem) for p in self.folder.glob("*.seg"))

    def read(self, start: Position, limit: int) -> tuple[list[bytes], Position]:
        """Up to ``limit`` complete records from ``start``; returns them and the position
        after the last one. Reads only from ``start`` on, in chunks."""
        records: list[bytes] = []
        pos = start
        segments = [s for s in self.segments() if s >= start.segment]
        for i, segment in enumerate(segments):
            if segment > pos.segment:
                pos = Position(segment, 0)
            at_end = self._read_segment(pos, limit, records)
            pos = at_end[0]
            if len(records) >= limit or not at_end[1] or i == len(segments) - 1:
                break
        return records, pos

    def _read_segment(
        self, pos: Position, limit: int, records: list[bytes]
    ) -> tuple[Position, bool]:
        """Append records of one segment from ``pos``; returns the new position and
        whether the whole segment was consumed."""
        path = self._path(pos.segment)
        size = path.stat().st_size
        offset = pos.offset
        with open(path, "rb") as f:
            while offset < size and len(records) < limit:
                f.seek(offset)
                data = f.read(READ_CHUNK)
                found, consumed = _scan(data, 0, limit - len(records))
                records.extend(found)
                offset += consumed
                if consumed == 0:
                    break
        return Position(pos.segment, offset), offset >= size

    def drop_before(self, pos: Position) -> None:
        """Delete the segments entirely before ``pos`` (already loaded); the segment a
        collector appends to is always the last one, never before ``pos``."""
        for segment in self.segments():
            if segment < pos.segment:
                self._path(segment).unlink(missing_ok=True)


class Spool(SpoolReader):
    """The appending side, owned by one collector process: appends come from one thread
    at a time (the committer)."""

    def __init__(self, folder: Path, segment_bytes: int = SEGMENT_BYTES) -> None:
        super().__init__(folder)
        self.segment_bytes = segment_bytes
        # Two appenders on one folder would interleave records: the second one is refused.
        self._lock = open(folder / ".lock", "a")  # noqa: SIM115
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._lock.close()
            raise StoreError(f"the spool {folder} is in use by another process") from None
        self.recover()
        segments = self.segments()
        self._segment = segments[-1] if segments else 1
        self._file = open(self._path(self._segment), "ab")  # noqa: SIM115
        self._dirsync()

    def recover(self) -> None:
        """Cut a partial or corrupt record off the end of the last segment."""
        segments = self.segments()
        if not segments:
            return
        path = self._path(segments[-1])
        _, good_end = _scan(path.read_bytes(), 0, None)
        if good_end != path.stat().st_size:
            with open(path, "r+b") as f:
                f.truncate(good_end)
                os.fsync(f.fileno())

    def append(self, payloads: list[bytes]) -> None:
        """Write the records and fsync; durable when this returns."""
        buf = bytearray()
        for p in payloads:
            buf += HEADER.pack(len(p), zlib.crc32(p))
            buf += p
        self._file.write(buf)
        self._file.flush()
        os.fsync(self._file.fileno())
        if self._file.tell() >= self.segment_bytes:
            self._file.close()
            self._segment += 1
            self._file = open(self._path(self._segment), "ab")  # noqa: SIM115
            self._dirsync()

    def close(self) -> None:
        self._file.close()
        self._lock.close()

    def __enter__(self) -> Spool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _dirsync(self) -> None:
        fd = os.open(self.folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _scan(data: bytes, offset: int, limit: int | None) -> tuple[list[bytes], int]:
    records: list[bytes] = []
    size = len(data)
    while offset + HEADER.size <= size and (limit is None or len(records) < limit):
        length, crc = HEADER.unpack_from(data, offset)
        start = offset + HEADER.size
        payload = data[start : start + length]
        if len(payload) < length or zlib.crc32(payload) != crc:
            break
        records.append(payload)
        offset = start + length
    return records, offset


class GroupCommitter:
    """One thread that writes what callers submitted since its last fsync, in one go.

    ``submit`` hands over a payload and a callback called with None once it is durable
    (or with the exception if the write failed). Submissions go through a
    ``queue.SimpleQueue`` (implemented in C): a submit is one short call, where a
    condition variable costs several Python-level lock operations per event.

    fsync, not fdatasync: appending changes the file's size, which fdatasync must flush
    too, so it saves nothing here (measured: both about 0.4 ms on this machine's ext4).
    """

    def __init__(self, spool: Spool, on_durable: Callable[[], None] | None = None) -> None:
        self.spool = spool
        self.on_durable = on_durable
        self._queue: queue.SimpleQueue[_Entry | None] = queue.SimpleQueue()
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="spool-commit", daemon=True)
        self._thread.start()

    def submit(self, payload: bytes, done: Callable[[BaseException | None], None]) -> None:
        if self._stopping:
            raise RuntimeError("the spool is closed")
        self._queue.put((payload, done))

    def _take(self) -> tuple[list[_Entry], bool]:
        """Wait for a submission, then take every one waiting; and whether to stop."""
        batch: list[_Entry] = []
        item = self._queue.get()
        while True:
            if item is None:
                return batch, True
            batch.append(item)
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return batch, False

    def _run(self) -> None:
        stop = False
        while not stop:
            batch, stop = self._take()
            if not batch:
                continue
            error: BaseException | None = None
            try:
                self.spool.append([p for p, _ in batch])
            except OSError as exc:
                error = exc
            for _, done in batch:
                done(error)
            if error is None and self.on_durable is not None:
                self.on_durable()

    def close(self) -> None:
        """Commit what was submitted, then stop (later submits raise)."""
        if not self._stopping:
            self._stopping = True
            self._queue.put(None)
        self._thread.join()
        # A submit racing with close may have queued behind the stop mark: refuse it.
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return
            if item is not None:
                item[1](RuntimeError("the spool is closed"))
