"""QDA-XML in: untrusted .qdc and .qdpx bytes to a Project, built for the standard rather than one vendor.

Elements are matched by local name, so a file whose tool wrote the namespace differently (or none) still reads.
What Groundwork cannot take (PDF, picture, audio and video sources; text outside the file) is listed in
`Project.skipped` with a reason, never a failure of the whole import.
"""

from __future__ import annotations

import posixpath
import re
from urllib.parse import unquote

from .model import Case, Code, Note, Project, Selection, SetOfSources, TextSource, User, Variable
from .safety import ImportRefused, ZipLimits, open_zip, parse_xml

_GUID_RE = re.compile(r"^\{?([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})\}?$")
_OTHER_SOURCES = {"PDFSource": "PDF", "PictureSource": "picture", "AudioSource": "audio", "VideoSource": "video"}

__all__ = ["ImportRefused", "read_codebook", "read_project"]


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _children(element, name: str):
    return [child for child in element if _local(child.tag) == name]


def _child(element, name: str):
    found = _children(element, name)
    return found[0] if found else None


def _text(element, name: str) -> str:
    child = _child(element, name)
    return (child.text or "").strip() if child is not None else ""


def _guid(element) -> str:
    """The element's GUID, lower case without braces; a missing or malformed one refuses the file."""
    raw = (element.get("guid") or element.get("targetGUID") or "").strip()
    match = _GUID_RE.match(raw)
    if not match:
        raise ImportRefused(f"A {_local(element.tag)} has no valid GUID (“{raw[:40]}”); the file does not follow QDA-XML.")
    return match.group(1).lower()


def _ref(element) -> str | None:
    match = _GUID_RE.match((element.get("targetGUID") or "").strip())
    return match.group(1).lower() if match else None


def _colour(raw: str | None) -> str | None:
    raw = (raw or "").strip()
    if re.fullmatch(r"#[0-9a-fA-F]{6}", raw):
        return raw.lower()
    if re.fullmatch(r"#[0-9a-fA-F]{3}", raw):
        return "#" + "".join(c * 2 for c in raw[1:]).lower()
    return None


def _codes(container) -> list[Code]:
    codes, stack = [], [(container, None)]
    while stack:  # iterative: a deeply nested hostile codebook cannot exhaust the stack
        element, parent = stack.pop()
        for child in _children(element, "Code"):
            code = Code(guid=_guid(child), name=(child.get("name") or "").strip(), colour=_colour(child.get("color")),
                        description=_text(child, "Description"),
                        note_guids=[g for g in (_ref(n) for n in _children(child, "NoteRef")) if g])
            (parent.children if parent is not None else codes).append(code)
            stack.append((child, code))
    return codes


def _codebook_codes(root) -> list[Code]:
    codes = _child(root, "Codes")
    return _codes(codes) if codes is not None else []


def read_codebook(data: bytes) -> list[Code]:
    """A .qdc file: CodeBook > Codes > Code (nested)."""
    root = parse_xml(data, "codebook")
    if _local(root.tag) == "Project":  # a .qde given as a codebook: take its codebook
        book = _child(root, "CodeBook")
        return _codebook_codes(book) if book is not None else []
    if _local(root.tag) != "CodeBook":
        raise ImportRefused("This is not a REFI-QDA codebook: its root element is not CodeBook.")
    return _codebook_codes(root)


