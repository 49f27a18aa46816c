"""The public portal: submit, track, reply and rate, the public list — and what must hold."""
import io
import os
import html
import re

import pytest
from sqlalchemy import func, select

from app.channels import intake
from app.extensions import db
from app.models import Attachment, Complaint
from tests.conftest import assert_hidden, visible_text

from tests.imaging import claiming_size, png_bytes

PNG = png_bytes()


def report_data(**overrides):
    data = {
        "kind": "complaint",
        "title": "Lampu penerangan jalan mati total",
        "description": "Sudah dua minggu lampu jalan di depan SD Negeri 3 mati sehingga jalan gelap dan rawan.",
        "district": "Sukamaju Kota", "village": "Kaum", "address": "Jl. Merdeka depan SD 3",
        "name": "Dewi Lestari", "phone": "0812 1111 2222", "email": "dewi.lestari@contoh.id",
        "consent": "y",
    }
    data.update(overrides)
    return data


def submit(client, files=(), **overrides):
    data = report_data(**overrides)
    if files:
        data["attachments"] = [(io.BytesIO(content), name) for name, content in files]
    return client.post("/lapor", data=data, content_type="multipart/form-data")


def enter_code(client, case, code=None):
    """The reporter types the private reply code into the tracking page's form (POST)."""
    return client.post(f"/lacak/{case.tracking_number}/kode", data={"code": code or case.reply_code},
                       follow_redirects=True)


def count_cases():
    return db.session.execute(select(func.count()).select_from(Complaint)).scalar()


def upload_files(app):
    folder = app.config["UPLOAD_FOLDER"]
    return set(os.listdir(folder)) if os.path.isdir(folder) else set()


def test_citizen_submits_with_a_photo_and_gets_number_and_code(app, client):
    before_files = upload_files(app)
    response = submit(client, files=[("jalan.png", PNG)])
    assert response.status_code == 302 and response.headers["Location"].endswith("/lapor/terkirim")
    page = client.get("/lapor/terkirim").get_data(as_text=True)
    number = re.search(r'id="tracking-number">([A-Z0-9-]+)<', page).group(1)
    code = re.search(r'id="reply-code">([^<]+)<', page).group(1)
    assert code and number
    case = db.session.execute(select(Complaint).where(Complaint.tracking_number == number)).scalar_one()
    assert case.channel.code == "web" and case.status == "received" and case.reporter.email == "dewi.lestari@contoh.id"
    (attachment,) = case.attachments
    assert attachment.content_type == "image/png" and attachment.original_name == "jalan.png"
    assert attachment.stored_name != "jalan.png" and len(attachment.sha256) == 64
    new_files = upload_files(app) - before_files
    assert new_files == {attachment.stored_name}
    assert "static" not in app.config["UPLOAD_FOLDER"].split(os.sep)
    # the code is shown once
    assert client.get("/lapor/terkirim").status_code == 302


@pytest.mark.parametrize("files,message", [
    ([("foto.jpg", b"<?php echo 'bukan gambar'; ?>")], "bukan gambar"),
    ([("besar.png", PNG + b"\x00" * (20 * 1024 * 1024))], "lebih dari 20 MB"),
    ([(f"f{i}.png", PNG) for i in range(6)], "Paling banyak 5 lampiran"),
    ([("layar.png", claiming_size(PNG, 10000, 10000))], "layar.png lebih dari 24 megapiksel"),
])
def test_forged_or_oversized_upload_is_refused_and_nothing_saved(app, client, files, message):
    before_cases, before_files = count_cases(), upload_files(app)
    response = submit(client, files=files)
    assert response.status_code == 400
    assert message in visible_text(response.get_data(as_text=True))
    assert count_cases() == before_cases
    assert upload_files(app) == before_files
    assert db.session.execute(select(func.count()).select_from(Attachment)).scalar() == 0


@pytest.mark.parametrize("field", ["category", "target_agency"])
@pytest.mark.parametrize("value", ["99999999999999999999999999", "\u0661\u0662", "abc"])
def test_an_option_that_is_no_number_of_ours_is_refused_with_the_text_kept(client, field, value):
    """A forged option id (too large for the column, Arabic-Indic digits) is "choose from the list",
    not a 500 from the database; what the citizen typed is still in the form."""
    before = count_cases()
    response = submit(client, **{field: value})
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "Pilih salah satu pilihan dari daftar." in visible_text(body)
    assert "Lampu penerangan jalan mati total" in body
    assert count_cases() == before


def test_the_same_form_sent_twice_opens_one_case(client):
    """A double tap or a resend after a lost answer: the form's submission id names the case it
    opened; the second sending opens none and takes the reporter to that case."""
    form = client.get("/lapor").get_data(as_text=True)
    submission = re.search(r'name="submission" type="hidden" value="([A-Za-z0-9_-]+)"', form).group(1)
    refused = submit(client, submission=submission, title="pendek")  # corrected and sent again below
    assert refused.status_code == 400 and f'value="{submission}"' in refused.get_data(as_text=True)
    before = count_cases()
    first = submit(client, submission=submission)
    assert first.status_code == 302 and first.headers["Location"].endswith("/lapor/terkirim")
    number = re.search(r'id="tracking-number">([A-Z0-9-]+)<', client.get("/lapor/terkirim").get_data(as_text=True)).group(1)
    second = submit(client, submission=submission)
    assert count_cases() == before + 1
    # the same browser: the receipt again (test_a_lost_answer_...)
    assert second.status_code == 303 and second.headers["Location"].endswith("/lapor/terkirim")
    page = visible_text(client.get(second.headers["Location"]).get_data(as_text=True))
    assert "Laporan ini sudah terkirim: tidak ada yang terkirim dua kali." in page and number in page
    # a new form is a new report
    other = re.search(r'name="submission" type="hidden" value="([A-Za-z0-9_-]+)"',
                      client.get("/lapor").get_data(as_text=True)).group(1)
    assert other != submission
    assert submit(client, submission=other).status_code == 302 and count_cases() == before + 2


