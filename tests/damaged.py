"""Damaged copies of a store, built the ways a disk, a copy or a person damages a file (issue 16, case 9)."""

from __future__ import annotations

import os
import random
import shutil
from pathlib import Path

#: Each way a store file gets damaged, by name.
DAMAGE = ("truncated to 4 KB", "truncated to half", "overwritten with junk", "corrupted mid-file")


def damaged_copy(source: Path, target: Path, how: str) -> Path:
    """Copy the store at ``source`` to ``target`` and damage the copy ``how`` (one of ``DAMAGE``)."""
    shutil.copyfile(source, target)
    size = os.path.getsize(target)
    noise = random.Random(16)  # the same junk every run
    with open(target, "r+b") as handle:
        if how == "truncated to 4 KB":
            handle.truncate(4096)
        elif how == "truncated to half":
            handle.truncate(size // 2)
        elif how == "overwritten with junk":
            handle.write(noise.randbytes(size))
        elif how == "corrupted mid-file":
            # 4 KB of junk every 256 KB past the first MB: the header and the catalogue still read, every table's
            # data blocks fail their checksums.
            for offset in range(1 << 20, size, 1 << 18):
                handle.seek(offset)
                handle.write(noise.randbytes(4096))
        else:
            raise ValueError(how)
    return target


def block_corrupted_copy(source: Path, target: Path) -> Path:
    """Copy the store and overwrite 8 KB in the middle: it opens, and a query that reads that block fails."""
    shutil.copyfile(source, target)
    with open(target, "r+b") as handle:
        handle.seek(os.path.getsize(target) // 2)
        handle.write(random.Random(16).randbytes(8192))
    return target
