"""The demo campus (API.md section 7): a fictional innovation hub on a health campus in Limburg.

`seed_demo` fills an empty database with two buildings (the hub and the lab building), tenant
companies with leases, the demo accounts, Belgian public holidays as campus-wide closures and
bookings in the weeks around `now`. The same `now` and scale give the same campus; only record
times (`created_at`, ...), password salts and feed secrets differ between runs.

`scale` N adds N - 1 copies of both buildings' bookable spaces (buildings HUB2, LAB2, ...), more
members, and bookings for all of them. Above scale 1 the bookings span ten weeks either side
of `now` instead of four: a load test wants history and a busy future, a demo wants to stay
readable.
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

import holidays
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from booking.models import (
    Booking,
    Building,
    Closure,
    Lease,
    QualificationGrant,
    Series,
    Space,
    Tenant,
    User,
)
from booking.models.types import utcnow

__all__ = ["DEMO_PASSWORD", "GOWNING", "DemoSummary", "seed_demo"]

DEMO_PASSWORD = "campus-demo"
GOWNING = "cleanroom-gowning"
_SEED = 2026
_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_INSERT_BATCH = 20_000


@dataclass(frozen=True)
class DemoSummary:
    """What the demo campus holds after seed_demo (created False: it was there already)."""

    created: bool
    buildings: int
    spaces: int
    tenants: int
    users: int
    leases: int
    bookings: int
    closures: int
    area_m2: Decimal

    def describe(self) -> str:
        """One or two lines for the command line."""
        counts = (
            f"{_count(self.buildings, 'building')}, {_count(self.spaces, 'space')} "
            f"({self.area_m2:,.0f} m²), {_count(self.tenants, 'tenant')}, "
            f"{_count(self.users, 'user')}, {_count(self.leases, 'lease')}, "
            f"{_count(self.bookings, 'booking')}, {_count(self.closures, 'closure')}"
        )
        if not self.created:
            return f"The database already holds a campus ({counts}); nothing was changed."
        return (
            f"Demo campus seeded: {counts}.\n"
            f"Sign in as manager@demo.example / {DEMO_PASSWORD} "
            "(also tenant-admin@, member@ and member2@demo.example)."
        )


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {noun}s"


# --- The campus as data -------------------------------------------------------------------


@dataclass(frozen=True)
class _TenantSpec:
    name: str
    domain: str
    vat_base: str  # seven digits; the enterprise number is 0 + these + two check digits
    free_hours: int
    extra_members: int
    address: str


@dataclass(frozen=True)
class _LeaseSpec:
    tenant: int  # index into _TENANTS
    spaces: tuple[str, ...]  # space codes at scale 1
    years_ago: int  # starts on the first of `month`, this many years before now's year
    month: int
    end_month: int | None  # ends on the last day of this month next year; None: open-ended
    per_m2: str | None = None
    fixed: str | None = None


@dataclass(frozen=True)
class _Room:
    building: str  # "HUB" or "LAB"
    floor: int
    number: int
    name: str
    kind: str
    capacity: int
    area: int
    features: tuple[str, ...] = ()
    rules: Mapping[str, int] = field(default_factory=dict)

    def code(self, copy: int) -> str:
        letter = self.building[0]
        suffix = "" if copy == 1 else str(copy)
        return f"{letter}{suffix}.{self.floor}.{self.number:02d}"


_BUILDINGS = {
    "HUB": ("Innovation Hub", "Zorgcampuslaan 10, 3590 Diepenbeek"),
    "LAB": ("Lab building", "Zorgcampuslaan 14, 3590 Diepenbeek"),
}

_TENANTS = (
    _TenantSpec(
        "CellForge Therapeutics", "cellforge.example", "7421863", 8, 3, "Zorgcampuslaan 14"
    ),
    _TenantSpec("Qualiva", "qualiva.example", "7583016", 4, 2, "Zorgcampuslaan 10"),
    _TenantSpec("RehaMotion", "rehamotion.example", "7654392", 10, 4, "Zorgcampuslaan 10"),
    _TenantSpec("Vectora Gene Therapies", "vectora.example", "7810254", 0, 3, "Zorgcampuslaan 14"),
    _TenantSpec("Pulsewise", "pulsewise.example", "7936417", 6, 2, "Zorgcampuslaan 10"),
    _TenantSpec("Motrix Robotics", "motrix.example", "8012575", 2, 3, "Zorgcampuslaan 10"),
)
# Tenants whose people work in the cleanrooms (cell and gene therapy).
_ATMP_TENANTS = (0, 3)

_MEETING = ("screen", "videoconference", "whiteboard")
_BIO = ("fume_hood", "biosafety_cabinet_class_ii", "co2_incubator", "-80_freezer")
_CLEAN = ("iso_7", "biosafety_cabinet_class_ii", "pass_through_hatch", "particle_counter")

_ROOMS = (
    # The hub: event hall, collaboration, meeting and training rooms, offices.
    _Room(
        "HUB", 0, 1, "Limburgzaal", "event_space", 250, 400,
        ("stage", "projector", "sound_system", "videoconference", "livestream"),
        {"min_notice_min": 2880, "max_advance_days": 365},
    ),
    _Room("HUB", 0, 2, "Atrium", "collaboration", 60, 320, ("screen", "whiteboard", "coffee_bar")),
    _Room("HUB", 0, 10, "Demer", "meeting_room", 10, 28, _MEETING),
    _Room("HUB", 0, 11, "Maas", "meeting_room", 16, 45, ("projector", *_MEETING)),
    _Room("HUB", 0, 12, "Herk", "meeting_room", 6, 18, ("screen", "whiteboard"),
          {"max_duration_min": 240}),
    _Room("HUB", 1, 1, "Bokrijk", "training_room", 40, 120,
          ("projector", "whiteboard", "sound_system")),
    _Room("HUB", 1, 2, "Kiewit", "training_room", 28, 95, ("projector", "whiteboard")),
    _Room("HUB", 1, 3, "Hoge Kempen", "training_room", 48, 140,
          ("projector", "videoconference", "sound_system")),
    _Room("HUB", 1, 10, "Gete", "meeting_room", 8, 22, _MEETING, {"max_duration_min": 240}),
    _Room("HUB", 1, 11, "Mombeek", "meeting_room", 4, 16, ("screen",),
          {"max_duration_min": 120}),
    _Room("HUB", 1, 12, "Jeker", "meeting_room", 12, 35, ("projector", *_MEETING)),
    _Room("HUB", 1, 20, "Makerspace", "collaboration", 30, 180,
          ("3d_printer", "workbench", "whiteboard")),
    _Room("HUB", 2, 10, "Dommel", "meeting_room", 8, 24, _MEETING, {"max_duration_min": 240}),
    _Room("HUB", 2, 11, "Abeek", "meeting_room", 6, 20, ("screen", "whiteboard"),
          {"max_duration_min": 240}),
    _Room("HUB", 2, 12, "Mangelbeek", "meeting_room", 20, 60, ("projector", *_MEETING),
          {"max_advance_days": 120}),
    _Room("HUB", 2, 20, "Innovation lounge", "collaboration", 40, 160,
          ("screen", "whiteboard", "coffee_bar")),
    _Room("HUB", 3, 10, "Zwarte Beek", "meeting_room", 10, 30, _MEETING),
    _Room("HUB", 3, 11, "Berwijn", "meeting_room", 6, 18, ("screen", "whiteboard"),
          {"max_duration_min": 240}),
    _Room("HUB", 3, 12, "Warmbeek", "meeting_room", 8, 26, _MEETING),
    *(
        _Room("HUB", floor, number, f"Kantoor {floor}.{number:02d}", "office", area // 9, area,
              ("fibre", "access_control"))
        for floor, number, area in (
            (2, 1, 520), (2, 2, 410), (2, 3, 640), (2, 4, 385), (2, 5, 470), (2, 6, 295),
            (2, 7, 350), (2, 8, 240), (3, 1, 720), (3, 2, 455), (3, 3, 530), (3, 4, 310),
            (3, 5, 600), (3, 6, 365), (3, 7, 280), (3, 8, 430), (4, 1, 810), (4, 2, 560),
            (4, 3, 495), (4, 4, 380), (4, 5, 620), (4, 6, 330),
        )
    ),
    # The lab building: dedicated (leased) labs, shared labs, cleanrooms.
    _Room("LAB", 0, 1, "Prototypingwerkplaats", "lab", 10, 350,
          ("workbench", "3d_printer", "compressed_air")),
    _Room("LAB", 0, 10, "Bewegingslab (gait lab)", "lab", 10, 220,
          ("motion_capture", "force_plates", "treadmill"), {"max_duration_min": 480}),
    _Room("LAB", 0, 20, "Cleanroom A (ISO 7)", "cleanroom", 4, 120, _CLEAN),
    _Room("LAB", 0, 21, "Cleanroom B (ISO 7)", "cleanroom", 4, 110, _CLEAN),
    _Room("LAB", 0, 22, "GMP-suite C (ISO 5/7)", "cleanroom", 6, 260, ("iso_5", *_CLEAN)),
    _Room("LAB", 1, 1, "Lab 1.01", "lab", 12, 380, _BIO),
    _Room("LAB", 1, 2, "Lab 1.02", "lab", 14, 420, _BIO),
    _Room("LAB", 1, 10, "Celkweeklab", "lab", 6, 160, (*_BIO[1:], "microscope"),
          {"max_advance_days": 60}),
    _Room("LAB", 1, 11, "Analytisch lab", "lab", 8, 140, ("fume_hood", "hplc", "lc_ms")),
    _Room("LAB", 2, 1, "Lab 2.01", "lab", 10, 300, _BIO),
    _Room("LAB", 2, 2, "Lab 2.02", "lab", 14, 450, _BIO),
    _Room("LAB", 2, 10, "Moleculair lab", "lab", 8, 150,
          ("qpcr", "pcr_workstation", "-80_freezer", "fume_hood"), {"max_advance_days": 60}),
)  # fmt: skip

_LEASES = (
    _LeaseSpec(0, ("H.2.01", "H.2.02", "L.1.01", "L.1.02", "L.0.22"), 4, 3, None, "16.50"),
    _LeaseSpec(0, ("H.4.01",), 1, 9, None, "15.00"),
    _LeaseSpec(1, ("H.2.03", "H.2.04", "H.3.01"), 3, 1, 12, "14.00"),
    _LeaseSpec(1, ("H.4.03",), 1, 11, 12, "17.25"),
    _LeaseSpec(2, ("H.2.05", "L.0.01"), 2, 6, None, "13.25"),
    _LeaseSpec(2, ("H.3.06",), 1, 4, None, "13.75"),
    _LeaseSpec(3, ("H.3.02", "L.2.01", "L.2.02"), 2, 10, 6, fixed="11850.00"),
    _LeaseSpec(4, ("H.2.06", "H.3.03", "H.3.04"), 1, 2, None, "15.00"),
    _LeaseSpec(4, ("H.4.04",), 1, 7, None, "15.50"),
    _LeaseSpec(5, ("H.3.05", "H.4.02"), 3, 4, 9, "12.50"),
)
_LEASED_CODES = frozenset(code for lease in _LEASES for code in lease.spaces)

_FIRST_NAMES = (
    "An", "Jan", "Lies", "Koen", "Sofie", "Wout", "Elke", "Bart", "Nele", "Tom", "Hanne",
    "Joris", "Femke", "Stijn", "Lotte", "Dries", "Evi", "Wim", "Maarten", "Leen", "Bram",
    "Marijke", "Thomas", "Eline", "Gert", "Ine", "Jef", "Griet", "Seppe", "Jolien",
)  # fmt: skip
_LAST_NAMES = (
    "Peeters", "Janssens", "Maes", "Jacobs", "Mertens", "Willems", "Goossens", "Wouters",
    "Vermeulen", "Hendrickx", "Lambrechts", "Schepers", "Stevens", "Moors", "Cuypers", "Thijs",
    "Bollen", "Smeets", "Vanhoof", "Aerts", "Geebelen", "Ramaekers", "Vrancken", "Nijs",
    "Hermans", "Jorissen", "Vanderhoydonck", "Bamps", "Lenaerts", "Reynders",
)  # fmt: skip
_INTERNATIONAL = ("Priya Raman", "Lukas Becker", "Sofia Moreno", "Ahmed Haddad", "Emma Larsen")

_TITLES = {
    "meeting_room": (
        "Sprint review", "Klantendemo", "Teamoverleg", "Board meeting", "Weekly sync",
        "Investor pitch rehearsal", "Projectoverleg", "Sollicitatiegesprek", "Design review",
        "Budgetbespreking", "MDR regulatory strategy", "Kick-off nieuw project", "1:1",
        "Retrospective", "Overleg met UHasselt", "Opvolging klinische studie", "Quality review",
        "Product roadmap", "Stand-up", "Partnermeeting ziekenhuis", "Reimbursement strategy",
    ),
    "training_room": (
        "GMP-opleiding", "ISO 13485 training", "EHBO-cursus", "Onboarding nieuwe collega's",
        "Python for data scientists", "GDPR-opleiding", "Lean workshop",
        "Design thinking workshop", "Veiligheidsopleiding labo", "Good Clinical Practice",
    ),
    "event_space": (
        "Health Tech Meetup Limburg", "Investor day", "Netwerkevent life sciences",
        "Symposium celtherapie", "Hackathon digital health", "Demo day", "Career fair",
        "Rehab technology forum",
    ),
    "collaboration": (
        "Co-creatiesessie met zorgverleners", "Brainstorm", "Werksessie", "User testing",
        "Hackathon prep", "Workshop UX", "Pairing session", "Teamlunch", "Prototype review",
    ),
    "lab": (
        "Celkweek passage", "ELISA run", "qPCR run", "Cell culture passaging",
        "Flowcytometrie", "Gait analysis study", "Prototype testing", "Stabiliteitsstudie",
        "Assay validation", "Staalvoorbereiding", "Proefpersonen meting",
    ),
    "cleanroom": (
        "GMP-procesrun", "Aseptic process simulation", "Media fill", "Batchproductie CAR-T",
        "Viral vector fill", "Milieumonitoring", "Cleanroom requalification",
    ),
}  # fmt: skip
_NOTES = {
    "event_space": ("Catering en AV-ondersteuning gevraagd.", "Livestream needed.", ""),
    "training_room": ("Lunch voor de deelnemers.", ""),
}
_REJECTIONS = (
    "Cleanroom in onderhoud die dag.",
    "Overlapt met de GMP-requalificatie.",
    "Please book a smaller room for this group.",
)


@dataclass(frozen=True)
class _Pattern:
    """How a kind of space fills a day: durations and gaps in minutes."""

    day_chance: float  # the chance the space is used at all on a weekday
    first_gaps: tuple[int, ...]  # from opening to the first busy time
    durations: tuple[int, ...]
    gaps: tuple[int, ...]  # between one busy time and the next
    max_per_day: int


_PATTERNS = {
    "meeting_room": _Pattern(
        0.85, (0, 60, 90, 120, 150, 180), (30, 45, 60, 60, 60, 90, 90, 120),
        (15, 30, 60, 60, 90, 120, 180, 240), 6,
    ),
    "training_room": _Pattern(0.6, (60, 60, 90), (180, 210, 240, 480), (60, 90), 2),
    "event_space": _Pattern(0.35, (30, 60, 300, 540), (180, 240, 300, 480, 570), (60, 120), 2),
    "collaboration": _Pattern(
        0.85, (0, 60, 120, 180), (60, 90, 120, 180, 240), (0, 30, 60, 120), 5
    ),
    "lab": _Pattern(0.85, (60, 120, 180), (120, 180, 240, 300, 360, 480), (0, 30, 60, 120), 4),
    "cleanroom": _Pattern(0.75, (0, 30, 60, 120), (120, 150, 180, 240, 300, 360), (0, 30, 60), 3),
}  # fmt: skip


def _opening_hours(kind: str) -> dict[str, list[list[str]]]:
    weekdays = _WEEKDAYS[:5]
    if kind == "lab":
        return {day: [["06:00", "22:00"]] for day in weekdays}
    if kind == "cleanroom":
        return {day: [["07:00", "21:00"]] for day in weekdays}
    if kind == "training_room":
        return {day: [["08:00", "18:00"]] for day in weekdays}
    if kind == "event_space":
        hours = {day: [["08:00", "23:00"]] for day in weekdays}
        hours["sat"] = [["09:00", "18:00"]]
        return hours
    return {day: [["07:00", "20:00"]] for day in weekdays}


def _space_fields(room: _Room, leased: bool) -> dict[str, Any]:
    """The booking rules of a demo space, by kind (API.md section 7)."""
    kind = room.kind
    fields: dict[str, Any] = {
        "opening_hours": _opening_hours(kind),
        "granularity_min": 30 if kind == "cleanroom" else 15,
        "requires_approval": kind in ("training_room", "event_space", "cleanroom"),
        "hourly_rate_eur": Decimal("0"),
    }
    if kind == "meeting_room":
        rate = 15 if room.capacity <= 6 else 25 if room.capacity <= 12 else 35
        fields.update(hourly_rate_eur=Decimal(rate), max_advance_days=90)
    elif kind == "training_room":
        fields.update(hourly_rate_eur=Decimal("45"), min_notice_min=1440)
    elif kind == "event_space":
        fields["hourly_rate_eur"] = Decimal("120")
    elif kind == "collaboration":
        fields["hourly_rate_eur"] = Decimal("10")
    elif kind == "lab" and not leased:
        fields.update(hourly_rate_eur=Decimal("60"), max_duration_min=600)
    elif kind == "cleanroom":
        fields.update(
            required_qualification=GOWNING,
            buffer_before_min=30,
            buffer_after_min=30,
            min_duration_min=60,
            min_notice_min=1440,
            hourly_rate_eur=Decimal("0") if leased else Decimal("95"),
        )
    fields.update(room.rules)
    return fields


def _vat(base: str) -> str:
    """A Belgian VAT number whose check digits are right: 97 - (first eight digits mod 97)."""
    first8 = "0" + base
    return f"BE{first8}{97 - int(first8) % 97:02d}"


def _last_day(year: int, month: int) -> date:
    return (date(year + month // 12, month % 12 + 1, 1)) - timedelta(days=1)


# --- Seeding ------------------------------------------------------------------------------


@dataclass
class _Bookable:
    """A space that gets bookings, with what the day planner needs."""

    space: Space
    kind: str
    capacity: int
    hours: dict[int, list[tuple[int, int]]]  # weekday -> [(open, close)] in minutes
    granularity: int
    before: int
    after: int
    approval: bool


@dataclass
class _People:
    manager: User
    member: User
    bookers: list[User]  # everyone who books; the demo accounts appear more than once
    gowned: list[User]  # who may book the cleanrooms


def seed_demo(session: Session, *, now: datetime, tz: ZoneInfo, scale: int = 1) -> DemoSummary:
    """Fill an empty database with the demo campus; on one that has buildings, change nothing.

    Flushes, never commits. Dates are relative to the local date of `now`.
    """
    if scale < 1:
        raise ValueError("scale must be at least 1")
    if session.scalar(select(Building.id).limit(1)) is not None:
        return _summary(session, created=False)

    today = now.astimezone(tz).date()
    spaces = _seed_spaces(session, scale)
    tenants = _seed_tenants(session)
    _seed_leases(session, tenants, spaces, today)
    people = _seed_people(session, tenants, today, scale)
    holiday_names = _seed_closures(session, today, tz)
    _seed_bookings(
        session, spaces, people, now=now, tz=tz, scale=scale, holiday_dates=holiday_names
    )
    session.flush()
    return _summary(session, created=True)


def _summary(session: Session, *, created: bool) -> DemoSummary:
    def count(model: Any) -> int:
        return session.scalar(select(func.count()).select_from(model)) or 0

    area = session.scalar(select(func.coalesce(func.sum(Space.area_m2), 0)))
    return DemoSummary(
        created=created,
        buildings=count(Building),
        spaces=count(Space),
        tenants=count(Tenant),
        users=count(User),
        leases=count(Lease),
        bookings=count(Booking),
        closures=count(Closure),
        # SQLite sums a NUMERIC column as a float; str() keeps the decimal digits it shows.
        area_m2=Decimal(str(area)).quantize(Decimal("0.01")),
    )


def _seed_spaces(session: Session, scale: int) -> dict[str, Space]:
    buildings: list[Building] = []
    spaces: dict[str, Space] = {}
    for copy in range(1, scale + 1):
        suffix = "" if copy == 1 else str(copy)
        by_code: dict[str, Building] = {}
        for code, (name, address) in _BUILDINGS.items():
            building = Building(
                code=f"{code}{suffix}",
                name=name if copy == 1 else f"{name} {copy}",
                address=address,
            )
            by_code[code] = building
            buildings.append(building)
        for room in _ROOMS:
            leased = room.code(1) in _LEASED_CODES
            # The copies are load: only what can be booked is copied.
            if copy > 1 and (leased or room.kind == "office"):
                continue
            space = Space(
                code=room.code(copy),
                name=room.name,
                building=by_code[room.building],
                kind=room.kind,
                floor=room.floor,
                capacity=room.capacity,
                area_m2=Decimal(room.area),
                features=list(room.features),
                **_space_fields(room, leased),
            )
            spaces[space.code] = space
    session.add_all(buildings)
    session.add_all(spaces.values())
    session.flush()
    return spaces


def _seed_tenants(session: Session) -> list[Tenant]:
    tenants = [
        Tenant(
            name=spec.name,
            vat_number=_vat(spec.vat_base),
            address=f"{spec.address}, 3590 Diepenbeek",
            free_hours_month=Decimal(spec.free_hours),
        )
        for spec in _TENANTS
    ]
    session.add_all(tenants)
    session.flush()
    return tenants


def _seed_leases(
    session: Session, tenants: Sequence[Tenant], spaces: Mapping[str, Space], today: date
) -> None:
    for spec in _LEASES:
        session.add(
            Lease(
                tenant_id=tenants[spec.tenant].id,
                start=date(today.year - spec.years_ago, spec.month, 1),
                end=None if spec.end_month is None else _last_day(today.year + 1, spec.end_month),
                rent_eur_per_m2_month=None if spec.per_m2 is None else Decimal(spec.per_m2),
                rent_eur_month=None if spec.fixed is None else Decimal(spec.fixed),
                spaces=[spaces[code] for code in spec.spaces],
            )
        )
    session.flush()


def _seed_people(session: Session, tenants: Sequence[Tenant], today: date, scale: int) -> _People:
    rng = random.Random(f"{_SEED}:people")
    password_hash = _demo_password_hash()
    emails: set[str] = set()

    def person(email: str, name: str, role: str, tenant: Tenant | None, lang: str = "nl") -> User:
        emails.add(email)
        return User(
            email=email,
            name=name,
            role=role,
            tenant_id=None if tenant is None else tenant.id,
            password_hash=password_hash,
            language=lang,
            feed_token=secrets.token_urlsafe(24),
        )

    manager = person("manager@demo.example", "Katrien Vandeput", "manager", None)
    admin = person("tenant-admin@demo.example", "Pieter Claes", "tenant_admin", tenants[0])
    member = person("member@demo.example", "An Peeters", "member", tenants[0])
    member2 = person("member2@demo.example", "Jeroen Vermeulen", "member", tenants[1])
    users = [manager, admin, member, member2]
    gowned_extra: list[User] = []
    international = iter(_INTERNATIONAL)
    for index, (tenant, spec) in enumerate(zip(tenants, _TENANTS, strict=True)):
        for n in range(spec.extra_members + 2 * (scale - 1)):
            lang = "nl"
            name = f"{rng.choice(_FIRST_NAMES)} {rng.choice(_LAST_NAMES)}"
            if n == 0 and index in _ATMP_TENANTS:
                name, lang = next(international), "en"
            local = name.lower().replace(" ", ".")
            email = f"{local}@{spec.domain}"
            serial = 2
            while email in emails:
                email = f"{local}{serial}@{spec.domain}"
                serial += 1
            user = person(email, name, "member", tenant, lang)
            users.append(user)
            if index in _ATMP_TENANTS and n % 2 == 0:
                gowned_extra.append(user)
    session.add_all(users)
    session.flush()

    grants = [QualificationGrant(user_id=member.id, code=GOWNING, expires=today + timedelta(365))]
    grants += [
        QualificationGrant(
            user_id=user.id, code=GOWNING, expires=today + timedelta(rng.randint(120, 720))
        )
        for user in gowned_extra
    ]
    for grant in grants:
        grant.granted_by_id = manager.id
    session.add_all(grants)
    session.flush()

    # The demo accounts book more than their share, so that signing in as them shows something.
    bookers = [user for user in users if user.tenant_id is not None]
    bookers += [admin, member, member, member2, member2]
    return _People(manager, member, bookers, [member, member, *gowned_extra])


@cache
def _demo_password_hash() -> str:
    # Hashing is slow on purpose: one hash (salted once per process) serves every demo account.
    return generate_password_hash(DEMO_PASSWORD)


def _seed_closures(session: Session, today: date, tz: ZoneInfo) -> dict[date, str]:
    """Belgian public holidays of this and next year as campus-wide closures.

    Returns the holidays from last year on, which the bookings also avoid.
    """
    # Names in Dutch, the campus's language, whatever the locale of the machine seeding.
    names: dict[date, str] = dict(
        holidays.country_holidays("BE", years=[today.year, today.year + 1], language="nl")
    )
    session.add_all(
        Closure(
            start=datetime.combine(day, time(0), tzinfo=tz),
            end=datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz),
            reason=name,
            holiday=True,
        )
        for day, name in sorted(names.items())
    )
    session.flush()
    earlier = holidays.country_holidays("BE", years=[today.year - 1], language="nl")
    return {**dict(earlier), **names}


def _minutes(value: str) -> int:
    hours, minutes = value.split(":")
    return int(hours) * 60 + int(minutes)


def _bookable(space: Space) -> _Bookable:
    hours: dict[int, list[tuple[int, int]]] = {}
    for day, spans in (space.opening_hours or {}).items():
        hours[_WEEKDAYS.index(day)] = [(_minutes(a), _minutes(b)) for a, b in spans]
    return _Bookable(
        space=space,
        kind=space.kind,
        capacity=space.capacity,
        hours=hours,
        granularity=space.granularity_min,
        before=space.buffer_before_min,
        after=space.buffer_after_min,
        approval=space.requires_approval,
    )


def _plan_day(
    rng: random.Random,
    pattern: _Pattern,
    spans: Sequence[tuple[int, int]],
    target: _Bookable,
    taken: Sequence[tuple[int, int]],
) -> list[tuple[int, int]]:
    """Bookings for one space on one day, as (start, end) minutes since local midnight.

    Busy times (buffers included) stay inside opening hours and never overlap one another
    or the busy times already `taken`.
    """
    if rng.random() >= pattern.day_chance:
        return []
    grid = target.granularity
    slots: list[tuple[int, int]] = []
    for opens, closes in spans:
        cursor = opens + rng.choice(pattern.first_gaps)
        while len(slots) < pattern.max_per_day:
            start = -(-(cursor + target.before) // grid) * grid
            end = start + rng.choice(pattern.durations)
            if end + target.after > closes:
                break
            busy_start, busy_end = start - target.before, end + target.after
            clashes = [b for a, b in taken if a < busy_end and busy_start < b]
            if clashes:
                cursor = max(clashes)
                continue
            slots.append((start, end))
            cursor = busy_end + rng.choice(pattern.gaps)
    return slots


@dataclass(frozen=True)
class _SeriesSpec:
    space: str
    weekday: int
    start: str
    end: str
    title: str


_SERIES = (
    _SeriesSpec("H.0.10", 1, "10:00", "11:00", "Wekelijks teamoverleg CellForge"),
    _SeriesSpec("L.1.10", 3, "08:00", "11:00", "Cell culture passaging"),
    _SeriesSpec("L.0.20", 2, "09:00", "13:00", "GMP-procesrun (aseptisch)"),
)


def _seed_bookings(
    session: Session,
    spaces: Mapping[str, Space],
    people: _People,
    *,
    now: datetime,
    tz: ZoneInfo,
    scale: int,
    holiday_dates: Mapping[date, str],
) -> None:
    now_utc = now.astimezone(UTC)
    today = now.astimezone(tz).date()
    recorded = utcnow()  # record times keep the real clock (API.md section 1)
    weeks = 4 if scale == 1 else 10
    days = [
        day
        for offset in range(-7 * weeks, 7 * weeks + 1)
        if (day := today + timedelta(days=offset)).weekday() < 5 and day not in holiday_dates
    ]
    longest: dict[int, int] = {}
    rows: list[dict[str, Any]] = []

    def local(day: date, minute: int) -> datetime:
        return datetime.combine(day, time(minute // 60, minute % 60), tzinfo=tz).astimezone(UTC)

    def add(
        rng: random.Random,
        target: _Bookable,
        day: date,
        start_min: int,
        end_min: int,
        *,
        booker: User,
        title: str,
        status: str,
        series_id: int | None = None,
    ) -> None:
        start, end = local(day, start_min), local(day, end_min)
        busy_start = start - timedelta(minutes=target.before)
        busy_end = end + timedelta(minutes=target.after)
        space_id = target.space.id
        busy = (end_min - start_min) + target.before + target.after
        longest[space_id] = max(longest.get(space_id, 0), busy)
        created = recorded - timedelta(minutes=rng.randint(30, 30 * 1440))
        later = min(recorded, created + timedelta(minutes=rng.randint(5, 2 * 1440)))
        decided = target.approval and status != "pending"
        rows.append(
            {
                "space_id": space_id,
                "user_id": booker.id,
                "tenant_id": booker.tenant_id,
                "series_id": series_id,
                "occurrence_start": start if series_id is not None else None,
                "title": title,
                "notes": rng.choice(_NOTES.get(target.kind, ("",))),
                "attendees": _attendees(rng, target),
                "start": start,
                "end": end,
                "busy_start": busy_start,
                "busy_end": busy_end,
                "status": status,
                "sequence": 0,
                "decided_by_id": people.manager.id if decided else None,
                "decided_at": later if decided else None,
                "reason": rng.choice(_REJECTIONS) if status == "rejected" else None,
                "cancelled_at": later if status == "cancelled" else None,
                "created_at": created,
                "updated_at": later if decided or status == "cancelled" else created,
            }
        )

    # The weekly series of member@demo.example come first: they hold their slots.
    taken: dict[tuple[str, date], list[tuple[int, int]]] = {}
    monday = today - timedelta(days=today.weekday())
    for spec in _SERIES:
        target = _bookable(spaces[spec.space])
        rng = random.Random(f"{_SEED}:series:{spec.space}")
        first = monday - timedelta(weeks=3) + timedelta(days=spec.weekday)
        while first in holiday_dates:
            first += timedelta(weeks=1)
        start_min, end_min = _minutes(spec.start), _minutes(spec.end)
        byday = _WEEKDAYS[spec.weekday][:2].upper()
        series = Series(
            space_id=target.space.id,
            user_id=people.member.id,
            tenant_id=people.member.tenant_id,
            title=spec.title,
            rrule=f"FREQ=WEEKLY;BYDAY={byday};COUNT=8",
            first_start=local(first, start_min),
            first_end=local(first, end_min),
            created_at=recorded - timedelta(days=30),
            updated_at=recorded - timedelta(days=30),
        )
        session.add(series)
        session.flush()
        for week in range(8):
            day = first + timedelta(weeks=week)
            if day in holiday_dates:
                continue  # booked with skip_conflicts: the holiday was skipped
            taken.setdefault((spec.space, day), []).append(
                (start_min - target.before, end_min + target.after)
            )
            status = "cancelled" if week == 2 and target.kind == "meeting_room" else "confirmed"
            add(
                rng,
                target,
                day,
                start_min,
                end_min,
                booker=people.member,
                title=spec.title,
                status=status,
                series_id=series.id,
            )

    for space in spaces.values():
        # Offices and leased spaces are not booked (a running lease makes a space unbookable).
        if space.kind == "office" or space.code in _LEASED_CODES:
            continue
        target = _bookable(space)
        pattern = _PATTERNS[target.kind]
        rng = random.Random(f"{_SEED}:{space.code}")
        bookers = people.gowned if target.kind == "cleanroom" else people.bookers
        titles = _TITLES[target.kind]
        for day in days:
            spans = target.hours.get(day.weekday())
            if not spans:
                continue
            for start_min, end_min in _plan_day(
                rng, pattern, spans, target, taken.get((space.code, day), ())
            ):
                start = local(day, start_min)
                add(
                    rng,
                    target,
                    day,
                    start_min,
                    end_min,
                    booker=rng.choice(bookers),
                    title=rng.choice(titles),
                    status=_status(rng, target.approval, future=start > now_utc),
                )
        if len(rows) >= _INSERT_BATCH:
            _insert_bookings(session, rows)
            rows.clear()
    _insert_bookings(session, rows)

    for space in spaces.values():
        if space.id in longest:
            space.longest_busy_min = max(space.longest_busy_min or 0, longest[space.id])
    session.flush()


def _insert_bookings(session: Session, rows: list[dict[str, Any]]) -> None:
    """Many bookings in one executemany (Core: the ORM's bulk insert split them into small ones)."""
    if rows:
        session.execute(insert(Booking.__table__), rows)


def _status(rng: random.Random, approval: bool, *, future: bool) -> str:
    draw = rng.random()
    if approval:
        if future and draw < 0.35:
            return "pending"
        if draw > 0.97:
            return "rejected"
        if draw > 0.94:
            return "cancelled"
        return "confirmed"
    return "cancelled" if draw < 0.04 else "confirmed"


def _attendees(rng: random.Random, target: _Bookable) -> int:
    cap = max(target.capacity, 1)
    if target.kind == "meeting_room":
        return rng.randint(min(2, cap), cap)
    if target.kind == "training_room":
        return rng.randint(max(1, cap // 3), cap)
    if target.kind == "event_space":
        return rng.randint(min(40, cap), cap)
    if target.kind == "collaboration":
        return rng.randint(min(2, cap), min(cap, 30))
    return rng.randint(1, min(cap, 3))
