"""Personal data is encrypted at rest, yet reporters can still be found by contact data."""
from sqlalchemy import select, text

from app.extensions import db
from app.models import Reporter

PHONE, EMAIL, NIK, NAME = "081377665544", "budi.santoso@contoh.id", "3201987654321001", "Budi Santoso"


def test_raw_table_shows_no_personal_data_in_plain_text(make_case):
    make_case(reporter={"name": NAME, "phone": PHONE, "email": EMAIL, "nik": NIK})
    rows = db.session.execute(text("SELECT * FROM reporter")).all()
    assert rows, "the reporter row was not stored"
    raw = " ".join(str(value) for row in rows for value in row)
    for secret in (PHONE, EMAIL, NIK, NAME, "Budi", "77665544", "contoh.id"):
        assert secret not in raw


def test_decrypts_through_the_model_and_finds_by_email_phone_nik(make_case):
    case = make_case(reporter={"name": NAME, "phone": "+62 813-7766-5544", "email": "Budi.Santoso@Contoh.ID", "nik": NIK})
    db.session.expire_all()
    reporter = db.session.get(Reporter, case.reporter_id)
    assert reporter.name == NAME and reporter.phone == PHONE and reporter.email == EMAIL and reporter.nik == NIK
    by_email = db.session.execute(select(Reporter).where(Reporter.email_index == Reporter.email_lookup(EMAIL.upper()))).scalar_one()
    by_phone = db.session.execute(select(Reporter).where(Reporter.phone_index == Reporter.phone_lookup("6281377665544"))).scalar_one()
    by_nik = db.session.execute(select(Reporter).where(Reporter.nik_index == Reporter.nik_lookup(NIK))).scalar_one()
    assert by_email.id == by_phone.id == by_nik.id == reporter.id


def test_erasure_drops_identity_but_keeps_the_case(make_case):
    case = make_case(reporter={"name": NAME, "phone": PHONE, "email": EMAIL, "nik": NIK})
    reporter = case.reporter
    reporter.erase(case.received_at)
    db.session.commit()
    db.session.expire_all()
    reporter = db.session.get(Reporter, reporter.id)
    assert (reporter.name, reporter.phone, reporter.email, reporter.nik, reporter.email_index) == (None,) * 5
    assert reporter.erased_at is not None