def form_submission(client):
    form = client.get("/lapor").get_data(as_text=True)
    return re.search(r'name="submission" type="hidden" value="([A-Za-z0-9_-]+)"', form).group(1)


def session_of(client):
    with client.session_transaction() as session:
        return dict(session)


def answer_lost(client, before):
    """The browser never received the answer: its cookie is what it was before the sending."""
    with client.session_transaction() as session:
        session.clear()
        session.update(before)


def receipt(page):
    return (re.search(r'id="tracking-number">([A-Z0-9-]+)<', page).group(1),
            re.search(r'id="reply-code">([^<]+)<', page).group(1))


def test_a_lost_answer_sent_again_shows_the_code_to_the_same_browser_only(app, client):
    """The first sending's answer (with the only showing of the reply code) never arrived; the browser
    sends the same form again: it gets the receipt with a code that opens the case. Another browser
    sending the same form gets neither the code nor the case."""
    submission = form_submission(client)
    before, cases = session_of(client), count_cases() + 1
    assert submit(client, submission=submission).status_code == 302
    answer_lost(client, before)
    case = db.session.get(Complaint, intake.recorded_case_id("web_form", submission))
    again = submit(client, submission=submission)
    assert again.status_code == 303 and again.headers["Location"].endswith("/lapor/terkirim")
    page = client.get("/lapor/terkirim").get_data(as_text=True)
    number, code = receipt(page)
    assert number == case.tracking_number and count_cases() == cases
    assert "Laporan ini sudah terkirim: tidak ada yang terkirim dua kali." in visible_text(page)
    # the code is the case's: it opens the case on the tracking page in any browser
    with app.test_client() as elsewhere:
        opened = enter_code(elsewhere, case, code)
        assert opened.status_code == 200 and case.tracking_number in session_of(elsewhere)["lapor_access"]
    # ...and it is kept encrypted, never in readable form
    stored = db.session.execute(db.text("select secret from inbound_message where external_id = :id"),
                                {"id": submission}).scalar()
    assert stored and code not in stored
    # another browser sending the same form (a copied page): no code, no case, no number
    with app.test_client() as other:
        form_submission(other)  # it has a form of its own (and a session)
        answer = submit(other, submission=submission)
        assert answer.status_code == 303 and answer.headers["Location"].endswith("/lacak")
        shown = other.get(answer.headers["Location"]).get_data(as_text=True)
        assert "Laporan ini sudah terkirim. Tidak ada yang terkirim dua kali." in visible_text(shown)
        assert code not in shown and number not in shown
        assert "lapor_receipt" not in session_of(other) and not session_of(other).get("lapor_access")
        assert other.get("/lapor/terkirim").status_code == 302
    assert count_cases() == cases


def test_a_report_form_whose_first_sending_was_left_unfinished_goes_through_when_sent_again(client):
    """A claim of the form's id left behind without a case (a sending that died mid-way) does not
    turn the next sending into an error: the case is opened and the receipt shown."""
    submission = form_submission(client)
    intake.claim("web_form", submission)
    before = count_cases()
    sent = submit(client, submission=submission)
    assert sent.status_code == 302 and sent.headers["Location"].endswith("/lapor/terkirim")
    number, _code = receipt(client.get("/lapor/terkirim").get_data(as_text=True))
    assert count_cases() == before + 1
    assert db.session.get(Complaint, intake.recorded_case_id("web_form", submission)).tracking_number == number


def session_cookie(app, client):
    """What the browser holds: the session cookie as anyone reading it decodes it (signed, not encrypted)."""
    cookie = client.get_cookie(app.session_interface.get_cookie_name(app))
    return app.session_interface.get_signing_serializer(app).loads(cookie.value), cookie.value


def test_the_reply_code_never_travels_in_the_session_cookie(app, client):
    """The receipt page reads the code from the copy kept encrypted on the sending's record: the
    cookie (readable by anyone who sees it) names the sending only; the code shown opens the case."""
    submission = form_submission(client)
    assert submit(client, submission=submission).status_code == 302
    sending = intake.recorded("web_form", submission)
    case, kept = db.session.get(Complaint, sending.complaint_id), sending.secret
    decoded, raw = session_cookie(app, client)
    assert kept and kept not in repr(decoded) and kept not in raw
    assert decoded["lapor_receipt"]["submission"] == submission
    number, code = receipt(client.get("/lapor/terkirim").get_data(as_text=True))
    assert (number, code) == (case.tracking_number, kept)
    with app.test_client() as elsewhere:
        opened = enter_code(elsewhere, case, code)
        assert opened.status_code == 200 and case.tracking_number in session_of(elsewhere)["lapor_access"]
    # shown once; and never to another browser holding the same receipt entry
    assert client.get("/lapor/terkirim").status_code == 302
    with app.test_client() as other:
        form_submission(other)
        with other.session_transaction() as session:
            session["lapor_receipt"] = {"submission": submission, "email": False, "again": False}
        shown = other.get("/lapor/terkirim")
        assert shown.status_code == 302 and shown.headers["Location"].endswith("/lacak")
        assert code not in other.get("/lacak").get_data(as_text=True)


def test_the_receipt_read_too_late_says_so_without_the_code(app, client):
    """The kept copy is valid for the receipt window only: later the receipt page says the code can
    no longer be shown and takes the reporter to the case (their access was given with the sending)."""
    import datetime

    from app.workflow import reply_codes

    submission = form_submission(client)
    assert submit(client, submission=submission).status_code == 302
    sending = intake.recorded("web_form", submission)
    sending.created_at -= reply_codes.receipt_window() + datetime.timedelta(minutes=1)
    db.session.commit()
    case = db.session.get(Complaint, sending.complaint_id)
    late = client.get("/lapor/terkirim")
    assert late.status_code == 303 and late.headers["Location"].endswith(f"/lacak/{case.tracking_number}")
    page = client.get(late.headers["Location"]).get_data(as_text=True)
    assert "Kode balasannya tidak dapat ditampilkan lagi di sini" in visible_text(page)
    assert sending.secret not in page


