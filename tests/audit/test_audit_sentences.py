"""The audit trail in words: every kind of event is a sentence in the reader's language, with
names and links instead of codes, on the audit page, the people page and in the CSV."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest

from coalition_app.audit.sentences import TELLERS
from models import AuditEvent, Deliverable, Role, Task
from tests.helpers import count_statements, sign_in

ROOT = Path(__file__).resolve().parents[2]


def _rows(page: str) -> list[str]:
    """The text of each sentence cell on the audit page (tags removed, spaces folded)."""
    cells = re.findall(r'<td class="audit-sentence"[^>]*>(.*?)</td>', page, flags=re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", cell).split()) for cell in cells]


def _in(language: str, client) -> None:
    client.post(f"/language/{language}")


def test_every_action_the_code_records_has_a_sentence():
    recorded = set()
    for path in (ROOT / "coalition_app").rglob("*.py"):
        source = path.read_text()
        for call in re.findall(r"audit\.record\((.*?)\)\n", source, flags=re.S):
            recorded.update(re.findall(r'"([a-z_]+(?:\.[a-z_]+)?)"', call)[:2])
    target_types = {"user", "institution", "api_token", "audit_log", "invitation", "setting", "tie"}
    target_types |= {"recommendation", "position", "initiative", "agenda_edition"}  # the agenda
    target_types |= {"comment", "attachment"}
    target_types |= {"application", "privacy_request"}
    recorded -= target_types | {"working_group"}
    # The f-string of account.service.end_all_sessions: its two reasons.
    recorded |= {"sessions.sign_out", "sessions.ended"}
    assert {"sign_in", "group.membership", "person.role", "work.archive"} <= recorded
    assert recorded - TELLERS.keys() == set()


@pytest.fixture
def coordinator(make_user, make_institution):
    return make_user(
        role=Role.COORDINATOR,
        full_name="Ana López",
        email="ana@example.org",
        institution=make_institution(name="Secretaría Técnica"),
    )


def test_a_membership_change_reads_as_a_sentence_with_links_in_both_languages(
    client, coordinator, make_institution, make_group
):
    cminds = make_institution(name="C Minds")
    group = make_group(slug="etica", name_es="Ética de la IA", name_en="AI Ethics")
    sign_in(client, coordinator.email)
    client.post("/groups/etica/members", data={"institution_id": cminds.id, "role": "lead"})

    page = client.get("/audit/").get_data(as_text=True)
    assert "Ana López agregó a C Minds a Ética de la IA como líder" in _rows(page)
    assert f'<a href="/institutions/{cminds.id}">C Minds</a>' in page
    assert '<a href="/groups/etica">Ética de la IA</a>' in page
    assert f'<a href="/people#person-{coordinator.id}">Ana López</a>' in page
    assert "#" + str(group.id) not in _rows(page)[0]

    _in("en", client)
    page = client.get("/audit/").get_data(as_text=True)
    assert "Ana López added C Minds to AI Ethics as lead" in _rows(page)
    assert '<a href="/groups/etica">AI Ethics</a>' in page


def test_an_institution_update_shows_labels_and_human_values(client, coordinator, make_institution):
    institution = make_institution(name="Red Ciudadana", sector_slug="government")
    sign_in(client, coordinator.email)
    client.get(f"/institutions/{institution.id}/edit")
    response = client.post(
        f"/institutions/{institution.id}/edit",
        data={
            "name": "Red Ciudadana",
            "acronym": institution.acronym,
            "sector": "civil_society",
            "state": "MX-CMX",
            "joined_on": "2019-01-01",
            "basis": "documented",
            "version": "1",
        },
    )
    assert response.status_code in (302, 303), response.get_data(as_text=True)[:2000]
    page = client.get("/audit/?action=institution.update").get_data(as_text=True)
    assert "Ana López modificó Red Ciudadana" in _rows(page)[0]
    assert "Sector : Gobierno → Sociedad civil" in _rows(page)[0]
    assert "sector_slug" not in page and "civil_society" not in page

    _in("en", client)
    page = client.get("/audit/?action=institution.update").get_data(as_text=True)
    assert "Sector : Government → Civil society" in _rows(page)[0]

    lines = list(csv.reader(io.StringIO(client.get("/audit/export.csv").get_data(as_text=True))))
    assert lines[0][-1] == "sentence"
    updated = next(line for line in lines if line[2] == "institution.update")
    assert "civil_society" in updated[5]  # the codes stay
    assert "Ana López changed Red Ciudadana; Sector: Government → Civil society" in updated[-1]


# Every kind of event, as the code records it: (action, target_type, details, Spanish, English).
# {actor}, {person}, {group}, {institution}, {deliverable}, {task} are filled per test.
KINDS = [
    ("sign_in", "user", {}, "{actor} inició sesión", "{actor} signed in"),
    (
        "sign_in",
        "user",
        {"two_factor": True, "method": "totp"},
        "{actor} inició sesión con el segundo paso",
        "{actor} signed in with the second step",
    ),
    (
        "sign_in.password_ok",
        "user",
        {},
        "{actor} dio la contraseña correcta (faltaba el segundo paso)",
        "{actor} gave the right password (the second step was still to come)",
    ),
    (
        "sign_in_failed",
        "user",
        {"email": "x@example.org", "reason": "password"},
        "Inicio de sesión fallido como x@example.org (contraseña incorrecta)",
        "Failed sign-in as x@example.org (wrong password)",
    ),
    (
        "sessions.sign_out",
        "user",
        {},
        "{actor} cerró sesión en todos sus dispositivos",
        "{actor} signed out everywhere",
    ),
    (
        "sessions.ended",
        "person",
        {},
        "{actor} cerró todas las sesiones de {person}",
        "{actor} ended all sessions of {person}",
    ),
    (
        "password.set",
        "user",
        {},
        "{actor} estableció una contraseña nueva",
        "{actor} set a new password",
    ),
    (
        "password.reset_requested",
        "user",
        {"email": "y@example.org"},
        "Se pidió restablecer la contraseña de y@example.org",
        "A password reset was asked for y@example.org",
    ),
    (
        "two_factor.enabled",
        "user",
        {},
        "{actor} activó el inicio de sesión en dos pasos",
        "{actor} turned on two-factor sign-in",
    ),
    (
        "two_factor.disabled",
        "user",
        {},
        "{actor} desactivó el inicio de sesión en dos pasos",
        "{actor} turned off two-factor sign-in",
    ),
    (
        "two_factor.recovery_codes_regenerated",
        "user",
        {},
        "{actor} generó nuevos códigos de recuperación",
        "{actor} made new recovery codes",
    ),
    (
        "settings.two_factor_required",
        "setting",
        {"value": "on"},
        "{actor} exigió el inicio de sesión en dos pasos a los líderes",
        "{actor} required two-factor sign-in for leads",
    ),
    (
        "api_token.create",
        "api_token",
        {"name": "Tablero", "scope": "read"},
        "{actor} creó el token de API Tablero",
        "{actor} created the API token Tablero",
    ),
    (
        "api_token.revoke",
        "api_token",
        {"name": "Tablero"},
        "{actor} revocó el token de API Tablero",
        "{actor} revoked the API token Tablero",
    ),
    (
        "api_token.revoke_all",
        "person",
        {"reason": "deactivated", "count": 1},
        "Se revocó 1 token de API de {person} (se desactivó la cuenta)",
        "1 API token of {person} was revoked (the account was deactivated)",
    ),
    (
        "api_token.revoke_all",
        "person",
        {"reason": "password", "count": 3},
        "Se revocaron 3 tokens de API de {person} (contraseña nueva)",
        "3 API tokens of {person} were revoked (a new password)",
    ),
    (
        "audit.export",
        "audit_log",
        {"filters": {"action": "sign_in"}},
        "{actor} descargó la bitácora de auditoría",
        "{actor} downloaded the audit trail",
    ),
    (
        "institutions.export",
        "institution",
        {"rows": 1},
        "{actor} descargó el directorio (1 institución)",
        "{actor} downloaded the directory (1 institution)",
    ),
    (
        "institutions.import",
        "institution",
        {"new": 2, "updated": 1, "unchanged": 0},
        "{actor} importó instituciones: nuevas: 2; actualizadas: 1; sin cambios: 0",
        "{actor} imported institutions: 2 new, 1 updated, 0 unchanged",
    ),
    (
        "institution.create",
        "the_institution",
        {"name": "C Minds"},
        "{actor} agregó a {institution} al directorio",
        "{actor} added {institution} to the directory",
    ),
    (
        "institution.update",
        "the_institution",
        {"changes": {"is_founder": [False, True], "joined_on": ["2019-01-01", "2020-02-03"]}},
        "{actor} modificó {institution} Fundadora : no → sí "
        "Miembro desde : 1 ene 2019 → 3 feb 2020",
        "{actor} changed {institution} Founder : no → yes Member since : Jan 1, 2019 → Feb 3, 2020",
    ),
    (
        "institution.end_membership",
        "the_institution",
        {"left_on": "2025-03-04", "groups_left": ["etica"]},
        "{actor} dio por terminada la membresía de {institution} el 4 mar 2025; "
        "dejó 1 grupo (etica)",
        "{actor} ended the membership of {institution} on Mar 4, 2025; it left 1 group (etica)",
    ),
    (
        "group.membership",
        "working_group",
        {"institution": "C Minds", "before": "member", "after": "lead"},
        "{actor} hizo a {institution} líder de {group}",
        "{actor} made {institution} lead of {group}",
    ),
    (
        "group.membership",
        "working_group",
        {"institution": "C Minds", "before": "lead", "after": "member"},
        "{actor} hizo a {institution} miembro (ya no líder) de {group}",
        "{actor} made {institution} a member (no longer lead) of {group}",
    ),
    (
        "group.membership",
        "working_group",
        {"institution": "C Minds", "before": None, "after": "member"},
        "{actor} agregó a {institution} a {group} como miembro",
        "{actor} added {institution} to {group} as a member",
    ),
    (
        "group.membership",
        "working_group",
        {"institution": "C Minds", "before": "member", "after": None},
        "{actor} retiró a {institution} de {group}",
        "{actor} removed {institution} from {group}",
    ),
    (
        "work.archive",
        "deliverable",
        {"title": "Informe"},
        "{actor} archivó el entregable {deliverable}",
        "{actor} archived the deliverable {deliverable}",
    ),
    (
        "work.restore",
        "task",
        {"title": "Borrador"},
        "{actor} restauró la tarea {task}",
        "{actor} restored the task {task}",
    ),
    (
        "comment.hide",
        "comment",
        {"author": "Beto Ruiz", "subject": "deliverable", "title": "Informe", "reason": "Ofensivo"},
        "{actor} ocultó un comentario de Beto Ruiz en Informe (motivo: Ofensivo)",
        "{actor} hid a comment by Beto Ruiz on Informe (reason: Ofensivo)",
    ),
    (
        "comment.unhide",
        "comment",
        {"author": "Beto Ruiz", "subject": "task", "title": "Borrador"},
        "{actor} volvió a mostrar un comentario de Beto Ruiz en Borrador",
        "{actor} showed again a comment by Beto Ruiz on Borrador",
    ),
    (
        "file.delete",
        "attachment",
        {"name": "acta.pdf", "subject": "meeting", "title": "Sesión de marzo"},
        "{actor} eliminó el archivo acta.pdf de Sesión de marzo",
        "{actor} deleted the file acta.pdf from Sesión de marzo",
    ),
    (
        "person.invite",
        "invitation",
        {"email": "z@example.org", "role": "member", "days": 7},
        "{actor} invitó a z@example.org como miembro (válida 7 días)",
        "{actor} invited z@example.org as member (valid 7 days)",
    ),
    (
        "person.invitation_revoke",
        "invitation",
        {"email": "z@example.org", "reason": "sender_deactivated"},
        "{actor} retiró la invitación a z@example.org (quien la envió fue desactivado)",
        "{actor} withdrew the invitation to z@example.org (its sender was deactivated)",
    ),
    (
        "person.accept_invitation",
        "user",
        {"invitation": 4},
        "{actor} aceptó su invitación y se unió",
        "{actor} accepted their invitation and joined",
    ),
    (
        "person.activate",
        "person",
        {},
        "{actor} reactivó a {person}",
        "{actor} reactivated {person}",
    ),
    (
        "person.deactivate",
        "person",
        {},
        "{actor} desactivó a {person}",
        "{actor} deactivated {person}",
    ),
    (
        "group.chair_named",
        "working_group",
        {"person": "Beto Ruiz", "since": "2025-03-03"},
        "{actor} nombró a Beto Ruiz para presidir {group} desde el 3 mar 2025",
        "{actor} named Beto Ruiz chair of {group} from Mar 3, 2025",
    ),
    (
        "group.chair_ended",
        "working_group",
        {"person": "Beto Ruiz", "since": "2025-03-03", "until": "2026-01-31"},
        "{actor} dio por terminada la presidencia de Beto Ruiz en {group} el 31 ene 2026",
        "{actor} ended the chairship of Beto Ruiz in {group} on Jan 31, 2026",
    ),
    (
        "profile.updated",
        "user",
        {"fields": ["title", "phone"]},
        "{actor} actualizó su perfil",
        "{actor} updated their profile",
    ),
    (
        "person.role",
        "person",
        {"before": "member", "after": "coordinator"},
        "{actor} cambió el rol de {person} de miembro a coordinación",
        "{actor} changed the role of {person} from member to coordinator",
    ),
    # The agenda (issue 16).
    (
        "recommendation.create",
        "recommendation",
        {"title": "Registro"},
        "{actor} redactó la recomendación Registro",
        "{actor} drafted the recommendation Registro",
    ),
    (
        "recommendation.edit",
        "recommendation",
        {"title": "Registro"},
        "{actor} editó la recomendación Registro",
        "{actor} edited the recommendation Registro",
    ),
    (
        "recommendation.evidence",
        "recommendation",
        {"title": "Registro", "removed": False},
        "{actor} citó evidencia en la recomendación Registro",
        "{actor} cited evidence in the recommendation Registro",
    ),
    (
        "recommendation.status",
        "recommendation",
        {"title": "Registro", "before": "review", "after": "approved"},
        "{actor} pasó la recomendación Registro de “En revisión” a “Aprobada por el grupo”",
        "{actor} moved the recommendation Registro from “In review” to “Approved by the group”",
    ),
    (
        "amendment.propose",
        "recommendation",
        {"title": "Registro"},
        "{actor} propuso una enmienda a la recomendación Registro",
        "{actor} proposed an amendment to the recommendation Registro",
    ),
    (
        "amendment.decide",
        "recommendation",
        {"title": "Registro", "accepted": True},
        "{actor} aceptó una enmienda a la recomendación Registro",
        "{actor} accepted an amendment to the recommendation Registro",
    ),
    (
        "agenda.publish",
        "agenda_edition",
        {"number": 2},
        "{actor} publicó la edición 2 de la agenda",
        "{actor} published edition 2 of the agenda",
    ),
    (
        "initiative.save",
        "initiative",
        {"title": "Ley de IA", "created": True},
        "{actor} registró la iniciativa Ley de IA",
        "{actor} recorded the initiative Ley de IA",
    ),
    (
        "position.save",
        "position",
        {"title": "Carta abierta", "created": True},
        "{actor} redactó el posicionamiento Carta abierta",
        "{actor} wrote the position Carta abierta",
    ),
    (
        "position.status",
        "position",
        {"title": "Carta abierta", "before": "draft", "after": "open"},
        "{actor} pasó el posicionamiento Carta abierta de “Borrador” a “Abierto a adhesiones”",
        "{actor} moved the position Carta abierta from “Draft” to “Open to endorsement”",
    ),
    (
        "endorsement.answer",
        "position",
        {"title": "Carta abierta", "answer": "endorse"},
        "{actor} respondió “Respalda” a Carta abierta por una institución",
        "{actor} answered “Endorses” to Carta abierta for an institution",
    ),
    (
        "endorser.change",
        "the_institution",
        {"granted": True},
        "{actor} autorizó a alguien a responder adhesiones por {institution}",
        "{actor} authorised someone to answer endorsements for {institution}",
    ),
    (
        "tie.record",
        "tie",
        {"title": "Red de datos"},
        "{actor} registró la colaboración «Red de datos»",
        "{actor} recorded the collaboration “Red de datos”",
    ),
    (
        "tie.confirm",
        "tie",
        {"title": "Red de datos"},
        "{actor} confirmó la colaboración «Red de datos»",
        "{actor} confirmed the collaboration “Red de datos”",
    ),
    (
        "tie.decline",
        "tie",
        {"title": "Red de datos", "reason": "no ocurrió"},
        "{actor} rechazó la colaboración «Red de datos»: no ocurrió",
        "{actor} declined the collaboration “Red de datos”: no ocurrió",
    ),
    (
        "tie.edit",
        "tie",
        {"title": "Red de datos", "changes": {"kind": ["event", "agreement"]}},
        "{actor} cambió la colaboración «Red de datos» (tipo)",
        "{actor} changed the collaboration “Red de datos” (kind)",
    ),
    (
        "tie.end",
        "tie",
        {"title": "Red de datos", "ends_on": "2025-03-03"},
        "{actor} dio por terminada la colaboración «Red de datos» el 3 mar 2025",
        "{actor} ended the collaboration “Red de datos” on Mar 3, 2025",
    ),
    (
        "ties.import",
        "tie",
        {"new": 2, "updated": 1, "unchanged": 0},
        "{actor} importó vínculos: nuevos: 2; actualizados: 1; sin cambios: 0",
        "{actor} imported ties: 2 new, 1 updated, 0 unchanged",
    ),
    (
        "ties.export",
        "tie",
        {"rows": 3},
        "{actor} descargó los vínculos (3 vínculos)",
        "{actor} downloaded the ties (3 ties)",
    ),
    # Applications to join and privacy requests (issue 15).
    (
        "application.submit",
        "application",
        {"institution": "LNDA"},
        "Llegó una solicitud de LNDA",
        "An application from LNDA arrived",
    ),
    (
        "application.confirm",
        "application",
        {},
        "Se confirmó el correo de la solicitud de una solicitud",
        "The applicant confirmed the e-mail of the application of an application",
    ),
    (
        "application.answer",
        "application",
        {"institution": "LNDA"},
        "La solicitud de LNDA respondió a la coordinación",
        "The applicant of LNDA answered the coordination",
    ),
    (
        "application.request_info",
        "application",
        {"institution": "LNDA"},
        "{actor} pidió más información a la solicitud de LNDA",
        "{actor} asked the applicant of LNDA for more information",
    ),
    (
        "application.decline",
        "application",
        {"institution": "LNDA"},
        "{actor} rechazó la solicitud de LNDA",
        "{actor} declined the application of LNDA",
    ),
    (
        "application.approve",
        "application",
        {"institution": "C Minds", "joined_on": "2025-03-04"},
        "{actor} aprobó la solicitud de {institution} (miembro desde el 4 mar 2025)",
        "{actor} approved the application of {institution} (a member from Mar 4, 2025)",
    ),
    (
        "institution.focal_point",
        "the_institution",
        {"person_id": None},
        "{actor} dejó a {institution} sin punto focal",
        "{actor} left {institution} without a focal point",
    ),
    (
        "group.email",
        "working_group",
        {"subject": "Reunión", "recipients": 4},
        "{actor} escribió a las personas de {group} (4 personas): Reunión",
        "{actor} e-mailed the people of {group} (4 people): Reunión",
    ),
    (
        "privacy.request",
        "privacy_request",
        {"kind": "cancellation"},
        "{actor} pidió cancelar sus datos personales",
        "{actor} asked for their personal data to be cancelled",
    ),
    (
        "privacy.rectify",
        "person",
        {},
        "{actor} rectificó los datos de {person}",
        "{actor} rectified the data of {person}",
    ),
    (
        "privacy.oppose",
        "person",
        {},
        "{actor} detuvo todo correo a {person} (oposición)",
        "{actor} stopped all e-mail to {person} (opposition)",
    ),
    (
        "privacy.refuse",
        "privacy_request",
        {},
        "{actor} negó una solicitud de privacidad",
        "{actor} refused a privacy request",
    ),
    (
        "privacy.anonymise",
        "person",
        {},
        "{actor} anonimizó a {person} (cancelación)",
        "{actor} anonymised {person} (cancellation)",
    ),
    # The consultation (issue 16): a consultation named by an event without its id.
    (
        "consultation.create",
        "consultation",
        {"title": "X"},
        "{actor} creó una consulta",
        "{actor} created a consultation",
    ),
    (
        "consultation.update",
        "consultation",
        {"changes": {}},
        "{actor} modificó una consulta",
        "{actor} changed a consultation",
    ),
    (
        "consultation.statement",
        "consultation",
        {"statement": "Hay que medir"},
        "{actor} agregó la afirmación Hay que medir a una consulta",
        "{actor} added the statement Hay que medir to a consultation",
    ),
    (
        "consultation.statement_edit",
        "consultation",
        {"statement": "Hay que medir"},
        "{actor} editó la afirmación Hay que medir de una consulta",
        "{actor} edited the statement Hay que medir of a consultation",
    ),
    (
        "consultation.approve",
        "consultation",
        {"statement": "Más datos"},
        "{actor} aprobó la afirmación propuesta Más datos en una consulta",
        "{actor} approved the proposed statement Más datos in a consultation",
    ),
    (
        "consultation.reject",
        "consultation",
        {"statement": "Más datos"},
        "{actor} rechazó la afirmación propuesta Más datos en una consulta",
        "{actor} rejected the proposed statement Más datos in a consultation",
    ),
    (
        "consultation.question",
        "consultation",
        {"question": "¿Qué falta?"},
        "{actor} agregó la pregunta abierta ¿Qué falta? a una consulta",
        "{actor} added the open question ¿Qué falta? to a consultation",
    ),
    (
        "consultation.flag",
        "consultation",
        {"participant": 7, "reason": "bot"},
        "{actor} marcó al participante 7 de una consulta",
        "{actor} flagged participant 7 of a consultation",
    ),
    (
        "consultation.unflag",
        "consultation",
        {"participant": 7},
        "{actor} volvió a contar al participante 7 de una consulta",
        "{actor} counted participant 7 of a consultation again",
    ),
    (
        "consultation.themes",
        "consultation",
        {"themes": 4},
        "{actor} buscó temas en las respuestas de una consulta y encontró 4",
        "{actor} found 4 themes in the answers of a consultation",
    ),
    (
        "consultation.theme",
        "consultation",
        {"theme": "Docentes"},
        "{actor} renombró o asignó el tema Docentes de una consulta",
        "{actor} renamed or assigned the theme Docentes of a consultation",
    ),
    (
        "consultation.merge",
        "consultation",
        {"theme": "Docentes", "into": "Escuelas"},
        "{actor} fusionó el tema Docentes de una consulta con otro",
        "{actor} merged the theme Docentes of a consultation into another",
    ),
]


def test_the_kinds_cover_every_sentence():
    assert {kind[0] for kind in KINDS} == TELLERS.keys()


@pytest.mark.parametrize("language", ["es", "en"])
@pytest.mark.parametrize(
    "action,target,details,spanish,english", KINDS, ids=[f"{k[0]}-{i}" for i, k in enumerate(KINDS)]
)
def test_each_kind_of_event_is_a_sentence_with_links(
    client,
    db_session,
    coordinator,
    make_user,
    make_institution,
    make_group,
    language,
    action,
    target,
    details,
    spanish,
    english,
):
    person = make_user(full_name="Beto Ruiz")
    institution = make_institution(name="C Minds")
    group = make_group(slug="etica", name_es="Ética de la IA", name_en="AI Ethics")
    deliverable = Deliverable(group_id=group.id, title="Informe")
    db_session.add(deliverable)
    db_session.flush()
    task = Task(deliverable_id=deliverable.id, title="Borrador")
    db_session.add(task)
    db_session.commit()
    target_type, target_id = {
        "person": ("user", person.id),
        "user": ("user", coordinator.id),
        "working_group": ("working_group", group.id),
        "the_institution": ("institution", institution.id),
        "deliverable": ("deliverable", deliverable.id),
        "task": ("task", task.id),
    }.get(target, (target, None))
    actor = None if action in ("sign_in_failed", "password.reset_requested") else coordinator
    db_session.add(
        AuditEvent(
            actor_id=actor.id if actor else None,
            action=action,
            target_type=target_type,
            target_id=target_id,
            details=details,
        )
    )
    db_session.commit()
    sign_in(client, coordinator.email)
    _in(language, client)
    page = client.get(f"/audit/?action={action}").get_data(as_text=True)

    names = {
        "actor": "Ana López",
        "person": "Beto Ruiz",
        "group": "Ética de la IA" if language == "es" else "AI Ethics",
        "institution": "C Minds",
        "deliverable": "Informe",
        "task": "Borrador",
    }
    expected = (spanish if language == "es" else english).format(**names)
    assert expected in _rows(page)
    links = {
        "actor": f'<a href="/people#person-{coordinator.id}">Ana López</a>',
        "person": f'<a href="/people#person-{person.id}">Beto Ruiz</a>',
        "group": f'<a href="/groups/etica">{names["group"]}</a>',
        "institution": f'<a href="/institutions/{institution.id}">C Minds</a>',
        "deliverable": f'<a href="/deliverables/{deliverable.id}">Informe</a>',
        "task": f'<a href="/tasks/{task.id}">Borrador</a>',
    }
    template = spanish if language == "es" else english
    for name, link in links.items():
        if "{" + name + "}" in template:
            assert link in page
    # No codes in the sentence: no "#id", no "None", no snake_case keys.
    sentence = next(row for row in _rows(page) if row == expected)
    assert not re.search(r"#\d|None|True|False|[a-z]+_[a-z]+|\d{4}-\d\d", sentence)


def test_the_people_page_tells_recent_changes_in_words(client, coordinator, make_user):
    person = make_user(full_name="Beto Ruiz")
    sign_in(client, coordinator.email)
    client.post(f"/people/{person.id}/role", data={"role": "coordinator"})
    page = client.get("/people").get_data(as_text=True)
    recent = page[page.index('id="audit"') :]
    assert "cambió el rol de" in recent
    assert f'<a href="/people#person-{person.id}">Beto Ruiz</a>' in recent
    assert "person.role" not in recent and "#" + str(person.id) + "<" not in recent


def test_the_audit_page_runs_the_same_queries_for_few_and_many_events(
    app, client, db_session, coordinator, make_institution, make_group, make_user
):
    sign_in(client, coordinator.email)

    def add_events(count: int) -> None:
        for _ in range(count):
            institution = make_institution()
            group = make_group()
            person = make_user()
            db_session.add_all(
                [
                    AuditEvent(
                        actor_id=coordinator.id,
                        action="group.membership",
                        target_type="working_group",
                        target_id=group.id,
                        details={"institution": institution.name, "after": "lead", "before": None},
                    ),
                    AuditEvent(
                        actor_id=person.id,
                        action="person.role",
                        target_type="user",
                        target_id=person.id,
                        details={"before": "member", "after": "coordinator"},
                    ),
                    AuditEvent(
                        actor_id=coordinator.id,
                        action="institution.update",
                        target_type="institution",
                        target_id=institution.id,
                        details={"changes": {"sector_slug": ["academia", "government"]}},
                    ),
                ]
            )
        db_session.commit()

    def statements() -> int:
        with count_statements(app.extensions["database"].session.get_bind()) as counter:
            assert client.get("/audit/").status_code == 200
        return counter.count

    add_events(2)
    few = statements()
    add_events(14)
    many = statements()
    assert few == many > 0


def test_every_sentence_kind_has_a_name_in_the_filter(app):
    from coalition_app.audit.sentences import action_choices

    with app.test_request_context():
        names = dict(action_choices(TELLERS))
    assert all(names[code] != code for code in TELLERS)


def test_the_action_filter_shows_names_and_filters_by_code(client, coordinator, make_user):
    sign_in(client, coordinator.email)
    page = client.get("/audit/?action=sign_in").get_data(as_text=True)
    assert '<option value="sign_in" selected>Inicio de sesión</option>' in page
    assert ">sign_in<" not in page.replace("<code>sign_in</code>", "")
    _in("en", client)
    page = client.get("/audit/").get_data(as_text=True)
    assert '<option value="sign_in" >Sign-in</option>' in page
    assert '<option value="sessions.sign_out" >Sign-out</option>' not in page  # none recorded
