"""Files on deliverables, tasks and meetings: the type judged from the content, the size
limit said and kept, downloads only for who may see the object (with their headers), and
who may delete."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import select

from coalition_app.files.service import safe_name
from coalition_app.files.types import sniff
from models import Attachment, AuditEvent

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<<>>\n%%EOF\n"
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\x00\x01\x00\x00\x05\x00\x01\r\n-\xb4\x00\x00"
    b"\x00\x00IEND\xaeB`\x82"
)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 120


def _zip(*members: tuple[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in members:
            archive.writestr(name, content)
    return buffer.getvalue()


DOCX = _zip(("[Content_Types].xml", "<Types/>"), ("word/document.xml", "<w/>"))
XLSX = _zip(("[Content_Types].xml", "<Types/>"), ("xl/workbook.xml", "<x/>"))
PPTX = _zip(("[Content_Types].xml", "<Types/>"), ("ppt/presentation.xml", "<p/>"))
ODT = _zip(("mimetype", "application/vnd.oasis.opendocument.text"), ("content.xml", "<o/>"))


def _upload(client, path: str, name: str, data: bytes):
    return client.post(
        f"{path}/files",
        data={"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def _download(client, attachment_id: int):
    """GET a file; the response is read and closed (it streams from the storage folder)."""
    response = client.get(f"/files/{attachment_id}")
    response.get_data()  # read while open, kept on the response
    response.close()
    return response


def _files(db_session) -> list[Attachment]:
    db_session.expire_all()
    return list(db_session.scalars(select(Attachment).order_by(Attachment.id)))


def _stored(app) -> list[Path]:
    root = Path(app.config["STORAGE_DIR"])
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


# --- what a file is -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "name", "expected"),
    [
        (PDF, "a.pdf", "pdf"),
        (PNG, "a.png", "png"),
        (JPEG, "a.jpg", "jpeg"),
        (DOCX, "a.docx", "docx"),
        (XLSX, "a.xlsx", "xlsx"),
        (PPTX, "a.pptx", "pptx"),
        (ODT, "a.odt", "odt"),
        ("año,monto\n2025,3\n".encode(), "a.csv", "csv"),
        ("Notas de la sesión\n".encode("cp1252"), "a.txt", "txt"),
        (EXE, "a.pdf", None),
        (_zip(("a.txt", "hola")), "a.zip", None),
        (b"\x00\x01\x02binary", "a.txt", None),
    ],
    ids=[
        "pdf",
        "png",
        "jpeg",
        "docx",
        "xlsx",
        "pptx",
        "odt",
        "csv",
        "txt-cp1252",
        "exe",
        "zip",
        "binary",
    ],
)
def test_the_type_is_read_from_the_content(data, name, expected):
    assert sniff(data, name) == expected


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("C:\\Users\\ana\\Informe año 2025.docx", "Informe año 2025.docx"),
        ('  .oculto<>:"|?*.txt', "oculto_______.txt"),
        ("a\x00b\x1bc.csv", "a_b_c.csv"),
    ],
)
def test_names_are_made_safe(given, kept):
    assert safe_name(given) == kept


# --- upload -----------------------------------------------------------------------------------


def test_a_file_is_uploaded_stored_outside_static_and_listed(app, as_person, world, db_session):
    path = f"/deliverables/{world['deliverable'].id}"
    response = _upload(as_person("member"), path, "Minuta de la sesión.pdf", PDF)
    assert response.status_code == 302 and response.headers["Location"].endswith("#files")
    (attachment,) = _files(db_session)
    assert (attachment.name, attachment.content_type, attachment.size) == (
        "Minuta de la sesión.pdf",
        "application/pdf",
        len(PDF),
    )
    (stored,) = _stored(app)
    assert stored.read_bytes() == PDF and stored.name == attachment.storage_key
    assert "static" not in stored.parts
    page = as_person("colleague").get(path).get_data(as_text=True)
    assert f'href="/files/{attachment.id}"' in page and "Minuta de la sesión.pdf" in page
    assert "Member A" in page and ">" + str(len(PDF)) + " B<" in page
    assert "Hasta 10 MB. Se aceptan: PDF, PNG, JPEG, DOCX, XLSX, PPTX, ODT, CSV, TXT" in page


#: (name, content, what the refusal says): the content decides, never the name.
REFUSED = [
    ("informe.pdf", PNG, "se llama «informe.pdf» pero su contenido es PNG"),
    ("informe.pdf", EXE, "no es de ninguno de los tipos aceptados"),
    ("programa.exe", EXE, "no es de ninguno de los tipos aceptados"),
    ("vacío.txt", b"", "Este archivo está vacío."),
]


def test_a_file_is_refused_by_its_content_and_nothing_is_kept(app, as_person, world, db_session):
    client = as_person("member")
    for name, data, message in REFUSED:
        response = _upload(client, f"/tasks/{world['task'].id}", name, data)
        assert response.status_code == 400, name
        assert message in response.get_data(as_text=True), name
    # A type left out of the settings is refused too, and the form says which are accepted.
    app.config["UPLOAD_TYPES"] = ("pdf",)
    response = _upload(client, f"/tasks/{world['task'].id}", "foto.png", PNG)
    assert response.status_code == 400
    assert "(PDF)" in response.get_data(as_text=True)
    assert _files(db_session) == [] and _stored(app) == []


def test_the_size_limit_is_said_and_kept(app, as_person, world, db_session):
    app.config["MAX_UPLOAD_BYTES"] = 1024
    path = f"/tasks/{world['task'].id}"
    client = as_person("member")
    over = _upload(client, path, "notas.txt", b"a" * 2000)
    assert over.status_code == 400
    assert "Los archivos pueden tener como máximo 1 KB: este tiene 2 KB." in over.get_data(True)
    # Far beyond the limit: refused as the request arrives (413), styled, with the limit.
    huge = _upload(client, path, "notas.txt", b"a" * (200 * 1024))
    html = huge.get_data(as_text=True)
    assert huge.status_code == 413
    assert "Este archivo supera los 1 KB que puede tener un archivo." in html
    assert "Traceback" not in html and "<nav" in html
    assert _files(db_session) == [] and _stored(app) == []
    # MAX_CONTENT_LENGTH (2 MB) still bounds every other request (a comment here).
    app.config["MAX_UPLOAD_BYTES"] = 10 * 1024 * 1024
    response = client.post(f"{path}/comments", data={"body": "x" * (3 * 1024 * 1024)})
    assert response.status_code == 413


# --- download -------------------------------------------------------------------------------


def test_the_download_is_an_attachment_with_its_stored_type_and_nosniff(
    as_person, world, db_session
):
    _upload(as_person("member"), f"/meetings/{world['meeting'].id}", "Foto del taller.png", PNG)
    (attachment,) = _files(db_session)
    response = _download(as_person("chair"), attachment.id)
    assert response.status_code == 200
    assert response.data == PNG
    assert response.headers["Content-Type"] == "image/png"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and 'filename="Foto del taller.png"' in disposition
    assert "no-store" in response.headers["Cache-Control"]
    assert "sandbox" in response.headers["Content-Security-Policy"]


def test_a_file_of_a_members_only_meeting_is_not_served_to_another_group(
    as_person, world, db_session
):
    meeting = world["meeting"].id
    _upload(as_person("member"), f"/meetings/{meeting}", "acta.pdf", PDF)
    (attachment,) = _files(db_session)
    # As `require_visible` answers for the meeting itself: 404, as if it did not exist.
    for outsider in ("other_member", "other_chair"):
        assert _download(as_person(outsider), attachment.id).status_code == 404
        assert as_person(outsider).get(f"/api/v1/meetings/{meeting}/files").status_code == 404
        assert as_person(outsider).post(f"/files/{attachment.id}/delete").status_code == 404
    for insider in ("colleague", "coordinator"):
        assert _download(as_person(insider), attachment.id).data == PDF
    listed = as_person("colleague").get(f"/api/v1/meetings/{meeting}/files").get_json()["data"]
    assert [(f["name"], f["content_type"], f["size"]) for f in listed] == [
        ("acta.pdf", "application/pdf", len(PDF))
    ]
    assert listed[0]["download_url"] == f"/files/{attachment.id}"
    # Signed out, nobody downloads it.
    assert _download(as_person("member").application.test_client(), attachment.id).status_code in (
        302,
        401,
    )


# --- delete -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        ("member", True),  # its uploader
        ("chair", True),
        ("coordinator", True),
        ("colleague", False),
        ("other_chair", False),
    ],
)
def test_who_may_delete_a_file(app, as_person, world, db_session, who, allowed):
    _upload(as_person("member"), f"/deliverables/{world['deliverable'].id}", "a.pdf", PDF)
    (attachment,) = _files(db_session)
    response = as_person(who).post(f"/files/{attachment.id}/delete")
    assert response.status_code == (302 if allowed else 403)
    (attachment,) = _files(db_session)
    assert (attachment.deleted_at is not None) is allowed
    assert (_stored(app) == []) is allowed  # the bytes go once the deletion is committed
    audit = db_session.scalars(select(AuditEvent).where(AuditEvent.action == "file.delete"))
    assert len(audit.all()) == (1 if allowed else 0)
    if allowed:
        assert _download(as_person("member"), attachment.id).status_code == 404


def test_a_download_is_sent_as_stored_never_compressed(as_person, world, db_session):
    text = ("Minuta: acuerdos de la sesión.\n" * 100).encode()
    _upload(as_person("member"), f"/meetings/{world['meeting'].id}", "minuta.txt", text)
    (attachment,) = _files(db_session)
    client = as_person("chair")
    response = client.get(f"/files/{attachment.id}", headers={"Accept-Encoding": "br, gzip"})
    assert response.get_data() == text and "Content-Encoding" not in response.headers
    response.close()
