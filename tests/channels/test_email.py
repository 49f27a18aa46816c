"""E-mail to case against a real IMAP server (dovecot on loopback, throw-away mailbox)."""
import io
from email.message import EmailMessage
from email.utils import make_msgid

from sqlalchemy import func, select
from tests.conftest import as_seen, config_values


def png_bytes():
    from tests.channels.test_messaging import png_bytes as make

    return make()


def mail(subject, body, sender="Rina Warga <rina.warga@contoh.id>", attachment=None, headers=None, msgid=None):
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "lapor@pemda.go.id"
    message["Subject"] = subject
    message["Message-ID"] = msgid or make_msgid(domain="contoh.id")
    for key, value in (headers or {}).items():
        message[key] = value
    message.set_content(body)
    if attachment:
        name, data, maintype, subtype = attachment
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return bytes(message)


def cases_of(address="rina.warga@contoh.id"):
    from app.channels import intake

    return intake.cases_of(email=address, open_only=False)


def count_cases():
    from app.extensions import db
    from app.models import Complaint

    return db.session.execute(select(func.count()).select_from(Complaint)).scalar()


def our_last_mail(smtp, address="rina.warga@contoh.id"):
    """The Message-ID of the portal's last e-mail to ``address``, as the SMTP server received it."""
    from app.jobs import tasks

    for row in outbox_to(address):
        tasks.deliver(row.id)  # skipped when already sent
    return smtp.to(address)[-1]["message_id"]


def read_mailbox():
    from app.jobs import tasks

    return tasks.read_mailbox()


def outbox_to(address):
    from app.extensions import db
    from app.models import Outbox

    db.session.expire_all()
    return [row for row in db.session.execute(select(Outbox).order_by(Outbox.id)).scalars() if row.recipient == address]


def test_an_email_becomes_one_case_with_its_attachment_and_a_reply_lands_on_it(mailbox, smtp_server):
    from app.extensions import db

    raw = mail("Sampah menumpuk di Pasar Baru", "Sudah tiga hari sampah tidak diangkut di Pasar Baru.\n\nRina",
               attachment=("sampah.png", png_bytes(), "image", "png"))
    mailbox.deliver(raw)
    mailbox.deliver(raw)  # the same message twice (same Message-ID)
    assert read_mailbox() == {"case": 1, "duplicate": 1}
    cases = cases_of()
    assert len(cases) == 1
    case = cases[0]
    assert case.title == "Sampah menumpuk di Pasar Baru" and case.status == "received"
    assert case.description.startswith("Sudah tiga hari sampah tidak diangkut")
    assert case.channel.code == "email" and case.reporter.name == "Rina Warga"
    assert len(case.attachments) == 1 and case.attachments[0].content_type == "image/png"
    # processed mail moved out of the inbox; reading again changes nothing
    assert mailbox.count("INBOX") == 0 and mailbox.count("Diproses") == 2
    assert read_mailbox() == {}
    # answered with the tracking number (and the private code), threaded on their message
    received = outbox_to("rina.warga@contoh.id")
    assert len(received) == 1 and case.tracking_number in received[0].subject
    assert received[0].secret and received[0].reply_to and received[0].reply_to.startswith("<")

    reply = mail(f"Re: Laporan Anda {case.tracking_number} telah diterima", "Tambahan: baunya menyengat.\n\n> kutipan lama",
                 headers={"In-Reply-To": our_last_mail(smtp_server), "References": our_last_mail(smtp_server)})
    mailbox.deliver(reply)
    assert read_mailbox() == {"reply": 1}
    db.session.expire_all()
    assert len(cases_of()) == 1
    assert [e.kind for e in case.events] == ["received", "reporter_reply"]
    assert case.events[-1].public_text == "Tambahan: baunya menyengat."


def test_a_reply_found_by_in_reply_to_of_our_mail(mailbox, smtp_server):
    from app.extensions import db

    mailbox.deliver(mail("Jalan rusak di Desa Mekar", "Jalan desa rusak parah."))
    read_mailbox()
    case = cases_of()[0]
    reply = mail("Re: pertanyaan", "Ini fotonya menyusul.", headers={"In-Reply-To": our_last_mail(smtp_server)})
    mailbox.deliver(reply)
    assert read_mailbox() == {"reply": 1}
    db.session.expire_all()
    assert case.events[-1].kind == "reporter_reply"


