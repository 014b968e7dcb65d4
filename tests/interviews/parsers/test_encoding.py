"""Byte decoding: BOMs first, then UTF-8, then legacy code pages; binary refused, never a crash."""

import codecs

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from interviews.parsers import UnsupportedFile
from interviews.parsers.encoding import decode_bytes, peek_text

TEXT = "Zoë: café – naïve “quotes” …\nLine two"


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (codecs.BOM_UTF8 + TEXT.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le"), "utf-16-le"),
        (codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be"), "utf-16-be"),
        (codecs.BOM_UTF32_LE + TEXT.encode("utf-32-le"), "utf-32-le"),
        (codecs.BOM_UTF32_BE + TEXT.encode("utf-32-be"), "utf-32-be"),
        (TEXT.encode("utf-8"), "utf-8"),
        (TEXT.encode("cp1252"), "cp1252"),
    ],
)
def test_decodes_with_the_right_codec(data, encoding):
    decoded = decode_bytes(data)
    assert (decoded.text, decoded.encoding) == (TEXT, encoding)


def test_line_endings_are_normalised():
    assert decode_bytes(b"a\r\nb\rc\n").text == "a\nb\nc\n"


def test_utf16_without_bom_is_recognised():
    assert decode_bytes("Ann: hello there".encode("utf-16-le")).text == "Ann: hello there"
    assert decode_bytes("Ann: hello there".encode("utf-16-be")).text == "Ann: hello there"


def test_non_western_legacy_code_page_is_detected():
    text = "Иван: Привет, как дела? Всё хорошо, спасибо большое. Мы начали работу в понедельник.\n"
    assert decode_bytes(text.encode("cp1251")).text == text


def test_central_european_text_is_not_forced_into_cp1252():
    text = "Zażółć gęślą jaźń, powiedział Łukasz.\n"
    assert decode_bytes(text.encode("cp1250")).text == text


@pytest.mark.parametrize(
    "data",
    [
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00",
        bytes(range(256)) * 4,
        b"\x01\x02\x03\x04\x05\x06\x07\x08",
    ],
)
def test_binary_is_refused(data):
    with pytest.raises(UnsupportedFile, match="looks like binary data"):
        decode_bytes(data)


def test_bom_with_broken_body_is_refused():
    with pytest.raises(UnsupportedFile, match="UTF-8 byte-order mark but is not valid UTF-8"):
        decode_bytes(codecs.BOM_UTF8 + b"caf\xe9")
    with pytest.raises(UnsupportedFile, match="UTF-16 byte-order mark but is not valid UTF-16"):
        decode_bytes(codecs.BOM_UTF16_LE + b"a\x00b")


def test_peek_text_never_raises_on_cut_characters():
    data = codecs.BOM_UTF16_LE + "WEBVTT café".encode("utf-16-le")
    assert peek_text(data, 9).startswith("WEBV")
    assert peek_text("é".encode()[:1]) == ""


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=300))
def test_arbitrary_bytes_decode_or_are_refused(data):
    try:
        decoded = decode_bytes(data)
    except UnsupportedFile:
        return
    assert isinstance(decoded.text, str)
