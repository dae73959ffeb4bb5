"""extract_zip: path traversal refused before anything is written, decompression bombs stopped."""

import stat
import struct
import zipfile
from pathlib import Path

import numpy as np
import pytest

from imaging.errors import ImagingInputError
from imaging.safe_zip import RATIO_EXEMPT_BYTES, extract_zip


def _zip(path: Path, members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(zipfile.ZipInfo(name), data, compress_type=compression)
    return path


def _files_under(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def test_members_are_extracted_into_their_folders_and_directories_skipped(tmp_path):
    archive = _zip(tmp_path / "ok.zip", {"exam/": b"", "exam/t1/IM1": b"one", "README": b"two"})
    out = extract_zip(archive, tmp_path / "out")
    assert out == tmp_path / "out"
    assert (out / "exam" / "t1" / "IM1").read_bytes() == b"one"
    assert (out / "README").read_bytes() == b"two"


@pytest.mark.parametrize(
    "name",
    [
        "../evil.txt",
        "exam/../../evil.txt",
        "/etc/evil.txt",
        "C:/evil.txt",
        "..\\evil.txt",
        "\\\\server\\share\\evil.txt",
    ],
)
def test_traversing_member_is_refused_naming_it_before_anything_is_written(tmp_path, name):
    archive = _zip(tmp_path / "evil.zip", {"harmless.txt": b"first", name: b"pwned"})
    with pytest.raises(ImagingInputError, match="path traversal") as caught:
        extract_zip(archive, tmp_path / "out" / "deep")
    assert caught.value.source == f"{archive}:{name}"
    assert _files_under(tmp_path / "out") == []
    assert not (tmp_path / "evil.txt").exists() and not (tmp_path / "out" / "evil.txt").exists()


def test_symbolic_link_member_is_refused(tmp_path):
    link = zipfile.ZipInfo("exam/link")
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    with zipfile.ZipFile(tmp_path / "link.zip", "w") as archive:
        archive.writestr(link, "/etc/passwd")
    with pytest.raises(ImagingInputError, match="symbolic link") as caught:
        extract_zip(tmp_path / "link.zip", tmp_path / "out")
    assert caught.value.source.endswith(":exam/link")


def test_member_compressing_beyond_the_ratio_is_refused_as_a_bomb(tmp_path):
    archive = _zip(tmp_path / "bomb.zip", {"zeros.bin": bytes(5 * 1024**2)})
    with pytest.raises(ImagingInputError, match="compression ratio") as caught:
        extract_zip(archive, tmp_path / "out")
    assert caught.value.source == f"{archive}:zeros.bin"
    assert _files_under(tmp_path / "out") == []


def test_small_members_are_exempt_from_the_ratio_check(tmp_path):
    # An empty slice compresses beyond 200:1; on its own it cannot fill a disk.
    archive = _zip(tmp_path / "blank.zip", {"blank.dcm": bytes(RATIO_EXEMPT_BYTES // 2)})
    extract_zip(archive, tmp_path / "out")
    assert (tmp_path / "out" / "blank.dcm").stat().st_size == RATIO_EXEMPT_BYTES // 2


def test_declared_total_over_the_limit_is_refused(tmp_path):
    archive = _zip(tmp_path / "big.zip", {"a": b"x" * 600, "b": b"y" * 600}, zipfile.ZIP_STORED)
    with pytest.raises(ImagingInputError, match="more than the 1000 allowed"):
        extract_zip(archive, tmp_path / "out", max_total_bytes=1000)
    assert _files_under(tmp_path / "out") == []


def test_member_whose_declared_size_lies_is_stopped_at_what_it_declared(tmp_path):
    real = _zip(tmp_path / "real.zip", {"payload": bytes(256 * 1024)}).read_bytes()
    lying = _with_declared_size(real, 10)  # central directory and local header say 10 bytes
    (tmp_path / "lying.zip").write_bytes(lying)
    with pytest.raises(ImagingInputError) as caught:
        extract_zip(tmp_path / "lying.zip", tmp_path / "out", max_total_bytes=1000)
    assert caught.value.source.endswith(":payload")
    assert sum(p.stat().st_size for p in _files_under(tmp_path / "out")) <= 10


def test_too_many_members_are_refused(tmp_path):
    archive = _zip(tmp_path / "many.zip", {f"f{i}": b"" for i in range(4)})
    with pytest.raises(ImagingInputError, match="more than the 3 allowed"):
        extract_zip(archive, tmp_path / "out", max_members=3)


def test_duplicate_member_names_are_refused(tmp_path):
    with zipfile.ZipFile(tmp_path / "dup.zip", "w") as archive:
        archive.writestr("IM1", b"first")
        with pytest.warns(UserWarning, match="Duplicate name: 'IM1'"):
            archive.writestr("IM1", b"second")
    with pytest.raises(ImagingInputError, match="duplicate"):
        extract_zip(tmp_path / "dup.zip", tmp_path / "out")


def test_file_that_is_not_a_zip_is_refused(tmp_path):
    (tmp_path / "scan.zip").write_bytes(b"DICM but not a zip at all")
    with pytest.raises(ImagingInputError, match="not a readable zip") as caught:
        extract_zip(tmp_path / "scan.zip", tmp_path / "out")
    assert caught.value.source == str(tmp_path / "scan.zip")


def test_truncated_zip_is_refused(tmp_path):
    data = _zip(tmp_path / "whole.zip", {"IM1": b"slice" * 100}).read_bytes()
    (tmp_path / "cut.zip").write_bytes(data[: len(data) // 2])
    with pytest.raises(ImagingInputError, match="not a readable zip"):
        extract_zip(tmp_path / "cut.zip", tmp_path / "out")


def test_member_with_corrupt_data_is_refused_naming_it(tmp_path):
    archive = _zip(tmp_path / "ok.zip", {"IM1": b"slice" * 100}, zipfile.ZIP_STORED)
    data = bytearray(archive.read_bytes())
    data[data.index(b"slice") + 7] ^= 0xFF  # a stored byte changes: the CRC no longer matches
    (tmp_path / "corrupt.zip").write_bytes(bytes(data))
    with pytest.raises(ImagingInputError, match="corrupt member") as caught:
        extract_zip(tmp_path / "corrupt.zip", tmp_path / "out")
    assert caught.value.source.endswith(":IM1")


def _with_declared_size(data: bytes, size: int) -> bytes:
    """The archive with its only member's uncompressed size rewritten in both headers."""
    patched = bytearray(data)
    local = patched.index(b"PK\x03\x04")
    patched[local + 22 : local + 26] = struct.pack("<I", size)
    central = patched.index(b"PK\x01\x02")
    patched[central + 24 : central + 28] = struct.pack("<I", size)
    return bytes(patched)


def test_many_small_members_expanding_beyond_the_ratio_together_are_refused_as_a_bomb(tmp_path):
    # Each member is exempt on its own (the probe's 343 KB zip that wrote 315 MB).
    members = {f"slice{i}.dcm": bytes(RATIO_EXEMPT_BYTES // 4) for i in range(40)}
    archive = _zip(tmp_path / "many-bombs.zip", members)

    with pytest.raises(ImagingInputError, match=r"40 members expand \d+:1 in all") as caught:
        extract_zip(archive, tmp_path / "out")

    assert caught.value.source == str(archive)
    assert _files_under(tmp_path / "out") == []


def test_an_archive_of_incompressible_members_passes_the_ratio_check(tmp_path):
    rng_bytes = np.random.default_rng(0).bytes(2 * RATIO_EXEMPT_BYTES)
    archive = _zip(
        tmp_path / "noise.zip",
        {"a.nii.gz": rng_bytes[:RATIO_EXEMPT_BYTES], "b.nii.gz": rng_bytes[RATIO_EXEMPT_BYTES:]},
    )

    extract_zip(archive, tmp_path / "out")

    assert len(_files_under(tmp_path / "out")) == 2
