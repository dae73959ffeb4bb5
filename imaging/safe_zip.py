"""Extraction of uploaded zip archives that cannot write outside the target folder or fill the disk.

Every member name is checked before anything is written (path traversal: absolute paths, drive
letters, ``..`` components, symbolic links). Decompression bombs are stopped four ways: the
declared total size, the compression ratio of each large member and of the archive as a whole (a
bomb of many small members, each exempt on its own), and the bytes actually written while
streaming, because the sizes an archive declares are written by whoever made it.
"""

import re
import stat
import zipfile
import zlib
from pathlib import Path, PurePosixPath

from imaging.errors import ImagingInputError

GiB = 1024**3
_CHUNK_BYTES = 1024**2
# A member smaller than this cannot make a bomb on its own (the total limit covers many of them),
# and a DICOM slice of an empty field of view compresses far better than 200:1.
RATIO_EXEMPT_BYTES = 1024**2
_DRIVE_LETTER = re.compile(r"^[A-Za-z]:")


def extract_zip(
    zip_path: Path,
    dest_dir: Path,
    *,
    max_total_bytes: int = 4 * GiB,
    max_members: int = 100_000,
    max_ratio: float = 200,
) -> Path:
    """Extract ``zip_path`` into ``dest_dir`` (created if needed) and return ``dest_dir``.

    Directories are not extracted as entries; the folders that files need are created. On error,
    files already written stay in ``dest_dir``: the caller owns it (use a temporary directory).

    Raises
    ------
    ImagingInputError
        The file is not a zip archive or is corrupt; it has more than ``max_members`` members;
        a member name is absolute, has a drive letter or a ``..`` component, or is a symbolic link;
        two members have the same name; the declared total exceeds ``max_total_bytes``; a member
        over ``RATIO_EXEMPT_BYTES``, or the archive as a whole once its members declare more than
        that, compresses more than ``max_ratio``:1; the bytes written exceed
        ``max_total_bytes`` or a member's declared size; a member is encrypted or uses an
        unsupported compression method.
    """
    zip_path = Path(zip_path)
    try:
        archive = zipfile.ZipFile(zip_path)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError) as exc:
        raise ImagingInputError(zip_path, f"not a readable zip archive ({exc})") from exc
    with archive:
        files = _checked_file_members(
            zip_path, archive.infolist(), max_total_bytes, max_members, max_ratio
        )
        _check_archive_ratio(zip_path, files, max_ratio)
        dest_dir = Path(dest_dir)
        dest_dir.mkdir(parents=True, exist_ok=True)
        root = dest_dir.resolve()
        written = 0
        for info in files:
            written += _extract_member(zip_path, archive, info, root, max_total_bytes - written)
    return dest_dir


def _checked_file_members(
    zip_path: Path,
    infos: list[zipfile.ZipInfo],
    max_total_bytes: int,
    max_members: int,
    max_ratio: float,
) -> list[zipfile.ZipInfo]:
    """The file members, after every check that the central directory allows."""
    if len(infos) > max_members:
        raise ImagingInputError(
            zip_path, f"{len(infos)} members, more than the {max_members} allowed"
        )
    seen: set[str] = set()
    for info in infos:
        _check_name(zip_path, info)
        key = _normalized(info.filename)
        if key in seen:
            raise ImagingInputError(_member(zip_path, info), "duplicate member name")
        seen.add(key)
    files = [info for info in infos if not info.is_dir()]
    declared = sum(info.file_size for info in files)
    if declared > max_total_bytes:
        raise ImagingInputError(
            zip_path,
            f"declares {declared} bytes uncompressed, more than the {max_total_bytes} allowed",
        )
    for info in files:
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > RATIO_EXEMPT_BYTES and ratio > max_ratio:
            raise ImagingInputError(
                _member(zip_path, info),
                f"compression ratio {ratio:.0f}:1 exceeds {max_ratio:.0f}:1 (decompression bomb?)",
            )
    return files


def _check_archive_ratio(zip_path: Path, files: list[zipfile.ZipInfo], max_ratio: float) -> None:
    """Many small members, each exempt from the per-member ratio, expand as one archive."""
    declared = sum(info.file_size for info in files)
    ratio = declared / max(zip_path.stat().st_size, 1)
    if declared > RATIO_EXEMPT_BYTES and ratio > max_ratio:
        raise ImagingInputError(
            zip_path,
            f"{len(files)} members expand {ratio:.0f}:1 in all, more than {max_ratio:.0f}:1 "
            "(decompression bomb?)",
        )


def _check_name(zip_path: Path, info: zipfile.ZipInfo) -> None:
    name = info.filename.replace("\\", "/")
    if name.startswith("/") or _DRIVE_LETTER.match(name):
        raise ImagingInputError(_member(zip_path, info), "absolute member path (path traversal)")
    if ".." in name.split("/"):
        raise ImagingInputError(_member(zip_path, info), "'..' in member path (path traversal)")
    if "\x00" in name or not _normalized(name):
        raise ImagingInputError(_member(zip_path, info), "invalid member name")
    if stat.S_ISLNK(info.external_attr >> 16):
        raise ImagingInputError(_member(zip_path, info), "symbolic link member (path traversal)")


def _extract_member(
    zip_path: Path, archive: zipfile.ZipFile, info: zipfile.ZipInfo, root: Path, budget: int
) -> int:
    """Stream one member to disk and return the bytes written, stopping at ``budget``."""
    target = root.joinpath(*PurePosixPath(_normalized(info.filename)).parts)
    if not target.resolve().is_relative_to(root):  # belt and braces after _check_name
        raise ImagingInputError(_member(zip_path, info), "member path leaves the target folder")
    target.parent.mkdir(parents=True, exist_ok=True)
    written = 0
    try:
        with archive.open(info) as source, open(target, "xb") as sink:
            while chunk := source.read(_CHUNK_BYTES):
                written += len(chunk)
                if written > budget or written > info.file_size:
                    raise ImagingInputError(
                        _member(zip_path, info),
                        "decompresses to more bytes than declared or allowed (decompression bomb?)",
                    )
                sink.write(chunk)
    except ImagingInputError:
        raise
    except RuntimeError as exc:  # zipfile's "File is encrypted, password required"
        raise ImagingInputError(_member(zip_path, info), f"encrypted member ({exc})") from exc
    except NotImplementedError as exc:
        raise ImagingInputError(
            _member(zip_path, info), f"unsupported compression ({exc})"
        ) from exc
    except (zipfile.BadZipFile, zlib.error, EOFError, ValueError) as exc:
        raise ImagingInputError(_member(zip_path, info), f"corrupt member ({exc})") from exc
    except OSError as exc:  # e.g. a file member named like another member's folder
        raise ImagingInputError(_member(zip_path, info), f"cannot be extracted ({exc})") from exc
    return written


def _normalized(name: str) -> str:
    return "/".join(part for part in name.replace("\\", "/").split("/") if part not in ("", "."))


def _member(zip_path: Path, info: zipfile.ZipInfo) -> str:
    return f"{zip_path}:{info.filename}"
