"""ui/memory.py: freed heap is given back after a run that grew the process, and only then."""

from __future__ import annotations

import numpy as np
import pytest

from ui import memory

needs_glibc = pytest.mark.skipif(not memory.available(), reason="no glibc malloc_trim or no /proc")


@pytest.fixture(autouse=True)
def fresh_baseline():
    memory._baseline.clear()
    yield
    memory._baseline.clear()


def test_rss_is_read() -> None:
    if not memory.available():
        pytest.skip("no /proc")
    assert memory.rss_mib() > 10


@needs_glibc
def test_first_call_only_sets_the_baseline() -> None:
    assert memory.release_if_grown() is None
    assert len(memory._baseline) == 1


@needs_glibc
def test_no_trim_without_growth() -> None:
    memory.release_if_grown()
    assert memory.release_if_grown(threshold_mib=1024) is None


@needs_glibc
def test_freed_small_blocks_are_given_back_after_growth() -> None:
    memory.release_if_grown()  # baseline
    # many small arrays (below glibc's mmap threshold: they live in the heap, and freeing them
    # leaves the pages resident), touched so they count in RSS, then freed
    blocks = [np.ones(8_000) for _ in range(12_000)]  # about 730 MiB of 64 KB blocks
    keep = np.ones(8_000)  # allocated after them: the heap top stays in use, no automatic trim
    grown = memory.rss_mib()
    del blocks
    freed = memory.release_if_grown(threshold_mib=64)
    assert freed is not None
    assert freed > 256
    assert memory.rss_mib() < grown - 256
    assert memory._baseline == [pytest.approx(memory.rss_mib(), abs=16)]
    del keep


def test_without_glibc_nothing_happens(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(memory, "_trim", None)
    assert memory.release_if_grown() is None
    assert memory.release() == 0.0
    assert not memory.available()


def test_freeze_only_after_imports_and_later_cycles_are_still_collected() -> None:
    import gc
    import sys
    import weakref

    saved = memory._frozen_at[0]
    try:
        memory._frozen_at[0] = len(sys.modules)  # nothing imported since
        assert memory.freeze_imports(min_new_modules=1) is False
        memory._frozen_at[0] = len(sys.modules) - 5  # five modules imported since
        before = gc.get_freeze_count()
        assert memory.freeze_imports(min_new_modules=5) is True
        assert gc.get_freeze_count() >= before
        assert memory._frozen_at[0] == len(sys.modules)
        assert memory.freeze_imports(min_new_modules=1) is False  # due again only after imports

        class Node:
            pass

        a, b = Node(), Node()
        a.other, b.other = b, a  # a cycle made after the freeze
        gone = weakref.ref(a)
        del a, b
        gc.collect()
        assert gone() is None
    finally:
        gc.unfreeze()
        memory._frozen_at[0] = saved
