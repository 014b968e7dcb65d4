"""A codebook from a spreadsheet (.csv or .xlsx), as Taguette and hand-kept sheets hold it.

Columns, by header (case-insensitive): name (or tag, code), description, parent, colour (or color). The parent
names another row (or any existing tag); a name written as a path "a.b" is split when the import is asked to
rebuild the hierarchy. Other columns (Taguette's "number of highlights") are ignored.
"""

from __future__ import annotations

import csv
import io

from interviews.parsers.encoding import decode_bytes

from .. import refi
from ..refi.safety import open_zip

MAX_ROWS = 20000
NAME_HEADERS = ("name", "tag", "code", "tag name", "code name")
COLOUR_HEADERS = ("colour", "color")


def read_codebook_table(handle, *, fmt: str, limits: refi.ZipLimits) -> list[refi.Code]:
    rows = _xlsx_rows(handle.read(), limits) if fmt == "xlsx" else _csv_rows(handle.read())
    rows = iter(rows)
    header = next(rows, None)
    if not header:
        raise refi.ImportRefused("The spreadsheet is empty.")
    columns = [str(cell or "").strip().lower() for cell in header]
    name_at = next((columns.index(h) for h in NAME_HEADERS if h in columns), None)
    if name_at is None:
        raise refi.ImportRefused("The spreadsheet needs a column named “name” (or “tag”) in its first row.")
    def at(headers):
        return next((columns.index(h) for h in headers if h in columns), None)
    description_at, parent_at, colour_at = at(("description",)), at(("parent",)), at(COLOUR_HEADERS)
    codes: dict[str, refi.Code] = {}
    parents: dict[str, str] = {}
    for number, row in enumerate(rows, start=2):
        if number > MAX_ROWS:
            raise refi.ImportRefused(f"The spreadsheet has more than {MAX_ROWS} rows; split it.")
        def cell(index, row=row):
            return str(row[index] or "").strip() if index is not None and index < len(row) else ""
        name = cell(name_at)
        if not name:
            continue
        code = codes.setdefault(name.lower(), refi.Code(guid="", name=name))
        code.description = cell(description_at) or code.description
        code.colour = refi.reader._colour(cell(colour_at)) or code.colour
        if cell(parent_at):
            parents[name.lower()] = cell(parent_at)
    roots = []
    for key, code in codes.items():
        parent_name = parents.get(key, "")
        parent = codes.get(parent_name.lower()) if parent_name else None
        if parent_name and parent is None:  # a parent only named: a code of its own
            parent = codes.setdefault(parent_name.lower(), refi.Code(guid="", name=parent_name))
            roots.append(parent)
        if parent is not None and parent is not code and not _is_ancestor(code, parent):
            parent.children.append(code)
        else:
            roots.append(code)
    return roots


def _is_ancestor(code: refi.Code, other: refi.Code) -> bool:
    """Whether `other` sits somewhere under `code` (a loop in the sheet's parents)."""
    stack, seen = list(code.children), set()
    while stack:
        node = stack.pop()
        if node is other:
            return True
        if id(node) not in seen:
            seen.add(id(node))
            stack.extend(node.children)
    return False


def _csv_rows(data: bytes):
    try:
        text = decode_bytes(data).text
    except Exception:  # noqa: BLE001  (any decoding failure is the same answer to the researcher)
        raise refi.ImportRefused("The CSV file's text encoding could not be read; save it as UTF-8.") from None
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    return list(csv.reader(io.StringIO(text), dialect))


def _xlsx_rows(data: bytes, limits: refi.ZipLimits):
    open_zip(data, limits, "spreadsheet")  # zip bomb and path checks before openpyxl expands anything
    import openpyxl  # noqa: PLC0415  (heavy; only spreadsheet imports need it)

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001  (openpyxl raises many types for a damaged file)
        raise refi.ImportRefused("This .xlsx file is damaged or not an Excel workbook; save it again.") from None
    try:
        return [list(row) for row in workbook.worksheets[0].iter_rows(values_only=True, max_row=MAX_ROWS + 2)]
    finally:
        workbook.close()
