"""Flows on the CPU keep glibc's heap: large blocks come from it and stay in it."""

import ctypes
import platform

import pytest
import torch

from segmentation.engine.flow import prepare_for_inference
from segmentation.engine.node import build_node

pytestmark = pytest.mark.skipif(
    platform.libc_ver()[0] != "glibc", reason="mallopt settings exist only in glibc"
)


class MallInfo2(ctypes.Structure):
    _fields_ = [
        (name, ctypes.c_size_t)
        for name in (
            "arena",  # bytes of the heap (sbrk)
            "ordblks",
            "smblks",
            "hblks",
            "hblkhd",  # bytes in mmap'd blocks
            "usmblks",
            "fsmblks",
            "uordblks",
            "fordblks",  # free bytes in the heap
            "keepcost",
        )
    ]


def mallinfo() -> MallInfo2:
    call = ctypes.CDLL(None).mallinfo2
    call.restype = MallInfo2
    return call()


def test_a_flow_on_the_cpu_takes_large_blocks_from_the_heap_and_keeps_them():
    prepare_for_inference(build_node("small"))
    mapped = mallinfo().hblkhd
    block = torch.ones(64 * 2**20, dtype=torch.uint8)  # a 64 MiB tensor, twice a batch's maps
    assert mallinfo().hblkhd == mapped  # not mmap'd
    del block
    assert mallinfo().fordblks >= 64 * 2**20  # freed into the heap, not trimmed away
