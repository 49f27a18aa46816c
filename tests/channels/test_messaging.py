"""Inbound WhatsApp (Cloud API, WAHA, go-whatsapp-web-multidevice) and SMS webhooks, with a local
HTTP server playing the gateway (outbound messages and media)."""
import base64
import hashlib
import hmac
import io
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import func, select

from tests.jobs.conftest import config_values

SECRETS = {"cloud_api": "rahasia-meta", "waha": "rahasia-waha", "gowa": "rahasia-gowa", "sms": "rahasia-sms"}
PHONE = "6281377778888"  # as providers send it; stored as 081377778888
TOKEN = "token-gateway-uji"


def png_bytes():
    """A real 2x2 PNG (attachments may be re-encoded by the image pipeline)."""
    try:
        from PIL import Image

        buffer = io.BytesIO()
        Image.new("RGB", (2, 2), (200, 30, 30)).save(buffer, "PNG")
        return buffer.getvalue()
    except ImportError:  # pragma: no cover
        return base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")


class WaGateway:
    """Plays the WhatsApp/SMS gateway: takes outbound messages, serves media (Cloud API style ids too)."""

    def __init__(self):
        self.sent = []
        self.media_requests = []
        self.image = png_bytes()

    def handler(self):
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _reply(self, status, body, content_type="application/json"):
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                gateway.sent.append({"path": self.path, "payload": json.loads(body), "headers": dict(self.headers)})
                self._reply(200, json.dumps({"id": f"gw-{len(gateway.sent)}"}).encode())

            def do_GET(self):
                gateway.media_requests.append(self.path)
                if self.path.count("/") == 2 and self.path.startswith("/media-id/"):  # Cloud API: id -> file URL
                    url = f"{gateway.base}/files/{self.path.rsplit('/', 1)[1]}.png"
                    return self._reply(200, json.dumps({"url": url, "mime_type": "image/png"}).encode())
                if self.path.startswith("/redirect"):
                    self.send_response(302)
                    self.send_header("Location", "http://example.invalid/foto.png")
                    self.end_headers()
                    return None
                return self._reply(200, gateway.image, "image/png")

        return Handler

    def texts_to(self, phone_e164):
        result = []
        for item in self.sent:
            p = item["payload"]
            to = p.get("to") or p.get("chatId") or p.get("phone") or ""
            if to.lstrip("+").split("@")[0] == phone_e164.lstrip("+"):
                result.append(p.get("text") if isinstance(p.get("text"), str) else
                              (p.get("text") or {}).get("body") or p.get("message"))
        return result


@pytest.fixture
def wa_gateway(app, channels):
    gw = WaGateway()
    server = ThreadingHTTPServer(("127.0.0.1", 0), gw.handler())
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    gw.base = f"http://127.0.0.1:{server.server_address[1]}"
    settings = {f"WEBHOOK_SECRET_{k.upper()}": v for k, v in SECRETS.items()}
    settings.update(WHATSAPP_GATEWAY_URL=gw.base + "/media-id", NOTIFY_GATEWAY_URL=gw.base + "/send",
                    NOTIFY_GATEWAY_TOKEN=TOKEN, NOTIFY_REPORTER_CHANNELS="email,whatsapp",
                    INBOUND_MEDIA_HOSTS="", NOTIFY_GATEWAY_PROVIDER="generic")
    with config_values(app, **settings):
        yield gw
    server.shutdown()
    server.server_close()


# --- provider shapes -----------------------------------------------------------------------


def cloud_api_body(message_id, text, image_id=None, phone=PHONE):
    message = {"from": phone, "id": message_id, "timestamp": "1763950000", "type": "text", "text": {"body": text}}
    if image_id:
        message = {"from": phone, "id": message_id, "timestamp": "1763950000", "type": "image",
                   "image": {"id": image_id, "mime_type": "image/png", "caption": text}}
    return {"object": "whatsapp_business_account", "entry": [{"id": "WABA", "changes": [{"field": "messages", "value": {
        "messaging_product": "whatsapp", "metadata": {"display_phone_number": "628111", "phone_number_id": "1"},
        "contacts": [{"profile": {"name": "Warga Uji"}, "wa_id": phone}], "messages": [message]}}]}]}


def waha_body(message_id, text, media_url=None, phone=PHONE):
    payload = {"id": message_id, "timestamp": 1763950000, "from": f"{phone}@c.us", "fromMe": False,
               "body": text, "hasMedia": bool(media_url), "_data": {"notifyName": "Warga Uji"}}
    if media_url:
        payload["media"] = {"url": media_url, "mimetype": "image/png", "filename": None}
    return {"event": "message", "session": "default", "payload": payload}


