"""Upload pre-checks: extensions, sizes, binary junk, and hostile .docx archives."""

import io
import time
import zipfile

import docx
import pytest

from interviews.parsers import (
    ParseLimits,
    TranscriptError,
    UnsupportedFile,
    check_upload,
    detect_format,
    parse_transcript,
)

PNG_HEADER = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x06\x00\x00\x00\x1f\xf3\xffa"
VTT = b"WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nAnn: Hi.\n"
SRT = b"1\n00:00:01,000 --> 00:00:02,000\nAnn: Hi.\n"


def small_docx(text="Ann: Hi."):
    document = docx.Document()
    document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def zip_of(members, *, level=6):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        for name, size in members:
            # Streamed so that even 200 MB of zeros never sits in memory.
            with archive.open(name, "w", force_zip64=size > 2**31) as member:
                chunk = bytes(1024 * 1024)
                for start in range(0, size, len(chunk)):
                    member.write(chunk[: min(len(chunk), size - start)])
    return buffer.getvalue()


@pytest.fixture(scope="module")
def bomb_200mb():
    return zip_of([("word/document.xml", 200 * 1024 * 1024)], level=1)


@pytest.mark.parametrize(
    ("filename", "data", "expected"),
    [
        ("call.vtt", VTT, "vtt"),
        ("CALL.VTT", VTT, "vtt"),
        ("uploads/2024/call.srt", SRT, "srt"),
        ("notes.txt", b"Ann: hi", "txt"),
        ("download.txt", b"\xef\xbb\xbfWEBVTT\r\n\r\n00:01.000 --> 00:02.000\r\nhi\r\n", "vtt"),
        ("download.txt", SRT, "srt"),
        ("download.txt", "WEBVTT\n\n".encode("utf-16"), "vtt"),
        ("whisper.json", b"[]", "json"),
        ("Interview.docx", b"PK\x03\x04", "docx"),
    ],
)
def test_detect_format(filename, data, expected):
    assert detect_format(data, filename) == expected


def test_content_sniffed_txt_is_parsed_with_the_right_parser():
    result = parse_transcript(SRT, "captions (1).txt")
    assert (result.format, result.utterances[0].start_ms) == ("srt", 1000)


@pytest.mark.parametrize(
    ("filename", "expected"),
    [
        (
            "slides.pptx",
            "'slides.pptx' is not a supported transcript type. "
            "Upload a .vtt, .srt, .txt, .docx, .json, .pdf, .html, .md or .odt file.",
        ),
        ("README", "'README' is not a supported transcript type."),
        ("", "The file is not a supported transcript type."),
        ("old.doc", "'old.doc' is an old-style Word .doc file. Save it as .docx"),
    ],
)
def test_unknown_extensions_are_refused(filename, expected):
    with pytest.raises(UnsupportedFile) as error:
        check_upload(b"Ann: hi", filename)
    assert expected in error.value.message


@pytest.mark.parametrize("filename", ["a.vtt", "a.srt", "a.txt", "a.json", "a.docx"])
def test_empty_file_is_refused(filename):
    with pytest.raises(UnsupportedFile, match="The file is empty."):
        check_upload(b"", filename)


def test_oversized_file_is_refused():
    with pytest.raises(UnsupportedFile, match="The file is 20 bytes; the limit is 10 bytes."):
        check_upload(b"Ann: hello everyone!", "a.txt", ParseLimits(max_bytes=10))
    with pytest.raises(UnsupportedFile, match=r"The file is 2\.0 MB; the limit is 1\.0 MB\."):
        parse_transcript(b"A" * (2 * 1024 * 1024), "a.txt", ParseLimits(max_bytes=1024 * 1024))


@pytest.mark.parametrize("filename", ["photo.txt", "photo.srt", "photo.vtt", "photo.json"])
def test_binary_files_are_refused(filename):
    with pytest.raises(UnsupportedFile, match="looks like binary data"):
        check_upload(PNG_HEADER, filename)


def test_word_document_renamed_to_txt_is_binary():
    with pytest.raises(UnsupportedFile, match="looks like binary data"):
        check_upload(small_docx(), "interview.txt")


def test_real_docx_passes():
    assert check_upload(small_docx(), "interview.docx") == "docx"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"Ann: this is plain text", "This .docx file is damaged or not a Word document"),
        (PNG_HEADER, "This .docx file is damaged or not a Word document"),
        (b"PK\x03\x04" + b"\x00" * 60, "This .docx file is damaged or not a Word document"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 500, "old-style .doc or a password-protected"),
    ],
)
def test_non_zip_docx_is_refused(data, expected):
    with pytest.raises(UnsupportedFile) as error:
        check_upload(data, "interview.docx")
    assert expected in error.value.message


def test_zip_that_is_not_a_word_document_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("photos/cat.jpg", b"meow")
    with pytest.raises(UnsupportedFile, match="not a Word document"):
        check_upload(buffer.getvalue(), "interview.docx")


def test_truncated_docx_is_refused():
    data = small_docx()
    with pytest.raises(UnsupportedFile, match="damaged or not a Word document"):
        check_upload(data[: len(data) // 2], "interview.docx")


def test_zip_bomb_is_refused_in_milliseconds(bomb_200mb):
    assert len(bomb_200mb) < 2 * 1024 * 1024
    started = time.perf_counter()
    with pytest.raises(UnsupportedFile, match="zip bomb"):
        check_upload(bomb_200mb, "interview.docx")
    with pytest.raises(UnsupportedFile, match="zip bomb"):
        parse_transcript(bomb_200mb, "interview.docx")
    assert time.perf_counter() - started < 0.2


def test_declared_total_size_over_the_limit_is_refused():
    # Deflate level 0 leaves the ratio near 1, so only the declared-size limit can catch it.
    data = zip_of([("word/document.xml", 300 * 1024)], level=0)
    limits = ParseLimits(docx_max_uncompressed_bytes=256 * 1024)
    with pytest.raises(UnsupportedFile, match="it would expand to more than 256 KB; it may be a zip bomb"):
        check_upload(data, "interview.docx", limits)


def test_archive_with_thousands_of_parts_is_refused_before_reading_them():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        for index in range(2500):
            archive.writestr(f"word/media/{index}.xml", "")
    started = time.perf_counter()
    with pytest.raises(UnsupportedFile, match="has 2501 parts, far more than a Word document"):
        check_upload(buffer.getvalue(), "interview.docx")
    assert time.perf_counter() - started < 0.05


def test_compression_ratio_limit():
    data = zip_of([("word/document.xml", 2 * 1024 * 1024)])
    with pytest.raises(UnsupportedFile, match="compressed suspiciously well"):
        check_upload(data, "interview.docx")
    assert check_upload(data, "interview.docx", ParseLimits(docx_max_compression_ratio=5000)) == "docx"


def test_unsupported_file_is_a_transcript_error_with_a_message():
    with pytest.raises(TranscriptError) as error:
        parse_transcript(b"", "a.txt")
    assert isinstance(error.value, UnsupportedFile)
    assert str(error.value) == error.value.message == "The file is empty."