def test_someone_else_naming_the_number_does_not_reply_on_the_case(mailbox):
    from app.extensions import db

    mailbox.deliver(mail("Air PDAM keruh", "Air keruh sejak kemarin."))
    read_mailbox()
    case = cases_of()[0]
    mailbox.deliver(mail(f"Re: {case.tracking_number}", "Saya ikut menanggapi.", sender="orang.lain@contoh.id"))
    assert read_mailbox() == {"case": 1}
    db.session.expire_all()
    assert [e.kind for e in case.events] == ["received"]


def test_auto_replies_and_bounces_open_nothing(mailbox):
    before = count_cases()
    mailbox.deliver(mail("Out of office", "Saya sedang cuti.", headers={"Auto-Submitted": "auto-replied"}))
    mailbox.deliver(mail("Liburan", "Saya sedang cuti.", headers={"Precedence": "auto_reply"}))
    mailbox.deliver(mail("Undelivered Mail Returned to Sender", "gagal kirim",
                         sender="MAILER-DAEMON@mail.contoh.id"))
    bounce = EmailMessage()
    bounce["From"] = "postmaster@contoh.id"
    bounce["Subject"] = "Delivery Status Notification"
    bounce["Message-ID"] = make_msgid()
    bounce.set_type("multipart/report")
    mailbox.deliver(bytes(bounce))
    assert read_mailbox() == {"ignored": 4}
    assert count_cases() == before and mailbox.count("INBOX") == 0


def test_a_bad_attachment_is_refused_and_the_sender_told(mailbox):
    before = count_cases()
    mailbox.deliver(mail("Laporan", "Lihat lampiran", attachment=("data.exe", b"MZ\x90\x00bukan", "application", "octet-stream")))
    assert read_mailbox() == {"rejected": 1}
    assert count_cases() == before
    told = outbox_to("rina.warga@contoh.id")
    assert len(told) == 1 and "tidak dapat diproses" in told[0].body


def test_an_empty_mail_opens_no_case_and_asks_the_sender_to_write_their_report(mailbox):
    from app.extensions import db
    from app.models import InboundMessage

    before = count_cases()
    mailbox.deliver(mail("", "\n   \n"))
    mailbox.deliver(mail("  ", "> only the quoted previous message\n"))
    assert read_mailbox() == {"empty": 2}
    assert count_cases() == before
    told = outbox_to("rina.warga@contoh.id")
    assert len(told) == 2 and all(row.body.startswith("Pesan Anda kosong. Tuliskan laporan Anda") for row in told)
    assert all(row.reply_to and row.reply_to.startswith("<") for row in told)
    outcomes = db.session.execute(select(InboundMessage.outcome)).scalars().all()
    assert outcomes == ["empty", "empty"]
    # an attachment alone, or a subject alone, is a report
    mailbox.deliver(mail("", "", attachment=("foto.png", png_bytes(), "image", "png")))
    mailbox.deliver(mail("Lampu jalan mati", ""))
    assert read_mailbox() == {"case": 2}


def test_html_only_mail_is_read_as_text(mailbox):
    message = EmailMessage()
    message["From"] = "rina.warga@contoh.id"
    message["Subject"] = "Pohon tumbang"
    message["Message-ID"] = make_msgid()
    message.set_content("<p>Pohon <b>tumbang</b> di Jl. Kenanga &amp; sekitarnya</p><script>x()</script>", subtype="html")
    mailbox.deliver(bytes(message))
    read_mailbox()
    description = " ".join(cases_of()[0].description.split())
    assert description == "Pohon tumbang di Jl. Kenanga & sekitarnya"


def test_the_scheduler_reads_the_mailbox_only_when_configured(app, mailbox):
    from app.jobs import schedule
    from tests.jobs.conftest import config_values

    assert "inbound_email" in [job.name for job, _key, _args in schedule.due_periods()]
    with config_values(app, INBOUND_IMAP_ENABLED=False):
        assert "inbound_email" not in [job.name for job, _key, _args in schedule.due_periods()]