def gowa_body(message_id, text, media_path=None, phone=PHONE):
    body = {"sender_id": phone, "chat_id": phone, "from": f"{phone}@s.whatsapp.net", "pushname": "Warga Uji",
            "timestamp": "2026-11-24T09:00:00+07:00", "message": {"text": text, "id": message_id, "replied_id": ""}}
    if media_path:
        body["image"] = {"media_path": media_path, "mime_type": "image/png", "caption": text}
        body["message"]["text"] = ""
    return body


def sms_body(message_id, text, phone=PHONE):
    return {"from": "+" + phone, "text": text, "id": message_id}


def sign(provider, raw, secret=None):
    secret = (secret or SECRETS[provider]).encode()
    if provider == "waha":
        return {"X-Webhook-Hmac": hmac.new(secret, raw, hashlib.sha512).hexdigest(),
                "X-Webhook-Hmac-Algorithm": "sha512"}
    digest = "sha256=" + hmac.new(secret, raw, hashlib.sha256).hexdigest()
    return {"X-Signature": digest} if provider == "sms" else {"X-Hub-Signature-256": digest}


def post(client, provider, body, headers=None, secret=None):
    raw = json.dumps(body).encode()
    return client.post(f"/webhooks/{provider}", data=raw, content_type="application/json",
                       headers=sign(provider, raw, secret) if headers is None else headers)


def deliver_outbox():
    from app.extensions import db
    from app.jobs import tasks
    from app.models import Outbox

    db.session.commit()
    for row_id in db.session.execute(select(Outbox.id).where(Outbox.status == "pending").order_by(Outbox.id)).scalars().all():
        tasks.deliver(row_id)
    db.session.expire_all()


def cases_from(phone="081377778888"):
    from app.channels import intake

    return intake.cases_of(phone=phone, open_only=False)


def count_cases():
    from app.extensions import db
    from app.models import Complaint

    return db.session.execute(select(func.count()).select_from(Complaint)).scalar()


FIRST = {
    "cloud_api": lambda mid, text: cloud_api_body(mid, text),
    "waha": lambda mid, text: waha_body(mid, text),
    "gowa": lambda mid, text: gowa_body(mid, text),
    "sms": lambda mid, text: sms_body(mid, text),
}


# --- the story of a message ------------------------------------------------------------------


@pytest.mark.parametrize("provider", ["cloud_api", "waha", "gowa", "sms"])
def test_first_message_opens_one_case_answers_with_number_and_code_and_a_follow_up_is_a_reply(
        client, wa_gateway, provider):
    from app.extensions import db
    from app.workflow.numbers import check_reply_code

    text = "Lampu jalan di Jl. Melati mati sejak seminggu, gelap dan rawan."
    first = FIRST[provider]("msg-001", text)
    assert post(client, provider, first).status_code == 200
    assert post(client, provider, first).status_code == 200  # delivered twice: still one case
    cases = cases_from()
    assert len(cases) == 1
    case = cases[0]
    assert case.status == "received" and case.description == text
    assert case.channel.code == ("sms" if provider == "sms" else "whatsapp")
    assert case.reporter.phone == "081377778888"  # kept encrypted like every reporter's data
    deliver_outbox()
    answers = wa_gateway.texts_to(PHONE)
    assert len(answers) == 1, answers
    assert case.tracking_number in answers[0]
    code = answers[0].split("Kode balasan", 1)[1] if "Kode balasan" in answers[0] else answers[0]
    assert any(check_reply_code(word.strip(".:,"), case.reply_code_hash) for word in code.split()), answers[0]
    channel = wa_gateway.sent[0]["payload"]["channel"]
    assert channel == ("sms" if provider == "sms" else "whatsapp")
    assert wa_gateway.sent[0]["payload"].get("reply_to") == "msg-001"  # threaded on the message

    follow = FIRST[provider]("msg-002", "Tambahan: tiangnya juga miring.")
    assert post(client, provider, follow).status_code == 200
    db.session.expire_all()
    assert len(cases_from()) == 1
    assert [e.kind for e in case.events] == ["received", "reporter_reply"]
    assert case.events[-1].public_text == "Tambahan: tiangnya juga miring."
    deliver_outbox()
    assert case.tracking_number in wa_gateway.texts_to(PHONE)[-1]


