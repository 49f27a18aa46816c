"""Fixtures of the intake channels: API keys, categories, clean channel tables, parsing of
Open311 responses (JSON Schema validation, XML through a real parser)."""
import json
from xml.etree import ElementTree

import jsonschema
import pytest

from tests.channels import open311_schemas as schemas
from tests.jobs.conftest import fast_config, redis_db, redis_mode, smtp_server  # noqa: F401  (the real Redis queue, SMTP)

LIST_ITEMS = {"services": "service", "service_requests": "request", "errors": "error", "endpoints": "endpoint",
              "formats": "format", "attributes": "attribute", "values": "value"}


def wipe_channel_tables():
    from sqlalchemy import delete

    from app.extensions import db
    from app.models import ApiClientKey, Category, ImportBatch, ImportMapping, InboundMessage, Notification, Outbox

    from tests.conftest import _cleanup

    db.session.rollback()
    for model in (InboundMessage, Outbox, Notification, ImportBatch, ImportMapping, ApiClientKey):
        db.session.execute(delete(model))
    db.session.commit()
    _cleanup()  # the cases first: they reference the test categories (enforced by PostgreSQL)
    db.session.execute(delete(Category).where(Category.parent_id.is_not(None), Category.name.like("Uji %")))
    db.session.execute(delete(Category).where(Category.name.like("Uji %")))
    db.session.commit()


@pytest.fixture
def channels(ctx):
    from tests.jobs.conftest import config_values

    wipe_channel_tables()
    with config_values(ctx, OPEN311_RATE_LIMIT="100000 per minute", PUBLIC_TRACK_RATE_LIMIT="100000 per minute"):
        yield ctx
    wipe_channel_tables()


@pytest.fixture
def category(channels):
    from app.extensions import db
    from app.models import Category

    parent = Category(name="Uji Infrastruktur", active=True)
    row = Category(name="Uji Jalan rusak", parent=parent, description="Jalan berlubang atau rusak", active=True)
    db.session.add_all([parent, row])
    db.session.commit()
    return row


@pytest.fixture
def api_key(channels):
    """make a key: api_key("Aplikasi Uji", rate_limit=...) -> plaintext."""
    from app.extensions import db
    from app.workflow import apikeys

    def _make(name="Aplikasi Uji", rate_limit="1000 per minute", channel="mobile_app"):
        _row, plaintext = apikeys.create(name, channel, rate_limit)
        db.session.commit()
        return plaintext

    return _make


# --- reading responses ----------------------------------------------------------------------


def parse_xml(body):
    """XML through a real parser -> the same shape as the JSON (Spark convention), scalars as text."""
    text = body.decode("utf-8")
    assert text.startswith('<?xml version="1.0" encoding="utf-8"?>')
    root = ElementTree.fromstring(body)
    return root.tag, _element(root)


def _element(element):
    children = list(element)
    if element.tag in LIST_ITEMS:
        assert all(child.tag == LIST_ITEMS[element.tag] for child in children), element.tag
        return [_element(child) for child in children]
    if children:
        data = {}
        for child in children:
            assert child.tag not in data, f"repeated <{child.tag}>"
            data[child.tag] = _element(child)
        return data
    return element.text or ""


