"""QDA-XML out: a codebook (.qdc) and a project (.qde inside a .qdpx zip with its sources/)."""

from __future__ import annotations

import io
import zipfile
from xml.etree import ElementTree as ET

from .model import Code, Project

PROJECT_NS = "urn:QDA-XML:project:1.0"
CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"


def _sub(parent, ns: str, tag: str, text: str | None = None, **attributes):
    element = ET.SubElement(parent, f"{{{ns}}}{tag}", {k: v for k, v in attributes.items() if v is not None})
    if text is not None:
        element.text = text
    return element


def _codes(parent, ns: str, codes: list[Code], *, notes: bool = False) -> None:
    """`notes`: with the codes' NoteRefs (a project, which holds the notes; a codebook holds none)."""
    for code in codes:
        element = _sub(parent, ns, "Code", guid=code.guid, name=code.name, isCodable="true", color=code.colour)
        if code.description:
            _sub(element, ns, "Description", code.description)
        for note_guid in code.note_guids if notes else ():
            _sub(element, ns, "NoteRef", targetGUID=note_guid)
        _codes(element, ns, code.children, notes=notes)


def _serialise(root) -> bytes:
    ET.register_namespace("", root.tag[1:].split("}")[0])
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def codebook_xml(codes: list[Code]) -> bytes:
    """Exactly the project schema's CodeBook type, under the codebook namespace."""
    root = ET.Element(f"{{{CODEBOOK_NS}}}CodeBook")
    _codes(_sub(root, CODEBOOK_NS, "Codes"), CODEBOOK_NS, codes)
    return _serialise(root)


def source_path(guid: str) -> str:
    return f"{guid}.txt"


def project_xml(project: Project, *, origin: str = "Groundwork", created: str | None = None) -> bytes:
    """The project.qde; each text source refers to sources/<guid>.txt (written by project_qdpx)."""
    ns = PROJECT_NS
    root = ET.Element(f"{{{ns}}}Project", {k: v for k, v in {
        "name": project.name, "origin": origin, "creationDateTime": created}.items() if v})
    if project.users:
        users = _sub(root, ns, "Users")
        for user in project.users:
            _sub(users, ns, "User", guid=user.guid, name=user.name)
    if project.codes:
        _codes(_sub(_sub(root, ns, "CodeBook"), ns, "Codes"), ns, project.codes, notes=True)
    if project.variables:
        variables = _sub(root, ns, "Variables")
        for variable in project.variables:
            _sub(variables, ns, "Variable", guid=variable.guid, name=variable.name, typeOfVariable="Text")
    variable_guid = {v.name: v.guid for v in project.variables}
    if project.cases:
        cases = _sub(root, ns, "Cases")
        for case in project.cases:
            element = _sub(cases, ns, "Case", guid=case.guid, name=case.name)
            if case.description:
                _sub(element, ns, "Description", case.description)
            for name, value in case.values.items():
                holder = _sub(element, ns, "VariableValue")
                _sub(holder, ns, "VariableRef", targetGUID=variable_guid[name])
                _sub(holder, ns, "TextValue", value)
            for guid in case.source_guids:
                _sub(element, ns, "SourceRef", targetGUID=guid)
    if project.sources:
        sources = _sub(root, ns, "Sources")
        for source in project.sources:
            element = _sub(sources, ns, "TextSource", guid=source.guid, name=source.name,
                           plainTextPath=f"internal://{source_path(source.guid)}")
            for selection in source.selections:
                chosen = _sub(element, ns, "PlainTextSelection", guid=selection.guid, startPosition=str(selection.start),
                              endPosition=str(selection.end), creatingUser=selection.creating_user)
                for index, code_guid in enumerate(selection.code_guids):
                    coding = _sub(chosen, ns, "Coding", guid=_derived_guid(selection.guid, index),
                                  creatingUser=selection.creating_user)
                    _sub(coding, ns, "CodeRef", targetGUID=code_guid)
                for note_guid in selection.note_guids:
                    _sub(chosen, ns, "NoteRef", targetGUID=note_guid)
            for note_guid in source.note_guids:
                _sub(element, ns, "NoteRef", targetGUID=note_guid)
    if project.notes:
        notes = _sub(root, ns, "Notes")
        for note in project.notes:
            element = _sub(notes, ns, "Note", guid=note.guid, name=note.name or None, creatingUser=note.creating_user,
                           creationDateTime=note.created)
            _sub(element, ns, "PlainTextContent", note.text)
    if project.sets:
        sets = _sub(root, ns, "Sets")
        for group in project.sets:
            element = _sub(sets, ns, "Set", guid=group.guid, name=group.name)
            if group.description:
                _sub(element, ns, "Description", group.description)
            for guid in group.source_guids:
                _sub(element, ns, "MemberSource", targetGUID=guid)
            for guid in group.note_guids:
                _sub(element, ns, "MemberNote", targetGUID=guid)
    return _serialise(root)


def _derived_guid(guid: str, index: int) -> str:
    """A stable GUID for the index-th coding of a selection (the selection's GUID with its last digits changed)."""
    return f"{guid[:-4]}{(int(guid[-4:], 16) + index + 1) % 0x10000:04x}"


def project_qdpx(project: Project, *, created: str | None = None, target=None):
    """Write the .qdpx zip (project.qde and sources/<guid>.txt, UTF-8) into `target` (a file object; a new
    BytesIO when None) and return it."""
    target = target if target is not None else io.BytesIO()
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("project.qde", project_xml(project, created=created))
        for source in project.sources:
            archive.writestr(f"sources/{source_path(source.guid)}", (source.text or "").encode("utf-8"))
    return target