@pytest.mark.parametrize("provider", ["cloud_api", "waha", "gowa", "sms"])
def test_wrong_or_missing_signature_is_403_and_creates_nothing(client, wa_gateway, provider):
    from app.extensions import db
    from app.models import InboundMessage

    before = count_cases()
    body = FIRST[provider]("msg-palsu", "Laporan palsu")
    assert post(client, provider, body, secret="kunci-salah").status_code == 403
    assert post(client, provider, body, headers={}).status_code == 403
    raw = json.dumps(body).encode()
    tampered = json.dumps(FIRST[provider]("msg-palsu", "Laporan diubah")).encode()
    response = client.post(f"/webhooks/{provider}", data=tampered, content_type="application/json",
                           headers=sign(provider, raw))
    assert response.status_code == 403
    assert count_cases() == before
    assert db.session.execute(select(func.count()).select_from(InboundMessage)).scalar() == 0


@pytest.mark.parametrize("provider", ["waha", "sms"])
def test_errors_outside_the_handler_are_json_for_the_provider_too(app, client, wa_gateway, provider, monkeypatch):
    """A wrong method or a body refused before the handler runs: JSON, never an HTML page."""
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 100)
    for response, code in ((client.get(f"/webhooks/{provider}"), 405), (client.put(f"/webhooks/{provider}"), 405),
                           (client.post(f"/webhooks/{provider}", data="x" * 1000, content_type="application/json"),
                            413)):
        assert response.status_code == code and response.is_json, response.data[:200]
        assert response.get_json()["error"]


def test_every_provider_checks_its_signature_through_the_one_provider_method(app, client, wa_gateway):
    from app.channels import messaging

    # one home for the HMAC check: a provider names its header, prefix and secret setting;
    # only WAHA adds a check of its own (the algorithm it names) before the shared one
    assert {key for key, p in messaging.PROVIDERS.items() if "verify" in vars(type(p))} == {"waha"}
    raw = json.dumps({"id": "sig-1"}).encode()
    for key, provider in messaging.PROVIDERS.items():
        headers = sign(key, raw)
        assert provider.verify(headers, raw), key
        assert not provider.verify(headers, raw + b" "), key
        (name, value), = [(n, v) for n, v in headers.items() if n != "X-Webhook-Hmac-Algorithm"]
        if value.startswith("sha256="):  # the digest without its prefix is not a signature
            assert not provider.verify({name: value[len("sha256="):]}, raw), key
        others = [h for h in ("X-Hub-Signature-256", "X-Signature", "X-Webhook-Hmac") if h != name]
        assert not any(provider.verify({other: value}, raw) for other in others), key  # only its own header
    assert not messaging.PROVIDERS["waha"].verify(dict(sign("waha", raw), **{"X-Webhook-Hmac-Algorithm": "md5"}), raw)


def test_a_provider_without_a_configured_secret_refuses_everything(app, client, wa_gateway):
    with config_values(app, WEBHOOK_SECRET_SMS=""):
        raw = json.dumps(sms_body("x1", "halo")).encode()
        response = client.post("/webhooks/sms", data=raw, content_type="application/json",
                               headers=sign("sms", raw, secret=""))
        assert response.status_code == 403
    assert cases_from() == []


def test_status_command_answers_with_the_status(client, wa_gateway, make_case):
    mine = make_case(status="dispatched", agency="DINKES", reporter={"name": "Warga", "phone": "081377778888"})
    secret = make_case(confidential=True, reporter={"name": "Orang lain", "phone": "081200001111"})
    deliver_outbox()
    wa_gateway.sent.clear()
    post(client, "sms", sms_body("s1", f"STATUS {mine.tracking_number}"))
    post(client, "sms", sms_body("s2", f"status {secret.tracking_number}"))
    post(client, "sms", sms_body("s3", "STATUS ZZZZ-ZZZZ-Z"))
    deliver_outbox()
    answers = wa_gateway.texts_to(PHONE)
    assert len(answers) == 3
    assert mine.tracking_number in answers[0] and "Terdisposisi" in answers[0] and "Dinas Kesehatan" in answers[0]
    assert "Tidak ada laporan" in answers[1] and "Tidak ada laporan" in answers[2]  # a stranger's secret case
    assert len(cases_from()) == 1  # STATUS opens nothing