# --- a reply must prove it comes from the reporter: a From: header is easy to forge ---------------


def a_case_by_mail(mailbox):
    mailbox.deliver(mail("Lampu jalan mati", "Lampu jalan di Jl. Mawar mati sejak seminggu."))
    read_mailbox()
    return cases_of()[0]


def test_a_forged_reply_naming_the_number_is_not_added_but_held_for_the_coordinator(mailbox, smtp_server):
    from app.extensions import db

    case = a_case_by_mail(mailbox)
    guessed = f"<lapor-outbox-{outbox_to('rina.warga@contoh.id')[0].id}@localhost>"  # ids are sequential
    forged = mail(f"Re: {case.tracking_number}", "Laporan ini sudah selesai, mohon ditutup.",
                  headers={"In-Reply-To": guessed, "References": guessed,
                           "Authentication-Results": "mx.pemda.go.id; dmarc=fail header.from=contoh.id"})
    mailbox.deliver(forged)
    assert read_mailbox() == {"unconfirmed": 1}
    db.session.expire_all()
    assert [e.kind for e in case.events] == ["received"]
    held = [c for c in cases_of() if c.id != case.id]
    assert len(held) == 1 and held[0].status == "received"  # in the verification queue, not public
    assert held[0].title.startswith("Balasan surel belum terkonfirmasi")
    note = held[0].events[0].internal_note
    assert case.tracking_number in note and "tidak ditambahkan" in note
    assert not held[0].events[0].public_text


def test_an_unconfirmed_reply_gets_a_neutral_answer_without_a_new_number_or_reply_code(mailbox, smtp_server):
    """The From: of an unconfirmed reply may be forged: the lifecycle's "received" mail sent the real
    reporter (the owner of that address) the number and private reply code of a case they did not write."""
    from app.extensions import db
    from app.workflow.numbers import check_reply_code

    case = a_case_by_mail(mailbox)
    our_last_mail(smtp_server)  # the reporter's own "received" mail, delivered
    before = len(smtp_server.to("rina.warga@contoh.id"))
    forged = mail(f"Re: {case.tracking_number}", "Laporan ini sudah selesai, mohon ditutup.", msgid="<palsu-1@contoh.id>")
    mailbox.deliver(forged)
    assert read_mailbox() == {"unconfirmed": 1}
    db.session.expire_all()
    held = [c for c in cases_of() if c.id != case.id][0]
    assert held.status == "received"  # the staff review case is kept
    new_rows = [row for row in outbox_to("rina.warga@contoh.id") if row.topic != "received" or row.complaint_id != case.id]
    assert [row.topic for row in new_rows] == ["channel_reply"]  # no "received" mail of the held case
    assert new_rows[0].secret is None and new_rows[0].complaint_id is None
    assert new_rows[0].reply_to == "<palsu-1@contoh.id>"
    our_last_mail(smtp_server)
    [answer] = smtp_server.to("rina.warga@contoh.id")[before:]
    assert answer["body"].startswith(f"Pesan Anda tentang laporan {case.tracking_number} diterima dan akan diperiksa "
                                     "petugas sebelum ditambahkan ke laporan tersebut.")
    assert case.tracking_number in answer["subject"]
    assert held.tracking_number not in answer["subject"] + answer["body"]
    assert not any(check_reply_code(word.strip(".:,"), held.reply_code_hash) for word in answer["body"].split())


def a_held_reply(mailbox, smtp_server):
    """A case by mail, then a reply naming it that cannot be confirmed: ``(case, held case)``, with
    every message so far written."""
    from app.extensions import db

    case = a_case_by_mail(mailbox)
    mailbox.deliver(mail(f"Re: {case.tracking_number}", "Laporan ini sudah selesai, mohon ditutup."))
    assert read_mailbox() == {"unconfirmed": 1}
    db.session.expire_all()
    held = [c for c in cases_of() if c.id != case.id][0]
    our_last_mail(smtp_server)
    return case, held


