"""Markdown documents: paragraphs, headings, list items and code blocks as plain text.

Emphasis and links are read as their text, so ``**Ann:** Hello`` is Ann's turn; a soft line break stays
a line break, so ``Name: text`` lines written one under the other are separate turns.
"""

from __future__ import annotations

from markdown_it import MarkdownIt

from .base import ParsedUtterance, TranscriptError
from .html import readable_paragraphs
from .txt import parse_paragraphs

_MARKDOWN = MarkdownIt("commonmark")


def parse(text: str) -> tuple[list[ParsedUtterance], str]:
    paragraphs: list[str] = []
    for token in _MARKDOWN.parse(text):
        if token.type == "inline":
            paragraphs.append(_inline_text(token.children or []))
        elif token.type in ("fence", "code_block"):
            paragraphs.append(token.content)
        elif token.type == "html_block":
            paragraphs.extend(readable_paragraphs(token.content))
    paragraphs = [paragraph for paragraph in paragraphs if paragraph.strip()]
    if not paragraphs:
        raise TranscriptError("The Markdown document contains no text.")
    utterances, _ = parse_paragraphs(paragraphs, from_docx=False)
    return utterances, "markdown"


def _inline_text(children) -> str:
    parts: list[str] = []
    for child in children:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append("\n")
        elif child.type == "image":
            parts.append(_inline_text(child.children or []))
        elif child.type == "html_inline" and child.content.lower().startswith("<br"):
            parts.append("\n")
    return "".join(parts)