def as_text(value):
    """JSON values in the XML's terms (everything text, null = empty)."""
    if isinstance(value, dict):
        return {k: as_text(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_text(v) for v in value]
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def get_both(client, path, schema, root, status=200, method="get", **kwargs):
    """Request ``path`` (without extension) as JSON and XML; check status, content types, the JSON
    against ``schema``, the XML root, and that both carry the same data. Returns the JSON data."""
    call = getattr(client, method)
    as_json = call(f"{path}.json", **kwargs)
    as_xml = call(f"{path}.xml", **kwargs)
    assert as_json.status_code == status, as_json.data[:500]
    assert as_xml.status_code == status, as_xml.data[:500]
    assert as_json.headers["Content-Type"] == "application/json; charset=utf-8"
    assert as_xml.headers["Content-Type"] == "text/xml; charset=utf-8"
    data = json.loads(as_json.data)
    jsonschema.validate(data, schema, format_checker=jsonschema.FormatChecker())
    tag, xml_data = parse_xml(as_xml.data)
    assert tag == root
    return data, xml_data


def assert_same(data, xml_data, ignore=()):
    left, right = as_text(data), xml_data
    for key in ignore:
        for item in (left if isinstance(left, list) else [left]):
            item.pop(key, None)
        for item in (right if isinstance(right, list) else [right]):
            item.pop(key, None)
    assert left == right


def error_of(response, fmt):
    if fmt == "json":
        data = json.loads(response.data)
        jsonschema.validate(data, schemas.ERRORS)
        return data[0]
    tag, data = parse_xml(response.data)
    assert tag == "errors"
    return {"code": int(data[0]["code"]), "description": data[0]["description"]}


# --- a real IMAP server: Debian's dovecot with a throw-away configuration ---------------------

DOVECOT_CONF = """
base_dir = {dir}/run
state_dir = {dir}/state
log_path = {dir}/dovecot.log
instance_name = lapor-test-{port}
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:{dir}/mail/%u
first_valid_uid = 0
mail_uid = {mail_user}
mail_gid = {mail_group}
default_login_user = {login_user}
default_internal_user = {internal_user}
default_internal_group = {internal_group}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {dir}/passwd
}}
userdb {{
  driver = static
  args = uid={mail_user} gid={mail_group} home={dir}/mail/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
service stats {{
  inet_listener http {{
    port = 0
  }}
}}
namespace inbox {{
  inbox = yes
  separator = /
}}
"""


class ImapServer:
    user, password = "lapor", "sandi-uji-imap"

    def __init__(self, directory, port):
        self.dir, self.port = directory, port

    def connect(self):
        import imaplib

        conn = imaplib.IMAP4("127.0.0.1", self.port, timeout=10)
        conn.login(self.user, self.password)
        return conn

    def deliver(self, raw, folder="INBOX"):
        conn = self.connect()
        try:
            status, _ = conn.append(folder, None, None, raw)
            assert status == "OK"
        finally:
            conn.logout()

    def count(self, folder):
        conn = self.connect()
        try:
            status, data = conn.select(f'"{folder}"', readonly=True)
            return int(data[0]) if status == "OK" else 0
        finally:
            conn.logout()

    def empty(self):
        conn = self.connect()
        try:
            for folder in ("INBOX", "Diproses"):
                status, data = conn.select(f'"{folder}"')
                if status == "OK" and int(data[0] or 0):
                    conn.store("1:*", "+FLAGS", r"(\Deleted)")
                    conn.expunge()
        finally:
            conn.logout()


@pytest.fixture(scope="session")
def imap_server():
    import os
    import pwd
    import shutil
    import socket
    import subprocess
    import tempfile
    import time

    binary = shutil.which("dovecot") or ("/usr/sbin/dovecot" if os.path.exists("/usr/sbin/dovecot") else None)
    if binary is None:
        if os.environ.get("LAPOR_REQUIRE_SERVICES"):
            pytest.fail("dovecot (dovecot-imapd) is required for the e-mail tests")
        pytest.skip("dovecot is not installed (apt-get install dovecot-imapd)")
    directory = tempfile.mkdtemp(prefix="lapor-imap-")
    os.chmod(directory, 0o755)
    for sub in ("run", "state", "mail"):
        os.makedirs(os.path.join(directory, sub))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    me = pwd.getpwuid(os.getuid()).pw_name
    if os.getuid() == 0:
        # dovecot refuses to run its login and mail processes as root: use its own users
        login_user, internal_user, mail_user = "dovenull", "dovecot", "dovecot"
        record = pwd.getpwnam(mail_user)
        os.chown(os.path.join(directory, "mail"), record.pw_uid, record.pw_gid)
    else:
        login_user = internal_user = mail_user = me
    import grp

    group = grp.getgrgid(pwd.getpwnam(mail_user).pw_gid).gr_name
    internal_group = grp.getgrgid(pwd.getpwnam(internal_user).pw_gid).gr_name
    conf = os.path.join(directory, "dovecot.conf")
    with open(conf, "w") as fh:
        fh.write(DOVECOT_CONF.format(dir=directory, port=port, mail_user=mail_user, mail_group=group,
                                     login_user=login_user, internal_user=internal_user,
                                     internal_group=internal_group))
    with open(os.path.join(directory, "passwd"), "w") as fh:
        fh.write(f"{ImapServer.user}:{{PLAIN}}{ImapServer.password}\n")
    process = subprocess.Popen([binary, "-F", "-c", conf], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    server = ImapServer(directory, port)
    deadline = time.monotonic() + 20
    while True:
        try:
            server.connect().logout()
            break
        except Exception:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                log = open(os.path.join(directory, "dovecot.log")).read() if os.path.exists(
                    os.path.join(directory, "dovecot.log")) else ""
                pytest.fail(f"dovecot did not start: {log[-2000:]}")
            time.sleep(0.2)
    yield server
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
    shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def mailbox(app, channels, imap_server):
    """The test mailbox, empty, with the app configured to read it."""
    from tests.jobs.conftest import config_values

    imap_server.empty()
    with config_values(app, INBOUND_IMAP_HOST="127.0.0.1", INBOUND_IMAP_PORT=imap_server.port,
                       INBOUND_IMAP_SSL=False, INBOUND_IMAP_USER=imap_server.user,
                       INBOUND_IMAP_PASSWORD=imap_server.password, INBOUND_IMAP_ENABLED=True,
                       NOTIFY_REPORTER_CHANNELS="email,whatsapp"):
        yield imap_server
    imap_server.empty()
