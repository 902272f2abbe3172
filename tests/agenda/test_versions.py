"""Every version kept, with a readable diff: a position's wordings are numbered and dated (what
institutions answered stays readable after an edit), on its pages and in its PDF; a
recommendation's versions show what changed in its title and rationale as well as its text."""

from __future__ import annotations

from sqlalchemy import select

from models import Position, PositionVersion
from tests.agenda.test_publishing import pdf_text


def _versions(db_session, position_id: int) -> list[tuple[int, str]]:
    db_session.expire_all()
    return [
        (v.number, v.text)
        for v in db_session.scalars(
            select(PositionVersion)
            .where(PositionVersion.position_id == position_id)
            .order_by(PositionVersion.number)
        )
    ]


def test_a_position_keeps_every_wording_dated_with_a_diff_on_its_pages_and_pdf(
    app, world, signed_in, db_session
):
    coordinator = signed_in(world.people["coordinator"])
    fields = {"kind": "statement", "title": "Sobre la ley de IA"}
    response = coordinator.post("/positions", data={**fields, "text": "Pedimos una consulta."})
    assert response.status_code == 302
    position = db_session.scalars(select(Position)).one()
    assert _versions(db_session, position.id) == [(1, "Pedimos una consulta.")]
    move = coordinator.post(f"/positions/{position.id}/move", data={"target": "open"})
    assert move.status_code == 302
    edit = {**fields, "text": "Pedimos una consulta abierta."}
    db_session.expire_all()
    edit["version"] = db_session.get(Position, position.id).version
    assert coordinator.post(f"/positions/{position.id}/edit", data=edit).status_code == 302
    # Saved again unchanged: no new version.
    edit["version"] = db_session.get(Position, position.id).version
    assert coordinator.post(f"/positions/{position.id}/edit", data=edit).status_code == 302
    assert _versions(db_session, position.id) == [
        (1, "Pedimos una consulta."),
        (2, "Pedimos una consulta abierta."),
    ]
    public = app.test_client().get(f"/public/positions/{position.id}").get_data(as_text=True)
    assert "Versión 2 del" in public and "Versión 1 del" in public
    assert "Pedimos una <del>consulta.</del><ins>consulta abierta.</ins>" in public
    internal = coordinator.get(f"/positions/{position.id}").get_data(as_text=True)
    assert "Versión 2 del" in internal and "<ins>" in internal
    text = pdf_text(app.test_client().get(f"/public/positions/{position.id}.pdf?lang=en").data)
    assert "Version 2 of" in text and "Pedimos una consulta abierta." in text


def test_a_recommendation_version_shows_what_changed_in_title_and_rationale(
    world, make_recommendation, signed_in
):
    rec = make_recommendation(title="Evaluar antes", rationale="Por prudencia.")
    member = signed_in(world.people["member"])
    response = member.post(
        f"/recommendations/{rec.id}/edit",
        data={
            "title": "Evaluar siempre antes",
            "text": rec.text,
            "rationale": "Por prudencia y evidencia.",
            "version": rec.version,
        },
    )
    assert response.status_code == 302
    page = member.get(f"/recommendations/{rec.id}").get_data(as_text=True)
    assert "Título:</span> Evaluar <ins>siempre </ins>antes" in page
    # (The fixture's first version has no rationale: all of it is new.)
    assert "Justificación:</span> <ins>Por prudencia y evidencia.</ins>" in page
