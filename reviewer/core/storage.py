"""Files under content-hash names through Django's storage API. A name is the sha256 of the
bytes, so a good file is never overwritten: the same content is the same file. A file whose
bytes do not match its name (its writer was killed) is written again when next stored, and a
write that fails (a full disk) leaves nothing behind."""

import gzip
import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import nibabel as nib
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction


@dataclass(frozen=True)
class StoredFile:
    name: str
    sha256: str


class ImportFiles:
    """The files one import created, so that a failed import can take them back."""

    def __init__(self) -> None:
        self.created: list[str] = []

    def store(self, data: bytes, *, folder: str, suffix: str) -> StoredFile:
        sha256 = hashlib.sha256(data).hexdigest()
        name = f"{folder}/{sha256[:2]}/{sha256}{suffix}"
        if default_storage.exists(name):
            if _sha256_of(name) == sha256:
                return StoredFile(name=name, sha256=sha256)
            default_storage.delete(name)  # half written by a worker that was killed: write anew
        try:
            saved = default_storage.save(name, ContentFile(data))
        except BaseException:
            default_storage.delete(name)  # what a failed write (a full disk) left of the file
            raise
        self.created.append(saved)
        return StoredFile(name=saved, sha256=sha256)

    def discard(self) -> None:
        for name in self.created:
            default_storage.delete(name)
        self.created.clear()


@contextmanager
def atomic_import() -> Iterator[ImportFiles]:
    """One database transaction plus the files written under it: both land, or neither."""
    files = ImportFiles()
    try:
        with transaction.atomic():
            yield files
    except BaseException:
        files.discard()
        raise


def _sha256_of(name: str) -> str:
    digest = hashlib.sha256()
    with default_storage.open(name, "rb") as handle:
        for chunk in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()


def read_nifti(name: str) -> nib.Nifti1Image:
    """A stored NIfTI file, read through the storage API (works with object storage too)."""
    with default_storage.open(name, "rb") as handle:
        data = handle.read()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    return nib.Nifti1Image.from_bytes(data)
