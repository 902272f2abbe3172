"""Endorsement, the single voice: an institution answers through its focal point or a person
it authorises, one answer per institution (changeable while open, every answer kept), and
"voz única" only when institutions of all five sectors endorse and none objects."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from coalition_app.agenda.queries import voz_unica
from models import (
    Answer,
    AuthorisedEndorser,
    Endorsement,
    EndorsementChange,
    Position,
    PositionStatus,
    RecommendationStatus,
    Role,
    utcnow,
)


@pytest.fixture
def voices(make_institution, make_user, sectors, db_session):
    """One institution per sector, each with its focal point."""
    institutions = {}
    for slug in sectors:
        institution = make_institution(name=f"Voz de {slug}", sector_slug=slug)
        institution.focal_point = make_user(institution=institution, full_name=f"Enlace {slug}")
        db_session.commit()
        institutions[slug] = institution
    return institutions


def _answer(client, position_id, institution_id, answer, note=""):
    return client.post(
        f"/positions/{position_id}/endorse",
        data={"institution_id": institution_id, "answer": answer, "note": note},
    )


def test_the_five_sectors_are_the_directory_s(sectors):
    assert len(sectors) == 5


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        ({"all": Answer.ENDORSE}, True),
        ({"all": Answer.ENDORSE, "drop": 1}, False),  # one sector silent
        ({"all": Answer.ENDORSE, "abstain": 1}, False),  # one sector only abstains
        ({"all": Answer.ENDORSE, "extra_object": 1}, False),  # endorsed by all, but one objects
    ],
    ids=["all-five", "four-sectors", "one-abstains", "one-objects"],
)
def test_voz_unica_needs_every_sector_endorsing_and_no_objection(sectors, answers, expected):
    given = [(slug, Answer.ENDORSE) for slug in sectors]
    if answers.get("drop"):
        given = given[1:]
    if answers.get("abstain"):
        given[0] = (sectors[0], Answer.ABSTAIN)
    if answers.get("extra_object"):
        given.append((sectors[2], Answer.OBJECT))
    assert voz_unica(given, sectors) is expected


def test_a_position_earns_voz_unica_on_its_page_and_in_the_api(
    voices, make_position, signed_in, sectors, make_institution, make_user, db_session
):
    position = make_position()
    for slug in sectors[:4]:
        focal = voices[slug].focal_point
        assert _answer(signed_in(focal), position.id, voices[slug].id, "endorse").status_code == 302
    viewer = signed_in(voices[sectors[0]].focal_point)
    page = viewer.get(f"/positions/{position.id}").get_data(as_text=True)
    assert "Instituciones de los cinco sectores lo respaldan" not in page
    assert viewer.get(f"/api/v1/positions/{position.id}").get_json()["tally"]["voz_unica"] is False
    last = voices[sectors[4]]
    _answer(signed_in(last.focal_point), position.id, last.id, "endorse", note="Con gusto")
    page = viewer.get(f"/positions/{position.id}").get_data(as_text=True)
    assert "Instituciones de los cinco sectores lo respaldan y ninguna se opone." in page
    assert "Voz de academia" in page and "Con gusto" in page
    tally = viewer.get(f"/api/v1/positions/{position.id}").get_json()["tally"]
    assert (tally["voz_unica"], tally["endorse"], tally["object"]) == (True, 5, 0)
    # A sixth institution objects: the single voice is lost.
    dissent = make_institution(name="Disidente", sector_slug=sectors[1])
    dissent.focal_point = make_user(institution=dissent)
    db_session.commit()
    _answer(signed_in(dissent.focal_point), position.id, dissent.id, "object")
    tally = viewer.get(f"/api/v1/positions/{position.id}").get_json()["tally"]
    assert (tally["voz_unica"], tally["object"]) == (False, 1)


def test_one_answer_per_institution_changeable_while_open_with_its_history(
    voices, make_position, signed_in, sectors, db_session
):
    position = make_position()
    institution = voices[sectors[0]]
    client = signed_in(institution.focal_point)
    assert _answer(client, position.id, institution.id, "endorse").status_code == 302
    assert (
        _answer(client, position.id, institution.id, "object", "Lo pensamos mejor").status_code
        == 302
    )
    rows = db_session.scalars(
        select(Endorsement).where(Endorsement.position_id == position.id)
    ).all()
    assert [(e.answer, e.note) for e in rows] == [(Answer.OBJECT, "Lo pensamos mejor")]
    history = db_session.scalars(
        select(EndorsementChange.answer).order_by(EndorsementChange.id)
    ).all()
    assert history == [Answer.ENDORSE, Answer.OBJECT]
    # Closed: the answer stays as it was.
    db_session.get(Position, position.id).status = PositionStatus.CLOSED
    db_session.commit()
    assert _answer(client, position.id, institution.id, "endorse").status_code == 403
    assert db_session.scalar(select(Endorsement.answer)) == Answer.OBJECT


@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        ("focal_point", True),
        ("authorised", True),
        ("revoked", False),
        ("colleague", False),
        ("coordinator", False),
        ("other_focal_point", False),
    ],
)
def test_only_the_focal_point_or_an_authorised_person_answers(
    voices, make_position, make_user, signed_in, sectors, db_session, who, allowed
):
    position = make_position()
    institution, other = voices[sectors[0]], voices[sectors[1]]
    people = {
        "focal_point": institution.focal_point,
        "other_focal_point": other.focal_point,
        "coordinator": make_user(role=Role.COORDINATOR, institution=institution),
    }
    for name in ("authorised", "revoked", "colleague"):
        people[name] = make_user(institution=institution)
    db_session.add(
        AuthorisedEndorser(institution_id=institution.id, person_id=people["authorised"].id)
    )
    db_session.add(
        AuthorisedEndorser(
            institution_id=institution.id, person_id=people["revoked"].id, revoked_at=utcnow()
        )
    )
    db_session.commit()
    client = signed_in(people[who])
    response = _answer(client, position.id, institution.id, "endorse")
    api = client.post(
        f"/api/v1/positions/{position.id}/endorsement",
        json={"institution_id": institution.id, "answer": "abstain"},
    )
    stored = db_session.scalars(select(Endorsement.answer)).all()
    if allowed:
        assert (response.status_code, api.status_code) == (302, 200)
        assert stored == [Answer.ABSTAIN]
        assert api.get_json()["tally"]["abstain"] == 1
    else:
        assert (response.status_code, api.status_code) == (403, 403)
        assert stored == []


def test_the_api_refuses_an_unknown_answer_and_a_draft_position(
    voices, make_position, signed_in, sectors
):
    institution = voices[sectors[0]]
    client = signed_in(institution.focal_point)
    position = make_position()
    bad = client.post(
        f"/api/v1/positions/{position.id}/endorsement",
        json={"institution_id": institution.id, "answer": "maybe"},
    )
    assert bad.status_code == 422
    draft = make_position(status=PositionStatus.DRAFT, title="Borrador interno")
    assert client.get(f"/positions/{draft.id}").status_code == 404
    assert client.get(f"/api/v1/positions/{draft.id}").status_code == 404
    assert client.get(f"/public/positions/{draft.id}").status_code == 404


def test_an_adopted_recommendation_is_endorsed_the_same_way(
    voices, make_recommendation, signed_in, sectors, db_session
):
    institution = voices[sectors[0]]
    client = signed_in(institution.focal_point)
    draft = make_recommendation()
    adopted = make_recommendation(status=RecommendationStatus.ADOPTED, title="Adoptada")
    data = {"institution_id": institution.id, "answer": "endorse"}
    assert client.post(f"/recommendations/{draft.id}/endorse", data=data).status_code == 403
    assert client.post(f"/recommendations/{adopted.id}/endorse", data=data).status_code == 302
    page = client.get(f"/recommendations/{adopted.id}").get_data(as_text=True)
    assert "1 institución respalda" in page and institution.name in page


def test_the_focal_point_or_a_coordinator_authorises_people(
    voices, make_user, make_position, signed_in, sectors, db_session
):
    institution = voices[sectors[0]]
    colleague = make_user(institution=institution, full_name="Colega Autorizada")
    stranger = make_user(institution=voices[sectors[1]])
    path = f"/institutions/{institution.id}/endorsers"
    assert signed_in(stranger).post(path, data={"person_id": colleague.id}).status_code == 403
    assert signed_in(colleague).get(path).status_code == 403
    focal = signed_in(institution.focal_point)
    assert "Colega Autorizada" in focal.get(path).get_data(as_text=True)
    # Only a person of the institution.
    refused = focal.post(path, data={"person_id": stranger.id})
    assert refused.status_code == 400
    assert "Elija a una persona activa de esta institución." in refused.get_data(as_text=True)
    assert focal.post(path, data={"person_id": colleague.id}).status_code == 302
    position = make_position()
    as_colleague = signed_in(colleague)
    assert _answer(as_colleague, position.id, institution.id, "endorse").status_code == 302
    grant = db_session.scalar(select(AuthorisedEndorser))
    assert focal.post(f"{path}/{grant.id}/revoke").status_code == 302
    assert _answer(as_colleague, position.id, institution.id, "abstain").status_code == 403


def test_an_adopted_recommendation_s_voz_unica_shows_on_the_published_agenda_and_pdf(
    app, voices, make_recommendation, sectors, db_session
):
    from tests.agenda.test_publishing import pdf_text

    rec = make_recommendation(status=RecommendationStatus.ADOPTED, title="Con una sola voz")
    for slug in sectors[:4]:
        db_session.add(
            Endorsement(
                recommendation_id=rec.id, institution_id=voices[slug].id, answer=Answer.ENDORSE
            )
        )
    db_session.commit()
    client = app.test_client()
    assert "voz-unica" not in client.get("/public/agenda").get_data(as_text=True)
    db_session.add(
        Endorsement(
            recommendation_id=rec.id,
            institution_id=voices[sectors[4]].id,
            answer=Answer.ENDORSE,
        )
    )
    db_session.commit()
    page = client.get("/public/agenda").get_data(as_text=True)
    assert 'class="small mb-1 voz-unica"' in page and "Voz de academia" in page
    text = pdf_text(client.get("/public/agenda.pdf?lang=en").data)
    assert "Con una sola voz" in text and "Voz única" in text