def read_project(data: bytes, limits: ZipLimits) -> Project:
    """A .qdpx zip: project.qde (any name ending .qde at the top) and its sources/."""
    files = open_zip(data, limits, "project file")
    qde = [name for name in files if name.lower().endswith(".qde") and "/" not in name]
    if len(qde) != 1:
        raise ImportRefused("This .qdpx holds no project.qde (or several); it is not a REFI-QDA project.")
    root = parse_xml(files[qde[0]], "project")
    if _local(root.tag) != "Project":
        raise ImportRefused("This is not a REFI-QDA project: the root element of project.qde is not Project.")
    project = Project(name=(root.get("name") or "").strip() or "Imported project")
    book = _child(root, "CodeBook")
    project.codes = _codebook_codes(book) if book is not None else []
    users = _child(root, "Users")
    for element in _children(users, "User") if users is not None else []:
        project.users.append(User(guid=_guid(element), name=(element.get("name") or "").strip()))
    variables = _child(root, "Variables")
    variable_names = {}
    for element in _children(variables, "Variable") if variables is not None else []:
        variable = Variable(guid=_guid(element), name=(element.get("name") or "").strip())
        variable_names[variable.guid] = variable.name
        project.variables.append(variable)
    cases = _child(root, "Cases")
    for element in _children(cases, "Case") if cases is not None else []:
        project.cases.append(_case(element, variable_names))
    sources = _child(root, "Sources")
    for element in list(sources) if sources is not None else []:
        kind = _local(element.tag)
        name = (element.get("name") or "").strip()
        if kind == "TextSource":
            project.sources.append(_text_source(element, files))
        elif kind in _OTHER_SOURCES:
            project.skipped.append({"name": name or _guid(element), "kind": _OTHER_SOURCES[kind],
                                    "reason": f"{_OTHER_SOURCES[kind].capitalize()} sources are not imported; only text is."})
    for source in project.sources:
        if source.text is None:
            project.skipped.append({"name": source.name, "kind": "text", "reason": source.reason})
    notes = _child(root, "Notes")
    for element in _children(notes, "Note") if notes is not None else []:
        text, _ = _source_text(element, files)
        project.notes.append(Note(guid=_guid(element), name=(element.get("name") or "").strip(), text=text or "",
                                  creating_user=(element.get("creatingUser") or "").strip("{}").lower() or None,
                                  created=(element.get("creationDateTime") or "").strip() or None))
    sets = _child(root, "Sets")
    for element in _children(sets, "Set") if sets is not None else []:
        project.sets.append(SetOfSources(
            guid=_guid(element), name=(element.get("name") or "").strip(), description=_text(element, "Description"),
            source_guids=[g for g in (_ref(m) for m in _children(element, "MemberSource")) if g],
            note_guids=[g for g in (_ref(m) for m in _children(element, "MemberNote")) if g],
        ))
    return project


def _case(element, variable_names: dict[str, str]) -> Case:
    case = Case(guid=_guid(element), name=(element.get("name") or "").strip(), description=_text(element, "Description"))
    for holder in _children(element, "VariableValue"):
        ref = _child(holder, "VariableRef")
        name = variable_names.get(_ref(ref)) if ref is not None else None
        for value_tag in ("TextValue", "BooleanValue", "IntegerValue", "FloatValue", "DateValue", "DateTimeValue"):
            value = _child(holder, value_tag)
            if name and value is not None and (value.text or "").strip():
                case.values[name] = value.text.strip()
    case.source_guids = [g for g in (_ref(ref) for ref in _children(element, "SourceRef")) if g]
    return case


def _text_source(element, files: dict[str, bytes]) -> TextSource:
    source = TextSource(guid=_guid(element), name=(element.get("name") or "").strip())
    source.text, source.reason = _source_text(element, files)
    for chosen in _children(element, "PlainTextSelection"):
        try:
            start, end = int(chosen.get("startPosition", "")), int(chosen.get("endPosition", ""))
        except ValueError:
            raise ImportRefused(f"A selection in “{source.name}” has no valid start or end position.") from None
        source.selections.append(Selection(
            guid=_guid(chosen), start=start, end=end,
            code_guids=[g for g in (_ref(c) for coding in _children(chosen, "Coding") for c in _children(coding, "CodeRef")) if g],
            note_guids=[g for g in (_ref(n) for n in _children(chosen, "NoteRef")) if g],
            creating_user=(chosen.get("creatingUser") or "").strip("{}").lower() or None,
        ))
    source.note_guids = [g for g in (_ref(n) for n in _children(element, "NoteRef")) if g]
    return source


def _source_text(element, files: dict[str, bytes]) -> tuple[str | None, str]:
    """(text, "") or (None, why not). Inline PlainTextContent, else plainTextPath: internal://name (in sources/),
    or a path relative to the project inside the zip."""
    inline = _child(element, "PlainTextContent")
    if inline is not None:
        return inline.text or "", ""
    path = (element.get("plainTextPath") or "").strip()
    if not path:
        return None, "It has no plain text (neither inline nor a plainTextPath)."
    if path.startswith("internal://"):
        candidates = [posixpath.join("sources", unquote(path[len("internal://"):]))]
    elif re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", path) or path.startswith("/") or re.match(r"^[a-zA-Z]:", path):
        return None, "Its text is outside the project file (an absolute path); export the project with its sources."
    else:
        relative = unquote(path).replace("\\", "/")
        candidates = [relative, posixpath.join("sources", relative)]
    for candidate in candidates:
        normal = posixpath.normpath(candidate)
        if normal.startswith(".."):
            return None, "Its text path points outside the project file."
        if normal in files:
            return _decode(files[normal])
    return None, f"Its text file ({path[:120]}) is missing from the project file."


def _decode(data: bytes) -> tuple[str | None, str]:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), ""
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8-sig"), ""
    except UnicodeDecodeError:
        return None, "Its text is not UTF-8, as QDA-XML requires."
