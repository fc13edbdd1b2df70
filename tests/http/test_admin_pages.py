"""The admin pages for tenants, users, qualifications and leases, through Flask's test client:
what the manager (and a tenant admin, for its members) sees and does, that errors are told next
to the form keeping what was typed, and that posts without a CSRF token change nothing."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from booking.models import Booking, Lease, OutboxMessage, QualificationGrant, Tenant, User
from booking.services import leases as lease_service
from booking.services import people as people_service
from tests.http.scene import local

TOKEN = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')
TODAY = date(2026, 12, 1)  # the tests' fixed "now" is 2026-12-01 09:00


def sign_in(client, session, user):
    session.commit()
    with client.session_transaction() as browser_session:
        browser_session["_user_id"] = user.get_id()
        browser_session["_fresh"] = True


def fresh_language():
    """Forget the locale Flask-Babel chose in the test's shared app context (a real request
    starts afresh)."""
    from flask_babel import refresh

    refresh()


def token_of(client, path="/account"):
    page = client.get(path)
    found = TOKEN.search(page.get_data(as_text=True))
    assert found, page.get_data(as_text=True)[:500]
    return found.group(1)


def text(answer):
    return answer.get_data(as_text=True)


def count(session, model, *where):
    session.expire_all()
    number = session.scalar(select(func.count()).select_from(model).where(*where))
    session.commit()
    return number


def vat(base: int) -> str:
    """A valid Belgian VAT number from 8 digits (the check digits are 97 - base mod 97)."""
    return f"BE0{base:08d}{97 - base % 97:02d}"


@pytest.fixture
def tenant(make_tenant, session):
    made = make_tenant(name="CellForge", vat_number=vat(74218639), free_hours_month=Decimal(8))
    session.commit()  # the pages read through their own session
    return made


@pytest.fixture
def manager(make_user, session, client):
    user = make_user(role="manager", name="Katrien Manager", language="nl")
    sign_in(client, session, user)
    return user


@pytest.fixture
def office(make_space, session):
    made = make_space(code="H.2.01", name="Kantoor 2.01", kind="office", area_m2=Decimal("520"))
    session.commit()
    return made


@pytest.fixture
def lab(make_space, session):
    made = make_space(code="L.1.01", name="Lab 1.01", kind="lab", area_m2=Decimal("380"))
    session.commit()
    return made


@pytest.fixture
def scene(session, tenant, office, lab, make_user):
    """A tenant with a member holding a qualification, and a running lease of the office."""
    member = make_user(tenant=tenant, name="An Peeters", email="an@cellforge.example")
    session.add(QualificationGrant(user=member, code="cleanroom-gowning", expires=date(2027, 6, 1)))
    lease = Lease(
        tenant_id=tenant.id,
        start=date(2025, 1, 1),
        end=None,
        rent_eur_per_m2_month=Decimal("16.50"),
        spaces=[office],
    )
    session.add(lease)
    session.commit()
    return {"member": member, "lease": lease}


# ---------------------------------------------------------------------------------------------
# Who sees which page


def test_every_people_and_lease_page_renders_for_the_manager_in_dutch(
    client, session, manager, tenant, scene, office
):
    member, lease = scene["member"], scene["lease"]
    pages = [
        "/admin",
        "/admin/tenants",
        f"/admin/tenants/{tenant.id}",
        "/admin/users",
        f"/admin/users?tenant_id={tenant.id}&role=member&active=yes&q=peet",
        "/admin/users/new",
        f"/admin/users/{member.id}",
        f"/admin/users/{member.id}/deactivate",
        "/admin/qualifications",
        "/admin/qualifications?code=cleanroom-gowning",
        "/admin/leases",
        "/admin/leases?show=upcoming",
        "/admin/leases?show=ended",
        "/admin/leases?show=all",
        f"/admin/leases?tenant_id={tenant.id}",
        f"/admin/leases?space_id={office.id}",
        f"/admin/leases/{lease.id}",
        "/admin/leases/new",
    ]
    for path in pages:
        answer = client.get(path)
        assert answer.status_code == 200, path
        html = text(answer)
        assert '<html lang="nl">' in html, path
        assert 'aria-current="page">Beheer<' in html, path
    index = text(client.get("/admin"))
    for label in ("Huurders", "Gebruikers", "Kwalificaties", "Huurcontracten"):
        assert label in index


def test_a_member_gets_403_on_every_people_and_lease_page(
    client, session, tenant, scene, make_user
):
    member, lease = scene["member"], scene["lease"]
    sign_in(client, session, make_user(tenant=tenant, language="nl"))
    for path in (
        "/admin/tenants",
        f"/admin/tenants/{tenant.id}",
        "/admin/users",
        "/admin/users/new",
        f"/admin/users/{member.id}",
        f"/admin/users/{member.id}/deactivate",
        "/admin/qualifications",
        "/admin/leases",
        f"/admin/leases/{lease.id}",
        "/admin/leases/new",
    ):
        answer = client.get(path)
        assert answer.status_code == 403, path
        assert "Deze pagina is niet voor jou" in text(answer)
    home = text(client.get("/"))
    assert ">Leden<" not in home and ">Beheer<" not in home


def test_pages_of_things_that_do_not_exist_are_404(client, manager):
    for path in (
        "/admin/tenants/999999",
        "/admin/users/999999",
        "/admin/users/999999/deactivate",
        "/admin/leases/999999",
        "/admin/leases?tenant_id=999999",
    ):
        assert client.get(path).status_code == 404, path


def test_signed_out_people_go_to_the_sign_in_page(client):
    for path in ("/admin/tenants", "/admin/users", "/admin/qualifications", "/admin/leases"):
        answer = client.get(path)
        assert answer.status_code in (302, 401), path
        if answer.status_code == 302:
            assert "/login" in answer.headers["Location"]


def test_a_tenant_admin_manages_only_its_own_members(client, session, tenant, make_user):
    admin = make_user(tenant=tenant, role="tenant_admin", name="Pieter Admin", language="nl")
    own = make_user(tenant=tenant, name="Sofie Eigen")
    other = make_user(name="Jeroen Ander")
    sign_in(client, session, admin)
    home = text(client.get("/"))
    assert 'href="/admin/users"' in home and ">Leden<" in home and ">Beheer<" not in home

    listing = text(client.get("/admin/users"))
    assert "Leden van CellForge" in listing
    assert "Sofie Eigen" in listing and "Jeroen Ander" not in listing
    assert client.get(f"/admin/users/{other.id}").status_code == 404
    for path in ("/admin/tenants", "/admin/leases", "/admin/qualifications", "/admin"):
        assert client.get(path).status_code == 403, path

    new = text(client.get("/admin/users/new"))
    assert 'value="manager"' not in new and 'name="tenant_id"' not in new
    token = token_of(client, "/admin/users/new")
    answer = client.post(
        "/admin/users/new",
        data={
            "csrf_token": token,
            "name": "Nieuwe Collega",
            "email": "nieuw@cellforge.example",
            "role": "member",
            "language": "nl",
        },
    )
    assert answer.status_code == 302
    created = session.scalar(select(User).where(User.email == "nieuw@cellforge.example"))
    assert created.tenant_id == tenant.id and created.role == "member"

    # Making a manager is not on offer, and posting it anyway changes nothing.
    refused = client.post(
        "/admin/users/new",
        data={
            "csrf_token": token,
            "name": "Baas",
            "email": "baas@cellforge.example",
            "role": "manager",
            "language": "nl",
        },
    )
    assert refused.status_code == 422
    assert count(session, User, User.email == "baas@cellforge.example") == 0

    changed = client.post(
        f"/admin/users/{own.id}",
        data={
            "csrf_token": token,
            "name": "Sofie Eigen",
            "email": own.email,
            "role": "tenant_admin",
            "language": "en",
        },
    )
    assert changed.status_code == 302
    session.expire_all()
    assert session.get(User, own.id).role == "tenant_admin"
    # Qualifications are the manager's: a tenant admin sees them but cannot grant.
    page = text(client.get(f"/admin/users/{own.id}"))
    assert "/qualifications" not in page.split('id="qualifications"')[1].split("</section>")[0]
    grant = client.post(
        f"/admin/users/{own.id}/qualifications", data={"csrf_token": token, "code": "x"}
    )
    assert grant.status_code == 403


# ---------------------------------------------------------------------------------------------
# Tenants


def test_the_manager_adds_a_tenant_and_changes_it(client, session, manager):
    token = token_of(client, "/admin/tenants")
    answer = client.post(
        "/admin/tenants",
        data={
            "csrf_token": token,
            "name": "Qualiva",
            "vat_number": "be 0758.301.656",
            "free_hours_month": "4,5",
            "address": "Kempische Steenweg 293, 3500 Hasselt",
        },
    )
    assert answer.status_code == 302
    created = session.scalar(select(Tenant).where(Tenant.name == "Qualiva"))
    assert created.vat_number == "BE0758301656"
    assert created.free_hours_month == Decimal("4.50")
    page = client.get(answer.headers["Location"])
    html = text(page)
    assert "Huurder Qualiva is toegevoegd." in html
    assert 'value="BE0758301656"' in html

    answer = client.post(
        f"/admin/tenants/{created.id}",
        data={
            "csrf_token": token,
            "name": "Qualiva NV",
            "vat_number": "",
            "free_hours_month": "12",
        },
    )
    assert answer.status_code == 302
    session.expire_all()
    changed = session.get(Tenant, created.id)
    assert (changed.name, changed.vat_number, changed.free_hours_month) == (
        "Qualiva NV",
        None,
        Decimal("12.00"),
    )
    listing = text(client.get("/admin/tenants"))
    assert "Qualiva NV" in listing and ">12<" in listing


def test_tenant_errors_are_told_by_the_field_keeping_what_was_typed(
    client, session, manager, tenant
):
    token = token_of(client, "/admin/tenants")
    bad_vat = client.post(
        "/admin/tenants",
        data={"csrf_token": token, "name": "Nieuw Bedrijf", "vat_number": "BE0758301657"},
    )
    assert bad_vat.status_code == 400
    html = text(bad_vat)
    assert "De controlecijfers van dit btw-nummer kloppen niet" in html
    assert 'value="Nieuw Bedrijf"' in html and 'value="BE0758301657"' in html
    assert 'aria-invalid="true"' in html

    wrong = client.post(
        "/admin/tenants", data={"csrf_token": token, "name": "Ander", "vat_number": "NL123"}
    )
    assert wrong.status_code == 400
    assert "Schrijf een Belgisch btw-nummer als BE0123456789." in text(wrong)

    twice = client.post("/admin/tenants", data={"csrf_token": token, "name": "cellforge"})
    assert twice.status_code == 409
    assert "Er is al een huurder met de naam cellforge." in text(twice)

    empty = client.post("/admin/tenants", data={"csrf_token": token, "name": "  "})
    assert empty.status_code == 422
    assert count(session, Tenant) == 1


# ---------------------------------------------------------------------------------------------
# Users


def test_the_manager_invites_someone_who_gets_an_email(client, session, manager, tenant):
    token = token_of(client, "/admin/users/new")
    answer = client.post(
        "/admin/users/new",
        data={
            "csrf_token": token,
            "name": "Lotte Janssens",
            "email": "Lotte@CellForge.example",
            "role": "tenant_admin",
            "tenant_id": str(tenant.id),
            "language": "en",
        },
    )
    assert answer.status_code == 302
    user = session.scalar(select(User).where(User.email == "lotte@cellforge.example"))
    assert (user.role, user.tenant_id, user.language, user.password_hash) == (
        "tenant_admin",
        tenant.id,
        "en",
        None,
    )
    assert count(session, OutboxMessage, OutboxMessage.to == "lotte@cellforge.example") == 1
    html = text(client.get(answer.headers["Location"]))
    assert "Lotte Janssens is toegevoegd." in html and "lotte@cellforge.example" in html
    assert "uitgenodigd" in html


def test_someone_without_a_password_can_be_invited_again_and_no_one_else(
    client, session, manager, tenant, make_user
):
    invited = make_user(email="lotte@cellforge.example", tenant=tenant, password_hash=None)
    settled = make_user(email="jan@cellforge.example", tenant=tenant)
    session.commit()
    page = text(client.get(f"/admin/users/{invited.id}"))
    assert "Stuur de uitnodiging opnieuw" in page
    assert "Stuur de uitnodiging opnieuw" not in text(client.get(f"/admin/users/{settled.id}"))
    token = token_of(client, f"/admin/users/{invited.id}")

    answer = client.post(f"/admin/users/{invited.id}/invite", data={"csrf_token": token})
    told = text(client.get(answer.headers["Location"]))
    refused = client.post(f"/admin/users/{settled.id}/invite", data={"csrf_token": token})
    refusal = text(client.get(refused.headers["Location"]))
    forged = client.post(f"/admin/users/{invited.id}/invite", data={})

    assert answer.status_code == 302
    assert "Er is een nieuwe uitnodiging verstuurd naar lotte@cellforge.example." in told
    assert count(session, OutboxMessage, OutboxMessage.to == "lotte@cellforge.example") == 1
    assert refused.status_code == 302
    assert "al een wachtwoord gekozen" in refusal
    assert count(session, OutboxMessage, OutboxMessage.to == "jan@cellforge.example") == 0
    assert forged.status_code == 400


def test_user_errors_keep_what_was_typed(client, session, manager, tenant, scene):
    token = token_of(client, "/admin/users/new")
    base = {"csrf_token": token, "name": "Tom Typ", "role": "member", "language": "nl"}
    twice = client.post(
        "/admin/users/new",
        data={**base, "email": "an@cellforge.example", "tenant_id": str(tenant.id)},
    )
    assert twice.status_code == 409
    html = text(twice)
    assert "Er is al iemand met het e-mailadres an@cellforge.example." in html
    assert 'value="Tom Typ"' in html

    no_tenant = client.post("/admin/users/new", data={**base, "email": "tom@x.example"})
    assert no_tenant.status_code == 400
    html = text(no_tenant)
    assert "Leden en beheerders van een bedrijf horen bij een huurder: kies er een." in html
    assert 'value="tom@x.example"' in html

    not_an_address = client.post(
        "/admin/users/new", data={**base, "email": "tom@", "tenant_id": str(tenant.id)}
    )
    assert not_an_address.status_code == 400
    assert "Dit is geen e-mailadres." in text(not_an_address)
    assert count(session, User, User.name == "Tom Typ") == 0


def test_the_manager_changes_name_role_tenant_and_language(
    client, session, manager, tenant, scene, make_tenant
):
    member = scene["member"]
    elsewhere = make_tenant(name="Qualiva")
    session.commit()
    token = token_of(client, f"/admin/users/{member.id}")
    answer = client.post(
        f"/admin/users/{member.id}",
        data={
            "csrf_token": token,
            "name": "An Peeters-Claes",
            "email": "an@qualiva.example",
            "role": "tenant_admin",
            "tenant_id": str(elsewhere.id),
            "language": "en",
        },
    )
    assert answer.status_code == 302
    assert "De wijzigingen zijn bewaard." in text(client.get(answer.headers["Location"]))
    session.expire_all()
    changed = session.get(User, member.id)
    assert (changed.name, changed.email, changed.role, changed.tenant_id, changed.language) == (
        "An Peeters-Claes",
        "an@qualiva.example",
        "tenant_admin",
        elsewhere.id,
        "en",
    )


def test_the_manager_cannot_demote_themselves(client, session, manager):
    page = text(client.get(f"/admin/users/{manager.id}"))
    assert "/deactivate" not in page
    token = token_of(client, f"/admin/users/{manager.id}")
    answer = client.post(
        f"/admin/users/{manager.id}",
        data={
            "csrf_token": token,
            "name": manager.name,
            "email": manager.email,
            "role": "member",
            "tenant_id": "",
            "language": "nl",
        },
    )
    assert answer.status_code == 403
    assert "Je kan jezelf niet deactiveren of je eigen rol wijzigen." in text(answer)
    refused = client.post(f"/admin/users/{manager.id}/deactivate", data={"csrf_token": token})
    assert refused.status_code == 302
    session.expire_all()
    assert session.get(User, manager.id).active and session.get(User, manager.id).role == "manager"


def test_deactivation_says_what_it_does_then_ends_sign_in_and_cancels_coming_bookings(
    client, session, manager, scene, make_space, make_booking
):
    member = scene["member"]
    room = make_space(name="Demer")
    coming = make_booking(
        room, member, local("2026-12-03", "10:00"), local("2026-12-03", "11:00"), title="Sprint"
    )
    past = make_booking(
        room, member, local("2026-11-20", "10:00"), local("2026-11-20", "11:00"), title="Retro"
    )
    session.commit()
    confirm = text(client.get(f"/admin/users/{member.id}/deactivate"))
    assert "An Peeters kan zich niet meer aanmelden" in confirm
    assert "Sprint" in confirm and "Retro" not in confirm
    assert "03/12/2026 10:00–11:00" in confirm

    token = token_of(client, f"/admin/users/{member.id}/deactivate")
    answer = client.post(f"/admin/users/{member.id}/deactivate", data={"csrf_token": token})
    assert answer.status_code == 302
    html = text(client.get(answer.headers["Location"]))
    assert "An Peeters kan zich niet meer aanmelden" in html and "Gedeactiveerd" in html
    session.expire_all()
    assert not session.get(User, member.id).active
    assert session.get(Booking, coming.id).status == "cancelled"
    assert session.get(Booking, past.id).status == "confirmed"

    again = client.post(f"/admin/users/{member.id}/reactivate", data={"csrf_token": token})
    assert again.status_code == 302
    assert "An Peeters kan zich opnieuw aanmelden." in text(client.get(again.headers["Location"]))
    session.expire_all()
    assert session.get(User, member.id).active
    assert session.get(Booking, coming.id).status == "cancelled"


def test_the_list_of_people_filters_and_pages(client, session, manager, tenant, make_user):
    for n in range(55):
        make_user(tenant=tenant, name=f"Persoon {n:02d}", email=f"p{n:02d}@cellforge.example")
    make_user(tenant=tenant, name="Oud Lid", active=False)
    make_user(name="Iemand Anders", role="tenant_admin")
    session.commit()

    first = text(client.get(f"/admin/users?tenant_id={tenant.id}"))
    assert "Persoon 00" in first and "Persoon 54" not in first
    next_link = re.search(r'href="(/admin/users\?[^"]*after=[^"]+)"', first)
    assert next_link and "tenant_id=" in next_link.group(1)
    second = text(client.get(next_link.group(1).replace("&amp;", "&")))
    assert "Persoon 54" in second and "Persoon 00" not in second

    inactive = text(client.get("/admin/users?active=no"))
    assert "Oud Lid" in inactive and "Persoon 00" not in inactive
    admins = text(client.get("/admin/users?role=tenant_admin"))
    assert "Iemand Anders" in admins and "Persoon" not in admins
    found = text(client.get("/admin/users?q=P07@CELL"))
    assert "Persoon 07" in found and "Persoon 08" not in found
    # A filter that makes no sense shows everyone rather than failing.
    assert client.get("/admin/users?tenant_id=abc&role=king&active=maybe").status_code == 200


# ---------------------------------------------------------------------------------------------
# Qualifications


def test_the_manager_grants_and_revokes_a_qualification(client, session, manager, scene):
    member = scene["member"]
    token = token_of(client, f"/admin/users/{member.id}")
    answer = client.post(
        f"/admin/users/{member.id}/qualifications",
        data={"csrf_token": token, "code": "laser-safety", "expires": "2027-03-31"},
    )
    assert answer.status_code == 302
    html = text(client.get(answer.headers["Location"].split("#")[0]))
    assert "laser-safety is toegekend." in html and "tot 31/03/2027" in html
    grant = session.scalar(
        select(QualificationGrant).where(QualificationGrant.code == "laser-safety")
    )
    assert grant.expires == date(2027, 3, 31)

    answer = client.post(
        f"/admin/users/{member.id}/qualifications/cleanroom-gowning/revoke",
        data={"csrf_token": token},
    )
    assert answer.status_code == 302
    assert "cleanroom-gowning is ingetrokken." in text(
        client.get(answer.headers["Location"].split("#")[0])
    )
    assert count(session, QualificationGrant, QualificationGrant.user_id == member.id) == 1


def test_a_bad_qualification_code_is_told_keeping_the_input(client, session, manager, scene):
    member = scene["member"]
    token = token_of(client, f"/admin/users/{member.id}")
    answer = client.post(
        f"/admin/users/{member.id}/qualifications",
        data={"csrf_token": token, "code": "Laser Safety", "expires": "2027-03-31"},
    )
    assert answer.status_code == 400
    html = text(answer)
    assert "Schrijf de code in kleine letters met koppeltekens" in html
    assert 'value="Laser Safety"' in html and 'value="2027-03-31"' in html
    assert count(session, QualificationGrant) == 1


def test_the_overview_shows_who_holds_what_and_marks_expired_ones(
    client, session, manager, tenant, scene, make_user
):
    lapsed = make_user(tenant=tenant, name="Bart Verlopen")
    session.add(
        QualificationGrant(user=lapsed, code="cleanroom-gowning", expires=date(2026, 11, 1))
    )
    forever = make_user(tenant=tenant, name="Chris Altijd")
    session.add(QualificationGrant(user=forever, code="laser-safety", expires=None))
    session.commit()
    html = text(client.get("/admin/qualifications"))
    assert html.index("cleanroom-gowning") < html.index("laser-safety")
    assert "An Peeters" in html and "tot 01/06/2027" in html
    assert "Bart Verlopen" in html and "verlopen op 01/11/2026" in html
    assert "Chris Altijd" in html and "geen einddatum" in html
    only = text(client.get("/admin/qualifications?code=laser-safety"))
    assert "Chris Altijd" in only and "An Peeters" not in only


# ---------------------------------------------------------------------------------------------
# Leases


def test_the_manager_creates_a_lease_and_ends_it(client, session, manager, tenant, lab, office):
    token = token_of(client, "/admin/leases/new")
    form = text(client.get("/admin/leases/new"))
    assert f'value="{lab.id}"' in form and "verhuurd aan CellForge" not in form
    answer = client.post(
        "/admin/leases/new",
        data={
            "csrf_token": token,
            "tenant_id": str(tenant.id),
            "space_ids": [str(lab.id), str(office.id)],
            "start": "2027-01-01",
            "end": "",
            "rent_kind": "fixed",
            "rent_amount": "1234,56",
        },
    )
    assert answer.status_code == 302
    lease = session.scalar(select(Lease))
    assert {s.id for s in lease.spaces} == {lab.id, office.id}
    assert (lease.start, lease.end, lease.rent_eur_month, lease.rent_eur_per_m2_month) == (
        date(2027, 1, 1),
        None,
        Decimal("1234.56"),
        None,
    )
    html = text(client.get(answer.headers["Location"]))
    assert "Het huurcontract is aangemaakt." in html
    assert "€\xa01.234,56 per maand" in html and "01/01/2027" in html
    assert "Gepland" in html and "geen einddatum" in html

    answer = client.post(
        f"/admin/leases/{lease.id}/end", data={"csrf_token": token, "end": "2027-12-31"}
    )
    assert answer.status_code == 302
    assert "Het huurcontract loopt nu af op 31/12/2027." in text(
        client.get(answer.headers["Location"])
    )
    session.expire_all()
    assert session.get(Lease, lease.id).end == date(2027, 12, 31)
    fresh_language()
    english = text(client.get(f"/admin/leases/{lease.id}?lang=en"))
    assert "€1,234.56 per month" in english and "31/12/2027" in english


def test_a_space_leased_twice_is_409_naming_the_lease_in_the_way(
    client, session, manager, tenant, scene, office, lab, make_tenant
):
    other = make_tenant(name="Qualiva")
    session.commit()
    token = token_of(client, "/admin/leases/new")
    answer = client.post(
        "/admin/leases/new",
        data={
            "csrf_token": token,
            "tenant_id": str(other.id),
            "space_ids": [str(lab.id), str(office.id)],
            "start": "2027-02-01",
            "end": "2027-12-31",
            "rent_kind": "per_m2",
            "rent_amount": "14",
        },
    )
    assert answer.status_code == 409
    html = text(answer)
    assert "H.2.01 is al verhuurd aan CellForge vanaf 01/01/2025, zonder einddatum." in html
    assert f'href="/admin/leases/{scene["lease"].id}"' in html
    # What was typed stays: the tenant, both spaces, the days and the rent.
    assert re.search(rf'<option selected value="{other.id}">|value="{other.id}" selected', html)
    assert f'value="{lab.id}" id="space-{lab.id}" checked' in html
    assert 'value="2027-02-01"' in html and 'value="14"' in html
    assert count(session, Lease) == 1


def test_lease_form_errors_keep_what_was_typed(client, session, manager, tenant, lab, scene):
    token = token_of(client, "/admin/leases/new")
    base = {"csrf_token": token, "tenant_id": str(tenant.id), "rent_kind": "per_m2"}
    nothing = client.post("/admin/leases/new", data={**base, "start": "2027-01-01"})
    assert nothing.status_code == 422
    html = text(nothing)
    assert "Kies minstens één ruimte." in html and "Geef de huur." in html

    backwards = client.post(
        "/admin/leases/new",
        data={
            **base,
            "space_ids": [str(lab.id)],
            "start": "2027-06-01",
            "end": "2027-01-31",
            "rent_amount": "15",
        },
    )
    assert backwards.status_code == 400
    html = text(backwards)
    assert "De laatste dag kan niet voor de eerste dag liggen." in html
    assert 'value="2027-06-01"' in html and 'value="2027-01-31"' in html
    assert count(session, Lease) == 1


def test_ending_a_lease_too_late_or_too_early_is_explained(client, session, manager, scene):
    lease = scene["lease"]
    lease.end = date(2027, 6, 30)
    session.commit()
    token = token_of(client, f"/admin/leases/{lease.id}")
    later = client.post(
        f"/admin/leases/{lease.id}/end", data={"csrf_token": token, "end": "2027-12-31"}
    )
    assert later.status_code == 409
    assert "Het huurcontract loopt al af op 30/06/2027: kies een vroegere dag." in text(later)
    before = client.post(
        f"/admin/leases/{lease.id}/end", data={"csrf_token": token, "end": "2024-12-31"}
    )
    assert before.status_code == 400
    assert "Het huurcontract kan niet eindigen voor zijn eerste dag." in text(before)
    session.expire_all()
    assert session.get(Lease, lease.id).end == date(2027, 6, 30)


def test_the_lease_list_shows_running_upcoming_ended_and_each_history(
    client, session, manager, tenant, scene, lab, office, make_tenant
):
    other = make_tenant(name="Qualiva")
    session.add_all(
        [
            Lease(tenant_id=other.id, start=date(2027, 3, 1), end=None, spaces=[lab]),
            Lease(
                tenant_id=other.id,
                start=date(2023, 1, 1),
                end=date(2024, 12, 31),
                rent_eur_month=Decimal("900"),
                spaces=[office],
            ),
        ]
    )
    session.commit()
    running = text(client.get("/admin/leases"))
    assert "CellForge" in running and "Qualiva" not in running
    upcoming = text(client.get("/admin/leases?show=upcoming"))
    assert "L.1.01" in upcoming and "CellForge" not in upcoming
    ended = text(client.get("/admin/leases?show=ended"))
    assert "31/12/2024" in ended and "€\xa0900,00 per maand" in ended
    history = text(client.get(f"/admin/leases?space_id={office.id}"))
    assert "Huurcontracten van H.2.01" in history
    assert "CellForge" in history and "31/12/2024" in history and "L.1.01" not in history
    of_tenant = text(client.get(f"/admin/leases?tenant_id={other.id}"))
    assert "Huurcontracten van Qualiva" in of_tenant and "H.2.01" in of_tenant
    tenant_page = text(client.get(f"/admin/tenants/{tenant.id}"))
    assert "H.2.01" in tenant_page and "€\xa016,50 per m² per maand" in tenant_page
    # The form for a new lease says beside each space who leases it now or later.
    form = text(client.get("/admin/leases/new"))
    assert "verhuurd aan CellForge</span>" in form
    assert "verhuurd aan Qualiva vanaf 01/03/2027" in form


# ---------------------------------------------------------------------------------------------
# CSRF and language


def test_posts_without_a_valid_csrf_token_are_400_and_change_nothing(
    client, session, manager, tenant, scene, lab
):
    member, lease = scene["member"], scene["lease"]
    posts = [
        ("/admin/tenants", {"name": "Zonder Token"}),
        (f"/admin/tenants/{tenant.id}", {"name": "Hernoemd"}),
        (
            "/admin/users/new",
            {"name": "X", "email": "x@y.example", "role": "member", "tenant_id": str(tenant.id)},
        ),
        (f"/admin/users/{member.id}", {"name": "Hernoemd", "email": member.email}),
        (f"/admin/users/{member.id}/deactivate", {}),
        (f"/admin/users/{member.id}/qualifications", {"code": "laser-safety"}),
        (f"/admin/users/{member.id}/qualifications/cleanroom-gowning/revoke", {}),
        (
            "/admin/leases/new",
            {"tenant_id": str(tenant.id), "space_ids": str(lab.id), "start": "2027-01-01"},
        ),
        (f"/admin/leases/{lease.id}/end", {"end": "2026-12-31"}),
    ]
    for path, data in posts:
        assert client.post(path, data=data).status_code == 400, path
        assert client.post(path, data={**data, "csrf_token": "forged"}).status_code == 400, path
    session.expire_all()
    assert count(session, Tenant) == 1 and session.get(Tenant, tenant.id).name == "CellForge"
    assert count(session, User) == 2 and session.get(User, member.id).name == "An Peeters"
    assert session.get(User, member.id).active
    assert count(session, QualificationGrant) == 1
    assert count(session, Lease) == 1 and session.get(Lease, lease.id).end is None


def test_the_pages_speak_english_with_lang_en(client, session, manager, tenant, scene):
    fresh_language()
    pages = {
        "/admin/tenants?lang=en": ("Tenants", "Add a tenant", "Free hours per month"),
        "/admin/users?lang=en": ("Users", "Invite someone", "Name or e-mail contains"),
        f"/admin/users/{scene['member'].id}?lang=en": ("Grant or renew", "until 01/06/2027"),
        "/admin/qualifications?lang=en": ("Qualifications", "Valid until"),
        "/admin/leases?lang=en": ("Leases", "Running today", "€16.50 per m² per month"),
        "/admin/leases/new?lang=en": ("New lease", "Per m² per month", "First day"),
    }
    for path, phrases in pages.items():
        html = text(client.get(path))
        assert '<html lang="en">' in html, path
        for phrase in phrases:
            assert phrase in html, (path, phrase)
    token = token_of(client, "/admin/tenants?lang=en")
    answer = client.post(
        "/admin/tenants", data={"csrf_token": token, "name": "X", "vat_number": "NL1"}
    )
    assert "Write a Belgian VAT number as BE0123456789." in text(answer)


# ---------------------------------------------------------------------------------------------
# What the services gained for these pages


def test_people_are_found_by_part_of_their_name_or_address(session, make_user, tenant):
    boss = make_user(role="manager")
    make_user(tenant=tenant, name="Ine Vanderhoydonck", email="ine@rehamotion.example")
    make_user(tenant=tenant, name="Jan 100%_Zeker", email="jan@rehamotion.example")
    found, _cursor = people_service.list_users(
        session, boss, search="HOYDONCK", limit=10, cursor=None
    )
    assert [u.name for u in found] == ["Ine Vanderhoydonck"]
    by_mail, _cursor = people_service.list_users(
        session, boss, search="@rehamotion", limit=10, cursor=None
    )
    assert len(by_mail) == 2
    literal, _cursor = people_service.list_users(
        session, boss, search="100%_", limit=10, cursor=None
    )
    assert [u.name for u in literal] == ["Jan 100%_Zeker"]
    assert people_service.list_users(session, boss, search="0%x", limit=10, cursor=None)[0] == []


def test_grants_are_listed_by_code_then_name_for_the_manager_only(
    session, make_user, make_space, tenant
):
    boss = make_user(role="manager")
    zoe = make_user(tenant=tenant, name="Zoë")
    bram = make_user(tenant=tenant, name="bram")
    session.add_all(
        [
            QualificationGrant(user=zoe, code="cleanroom-gowning"),
            QualificationGrant(user=bram, code="cleanroom-gowning"),
            QualificationGrant(user=zoe, code="bsl2"),
        ]
    )
    make_space(required_qualification="laser-safety")
    session.flush()
    grants, more = people_service.list_grants(session, boss, limit=10)
    assert [(g.code, g.user.name) for g in grants] == [
        ("bsl2", "Zoë"),
        ("cleanroom-gowning", "bram"),
        ("cleanroom-gowning", "Zoë"),
    ]
    assert not more
    page, more = people_service.list_grants(session, boss, code="cleanroom-gowning", limit=1)
    assert [g.user.name for g in page] == ["bram"] and more
    assert people_service.qualification_codes(session) == [
        "bsl2",
        "cleanroom-gowning",
        "laser-safety",
    ]
    from booking.errors import Forbidden

    with pytest.raises(Forbidden):
        people_service.list_grants(session, zoe, limit=10)


def test_leases_are_filtered_as_upcoming_or_ended_on_a_day(session, make_user, tenant, lab):
    boss = make_user(role="manager")
    day = TODAY
    ended = Lease(
        tenant_id=tenant.id, start=day - timedelta(400), end=day - timedelta(1), spaces=[lab]
    )
    running = Lease(tenant_id=tenant.id, start=day, end=day + timedelta(30), spaces=[lab])
    coming = Lease(tenant_id=tenant.id, start=day + timedelta(31), end=None, spaces=[lab])
    session.add_all([ended, running, coming])
    session.flush()

    def ids(**flt):
        rows, _cursor = lease_service.list_leases(
            session, boss, lease_service.LeaseFilter(**flt), limit=10, cursor=None
        )
        return [lease.id for lease in rows]

    assert ids(starts_after=day) == [coming.id]
    assert ids(ended_before=day) == [ended.id]
    assert ids(on=day) == [running.id]


@pytest.mark.parametrize(
    "path",
    [
        "/admin/users?after=xyz",
        "/admin/users?tenant_id=-1&role=&active=&q=" + "x" * 500,
        "/admin/tenants?after=!!",
        "/admin/leases?after=zzz&show=bogus",
        "/admin/leases?tenant_id=abc&space_id=0",
        "/admin/qualifications?page=-1&code=nope",
        "/admin/users/new?tenant_id=abc",
        "/admin/leases/new?tenant_id=9999&space_id=abc",
    ],
)
def test_odd_query_arguments_are_shown_never_a_500(client, manager, path):
    assert client.get(path).status_code in (200, 400, 404)
