"""What a file is, judged from its bytes (never from its name nor from what the browser
said): puremagic (pure Python) reads the signatures of PDF, PNG, JPEG and ZIP; a ZIP is then
opened to tell a Word, Excel or PowerPoint document (Office Open XML) or an OpenDocument text
from any other archive; text with no signature is text (CSV when so named)."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

import puremagic


@dataclass(frozen=True)
class FileType:
    code: str  # as UPLOAD_TYPES names it
    label: str  # as people call it
    mime: str
    extensions: tuple[str, ...]  # the first is added to a name that has none of them


TYPES: dict[str, FileType] = {
    t.code: t
    for t in (
        FileType("pdf", "PDF", "application/pdf", (".pdf",)),
        FileType("png", "PNG", "image/png", (".png",)),
        FileType("jpeg", "JPEG", "image/jpeg", (".jpg", ".jpeg")),
        FileType(
            "docx",
            "DOCX",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            (".docx",),
        ),
        FileType(
            "xlsx",
            "XLSX",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            (".xlsx",),
        ),
        FileType(
            "pptx",
            "PPTX",
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
            (".pptx",),
        ),
        FileType("odt", "ODT", "application/vnd.oasis.opendocument.text", (".odt",)),
        FileType("csv", "CSV", "text/csv", (".csv",)),
        FileType("txt", "TXT", "text/plain", (".txt",)),
    )
}
#: What puremagic's signatures answer, for the types judged by signature alone.
_SIGNATURES = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpeg"}
_OPEN_XML = {"word/": "docx", "xl/": "xlsx", "ppt/": "pptx"}
_ODT = b"application/vnd.oasis.opendocument.text"


def sniff(data: bytes, name: str = "") -> str | None:
    """The code of what `data` is (see TYPES), or None for anything else (an executable, an
    archive, a type we do not know). `name` only tells CSV from plain text."""
    if data.startswith(b"PK\x03\x04"):
        return _zipped(data)
    try:
        matches = puremagic.magic_string(data)
    except puremagic.PureError:
        matches = []
    for match in matches:
        if match.confidence < 0.3:
            continue
        code = _SIGNATURES.get(match.mime_type)
        if code is not None and _starts_right(code, data):
            return code
    if matches and not _is_text(data):
        return None
    if _is_text(data):
        return "csv" if name.lower().endswith(".csv") else "txt"
    return None


def _starts_right(code: str, data: bytes) -> bool:
    """The signature is at the very start (puremagic also matches signatures further in)."""
    starts = {"pdf": (b"%PDF-",), "png": (b"\x89PNG\r\n\x1a\n",), "jpeg": (b"\xff\xd8\xff",)}
    return data.startswith(starts[code])


def _zipped(data: bytes) -> str | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
            if "mimetype" in names and archive.read("mimetype").strip() == _ODT:
                return "odt"
            if "[Content_Types].xml" in names:
                for folder, code in _OPEN_XML.items():
                    if any(n.startswith(folder) for n in names):
                        return code
    except (zipfile.BadZipFile, KeyError, ValueError, OSError):
        return None
    return None


def _is_text(data: bytes) -> bool:
    """Text (UTF-8, or Windows-1252 as spreadsheets often export CSV) without control
    characters other than tab and line breaks."""
    for encoding in ("utf-8", "cp1252"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return not any((ord(c) < 32 and c not in "\t\n\r\f") or ord(c) == 127 for c in text)
    return False