def test_a_held_reply_merged_into_the_case_writes_nothing_to_its_address_then_or_later(
        mailbox, smtp_server, login_as, world):
    """The coordinator checks the held reply and merges it into the real case, as its note says: the
    merge told the (possibly forged) From: address "handled together with <number>", and from then on
    every update of the real case went there a second time, as to the reporter of a duplicate."""
    from app.extensions import db
    from app.jobs.queue import deliver
    from app.workflow import lifecycle

    case, held = a_held_reply(mailbox, smtp_server)
    address = "rina.warga@contoh.id"
    rows, mails = len(outbox_to(address)), len(smtp_server.to(address))
    response = login_as("koordinator").post(f"/complaintview/transition/{held.id}/merge", data=as_seen(held.id, {
        "parent": case.tracking_number, "note": "Dicek dengan pelapor: bukan balasannya."}))
    assert response.status_code in (200, 302)
    db.session.expire_all()
    assert held.status == "archived" and held.parent_id == case.id
    assert outbox_to(address)[rows:] == []
    # the real case goes on: its reporter hears of it once, on their own case
    outcome = lifecycle.dispose(case, world.user("koordinator"), world.agency("PUPR"))
    db.session.commit()
    deliver(outcome)
    assert [(row.topic, row.complaint_id) for row in outbox_to(address)[rows:]] == [("dispatched", case.id)]
    our_last_mail(smtp_server)
    new_mails = smtp_server.to(address)[mails:]
    assert len(new_mails) == 1 and held.tracking_number not in new_mails[0]["subject"] + new_mails[0]["body"]


def test_a_held_reply_archived_writes_nothing_to_its_address(mailbox, smtp_server, login_as):
    from app.extensions import db

    case, held = a_held_reply(mailbox, smtp_server)
    rows = len(outbox_to("rina.warga@contoh.id"))
    login_as("koordinator").post(f"/complaintview/transition/{held.id}/archive", data=as_seen(held.id, {"archive_reason": "duplicate"}))
    db.session.expire_all()
    assert held.status == "archived"
    assert outbox_to("rina.warga@contoh.id")[rows:] == []


def test_a_reply_to_a_mail_sent_before_the_secret_key_changed_is_added_when_the_old_key_is_a_fallback(
        app, mailbox, smtp_server):
    """After the admin rotated SECRET_KEY every reply to an older mail was held as unconfirmed."""
    from app.crypto import email_reply_token
    from app.extensions import db
    from tests.jobs.conftest import config_values

    with config_values(app, SECRET_KEY="kunci-lama-" + "a" * 32, SECRET_KEY_FALLBACKS=[]):
        case = a_case_by_mail(mailbox)
        old_mail = our_last_mail(smtp_server)  # its Message-ID carries a token of the old key
    assert email_reply_token(case.id, "kunci-lama-" + "a" * 32) in old_mail

    def reply(text):
        mailbox.deliver(mail("Re: pertanyaan", text, headers={"In-Reply-To": old_mail, "References": old_mail}))
        return read_mailbox()

    with config_values(app, SECRET_KEY="kunci-baru-" + "b" * 32, SECRET_KEY_FALLBACKS=[]):
        assert reply("Tanpa kunci lama.") == {"unconfirmed": 1}
    with config_values(app, SECRET_KEY="kunci-baru-" + "b" * 32,
                       SECRET_KEY_FALLBACKS=["kunci-lain-" + "c" * 32, "kunci-lama-" + "a" * 32]):
        assert reply("Dengan kunci lama sebagai cadangan.") == {"reply": 1}
        # new mails carry tokens of the current key only
        mailbox.deliver(mail("Pohon tumbang", "Pohon tumbang di Jl. Kenanga.", sender="budi@contoh.id"))
        read_mailbox()
        other = cases_of("budi@contoh.id")[0]
        new_mail = our_last_mail(smtp_server, "budi@contoh.id")
        assert email_reply_token(other.id, "kunci-baru-" + "b" * 32) in new_mail
        assert email_reply_token(other.id, "kunci-lama-" + "a" * 32) not in new_mail
    db.session.expire_all()
    assert [e.public_text for e in case.events if e.kind == "reporter_reply"] == ["Dengan kunci lama sebagai cadangan."]


