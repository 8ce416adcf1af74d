"""Reading an uploaded log (XLSX or CSV) into rows, and refusing, with a message, a file that
is not one: a workbook that unpacks to far more than it weighs (a zip bomb, or one cell of
200 MB), XML with entity declarations (openpyxl parses with defusedxml when it is installed,
and it is a dependency for that), or a sheet that breaks part way. An upload from the web is
read in a child process under a memory limit, so that no file can take the worker with it."""

from __future__ import annotations

import csv
import io
import pickle
import subprocess
import sys
from pathlib import Path

from portal.domain.importing import COLUMNS, header_key
from portal.domain.uploads import unpacking_problem

MAX_ROWS = 200_000
# A 50,000-row workbook unpacks to about 60 MB; its parts compress about 20 to 1.
MAX_UNPACKED = 200 * 1024 * 1024
MAX_RATIO = 100


class ImportFileError(ValueError):
    """The file itself cannot be read: wrong kind, no header, too many rows, too big."""


def check_workbook(name: str, content: bytes) -> None:
    """Refuse, before any XML is parsed, a workbook whose parts unpack too big."""
    problem = unpacking_problem(content, MAX_RATIO, MAX_UNPACKED)
    if problem.startswith("it is damaged"):
        raise ImportFileError(f"{name}: not a readable XLSX workbook (not a zip file)")
    if problem:
        raise ImportFileError(f"{name}: {problem} (a workbook is at most about 20): not imported")


def _rows(name: str, content: bytes):
    suffix = Path(name).suffix.lower()
    if suffix == ".xlsx":
        check_workbook(name, content)
        from openpyxl import load_workbook

        try:
            sheet = load_workbook(io.BytesIO(content), read_only=True, data_only=True).active
        except Exception as exc:
            raise ImportFileError(_unreadable(name, exc)) from None
        return sheet.iter_rows(values_only=True)
    if suffix == ".csv":
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ImportFileError(f"{name}: a CSV file must be UTF-8 text") from None
        return (tuple(r) for r in csv.reader(io.StringIO(text)))
    raise ImportFileError(f"{name}: import an .xlsx or a .csv file")


def _unreadable(name: str, exc: Exception, line: int | None = None) -> str:
    where = f" at row {line}" if line else ""
    kind = type(exc).__name__
    causes: set[str] = set()
    cause: BaseException | None = exc
    while cause is not None:  # openpyxl wraps what the XML parser raised in a ValueError
        causes.add(type(cause).__name__)
        cause = cause.__cause__ or cause.__context__
    if "MemoryError" in causes:
        raise MemoryError  # the reader ran out of what it may use: said by its caller
    if causes & {"EntitiesForbidden", "DTDForbidden", "ExternalReferenceForbidden"}:
        return f"{name}: the workbook declares XML entities{where}, which an import refuses"
    if isinstance(exc, csv.Error):
        return f"{name}: not readable as CSV{where} ({exc})"
    return f"{name}: not a readable XLSX workbook{where} ({kind})"


def read_table(name: str, content: bytes) -> tuple[list[str], list[tuple[int, dict]]]:
    """(header keys, rows as (line number, {key: cell})) from XLSX or CSV bytes."""
    rows = _rows(name, content)
    line = 1
    try:
        header = next(rows, None)
        if not header or not any(header):
            raise ImportFileError(
                f"{name}: the first row must name the columns, e.g. {', '.join(COLUMNS[:4])}"
            )
        keys = [header_key(h) for h in header]
        if "received_at" not in keys:
            raise ImportFileError(
                f"{name}: no received_at column (the date each complaint came in)"
            )
        records = []
        for line, cells in enumerate(rows, start=2):
            if cells is None or not any(c not in (None, "") for c in cells):
                continue  # blank lines are not rows
            records.append(
                (line, {k: v for k, v in zip(keys, cells, strict=False) if k in COLUMNS})
            )
            if len(records) > MAX_ROWS:
                raise ImportFileError(f"{name}: more than {MAX_ROWS} rows; split the file")
    except ImportFileError:
        raise
    except Exception as exc:  # a sheet that breaks part way: its XML, a cell, the CSV
        raise ImportFileError(_unreadable(name, exc, line)) from None
    return keys, records


def read_table_limited(
    name: str, content: bytes, megabytes: int
) -> tuple[list[str], list[tuple[int, dict]]]:
    """read_table in a child process that may use `megabytes` of memory at most: a file that
    needs more is refused with a message, and the worker lives on. (A plain child process,
    not multiprocessing, which would import the worker's own main module again.)"""
    child = subprocess.run(
        [sys.executable, "-m", "portal.services.tables", name, str(megabytes)],
        input=content,
        capture_output=True,
        check=False,
    )
    if child.returncode == 0:
        # Our own child's answer (the file's cells, read by read_table), not the upload.
        return pickle.loads(child.stdout)  # noqa: S301
    if child.returncode == REFUSED:
        raise ImportFileError(child.stderr.decode("utf-8", "replace").strip())
    raise ImportFileError(
        f"{name}: reading it needs more than the {megabytes} MB an import may use; "
        "split the file, or look for a very large cell"
    )


REFUSED = 3  # the child's exit status when the file is refused with a message


def _child(name: str, megabytes: int) -> int:
    import resource

    limit = megabytes * 2**20
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    content = sys.stdin.buffer.read()
    try:
        table = read_table(name, content)
    except ImportFileError as exc:
        sys.stderr.write(str(exc))
        return REFUSED
    sys.stdout.buffer.write(pickle.dumps(table, protocol=pickle.HIGHEST_PROTOCOL))
    return 0


if __name__ == "__main__":
    sys.exit(_child(sys.argv[1], int(sys.argv[2])))
