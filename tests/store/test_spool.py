"""The spool: framing, torn tails after a crash, group commit, segment rotation."""

from __future__ import annotations

import threading
from pathlib import Path

from pilotage.store.spool import GroupCommitter, Position, Spool


def test_records_read_back_in_order_from_any_position(tmp_path: Path) -> None:
    spool = Spool(tmp_path)
    spool.append([b"a", b"bb", b"ccc"])
    records, end = spool.read(Position(1, 0), 10)
    assert records == [b"a", b"bb", b"ccc"]
    more, after = spool.read(end, 10)
    assert more == [] and after == end
    first_two, middle = spool.read(Position(1, 0), 2)
    assert first_two == [b"a", b"bb"]
    assert spool.read(middle, 10)[0] == [b"ccc"]
    spool.close()


def test_a_torn_tail_is_cut_off_on_reopen(tmp_path: Path) -> None:
    spool = Spool(tmp_path)
    spool.append([b"kept"])
    spool.close()
    segment = next(tmp_path.glob("*.seg"))
    with open(segment, "ab") as f:
        f.write(b"\x00\x00\x00\x09\x00\x00")  # header of a record that never finished
    reopened = Spool(tmp_path)
    reopened.append([b"next"])
    assert reopened.read(Position(1, 0), 10)[0] == [b"kept", b"next"]
    reopened.close()


def test_corrupt_record_stops_the_reader(tmp_path: Path) -> None:
    spool = Spool(tmp_path)
    spool.append([b"good", b"evil"])
    spool.close()
    segment = next(tmp_path.glob("*.seg"))
    data = bytearray(segment.read_bytes())
    data[-1] ^= 0xFF
    segment.write_bytes(bytes(data))
    with Spool(tmp_path) as reopened:
        assert reopened.read(Position(1, 0), 10)[0] == [b"good"]


def test_segments_rotate_and_loaded_ones_are_dropped(tmp_path: Path) -> None:
    spool = Spool(tmp_path, segment_bytes=64)
    for i in range(10):
        spool.append([f"record-{i:02d}".encode() * 3])
    assert len(spool.segments()) > 3
    records, end = spool.read(Position(1, 0), 100)
    assert [r[:9] for r in records] == [f"record-{i:02d}".encode() for i in range(10)]
    spool.drop_before(end)
    assert spool.segments()[0] == end.segment
    spool.close()


def test_group_commit_acknowledges_every_submitter_once(tmp_path: Path) -> None:
    spool = Spool(tmp_path)
    committer = GroupCommitter(spool)
    acks: list[int] = []
    lock = threading.Lock()

    def submit(i: int) -> None:
        done = threading.Event()

        def ack(error: BaseException | None) -> None:
            assert error is None
            with lock:
                acks.append(i)
            done.set()

        committer.submit(str(i).encode(), ack)
        done.wait(5)

    threads = [threading.Thread(target=submit, args=(i,)) for i in range(200)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    committer.close()
    assert sorted(acks) == list(range(200))
    stored = spool.read(Position(1, 0), 1000)[0]
    assert sorted(int(r) for r in stored) == list(range(200))
    spool.close()