def test_a_reply_token_of_another_case_does_not_open_this_one(mailbox, smtp_server):
    from app.extensions import db

    first = a_case_by_mail(mailbox)
    token_of_first = our_last_mail(smtp_server)
    mailbox.deliver(mail("Jembatan retak", "Jembatan di Desa Mekar retak."))
    read_mailbox()
    second = [c for c in cases_of() if c.id != first.id][0]
    mailbox.deliver(mail(f"Re: {second.tracking_number}", "Tambahan.", headers={"References": token_of_first}))
    assert read_mailbox() == {"reply": 1}  # found by the token: the first case, not the number in the subject
    db.session.expire_all()
    assert [e.kind for e in second.events] == ["received"]
    assert first.events[-1].kind == "reporter_reply"


def test_a_reply_vouched_for_by_the_trusted_mail_server_is_added(app, mailbox):
    from app.extensions import db
    from tests.jobs.conftest import config_values

    case = a_case_by_mail(mailbox)
    passed = "mx.pemda.go.id; spf=pass smtp.mailfrom=rina.warga@contoh.id; dkim=pass header.d=contoh.id"
    with config_values(app, INBOUND_EMAIL_AUTHSERV_ID="mx.pemda.go.id"):
        # the same result from a server we do not trust, or a DMARC pass for another domain: not enough
        mailbox.deliver(mail(f"Re: {case.tracking_number}", "Satu.",
                             headers={"Authentication-Results": passed.replace("mx.pemda.go.id", "mx.penipu.id")}))
        mailbox.deliver(mail(f"Re: {case.tracking_number}", "Dua.", headers={
            "Authentication-Results": "mx.pemda.go.id; dmarc=pass (p=none) header.from=penipu.id"}))
        assert read_mailbox() == {"unconfirmed": 2}
        mailbox.deliver(mail(f"Re: {case.tracking_number}", "Tiga.", headers={"Authentication-Results": passed}))
        mailbox.deliver(mail(f"Re: {case.tracking_number}", "Empat.", headers={
            "Authentication-Results": "mx.pemda.go.id 1; dmarc=pass (p=reject) header.from=contoh.id"}))
        assert read_mailbox() == {"reply": 2}
    with config_values(app, INBOUND_EMAIL_AUTHSERV_ID=""):  # not configured: no header is trusted
        mailbox.deliver(mail(f"Re: {case.tracking_number}", "Lima.", headers={"Authentication-Results": passed}))
        assert read_mailbox() == {"unconfirmed": 1}
    db.session.expire_all()
    assert [e.public_text for e in case.events if e.kind == "reporter_reply"] == ["Tiga.", "Empat."]