def test_reply_names_the_case_when_the_reporter_has_several(client, wa_gateway, make_case):
    from app.extensions import db

    reporter = {"name": "Warga", "phone": "081377778888"}
    one, two = make_case(reporter=reporter), make_case(reporter=reporter)
    post(client, "waha", waha_body("w1", f"Untuk laporan {two.tracking_number.lower()}: sudah ada fotonya"))
    db.session.expire_all()
    assert [e.kind for e in two.events] == ["received", "reporter_reply"]
    assert [e.kind for e in one.events] == ["received"]
    # no number and two open cases: a new case, not a guess
    post(client, "waha", waha_body("w2", "Ada masalah baru: sampah menumpuk di pasar"))
    assert len(cases_from()) == 3


def test_a_message_while_on_hold_completes_the_hold(client, wa_gateway, make_case):
    from app.extensions import db

    case = make_case(status="on_hold", reporter={"name": "Warga", "phone": "081377778888"})
    post(client, "gowa", gowa_body("g1", "Lokasinya di depan SD Negeri 3"))
    db.session.expire_all()
    assert case.status == "received" and case.events[-1].kind == "hold_completed"


@pytest.mark.parametrize("provider", ["cloud_api", "waha", "gowa"])
def test_images_are_fetched_from_the_gateway_checked_and_attached(client, wa_gateway, provider):
    base = wa_gateway.base
    body = {"cloud_api": cloud_api_body("m1", "Foto jalan rusak", image_id="IMG77"),
            "waha": waha_body("m1", "Foto jalan rusak", media_url=f"{base}/media-id/api/files/foto.png"),
            "gowa": gowa_body("m1", "Foto jalan rusak", media_path="statics/media/foto.png")}[provider]
    assert post(client, provider, body).status_code == 200
    case = cases_from()[0]
    assert len(case.attachments) == 1
    assert case.attachments[0].content_type.startswith("image/")
    assert wa_gateway.media_requests  # fetched from the local gateway


def test_media_elsewhere_than_the_gateway_is_never_fetched(client, wa_gateway):
    from app.extensions import db
    from app.models import Outbox

    other = ThreadingHTTPServer(("127.0.0.1", 0), WaGateway().handler())
    hits = []
    other.RequestHandlerClass.do_GET = lambda self: hits.append(self.path)
    threading.Thread(target=other.serve_forever, daemon=True).start()
    try:
        elsewhere = f"http://127.0.0.1:{other.server_address[1]}/foto.png"
        post(client, "waha", waha_body("m2", "Foto dari tempat lain", media_url=elsewhere))
        post(client, "waha", waha_body("m3", "Foto lewat pengalihan", media_url=f"{wa_gateway.base}/redirect",
                                        phone="6281300000001"))
    finally:
        other.shutdown()
        other.server_close()
    assert hits == []
    case = cases_from()[0]
    assert case.attachments == []  # the text still became a case
    assert cases_from("081300000001")[0].attachments == []
    notices = db.session.execute(select(Outbox.body).where(Outbox.topic == "channel_reply")).scalars().all()
    assert any("tidak dapat diterima" in n for n in notices)


def test_a_bad_attachment_is_refused_like_a_web_upload(client, wa_gateway):
    wa_gateway.image = b"MZ\x90\x00 bukan gambar"
    post(client, "gowa", gowa_body("m9", "Foto", media_path="statics/media/virus.exe"))
    assert cases_from() == []  # nothing half-created
    deliver_outbox()
    assert "tidak dapat diproses" in wa_gateway.texts_to(PHONE)[-1]


def test_cloud_api_subscription_handshake(app, client, wa_gateway):
    with config_values(app, WHATSAPP_CLOUD_VERIFY_TOKEN="verifikasi-uji"):
        ok = client.get("/webhooks/cloud_api?hub.mode=subscribe&hub.verify_token=verifikasi-uji&hub.challenge=12345")
        assert ok.status_code == 200 and ok.data == b"12345"
        bad = client.get("/webhooks/cloud_api?hub.mode=subscribe&hub.verify_token=salah&hub.challenge=12345")
        assert bad.status_code == 403 and "12345" not in bad.get_data(as_text=True)
        assert bad.get_json() == {"error": "Token verifikasi langganan tidak cocok."}  # in the portal's language


