"""Researcher exports: highlights, the codebook, a transcript and a persona as spreadsheets, Word reports, CSV
and printable HTML. Each takes what a selector read for this reader and a `link` (object -> absolute URL)."""

from __future__ import annotations

import csv
import io
import re

import docx
import openpyxl
from django.template.loader import render_to_string
from docx.enum.text import WD_COLOR_INDEX
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from .base import Export, ExportFile, filename, finished, spooled

CSV = Export("csv", "text/csv")
XLSX = Export("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
DOCX = Export("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
HTML = Export("html", "text/html")
HIGHLIGHT_COLUMNS = ["Quote", "Tags", "Participant", "Consent", "Interview", "Study", "Note", "Link"]
CODEBOOK_COLUMNS = ["Name", "Path", "Parent", "Description", "Colour", "Highlights", "Voices", "GUID"]
# Spreadsheet programs run a cell starting with these as a formula: written with a leading apostrophe.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_ILLEGAL_XLSX = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _highlight_values(row, link) -> list[str]:
    h = row.highlight
    return [h.quote, ", ".join(t.name for t in row.tags), row.participant, row.consent, row.interview.title,
            row.interview.study.name if row.interview.study_id else "", h.note, link(row.interview)]


def _csv(header, rows, stem: str) -> ExportFile:
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(header)
    writer.writerows([[_cell(v) for v in row] for row in rows])
    stream = spooled()
    stream.write(text.getvalue().encode("utf-8-sig"))  # the BOM: Excel then reads UTF-8
    return finished(stream, filename(stem, CSV), CSV)


def _sheet(book, title: str, header, rows, used: set[str]):
    name = re.sub(r"[\[\]:*?/\\]", " ", title).strip()[:28] or "Sheet"
    base, n = name, 2
    while name.lower() in used:
        name, n = f"{base[:25]} {n}", n + 1
    used.add(name.lower())
    sheet = book.create_sheet(name)
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([_ILLEGAL_XLSX.sub(" ", _cell(v)) for v in row])
    for index, width in enumerate([60, 30, 16, 12, 30, 20, 40, 50][:len(header)], start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    return sheet


def _xlsx(book, stem: str) -> ExportFile:
    stream = spooled()
    book.save(stream)
    return finished(stream, filename(stem, XLSX), XLSX)


def _docx(document, stem: str) -> ExportFile:
    stream = spooled()
    document.save(stream)
    return finished(stream, filename(stem, DOCX), DOCX)


def _html(template: str, context: dict, stem: str) -> ExportFile:
    stream = spooled()
    stream.write(render_to_string(template, context).encode("utf-8"))
    return finished(stream, filename(stem, HTML), HTML)


# Highlights -----------------------------------------------------------------------------------------------


def highlights_csv(rows, *, link, stem: str) -> ExportFile:
    return _csv(HIGHLIGHT_COLUMNS, [_highlight_values(r, link) for r in rows], stem)


def highlights_xlsx(rows, *, link, tops: dict, stem: str) -> ExportFile:
    """One sheet per top-level tag (a highlight appears under each of its tags' top-level tags), and "Untagged"."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    groups: dict[str, list] = {}
    for row in rows:
        names = sorted({tops[t.pk].name for t in row.tags if t.pk in tops}) or ["Untagged"]
        for name in names:
            groups.setdefault(name, []).append(_highlight_values(row, link))
    used: set[str] = set()
    for name in sorted(groups) or ["Highlights"]:
        _sheet(book, name, HIGHLIGHT_COLUMNS, groups.get(name, []), used)
    return _xlsx(book, stem)


def highlights_docx(rows, *, link, title: str, stem: str) -> ExportFile:
    """A report grouped by tag: each quote with the participant's pseudonym, the interview and a link back."""
    document = docx.Document()
    document.add_heading(title, level=0)
    document.add_paragraph(f"{len(rows)} highlight{'s' if len(rows) != 1 else ''}.")
    groups: dict[str, list] = {}
    for row in rows:
        for name in [t.name for t in row.tags] or ["Untagged"]:
            groups.setdefault(name, []).append(row)
    for name in sorted(groups):
        document.add_heading(name, level=1)
        for row in groups[name]:
            document.add_paragraph(_xml_safe(row.highlight.quote), style="Intense Quote")
            source = document.add_paragraph()
            who = row.participant or "Unmapped speaker"
            source.add_run(f"{who} · {row.interview.title}").italic = True
            if row.consent in ("withdrawn", "expired"):
                source.add_run(f" · consent {row.consent}: do not use").bold = True
            source.add_run(f"\n{link(row.interview)}")
            if row.highlight.note:
                document.add_paragraph(_xml_safe(f"Note: {row.highlight.note}"))
    return _docx(document, stem)


def highlights_html(rows, *, link, title: str, stem: str) -> ExportFile:
    items = [{"row": r, "link": link(r.interview)} for r in rows]
    return _html("interop/export_highlights.html", {"title": title, "items": items}, stem)


# Codebook -------------------------------------------------------------------------------------------------


def _codebook_rows(tags) -> list[list]:
    by_pk = {t.pk: t for t in tags}
    rows = []
    for tag in tags:
        path, node, seen = [tag.name], tag, {tag.pk}
        while node.parent_id in by_pk and node.parent_id not in seen:
            node = by_pk[node.parent_id]
            seen.add(node.pk)
            path.insert(0, node.name)
        parent = by_pk[tag.parent_id].name if tag.parent_id in by_pk else ""
        rows.append([tag.name, ".".join(path), parent, tag.description, tag.colour, tag.highlight_count, tag.voice_count,
                     str(tag.public_id)])
    return rows


def codebook_csv(tags) -> ExportFile:
    return _csv(CODEBOOK_COLUMNS, _codebook_rows(tags), "codebook")


def codebook_xlsx(tags) -> ExportFile:
    book = openpyxl.Workbook()
    book.remove(book.active)
    _sheet(book, "Codebook", CODEBOOK_COLUMNS, _codebook_rows(tags), set())
    return _xlsx(book, "codebook")


def codebook_docx(tags, *, title: str) -> ExportFile:
    document = docx.Document()
    document.add_heading(title, level=0)
    for tag in tags:
        document.add_heading(tag.name, level=min(1 + tag.depth, 9))
        counts = document.add_paragraph()
        counts.add_run(f"{tag.highlight_count} highlight{'s' if tag.highlight_count != 1 else ''}, "
                       f"{tag.voice_count} voice{'s' if tag.voice_count != 1 else ''}").italic = True
        if tag.description:
            document.add_paragraph(_xml_safe(tag.description))
    return _docx(document, "codebook")


# Transcript -----------------------------------------------------------------------------------------------


def transcript_docx(interview, utterances, highlights, numbers, *, link) -> ExportFile:
    """Each turn with its speaker; highlighted text marked, numbered, and the highlights listed with their tags."""
    document = docx.Document()
    document.add_heading(interview.title, level=0)
    document.add_paragraph(link(interview))
    for utterance in utterances:
        paragraph = document.add_paragraph()
        paragraph.add_run(f"{utterance.speaker.display_label}: ").bold = True
        at = 0
        for segment in utterance.segments:
            run = paragraph.add_run(_xml_safe(segment["text"]))
            at += len(segment["text"])
            if segment["highlights"]:
                run.font.highlight_color = WD_COLOR_INDEX.YELLOW
                ending_here = [h for h in segment["highlights"] if h.end_position == utterance.position and h.end_offset == at]
                if ending_here:
                    paragraph.add_run("".join(f"[{numbers[h.pk]}]" for h in ending_here)).font.superscript = True
    if highlights:
        document.add_heading("Highlights", level=1)
        for highlight in highlights:
            tags = ", ".join(t.name for t in highlight.tags.all()) or "untagged"
            item = document.add_paragraph(style="List Number")
            item.add_run(_xml_safe(highlight.quote)).italic = True
            item.add_run(f" ({tags})")
            if highlight.note:
                item.add_run(_xml_safe(f" Note: {highlight.note}"))
    return _docx(document, interview.title)


def transcript_html(interview, utterances, highlights, numbers, *, link) -> ExportFile:
    return _html("interop/export_transcript.html", {
        "interview": interview, "utterances": utterances, "highlights": highlights, "link": link(interview),
        "numbers": numbers,
    }, interview.title)


# Persona --------------------------------------------------------------------------------------------------


def persona_docx(persona, claims, *, link) -> ExportFile:
    """Claims with their strength, and every citation with its stance and quote."""
    document = docx.Document()
    document.add_heading(persona.name, level=0)
    if persona.summary:
        document.add_paragraph(_xml_safe(persona.summary))
    for claim in claims:
        document.add_heading(_xml_safe(claim.statement)[:200], level=1)
        meta = document.add_paragraph()
        meta.add_run(f"{claim.get_kind_display()} · strength {claim.strength} · {claim.support_count} supporting, "
                     f"{claim.contradict_count} contradicting, {claim.participant_count} voices").italic = True
        for citation in claim.citations.all():
            highlight = citation.highlight
            document.add_paragraph(_xml_safe(highlight.quote), style="Intense Quote")
            who = highlight.participant.pseudonym if highlight.participant_id else "Unmapped speaker"
            document.add_paragraph(f"{citation.get_stance_display()} · {who} · {highlight.interview.title} · "
                                   f"{link(highlight.interview)}")
    return _docx(document, persona.name)


def _xml_safe(text: str) -> str:
    """Word refuses control characters in text."""
    return _ILLEGAL_XLSX.sub(" ", text or "")