def test_the_receipt_shows_the_code_even_when_no_resend_is_allowed(app, client):
    from tests.conftest import config_values

    with config_values(app, REPLY_CODE_RESEND_MINUTES=0):
        assert submit(client).status_code == 302
        number, code = receipt(client.get("/lapor/terkirim").get_data(as_text=True))
    with app.test_client() as elsewhere:
        case = db.session.execute(select(Complaint).where(Complaint.tracking_number == number)).scalar_one()
        assert enter_code(elsewhere, case, code).status_code == 200
        assert case.tracking_number in session_of(elsewhere)["lapor_access"]


def test_honeypot_refuses_bots(client):
    before = count_cases()
    assert submit(client, website="http://spam.example").status_code == 400
    assert count_cases() == before


def test_invalid_form_shows_indonesian_field_errors(client):
    response = submit(client, title="pendek", description="terlalu pendek", email="bukan email", nik="12", consent="")
    assert response.status_code == 400
    text = visible_text(response.get_data(as_text=True))
    for message in ("Judul harus 10 sampai 150 karakter.", "Uraian harus 30 sampai 5.000 karakter.",
                    "Alamat email tidak valid.", "NIK terdiri dari 16 angka.", "Centang persetujuan"):
        assert message in text


def test_script_is_shown_as_text_everywhere(client, make_case, world):
    from app.workflow import lifecycle

    payload = '<script>alert("xss")</script>'
    case = make_case(title=f"Judul {payload}", description=f"Isi {payload} laporan", status="dispatched", agency="DINKES")
    lifecycle.perform("follow_up", case.id, world.user("opd_dinkes"), text=f"Jawaban {payload}")
    pages = [client.get(f"/laporan/{case.tracking_number}"), client.get("/laporan"),
             client.get(f"/lacak/{case.tracking_number}")]
    for response in pages:
        body = response.get_data(as_text=True)
        assert response.status_code == 200
        assert payload not in body
    assert "&lt;script&gt;" in pages[0].get_data(as_text=True)


def test_confidential_case_is_absent_from_public_pages(client, make_case):
    secret = make_case(confidential=True, status="dispatched", agency="DINKES", title="Dugaan pungli di kantor")
    shown = make_case(status="dispatched", agency="DINKES", title="Trotoar rusak di pasar lama")
    listing = client.get("/laporan").get_data(as_text=True)
    assert shown.tracking_number in listing and secret.tracking_number not in listing
    assert "Dugaan pungli" not in client.get("/laporan?q=pungli").get_data(as_text=True)
    assert client.get(f"/laporan/{secret.tracking_number}").status_code == 404
    assert client.get(f"/lacak/{secret.tracking_number}").status_code == 404
    # the reporter, with the code, still follows it
    assert enter_code(client, secret).status_code == 200


def test_anonymous_identity_is_on_no_public_page(client, make_case):
    reporter = {"name": "Hendra Wijaya", "phone": "081355554444", "email": "hendra@contoh.id", "nik": "3201000011112222"}
    case = make_case(anonymous=True, status="dispatched", agency="DINKES", reporter=reporter)
    named = make_case(status="dispatched", agency="DINKES", reporter={"name": "Rina Saputra", "phone": "081200001111"},
                      show_name=True)
    for url in (f"/laporan/{case.tracking_number}", "/laporan", f"/lacak/{case.tracking_number}"):
        body = client.get(url, follow_redirects=True).get_data(as_text=True)
        assert_hidden(body, *reporter.values())
    assert_hidden(enter_code(client, case).get_data(as_text=True), *reporter.values())
    assert "Anonim" in visible_text(client.get(f"/laporan/{case.tracking_number}").get_data(as_text=True))
    named_page = client.get(f"/laporan/{named.tracking_number}").get_data(as_text=True)
    assert "Rina Saputra" in named_page
    assert_hidden(named_page, "081200001111")


@pytest.mark.parametrize("number", ["XXXX", "ABCD-EFGH-J", "0000-0000-0", "../../etc/passwd", "A" * 300, "%00"])
def test_unknown_or_malformed_number_is_a_friendly_404(client, number):
    for prefix in ("/lacak/", "/laporan/"):
        response = client.get(prefix + number)
        assert response.status_code == 404
        assert "tidak ditemukan" in visible_text(response.get_data(as_text=True))


def test_track_form_normalises_what_people_type(client, make_case):
    case = make_case(status="dispatched", agency="DINKES")
    typed = case.tracking_number.replace("-", " ").lower()
    response = client.post("/lacak", data={"number": typed})
    assert response.status_code == 302 and response.headers["Location"].endswith(case.tracking_number)
    response = client.post("/lacak", data={"number": "ABCD-EFGH-1"})
    assert response.status_code == 400  # refused input is a 4xx, like every other form
    assert "bukan nomor lacak yang valid" in visible_text(response.get_data(as_text=True))
    assert client.post("/lacak", data={"number": ""}).status_code == 400


def test_wrong_reply_code_is_refused(client, make_case):
    case = make_case(status="resolved", agency="DINKES")
    response = client.post(f"/lacak/{case.tracking_number}/kode", data={"code": "salah-kode"}, follow_redirects=True)
    assert "Kode balasan tidak benar" in visible_text(response.get_data(as_text=True))
    response = client.post(f"/lacak/{case.tracking_number}/confirm", data={"rating": "5"}, follow_redirects=True)
    assert "Masukkan kode balasan pribadi Anda" in visible_text(response.get_data(as_text=True))
    db.session.expire_all()
    assert db.session.get(Complaint, case.id).status == "resolved"


def test_reporter_replies_rates_and_closes(client, make_case):
    case = make_case(status="resolved", agency="DINKES")
    client.post(f"/lacak/{case.tracking_number}/kode", data={"code": case.reply_code})
    page = client.get(f"/lacak/{case.tracking_number}").get_data(as_text=True)
    assert 'id="action-confirm"' in page and 'id="action-reopen"' in page
    client.post(f"/lacak/{case.tracking_number}/reporter_reply", data={"text": "Terima kasih atas tanggapannya."})
    client.post(f"/lacak/{case.tracking_number}/confirm", data={"rating": "4", "feedback": "Cepat ditangani."})
    db.session.expire_all()
    closed = db.session.get(Complaint, case.id)
    assert closed.status == "closed" and closed.rating == 4
    listed = client.get("/laporan?status=closed").get_data(as_text=True)
    assert case.tracking_number in listed