@pytest.mark.parametrize("shape", ["cloud_api", "waha", "gowa"])
def test_the_outbound_adapter_speaks_each_provider_shape(app, client, wa_gateway, shape):
    with config_values(app, NOTIFY_GATEWAY_PROVIDER=shape):
        post(client, "waha", waha_body("o1", "Saluran air tersumbat di gang 5"))
        deliver_outbox()
    sent = wa_gateway.sent[-1]
    payload, headers = sent["payload"], sent["headers"]
    if shape == "cloud_api":
        assert payload["messaging_product"] == "whatsapp" and payload["to"] == PHONE
        assert payload["type"] == "text" and cases_from()[0].tracking_number in payload["text"]["body"]
        assert payload["context"] == {"message_id": "o1"} and headers["Authorization"] == f"Bearer {TOKEN}"
    elif shape == "waha":
        assert payload["chatId"] == f"{PHONE}@c.us" and payload["session"] == "default"
        assert payload["reply_to"] == "o1" and headers["X-Api-Key"] == TOKEN
    else:
        assert payload["phone"] == f"{PHONE}@s.whatsapp.net" and payload["reply_message_id"] == "o1"
        assert headers["Authorization"].startswith("Basic ")


def test_events_that_are_not_incoming_messages_are_ignored(client, wa_gateway):
    own = waha_body("x1", "pesan keluar")
    own["payload"]["fromMe"] = True
    group = waha_body("x2", "pesan grup")
    group["payload"]["from"] = "1203630@g.us"
    ack = {"event": "message.ack", "payload": {"id": "x3"}}
    before = count_cases()
    for body in (own, group, ack):
        assert post(client, "waha", body).status_code == 200
    status_update = {"object": "whatsapp_business_account", "entry": [{"changes": [{"value": {"statuses": [{"id": "s"}]}}]}]}
    assert post(client, "cloud_api", status_update).status_code == 200
    assert post(client, "sms", {"hello": "world"}).status_code == 200
    assert count_cases() == before and cases_from() == []
    raw = b"not json"
    assert client.post("/webhooks/sms", data=raw, headers=sign("sms", raw)).status_code == 400
    assert client.post("/webhooks/telegram", data=b"{}").status_code == 404


@pytest.mark.parametrize("provider", ["cloud_api", "waha", "gowa", "sms"])
@pytest.mark.parametrize("sender", ["1708", "1234567", "99999999999999999"])
def test_a_sender_that_is_no_phone_number_opens_nothing_and_gets_no_answer(client, wa_gateway, provider, sender):
    """A short code, a too short or an over-long sender is no phone number by the one phone rule:
    no case is opened with it as the reporter's number and nothing is sent back to it."""
    make = {"cloud_api": cloud_api_body, "waha": waha_body, "gowa": gowa_body, "sms": sms_body}[provider]
    before, sent = count_cases(), len(wa_gateway.sent)
    response = post(client, provider, make(f"np-{provider}-{sender}", "Jalan rusak di depan sekolah.", phone=sender))
    assert response.status_code == 200 and response.get_json()["results"] == ["not_a_phone"]
    deliver_outbox()
    assert count_cases() == before and len(wa_gateway.sent) == sent
    accepted = post(client, provider, make(f"ok-{provider}", "Jalan rusak di depan sekolah."))
    assert accepted.get_json()["results"] == ["case"]


def test_status_requests_are_limited_per_sender(app, client, wa_gateway, make_case):
    case = make_case(status="dispatched", agency="DINKES", reporter=False)
    with config_values(app, PUBLIC_TRACK_RATE_LIMIT="2 per minute"):
        for i in range(3):
            post(client, "sms", sms_body(f"lim{i}", f"STATUS {case.tracking_number}", phone="6281355550000"))
    deliver_outbox()
    answers = wa_gateway.texts_to("6281355550000")
    assert [case.tracking_number in a for a in answers] == [True, True, False]
    assert "Terlalu banyak" in answers[-1]


@pytest.mark.parametrize("provider", ["waha", "sms"])
def test_a_message_carrying_a_nul_character_opens_its_case(client, wa_gateway, provider):
    """PostgreSQL refuses NUL in text: the message failed with a 500 on every retry of the gateway."""
    before = count_cases()
    response = post(client, provider, FIRST[provider]("msg-nul", "Lampu jalan di Gang Mawar\x00 mati sejak Senin."))
    assert response.status_code == 200, response.data[:300]
    assert count_cases() == before + 1
    from app.extensions import db
    from app.models import Complaint

    newest = db.session.execute(select(Complaint).order_by(Complaint.id.desc()).limit(1)).scalar_one()
    assert newest.description == "Lampu jalan di Gang Mawar mati sejak Senin."


