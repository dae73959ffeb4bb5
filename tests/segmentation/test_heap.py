"""Freed heap memory goes back to the OS: glibc keeps freed chunks below the heap's top."""

import ctypes

from segmentation.heap import release_freed_memory

CHUNK, CHUNKS = 100_000, 2_000  # below glibc's mmap threshold (128 kB): on the heap
_libc = ctypes.CDLL("libc.so.6")
_libc.malloc.restype = ctypes.c_void_p
_libc.free.argtypes = [ctypes.c_void_p]


def resident_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * 4096 / 2**20


def test_freed_chunks_below_a_live_one_are_returned_by_release_freed_memory():
    chunks = [_libc.malloc(CHUNK) for _ in range(CHUNKS)]
    for chunk in chunks:
        ctypes.memset(chunk, 1, CHUNK)  # resident
    for chunk in chunks[:-1]:  # the last one pins the heap's top: no automatic trim
        _libc.free(chunk)
    kept = resident_mb()

    release_freed_memory()

    assert kept - resident_mb() > 0.75 * CHUNK * CHUNKS / 2**20
    _libc.free(chunks[-1])
