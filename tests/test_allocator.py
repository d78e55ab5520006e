"""ember keeps freed memory for reuse (glibc): a training step's temporaries fault only once."""

import resource

import numpy as np
import pytest

import ember


def _step() -> float:
    # eight 1 MiB temporaries alive at once, then freed: like the arrays of a training step
    arrays = [np.ones(1 << 17) for _ in range(8)]
    return float(sum(a[0] for a in arrays))


@pytest.mark.skipif(not ember._allocator.TUNED, reason="malloc tuning applies to glibc without MALLOC_* overrides")
def test_freed_temporaries_are_reused_without_page_faults():
    _step()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(5):
        _step()
    faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before
    # glibc's defaults map and fault ~10000 pages here (256 per array, every step)
    assert faults < 500, faults


def test_tuning_is_skipped_when_the_user_configured_malloc(monkeypatch):
    monkeypatch.setenv("EMBER_DEFAULT_MALLOC", "1")
    assert ember._allocator.keep_freed_memory() is False