@pytest.mark.parametrize("received_at", ["2020-01-01T00:00:00+07:00", "2099-01-01T00:00:00+07:00", "kemarin"])
def test_a_case_is_received_by_the_portals_clock_not_the_gateways(client, wa_gateway, received_at):
    """The SLA clock starts when the message reaches the portal: a gateway's ``received_at`` (a clock the
    portal does not keep) is not part of the shape, whatever it says."""
    from app.clock import utcnow

    body = dict(sms_body("sms-waktu", "Lampu jalan di Jl. Melati mati."), received_at=received_at)
    before = utcnow()
    assert post(client, "sms", body).get_json()["results"] == ["case"]
    after = utcnow()
    assert before <= cases_from()[0].received_at <= after


def inbound_outcome(provider, message_id):
    from app.extensions import db
    from app.models import InboundMessage

    db.session.expire_all()
    return db.session.execute(select(InboundMessage.outcome).where(
        InboundMessage.provider == provider, InboundMessage.external_id == message_id)).scalar_one()


@pytest.mark.parametrize("provider", ["sms", "cloud_api", "waha"])
@pytest.mark.parametrize("text", ["", "   \n\t "])
def test_an_empty_message_opens_no_case_and_asks_the_sender_to_write_their_report(client, wa_gateway, provider, text):
    before = count_cases()
    body = FIRST[provider]("msg-kosong", text)
    response = post(client, provider, body)
    assert response.status_code == 200 and response.get_json()["results"] == ["empty"]
    assert count_cases() == before and cases_from() == []
    assert inbound_outcome(provider, "msg-kosong") == "empty"
    deliver_outbox()
    answers = wa_gateway.texts_to(PHONE)
    assert len(answers) == 1 and answers[0].startswith("Pesan Anda kosong. Tuliskan laporan Anda"), answers
    assert wa_gateway.sent[0]["payload"].get("reply_to") == "msg-kosong"
    # the provider's retry of the same message is not processed (nor answered) again
    assert post(client, provider, body).get_json()["results"] == ["duplicate"]
    deliver_outbox()
    assert len(wa_gateway.texts_to(PHONE)) == 1 and count_cases() == before


def test_an_empty_message_is_not_added_to_the_senders_open_case(client, wa_gateway):
    from app.extensions import db

    assert post(client, "waha", waha_body("msg-1", "Saluran air tersumbat di Gang Kenari.")).status_code == 200
    case = cases_from()[0]
    assert post(client, "waha", waha_body("msg-2", " ")).get_json()["results"] == ["empty"]
    db.session.expire_all()
    assert [e.kind for e in case.events] == ["received"]


def test_an_image_without_text_still_opens_a_case(client, wa_gateway):
    body = waha_body("msg-foto", "", media_url=f"{wa_gateway.base}/media-id/api/files/foto.png")
    assert post(client, "waha", body).get_json()["results"] == ["case"]
    case = cases_from()[0]
    assert case.description == "(hanya lampiran)" and len(case.attachments) == 1


def test_a_message_whose_only_file_could_not_be_received_opens_no_case(client, wa_gateway):
    body = waha_body("msg-gagal", "", media_url=f"{wa_gateway.base}/redirect")  # refused: a redirect
    assert post(client, "waha", body).get_json()["results"] == ["empty"]
    assert cases_from() == []
    deliver_outbox()
    [answer] = wa_gateway.texts_to(PHONE)
    assert "lampiran tidak dapat diterima" in answer and "Pesan Anda kosong" in answer