def test_reporter_reopens_when_not_satisfied(client, make_case):
    case = make_case(status="resolved", agency="DINKES")
    enter_code(client, case)
    client.post(f"/lacak/{case.tracking_number}/reopen", data={"text": "Lampu masih mati."})
    db.session.expire_all()
    assert db.session.get(Complaint, case.id).status == "in_progress"


def test_reporter_completes_a_case_on_hold(client, make_case):
    case = make_case(status="on_hold")
    enter_code(client, case)
    client.post(f"/lacak/{case.tracking_number}/complete_hold", data={"text": "Lokasinya di RT 03 RW 05."})
    db.session.expire_all()
    assert db.session.get(Complaint, case.id).status == "received"


def test_public_list_filters_search_and_pages(client, make_case):
    import datetime as dt

    for i in range(23):
        make_case(status="dispatched", agency="PUPR", title=f"Jalan rusak ruas nomor {i:02d} di desa")
    other = make_case(status="closed", agency="DINKES", kind="aspiration", title="Usul jam layanan puskesmas sore")
    old = make_case(status="dispatched", agency="PUPR", title="Laporan lama bulan Januari", now=dt.datetime(2026, 1, 10, 3))
    first = client.get("/laporan?instansi=%d" % other.agency_id).get_data(as_text=True)
    assert other.tracking_number in first and "Jalan rusak ruas" not in first
    page1 = client.get("/laporan?q=Jalan+rusak").get_data(as_text=True)
    assert "23 laporan" in visible_text(page1) and 'id="next-page"' in page1
    next_link = html.unescape(re.search(r'<a href="([^"]+)" id="next-page"', page1).group(1))
    page2 = client.get(next_link).get_data(as_text=True)
    assert len(re.findall(r'class="panel panel-default public-report"', page2)) == 3
    assert 'id="next-page"' not in page2
    # keyset pages: back to the newer page gives exactly page 1's rows
    prev_link = html.unescape(re.search(r'<a href="([^"]+)" id="prev-page"', page2).group(1))
    numbers = re.compile(r'data-number="([^"]+)"')
    assert numbers.findall(client.get(prev_link).get_data(as_text=True)) == numbers.findall(page1)
    assert not set(numbers.findall(page2)) & set(numbers.findall(page1))
    # jump by date: the newest cases received on or before that day
    jumped = client.get("/laporan?tanggal=2026-01-31").get_data(as_text=True)
    assert numbers.findall(jumped) == [old.tracking_number] and 'id="first-page"' in jumped
    assert client.get("/laporan?sebelum=bukan-kursor&sesudah=x.y").status_code == 200
    assert client.get("/laporan?tanggal=2026-13-45").status_code == 400  # said on the page
    assert other.tracking_number in client.get("/laporan?jenis=aspiration").get_data(as_text=True)
    january = client.get("/laporan?dari=2026-01&sampai=2026-01").get_data(as_text=True)
    assert old.tracking_number in january and other.tracking_number not in january
    assert client.get("/laporan?hal=999999999999&kategori=x").status_code == 200
    assert client.get("/laporan?dari=bukan").status_code == 400


def test_unverified_and_archived_cases_are_not_public(client, make_case):
    fresh, archived = make_case(), make_case(status="archived")
    listing = client.get("/laporan").get_data(as_text=True)
    assert fresh.tracking_number not in listing and archived.tracking_number not in listing
    assert client.get(f"/laporan/{fresh.tracking_number}").status_code == 404


def test_rate_limit_on_submissions(app, client):
    from app.extensions import limiter

    app.config["PUBLIC_SUBMIT_RATE_LIMIT"] = "2 per hour"
    limiter.reset()
    try:
        codes = [submit(client, title=f"Laporan ke-{i} tentang jalan rusak").status_code for i in range(3)]
        limited = client.post("/lapor", data=report_data(), content_type="multipart/form-data")
    finally:
        app.config["PUBLIC_SUBMIT_RATE_LIMIT"] = "1000 per minute"
        limiter.reset()
    assert codes == [302, 302, 429]
    assert "Terlalu banyak permintaan" in visible_text(limited.get_data(as_text=True))
    assert client.get("/lapor").status_code == 200  # reading the form is not limited


def test_rate_limit_storage_follows_redis_url(monkeypatch):
    import importlib

    import config

    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/3")
    try:
        assert importlib.reload(config).Config.RATELIMIT_STORAGE_URI == "redis://127.0.0.1:6379/3"
        monkeypatch.delenv("REDIS_URL")
        assert importlib.reload(config).Config.RATELIMIT_STORAGE_URI == "memory://"
    finally:
        importlib.reload(config)