def test_a_held_reply_that_is_really_a_new_report_gets_its_number_and_code_once_the_coordinator_confirms(
        mailbox, smtp_server, login_as, world):
    """A held reply may be a real new report from the address's owner: the coordinator calls them,
    confirms the contact on the case page, and only then is the receipt (number, reply code) sent."""
    from app.extensions import db
    from app.jobs.queue import deliver
    from app.models import ComplaintEvent
    from app.workflow import lifecycle
    from app.workflow.numbers import check_reply_code

    case, held = a_held_reply(mailbox, smtp_server)
    address = "rina.warga@contoh.id"
    rows, mails = len(outbox_to(address)), len(smtp_server.to(address))
    coordinator = login_as("koordinator")
    page = coordinator.get(f"/complaintview/show/{held.id}").get_data(as_text=True)
    assert 'id="contact-unconfirmed"' in page and "Data kontak belum terkonfirmasi" in page

    # a reason too short: refused in Indonesian, the typed text kept, nothing sent
    response = coordinator.post(f"/complaintview/confirm_contact/{held.id}", data={"reason": "ok"})
    page = response.get_data(as_text=True)
    assert "cara Anda mengonfirmasi" in page and 'value="ok"' in page
    db.session.expire_all()
    assert held.reporter.contact_unconfirmed and outbox_to(address)[rows:] == []

    response = coordinator.post(f"/complaintview/confirm_contact/{held.id}",
                                data={"reason": "Ditelepon ke 0812-xxx, pelapor membenarkan laporan baru."})
    assert response.status_code == 302
    db.session.expire_all()
    assert not held.reporter.contact_unconfirmed
    [row] = outbox_to(address)[rows:]
    assert (row.topic, row.complaint_id) == ("received", held.id) and row.secret  # the code travels encrypted
    our_last_mail(smtp_server)
    [receipt] = smtp_server.to(address)[mails:]
    assert held.tracking_number in receipt["subject"]
    code = next(word.strip(".:,") for word in receipt["body"].split() if check_reply_code(word.strip(".:,"), held.reply_code_hash))
    assert code
    event = db.session.execute(select(ComplaintEvent).where(ComplaintEvent.complaint_id == held.id,
                                                            ComplaintEvent.kind == "contact_confirmed")).scalar_one()
    assert event.is_public is False and "membenarkan" in event.internal_note
    page = coordinator.get(f"/complaintview/show/{held.id}").get_data(as_text=True)
    assert 'id="contact-unconfirmed"' not in page and "Data kontak pelapor dikonfirmasi" in page

    # from now on the reporter hears of their case like any other
    outcome = lifecycle.dispose(held, world.user("koordinator"), world.agency("PUPR"))
    db.session.commit()
    deliver(outcome)
    assert [r.topic for r in outbox_to(address)[rows + 1:]] == ["dispatched"]
    # confirming twice says so
    response = coordinator.post(f"/complaintview/confirm_contact/{held.id}", data={"reason": "Sekali lagi saja."})
    assert "sudah terkonfirmasi" in response.get_data(as_text=True)


def test_only_a_coordinator_confirms_a_held_contact(mailbox, smtp_server, login_as, world):
    from app.extensions import db
    from app.workflow import lifecycle

    case, held = a_held_reply(mailbox, smtp_server)
    rows = len(outbox_to("rina.warga@contoh.id"))
    lifecycle.dispose(held, world.user("koordinator"), world.agency("PUPR"))
    db.session.commit()
    rows = len(outbox_to("rina.warga@contoh.id"))
    opd = login_as("opd_pupr")
    assert 'id="contact-unconfirmed"' not in opd.get(f"/complaintview/show/{held.id}").get_data(as_text=True)
    response = opd.post(f"/complaintview/confirm_contact/{held.id}", data={"reason": "Saya sudah menelepon."})
    assert response.status_code in (200, 302, 403)
    db.session.expire_all()
    assert held.reporter.contact_unconfirmed and outbox_to("rina.warga@contoh.id")[rows:] == []


# --- what the reporter's mails say about answering them ------------------------------------------


def test_a_reporters_mail_invites_the_reply_the_mailbox_adds_to_their_report(mailbox, smtp_server):
    """The mailbox is read: "please do not reply" was untrue (a reply is added to the report)."""
    case = a_case_by_mail(mailbox)
    (received,) = outbox_to("rina.warga@contoh.id")
    footer = received.body.rsplit("\n-- \n", 1)[1]
    assert "balas e-mail ini dari alamat ini" in footer and "jangan hapus nomor laporan di subjek" in footer
    assert "tidak membalas" not in received.body
    assert case.tracking_number in received.subject


def test_without_a_mailbox_the_reporters_mail_asks_for_no_reply(app, jobs, make_case):
    with config_values(app, INBOUND_IMAP_HOST="", NOTIFY_REPORTER_CHANNELS="email"):
        case = make_case(reporter={"email": "budi@contoh.id"})
    (received,) = [row for row in outbox_to("budi@contoh.id") if row.complaint_id == case.id]
    assert "Mohon tidak membalas pesan ini." in received.body and "balas e-mail ini" not in received.body


# --- the reporter of a merged duplicate answers the main report's mails ---------------------------


