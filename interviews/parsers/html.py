"""HTML documents (survey exports, saved web pages): the readable text, paragraph by paragraph.

A real HTML parser reads the page; scripts, styles and other non-text parts are dropped, block elements
(paragraphs, headings, list items, table cells...) become paragraphs and ``<br>`` a line break.
"""

from __future__ import annotations

import re

from bs4 import BeautifulSoup, Comment, Declaration, Doctype, NavigableString, ProcessingInstruction

from .base import ParsedUtterance, TranscriptError
from .txt import parse_paragraphs

_DROPPED = ("script", "style", "noscript", "template", "head", "svg", "math", "iframe", "object", "embed",
            "canvas", "button", "select", "textarea")
_BLOCKS = ("p", "div", "li", "dt", "dd", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "tr", "td",
           "th", "section", "article", "header", "footer", "aside", "main", "nav", "figure", "figcaption",
           "table", "ul", "ol", "dl", "hr", "address", "details", "summary", "body")
_SPACE_RE = re.compile(r"\s+")
_PARAGRAPH_MARK = "\n\n"
_PARAGRAPHS_RE = re.compile(r"[ \t]*\n(?:[ \t]*\n)+[ \t]*")


def parse(text: str) -> tuple[list[ParsedUtterance], str]:
    paragraphs = readable_paragraphs(text)
    if not paragraphs:
        raise TranscriptError("The HTML page contains no readable text.")
    utterances, _ = parse_paragraphs(paragraphs, from_docx=False)
    return utterances, "html"


def readable_paragraphs(markup: str) -> list[str]:
    soup = BeautifulSoup(markup, "html.parser")
    for element in soup.find_all(_DROPPED):
        element.decompose()
    for node in soup.find_all(string=lambda node: isinstance(node, Comment | Declaration | Doctype | ProcessingInstruction)):
        node.extract()
    # Source line breaks are plain whitespace in HTML (except inside <pre>).
    for node in soup.find_all(string=True):
        if isinstance(node, NavigableString) and node.find_parent("pre") is None:
            node.replace_with(_SPACE_RE.sub(" ", str(node)))
    for br in soup.find_all("br"):
        br.replace_with("\n")
    for block in soup.find_all(_BLOCKS):
        block.insert_before(_PARAGRAPH_MARK)
        block.append(_PARAGRAPH_MARK)
    text = soup.get_text()
    return [part.strip() for part in _PARAGRAPHS_RE.split(text) if part.strip()]