def _wrong_shapes(node, path=()):
    """Every place of a payload, each with values of the wrong type: (path, value)."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _wrong_shapes(value, path + (key,))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _wrong_shapes(value, path + (index,))
    if path:
        for wrong in ("teks", 7, ["a"], {"x": 1}, True):
            if type(wrong) is not type(node) and not (isinstance(node, str) and isinstance(wrong, int)
                                                       and not isinstance(wrong, bool)):
                yield path, wrong


def _replaced(body, path, value):
    body = json.loads(json.dumps(body))
    node = body
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = value
    return body


MEDIA_BODIES = {
    "cloud_api": lambda: cloud_api_body("bentuk-1", "Lampu mati", image_id="m1"),
    "waha": lambda: waha_body("bentuk-1", "Lampu mati", media_url="http://127.0.0.1:1/x.png"),
    "gowa": lambda: gowa_body("bentuk-1", "Lampu mati", media_path="/x.png"),
    "sms": lambda: sms_body("bentuk-1", "Lampu mati"),
}


@pytest.mark.parametrize("provider", ["cloud_api", "waha", "gowa", "sms"])
def test_a_signed_payload_of_the_wrong_shape_is_a_400_creates_nothing_and_logs_no_personal_data(
        client, wa_gateway, provider, caplog, monkeypatch):
    """``"entry": "x"`` with a valid signature was a 500 (the parser trusted the provider's shape).
    Every place of each provider's payload gets values of other types: the answer is the message
    handled (a field we do not read) or a 400 that created nothing, never a 500."""
    from app.channels import messaging
    from app.extensions import db
    from app.models import InboundMessage

    monkeypatch.setattr(messaging, "fetch_media", lambda provider, message: ([], 0))
    body = MEDIA_BODIES[provider]()
    entry = {"cloud_api": "entry", "waha": "payload", "gowa": "message", "sms": "text"}[provider]
    refused = []
    with caplog.at_level("DEBUG", logger="app.channels.webhooks"):
        for path, wrong in [((entry,), "x"), *_wrong_shapes(body)]:
            before = count_cases()
            response = post(client, provider, _replaced(body, path, wrong))
            assert response.status_code in (200, 400) and response.is_json, (path, wrong, response.data[:300])
            if response.status_code == 400:
                refused.append(path)
                assert "bentuk pesan" in response.get_json()["error"]
                assert count_cases() == before
                assert db.session.execute(select(func.count()).select_from(InboundMessage)).scalar() == 0
            db.session.execute(InboundMessage.__table__.delete())  # the next variant is a first delivery again
            db.session.commit()
    assert (entry,) in refused
    logged = " ".join(r.getMessage() for r in caplog.records if r.name == "app.channels.webhooks")
    assert "wrong shape" in logged
    for personal in ("Lampu mati", "Warga Uji", PHONE, PHONE[2:]):
        assert personal not in logged


@pytest.mark.parametrize("provider", ["cloud_api", "waha", "gowa", "sms"])
def test_a_message_with_broken_characters_in_its_text_name_or_id_opens_its_case_once(client, wa_gateway, provider):
    """Half a UTF-16 surrogate pair (``\\ud800`` in the JSON; no UTF-8 exists for it) in the text or the
    sender's name, or a NUL in the provider's message id, failed the delivery with a 500, again on every
    retry of the gateway. The character is shown as U+FFFD (NUL removed), the message handled once."""
    from app.extensions import db
    from app.models import Complaint

    body = FIRST[provider]("msg-\x00rusak", "Lampu jalan di Gang Mawar \ud800 mati sejak Senin.")
    if provider == "cloud_api":
        body["entry"][0]["changes"][0]["value"]["contacts"][0]["profile"]["name"] = "Warga \udc80Uji"
    elif provider == "gowa":
        body["pushname"] = "Warga \udc80Uji"
    before = count_cases()
    response = post(client, provider, body)
    assert response.status_code == 200, response.data[:300]
    assert response.get_json()["results"] == ["case"]
    assert count_cases() == before + 1
    newest = db.session.execute(select(Complaint).order_by(Complaint.id.desc()).limit(1)).scalar_one()
    assert newest.description == "Lampu jalan di Gang Mawar \ufffd mati sejak Senin."
    assert inbound_outcome(provider, "msg-rusak") == "case"
    assert post(client, provider, body).get_json()["results"] == ["duplicate"]  # the gateway's retry
    assert count_cases() == before + 1


def test_a_signed_body_nested_too_deep_to_read_is_a_400_and_opens_nothing(client, wa_gateway):
    before = count_cases()
    raw = ('{"from": "+6281377778888", "id": "sms-dalam", "text": ' + "[" * 100000 + "]" * 100000 + "}").encode()
    response = client.post("/webhooks/sms", data=raw, content_type="application/json", headers=sign("sms", raw))
    assert response.status_code == 400 and response.get_json() == {"error": "Isi permintaan bukan objek JSON."}
    assert count_cases() == before


def test_a_merged_reporters_message_naming_their_report_lands_on_the_main_report(client, wa_gateway, make_case, world):
    """Their own report is archived as a duplicate (it used to answer "could not be processed")."""
    from app.extensions import db
    from app.models import Outbox
    from app.workflow import lifecycle

    main = make_case(agency="DINKES", status="dispatched", reporter={"name": "Budi", "phone": "081299990000"})
    mine = make_case(reporter={"name": "Warga", "phone": "081377778888"})
    lifecycle.perform("merge", mine.id, world.user("koordinator"), parent=main.tracking_number)
    post(client, "waha", waha_body("m1", f"Laporan {mine.tracking_number}: lubangnya makin lebar"))
    db.session.expire_all()
    assert main.events[-1].kind == "follower_reply" and "makin lebar" in main.events[-1].internal_note
    assert mine.events[-1].kind == "merged"
    answer = db.session.execute(select(Outbox).where(Outbox.topic == "channel_reply")
                                .order_by(Outbox.id.desc())).scalars().first()
    assert answer.body == f"Pesan Anda telah ditambahkan ke laporan {main.tracking_number}."


def a_followed_main_report(make_case, world):
    """Warga's report, merged as a duplicate into Budi's report, which the Dinkes follows up:
    ``(Warga's archived case, Budi's main report)``; Warga receives the main report's updates."""
    from app.workflow import lifecycle

    main = make_case(agency="DINKES", status="dispatched", reporter={"name": "Budi", "phone": "081299990000"})
    mine = make_case(reporter={"name": "Warga", "phone": "081377778888"})
    lifecycle.perform("merge", mine.id, world.user("koordinator"), parent=main.tracking_number)
    return mine, main


@pytest.mark.parametrize("provider", ["waha", "sms"])
def test_a_merged_reporters_message_naming_the_main_reports_number_lands_staff_only_on_the_main_report(
        client, wa_gateway, make_case, world, provider):
    """The merge notice and the main report's updates name the main report's number: the answer
    naming it used to open a new case. A stranger naming the same number still adds nothing to it."""
    from app.extensions import db
    from app.models import Outbox

    mine, main = a_followed_main_report(make_case, world)
    message = {"waha": waha_body, "sms": sms_body}[provider]
    before, events = count_cases(), len(main.events)
    body = message("m-orang-lain", f"Soal laporan {main.tracking_number}: saya juga melihatnya", phone="6281355556666")
    assert post(client, provider, body).get_json()["results"] == ["case"]  # someone else's report: a case of theirs
    db.session.expire_all()
    assert count_cases() == before + 1 and len(main.events) == events  # nothing added to Budi's report

    text = f"Balasan untuk {main.tracking_number}: lubangnya makin lebar"
    assert post(client, provider, message("m-pengikut", text)).get_json()["results"] == ["reply"]
    db.session.expire_all()
    assert count_cases() == before + 1  # no new case
    last = main.events[-1]
    assert last.kind == "follower_reply" and last.actor_kind == "reporter" and not last.is_public
    assert "makin lebar" in last.internal_note and mine.tracking_number in last.internal_note
    assert len(main.events) == events + 1 and main.status == "dispatched"
    assert [e.kind for e in mine.events][-1] == "merged"  # nothing added to the archived duplicate
    assert inbound_outcome(provider, "m-pengikut") == "reply"
    answer = db.session.execute(select(Outbox).where(Outbox.topic == "channel_reply")
                                .order_by(Outbox.id.desc())).scalars().first()
    assert answer.body == f"Pesan Anda telah ditambahkan ke laporan {main.tracking_number}."
    assert answer.recipient == PHONE  # to Warga; Budi hears nothing of another citizen's words


def test_a_merged_reporters_message_without_a_number_lands_on_the_main_report_they_follow(
        client, wa_gateway, make_case, world):
    """Their only conversation is the main report (their own case is archived as a duplicate): the
    answer to its update goes there, like a reply to their one open case; it used to open a new case."""
    from app.extensions import db

    mine, main = a_followed_main_report(make_case, world)
    before = count_cases()
    assert post(client, "waha", waha_body("m1", "Sudah dicek petugas? Lubangnya makin lebar")).get_json()[
        "results"] == ["reply"]
    db.session.expire_all()
    assert count_cases() == before
    assert main.events[-1].kind == "follower_reply" and "makin lebar" in main.events[-1].internal_note

    # with a case of their own open as well, their own conversation comes first (as it always did)
    own = make_case(reporter={"name": "Warga", "phone": "081377778888"})
    assert post(client, "waha", waha_body("m2", "Ada masalah lain: saluran air tersumbat")).get_json()[
        "results"] == ["reply"]
    db.session.expire_all()
    assert count_cases() == before + 1 and main.events[-1].kind == "follower_reply"
    assert "saluran air" not in main.events[-1].internal_note
    assert "saluran air" in own.events[-1].public_text