def a_followed_report(mailbox, make_case, world):
    """Rina's report by mail, merged as a duplicate into Budi's report, which the Dinkes follows up:
    ``(Rina's case, Budi's main report)``; Rina has the main report's follow-up by e-mail."""
    from app.extensions import db
    from app.jobs.queue import deliver
    from app.workflow import lifecycle

    main = make_case(agency="DINKES", status="dispatched", reporter={"email": "budi@contoh.id"})
    child = a_case_by_mail(mailbox)
    deliver(lifecycle.merge(child, world.user("koordinator"), main))
    db.session.commit()
    deliver(lifecycle.follow_up(main, world.user("opd_dinkes"), "Petugas sudah mengecek lokasi."))
    db.session.commit()
    db.session.expire_all()
    assert [r.complaint_id for r in outbox_to("rina.warga@contoh.id") if r.topic == "answered"] == [main.id]
    return child, main


def test_a_merged_reporters_reply_to_the_main_reports_mail_lands_on_the_main_report(
        mailbox, smtp_server, make_case, world):
    """The main report's mails carry its reply token: the answer used to match none of the sender's
    cases and opened a new unverified one."""
    from app.extensions import db
    from app.models import Notification

    child, main = a_followed_report(mailbox, make_case, world)
    ours = our_last_mail(smtp_server)
    reply = mail("Re: Tindak lanjut baru", "Lubangnya sekarang makin besar.\n\n> kutipan lama",
                 headers={"In-Reply-To": ours, "References": ours})
    before = count_cases()
    mailbox.deliver(reply)
    assert read_mailbox() == {"reply": 1}
    db.session.expire_all()
    assert count_cases() == before  # no new case
    last = main.events[-1]
    assert last.kind == "follower_reply" and last.actor_kind == "reporter" and not last.is_public
    assert "Lubangnya sekarang makin besar." in last.internal_note and child.tracking_number in last.internal_note
    assert main.status == "in_progress" and child.status == "archived"  # a reply moves no status
    assert [e.kind for e in child.events][-1] == "merged"  # nothing added to the archived duplicate
    notices = db.session.execute(select(Notification).where(
        Notification.complaint_id == main.id, Notification.topic == "reporter_reply")).scalars().all()
    assert {n.user_id for n in notices} >= {world.user("opd_dinkes").id}
    # Rina is told where her message went; Budi hears nothing of another citizen's words
    answer = outbox_to("rina.warga@contoh.id")[-1]
    assert answer.topic == "channel_reply" and main.tracking_number in answer.body + answer.subject
    assert all(row.topic != "channel_reply" for row in outbox_to("budi@contoh.id"))


def test_a_merged_reporters_reply_naming_the_main_reports_number_without_proof_is_held(
        mailbox, make_case, world):
    """The subject names the main report, but nothing shows the mail comes from Rina: held for review."""
    from app.extensions import db

    child, main = a_followed_report(mailbox, make_case, world)
    mailbox.deliver(mail(f"Re: {main.tracking_number}", "Mohon laporan ini ditutup saja."))
    assert read_mailbox() == {"unconfirmed": 1}
    db.session.expire_all()
    assert main.events[-1].kind == "follow_up"


def test_a_merged_reporters_reply_to_the_merge_notice_also_lands_on_the_main_report(
        mailbox, smtp_server, make_case, world):
    """Their own (archived) case takes no reply: it used to be refused as "cannot be processed"."""
    from app.extensions import db

    child, main = a_followed_report(mailbox, make_case, world)
    our_last_mail(smtp_server)
    (notice,) = [m for m in smtp_server.to("rina.warga@contoh.id") if main.tracking_number in m["subject"]
                 and child.tracking_number in m["subject"]]  # "... ditangani bersama laporan ..."
    mailbox.deliver(mail(f"Re: {notice['subject']}", "Baik, terima kasih. Saya punya foto tambahan.",
                         headers={"In-Reply-To": notice["message_id"]},
                         attachment=("lubang.png", png_bytes(), "image", "png")))
    assert read_mailbox() == {"reply": 1}
    db.session.expire_all()
    last = main.events[-1]
    assert last.kind == "follower_reply" and "foto tambahan" in last.internal_note
    (photo,) = [a for a in main.attachments if a.event_id == last.id]
    assert not photo.is_public and not child.attachments