def test_public_list_and_detail_are_cacheable_and_change_with_the_cases(client, make_case, world):
    case = make_case(status="dispatched", agency="PUPR", title="Lampu jalan padam di alun-alun")
    for url in ("/laporan", f"/laporan/{case.tracking_number}"):
        first = client.get(url)
        assert first.status_code == 200 and first.headers["ETag"] and first.headers["Last-Modified"]
        assert "public" in first.headers["Cache-Control"] and "max-age" in first.headers["Cache-Control"]
        again = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
        assert again.status_code == 304 and again.get_data() == b""
    before = client.get("/laporan")
    # an event of any case changes the version: a new ETag and a fresh page
    from app.workflow import lifecycle

    lifecycle.perform("follow_up", case.id, world.user("opd_pupr"), text="Petugas sudah ke lokasi.")
    db.session.commit()
    after = client.get("/laporan", headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200 and after.headers["ETag"] != before.headers["ETag"]
    assert "Proses" in visible_text(after.get_data(as_text=True))


class Visitor:
    """A browser of its own: each request in a fresh thread, so it gets its own application
    context (``g``) as in production, not the test's outer one."""

    def __init__(self, app):
        self.client = app.test_client()

    def _run(self, method, *args, **kwargs):
        import threading

        result = {}
        thread = threading.Thread(target=lambda: result.setdefault("r", getattr(self.client, method)(*args, **kwargs)))
        thread.start()
        thread.join()
        return result["r"]

    def get(self, *args, **kwargs):
        return self._run("get", *args, **kwargs)

    def post(self, *args, **kwargs):
        return self._run("post", *args, **kwargs)


def _form_token(page):
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or \
        re.search(r'value="([^"]+)"[^>]*name="csrf_token"', page)
    assert match, "the page carries a form token"
    return match.group(1)


def test_tracking_page_is_shared_but_every_visitor_keeps_their_own_form_token(app, make_case, world):
    from sqlalchemy import event

    from tests.conftest import config_values

    case = make_case(status="in_progress", agency="PUPR", title="Saluran air tersumbat di pasar")
    url = f"/lacak/{case.tracking_number}"
    seen = []

    def on_execute(conn, cursor, statement, *args):
        seen.append(statement)

    with config_values(app, WTF_CSRF_ENABLED=True, PUBLIC_CACHE_SECONDS=30):
        first, second = Visitor(app), Visitor(app)
        page_a = first.get(url)
        assert page_a.status_code == 200 and "ETag" not in page_a.headers
        assert "no-store" in page_a.headers["Cache-Control"] and "private" in page_a.headers["Cache-Control"]
        event.listen(db.engine, "before_cursor_execute", on_execute)
        try:
            page_b = second.get(url)
        finally:
            event.remove(db.engine, "before_cursor_execute", on_execute)
        # the second visitor got the shared copy: the case's timeline was not read again ...
        assert not [s for s in seen if "complaint_event.complaint_id" in s]
        assert visible_text(page_b.get_data(as_text=True)) == visible_text(page_a.get_data(as_text=True))
        # ... with their own form token, never the first visitor's
        token_a, token_b = _form_token(page_a.get_data(as_text=True)), _form_token(page_b.get_data(as_text=True))
        assert token_a != token_b and token_a not in page_b.get_data(as_text=True)
        # and that token works: the reply code is accepted for the second visitor
        accepted = second.post(f"{url}/kode", data={"code": case.reply_code, "csrf_token": token_b},
                               follow_redirects=True)
        assert accepted.status_code == 200 and 'id="action-' in accepted.get_data(as_text=True)
        # the reporter's own page is never shared with the first visitor
        assert 'id="action-' not in first.get(url).get_data(as_text=True)
        # a new event shows at once
        from app.workflow import lifecycle

        lifecycle.perform("follow_up", case.id, world.user("opd_pupr"), text="Petugas sudah ke lokasi.")
        db.session.commit()
        assert "Petugas sudah ke lokasi." in first.get(url).get_data(as_text=True)


def test_a_cached_public_page_needs_no_database_while_the_version_is_trusted(app, make_case):
    from sqlalchemy import event

    from tests.conftest import config_values

    case = make_case(status="dispatched", agency="PUPR", title="Trotoar rusak di depan sekolah")
    url = f"/laporan/{case.tracking_number}"
    seen = []
    listener = lambda conn, cursor, statement, *args: seen.append(statement)  # noqa: E731
    with config_values(app, PUBLIC_CACHE_SECONDS=30, PUBLIC_VERSION_SECONDS=3600):
        first = Visitor(app).get(url)
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            again = Visitor(app).get(url)
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
    assert first.status_code == again.status_code == 200 and again.get_data() == first.get_data()
    assert seen == []  # not even the version: it was read a moment ago by this process


def test_public_pages_do_not_read_a_reporter_who_did_not_choose_to_be_named(app, make_case):
    from sqlalchemy import event

    from tests.conftest import config_values

    case = make_case(status="dispatched", agency="PUPR", reporter={"name": "Ujang Sukmana", "phone": "081355550000"})
    seen = []
    listener = lambda conn, cursor, statement, *args: seen.append(statement)  # noqa: E731
    with config_values(app, PUBLIC_CACHE_SECONDS=0):
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            pages = [Visitor(app).get(f"/laporan/{case.tracking_number}"),
                     Visitor(app).get(f"/lacak/{case.tracking_number}")]
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
    assert all(page.status_code == 200 for page in pages)
    assert_hidden(b"".join(page.get_data() for page in pages), "Ujang Sukmana", "081355550000")
    assert not [s for s in seen if re.search(r"\bFROM reporter\b", s)]  # personal data not even decrypted


def test_the_incident_date_may_be_today_in_the_installations_time_zone(app, client, monkeypatch):
    """18:30 UTC is already 01:30 the next day in WIB: that day is today for the citizen."""
    import datetime

    from app.workflow import lifecycle

    # the one rule of incident dates (lifecycle.check_incident_date) reads the clock there
    monkeypatch.setattr(lifecycle, "utcnow", lambda: datetime.datetime(2026, 11, 24, 18, 30))
    refused = submit(client, incident_date="2026-11-26")
    assert refused.status_code == 400 and "tidak boleh di masa depan" in visible_text(refused.get_data(as_text=True))
    assert submit(client, incident_date="2026-11-25").status_code == 302
    assert db.session.execute(select(Complaint.incident_date).order_by(Complaint.id.desc()).limit(1)).scalar() \
        == datetime.date(2026, 11, 25)


def test_the_public_list_says_which_filter_it_could_not_use(client, make_case):
    """A bad date or month is named on the page (400), not dropped so that the list looks filtered."""
    make_case(status="dispatched", agency="DINKES")
    for query, message in (("tanggal=2026-02-30", '"2026-02-30" bukan tanggal yang sah'),
                           ("dari=2026-13", '"2026-13" bukan bulan yang sah'),
                           ("sampai=kemarin", '"kemarin" bukan bulan yang sah')):
        response = client.get(f"/laporan?{query}")
        assert response.status_code == 400, query
        text = html.unescape(visible_text(response.get_data(as_text=True)))
        assert message in text and 'id="result-count"' in response.get_data(as_text=True)
    fine = client.get("/laporan?tanggal=2026-02-28&dari=2026-01&sampai=2026-12")
    assert fine.status_code == 200 and "bukan" not in visible_text(fine.get_data(as_text=True))


def test_an_incident_date_typed_without_a_date_picker_is_read_or_refused_in_indonesian(app, client, monkeypatch):
    """A browser without a date picker sends what was typed: dd/mm/yyyy is read, nonsense refused in
    Indonesian with the text kept (it was WTForms' English "Not a valid date value")."""
    import datetime

    import app.clock

    monkeypatch.setattr(app.clock, "utcnow", lambda: datetime.datetime(2026, 11, 24, 3, 0))
    for typed in ("30/02/2026", "kemarin"):
        refused = submit(client, incident_date=typed)
        page = refused.get_data(as_text=True)
        assert refused.status_code == 400 and "Not a valid" not in page
        assert "Tanggal tidak valid" in visible_text(page) and f'value="{typed}"' in page
    assert submit(client, incident_date="23/11/2026").status_code == 302
    assert db.session.execute(select(Complaint.incident_date).order_by(Complaint.id.desc()).limit(1)).scalar() \
        == datetime.date(2026, 11, 23)
    assert 'type="date"' in client.get("/lapor").get_data(as_text=True)


@pytest.mark.parametrize("given", [{"latitude": "-6.85"}, {"longitude": "107.92"}])
def test_a_map_point_with_one_coordinate_is_called_incomplete_and_the_form_kept(client, given):
    """It said "must be inside Indonesia" for a point that is only half there."""
    before = count_cases()
    response = submit(client, **given)
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 400 and count_cases() == before
    blank = html.unescape(client.get("/lapor").get_data(as_text=True))
    assert "Titik peta belum lengkap" in page
    assert page.count("wilayah Indonesia") == blank.count("wilayah Indonesia")  # the map's own hint only
    assert "Lampu penerangan jalan mati total" in page and "Jl. Merdeka depan SD 3" in page


def test_a_public_case_page_reads_the_case_and_its_timeline_in_two_statements(app, make_case):
    from sqlalchemy import event

    from tests.conftest import config_values

    number = make_case(status="in_progress", agency="PUPR").tracking_number
    db.session.commit()
    seen = []
    listener = lambda conn, cursor, statement, *args: seen.append(statement)  # noqa: E731
    with config_values(app, PUBLIC_CACHE_SECONDS=0):
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            page = Visitor(app).get(f"/laporan/{number}")
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
    assert page.status_code == 200 and 'id="public-timeline"' in page.get_data(as_text=True)
    assert len(seen) == 2, seen  # the case (with agency and category), the public events with their files


def _never_stored(response):
    cache = response.headers.get("Cache-Control", "")
    return "no-store" in cache and "private" in cache and "public" not in cache


def test_pages_for_one_visitor_are_kept_by_no_browser_or_proxy(client, make_case):
    """The receipt with the reply code, the reporter's own case page and a refused form showing
    the identity typed into it: at a shared computer the next person must not bring them back."""
    refused = submit(client, title="pendek", nik="3201010101010009")
    assert refused.status_code == 400 and "3201010101010009" in refused.get_data(as_text=True)
    assert _never_stored(refused)
    assert submit(client).status_code == 302
    receipt = client.get("/lapor/terkirim")
    assert 'id="reply-code"' in receipt.get_data(as_text=True) and _never_stored(receipt)
    case = make_case(status="resolved", agency="DINKES")
    enter_code(client, case)
    own = client.get(f"/lacak/{case.tracking_number}")
    assert 'id="action-confirm"' in own.get_data(as_text=True) and _never_stored(own)
    # the pages every visitor sees alike stay cacheable
    assert "public" in client.get("/laporan").headers["Cache-Control"]
    assert not _never_stored(client.get("/lapor"))


def test_an_officers_copy_of_a_public_page_is_never_served_to_a_citizen(app, login_as, make_case):
    """The shared page cache keeps a signed-in officer's page (its footer links the staff area)
    apart from the citizens' one, and no proxy may store the officer's."""
    from tests.conftest import config_values

    case = make_case(status="in_progress", agency="PUPR", title="Saluran air tersumbat di pasar")
    urls = ("/laporan?status=in_progress", f"/laporan/{case.tracking_number}", f"/lacak/{case.tracking_number}")
    with config_values(app, PUBLIC_CACHE_SECONDS=30):
        officer = login_as("koordinator")
        for url in urls:
            page = officer.get(url)
            assert page.status_code == 200 and "Area petugas" in visible_text(page.get_data(as_text=True)), url
            assert "public" not in page.headers["Cache-Control"], url
        citizen = Visitor(app)
        for url in urls:
            text = visible_text(citizen.get(url).get_data(as_text=True))
            assert "Masuk petugas" in text and "Area petugas" not in text, url
        # and the other way round: the officer never gets the citizens' copy
        assert "Area petugas" in visible_text(officer.get(urls[0]).get_data(as_text=True))


def test_the_reporter_is_told_that_replies_are_public_before_writing_one(client, make_case, world):
    """What the reporter writes on the tracking page (a reply, a reason to reopen, the information
    asked for, a comment with the rating) is on the public history: the form says so, next to the
    box, since the report form promised that contact data are never public."""
    resolved, held = make_case(status="resolved", agency="DINKES"), make_case(status="on_hold")
    for case, actions in ((resolved, ("reporter_reply", "confirm", "reopen")), (held, ("complete_hold",))):
        enter_code(client, case)
        page = client.get(f"/lacak/{case.tracking_number}").get_data(as_text=True)
        for action in actions:
            form = re.search(rf'id="action-{action}".*?</form>', page, re.S).group(0)
            assert "tampil di riwayat publik laporan ini" in visible_text(form), action
            assert f'aria-describedby="public-note-{action}"' in form, action
    reply = "Lampunya sudah menyala, terima kasih."
    client.post(f"/lacak/{resolved.tracking_number}/reporter_reply", data={"text": reply})
    assert reply in client.get(f"/laporan/{resolved.tracking_number}").get_data(as_text=True)


# --- the reporter's forms on the tracking page: a refusal never loses what was typed ----------


def typed_box(page, action):
    """The text in the box of ``action``'s form on the tracking page (None: no such form)."""
    field = "feedback" if action == "confirm" else f"text-{action}"
    form = re.search(rf'id="action-{action}".*?</form>', page, re.S)
    box = form and re.search(rf'<textarea[^>]*id="{field}"[^>]*>(.*?)</textarea>', form.group(0), re.S)
    return html.unescape(box.group(1)).strip() if box else None


def read_only_copy(page):
    block = re.search(r'id="typed-elsewhere".*?</div></div>', page, re.S)
    return [html.unescape(t).strip() for t in re.findall(r"<textarea[^>]*readonly>(.*?)</textarea>",
                                                         block.group(0), re.S)] if block else []


def events_of(case):
    from app.models import ComplaintEvent

    return db.session.execute(select(func.count()).select_from(ComplaintEvent)
                              .where(ComplaintEvent.complaint_id == case.id)).scalar()


def refused_page(response, status, message):
    assert response.status_code == status and "Location" not in response.headers
    assert _never_stored(response)
    page = response.get_data(as_text=True)
    assert message in html.unescape(visible_text(page)), visible_text(page)[:2000]
    return page


TOO_LONG = "Lampu jalan di depan SD masih mati. " * 150  # 5,400 characters: the boxes take 5,000


@pytest.mark.parametrize("status,action,data", [
    ("resolved", "reporter_reply", {"text": TOO_LONG}),
    ("resolved", "reopen", {"text": TOO_LONG}),
    ("on_hold", "complete_hold", {"text": TOO_LONG}),
    ("resolved", "confirm", {"rating": "4", "feedback": TOO_LONG}),
    ("resolved", "confirm", {"feedback": "Cepat, tetapi saya lupa memilih nilai."}),  # no rating chosen
])
def test_a_refused_field_shows_the_page_again_with_the_text_in_its_box(client, make_case, status, action, data):
    case = make_case(status=status, agency="DINKES")
    enter_code(client, case)
    before = events_of(case)
    response = client.post(f"/lacak/{case.tracking_number}/{action}", data=data)
    page = refused_page(response, 400, "Mohon perbaiki isian yang ditandai di bawah.")
    assert typed_box(page, action) == (data.get("text") or data["feedback"]).strip()
    assert 'class="help-block field-error"' in page
    if action == "confirm" and "rating" in data:
        assert re.search(r'<input checked[^>]*value="4"|value="4"[^>]*checked', page)  # the rating too
    db.session.expire_all()
    assert events_of(case) == before and db.session.get(Complaint, case.id).status == status
    assert case.reply_code not in page


def test_a_rule_that_refuses_keeps_the_text_in_the_form_that_is_still_there(client, make_case):
    """The ten working days for reopening passed while the reporter was writing: the reason is
    said and the text kept to copy; the reopen form is no longer offered once the time is up (it was,
    until the auto-close job ran), the confirmation still is."""
    import datetime

    from tests.conftest import set_deadline

    case = make_case(status="resolved", agency="DINKES")
    enter_code(client, case)
    assert 'id="action-reopen"' in client.get(f"/lacak/{case.tracking_number}").get_data(as_text=True)
    set_deadline(case.id, auto_close_due=datetime.datetime(2020, 1, 1))
    offered = client.get(f"/lacak/{case.tracking_number}").get_data(as_text=True)
    assert 'id="action-reopen"' not in offered and 'id="action-confirm"' in offered
    text = "Lampu di depan SD 3 masih mati setiap malam."
    response = client.post(f"/lacak/{case.tracking_number}/reopen", data={"text": text})
    page = refused_page(response, 409, "telah lewat")
    assert read_only_copy(page) == [text] and 'id="action-reopen"' not in page
    db.session.expire_all()
    assert db.session.get(Complaint, case.id).status == "resolved"


@pytest.mark.parametrize("status,action,data,meanwhile", [
    # the case closed (auto-close, or the reporter in another tab) before the reason to reopen arrived
    ("resolved", "reopen", {"text": "Lampu masih mati, mohon dicek lagi."}, "close"),
    ("resolved", "confirm", {"rating": "2", "feedback": "Perbaikannya hanya sementara."}, "close"),
    # the coordinator completed the hold while the reporter was typing the information asked for
    ("on_hold", "complete_hold", {"text": "Lokasinya di RT 03 RW 05, depan masjid."}, "complete_hold"),
])
def test_a_case_that_moved_on_shows_what_was_typed_read_only(client, make_case, world, status, action, data,
                                                              meanwhile):
    from app.workflow import lifecycle

    case = make_case(status=status, agency="DINKES")
    enter_code(client, case)
    if meanwhile == "close":
        lifecycle.perform("confirm", case.id, lifecycle.REPORTER, rating=5)
    else:
        lifecycle.perform("complete_hold", case.id, world.user("koordinator"), text="Sudah dilengkapi via telepon.")
    response = client.post(f"/lacak/{case.tracking_number}/{action}", data=data)
    page = refused_page(response, 409, "tidak dapat dilakukan")
    assert typed_box(page, action) is None  # the form is gone: the case moved on
    assert read_only_copy(page) == [data.get("text") or data["feedback"]]
    assert "Tulisan Anda belum terkirim" in visible_text(page)


def test_an_ended_access_shows_the_code_form_and_what_was_typed(client, make_case, monkeypatch):
    import datetime

    import app.clock

    case = make_case(status="resolved", agency="DINKES")
    enter_code(client, case)
    later = app.clock.utcnow() + datetime.timedelta(minutes=31)
    monkeypatch.setattr(app.clock, "utcnow", lambda: later)
    text = "Terima kasih, lampunya sudah menyala lagi."
    response = client.post(f"/lacak/{case.tracking_number}/reporter_reply", data={"text": text})
    page = refused_page(response, 403, "Masukkan kode balasan pribadi Anda terlebih dahulu.")
    assert read_only_copy(page) == [text] and 'name="code"' in page
    assert events_of(case) == 2 + 1 + 1  # registered, disposed, followed up, resolved: nothing added
    # a confidential case stays as if it did not exist for whoever lacks the code
    secret = make_case(status="resolved", agency="DINKES", confidential=True)
    assert client.post(f"/lacak/{secret.tracking_number}/reporter_reply", data={"text": text}).status_code == 404


def test_an_expired_form_token_shows_the_page_again_with_the_text(app, make_case):
    from tests.conftest import config_values

    case = make_case(status="resolved", agency="DINKES")
    with config_values(app, WTF_CSRF_ENABLED=True):
        reporter = Visitor(app)
        url = f"/lacak/{case.tracking_number}"
        token = _form_token(reporter.get(url).get_data(as_text=True))
        reporter.post(f"{url}/kode", data={"code": case.reply_code, "csrf_token": token})
        text = "Saluran sudah bersih, terima kasih."
        response = reporter.post(f"{url}/reporter_reply", data={"text": text, "csrf_token": "kedaluwarsa"})
        page = refused_page(response, 400, "Token keamanan formulir tidak valid")
        assert typed_box(page, "reporter_reply") == text
        fresh = _form_token(re.search(r'id="action-reporter_reply".*?</form>', page, re.S).group(0))
        # the page's new token sends it
        assert reporter.post(f"{url}/reporter_reply", data={"text": text, "csrf_token": fresh}).status_code == 302
    assert text in client_page(app, f"/laporan/{case.tracking_number}")


def client_page(app, url):
    return app.test_client().get(url).get_data(as_text=True)


def test_too_many_requests_show_the_page_again_with_the_text(app, client, make_case):
    from app.extensions import limiter
    from tests.conftest import config_values

    case = make_case(status="resolved", agency="DINKES")
    enter_code(client, case)
    with config_values(app, PUBLIC_TRACK_RATE_LIMIT="1 per minute"):
        limiter.reset()
        try:
            first = client.post(f"/lacak/{case.tracking_number}/reporter_reply", data={"text": "Balasan pertama."})
            text = "Balasan kedua yang panjang dan penting."
            response = client.post(f"/lacak/{case.tracking_number}/reporter_reply", data={"text": text})
        finally:
            limiter.reset()
    assert first.status_code == 302
    page = refused_page(response, 429, "Terlalu banyak permintaan")
    assert typed_box(page, "reporter_reply") == text


def _without_number(page, *numbers):
    """A page with the tracking numbers and form tokens blanked: what tells two answers apart."""
    for number in numbers:
        page = page.replace(number, "NOMOR")
    return re.sub(r'name="csrf_token" type="hidden" value="[^"]*"', "TOKEN", page)


def test_the_reporter_of_a_confidential_case_enters_the_code_where_nobody_learns_the_case_exists(
        app, client, make_case):
    """A confidential case's tracking page was a bare 404 and the code form lived only on that page:
    its reporter could never reply or rate. The answer for it is now the same page, with the code form,
    as for a number that has no case at all, and a wrong (or locked) code gets the same answer too."""
    from tests.conftest import config_values

    secret = make_case(status="resolved", agency="DINKES", confidential=True, title="Dugaan pungli di kantor")
    from app.workflow.numbers import new_tracking_number

    nobody = new_tracking_number()  # a well-formed number no case has
    pages = {}
    for number in (secret.tracking_number, nobody):
        response = client.get(f"/lacak/{number}")
        assert response.status_code == 404 and 'name="code"' in response.get_data(as_text=True)
        assert "no-store" in response.headers["Cache-Control"]
        pages[number] = _without_number(response.get_data(as_text=True), secret.tracking_number, nobody)
    assert pages[secret.tracking_number] == pages[nobody]
    assert "Dugaan pungli" not in pages[secret.tracking_number]
    with config_values(app, REPLY_CODE_MAX_FAILURES=2):
        for _attempt in range(3):  # wrong, wrong, then locked: one answer for both numbers throughout
            answers = []
            for number in (secret.tracking_number, nobody):
                response = client.post(f"/lacak/{number}/kode", data={"code": "SALAH-KODE-XX"})
                assert response.status_code == 404
                answers.append(_without_number(response.get_data(as_text=True), secret.tracking_number, nobody))
            assert answers[0] == answers[1] and "Nomor laporan atau kode balasan tidak benar" in answers[0]
    db.session.expire_all()
    fresh = make_case(status="resolved", agency="DINKES", confidential=True)
    page = enter_code(client, fresh)  # the right code: the reporter's own page, with their forms
    assert page.status_code == 200 and 'id="action-reporter_reply"' in page.get_data(as_text=True)
    # the access ended (or never was) and a reply is sent: the same page, the text kept to copy
    text = "Oknum itu datang lagi hari ini."
    for number in (secret.tracking_number, nobody):
        response = client.post(f"/lacak/{number}/reporter_reply", data={"text": text})
        assert response.status_code == 404 and read_only_copy(response.get_data(as_text=True)) == [text]


def test_a_map_point_outside_the_kabupaten_is_accepted_and_the_receipt_says_so(client):
    inside = submit(client, latitude="-6.835", longitude="107.925")
    assert inside.status_code == 302
    assert "di luar wilayah" not in visible_text(client.get("/lapor/terkirim").get_data(as_text=True))
    outside = submit(client, latitude="-6.9175", longitude="107.6191")  # Kota Bandung
    assert outside.status_code == 302 and outside.headers["Location"].endswith("/lapor/terkirim")
    page = visible_text(client.get("/lapor/terkirim").get_data(as_text=True))
    assert "Titik peta berada di luar wilayah Kabupaten Sumedang." in page
    assert "Laporan Anda tetap diterima" in page
