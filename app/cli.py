"""``flask lapor ...`` commands."""
import click
from flask.cli import AppGroup, with_appcontext

lapor_cli = AppGroup("lapor", help="Perintah pengelolaan LAPOR! (init, seed-demo, create-admin).")


@lapor_cli.command("init")
@click.option("--region", default=None, metavar="KODE",
              help="Kode Kemendagri kabupaten/kota instalasi (mis. 32.11): memuat kecamatan dan kelurahan/desa.")
@with_appcontext
def init_command(region):
    """Sync roles/permissions and load reference data (channels, SLA, holidays, regions). Idempotent."""
    from app.extensions import appbuilder, db
    from app.security import sync_roles
    from app.workflow.defaults import ensure_reference_data

    sync_roles(appbuilder)
    ensure_reference_data()
    db.session.commit()
    click.echo("Peran, hak akses dan data referensi siap.")
    if region:
        _load_region(region)
    _fill_empty_rollups()


def _fill_empty_rollups():
    """After an upgrade the rollup tables start empty: sum the existing cases once."""
    from sqlalchemy import select

    from app.extensions import db
    from app.models import CaseRollup, Complaint
    from app.workflow import rollups

    if db.session.execute(select(Complaint.id).limit(1)).first() and \
            not db.session.execute(select(CaseRollup.day).limit(1)).first():
        cases, rows, _bins = rollups.rebuild()
        click.echo(f"Rekap angka dihitung dari {cases} laporan ({rows} baris).")


@lapor_cli.command("rebuild-rollups")
@with_appcontext
def rebuild_rollups_command():
    """Recompute the rollup tables of the published figures from the cases (safe to rerun)."""
    import time

    from app.workflow import rollups

    began = time.monotonic()
    cases, rows, bins = rollups.rebuild()
    click.echo(f"Rekap angka dibangun ulang: {cases} laporan, {rows} baris rekap, {bins} baris histogram, "
               f"{time.monotonic() - began:.1f} detik.")


def _load_region(code):
    from app.extensions import db
    from app.workflow import regions

    try:
        counts = regions.load(code)
    except regions.OtherRegionLoaded as exc:
        raise click.ClickException(
            f"Instalasi ini sudah memuat wilayah {exc.loaded[1]} ({exc.loaded[0]}); satu instalasi melayani satu "
            f"kabupaten/kota, jadi kode {code.strip()} tidak dimuat. Laporan, peta dan statistik memakai wilayah itu.")
    except ValueError:
        raise click.ClickException(f"Kode {code} bukan kabupaten/kota dalam daftar wilayah Kemendagri.")
    outline = regions.load_shipped_outline(code)
    full, partial, left = regions.map_free_text()
    db.session.commit()
    region = regions.installation_region()
    click.echo(f"Wilayah {region.name} ({region.code}): {counts['kecamatan']} kecamatan, "
               f"{counts['kelurahan']} kelurahan/desa{'; garis batas kecamatan dimuat' if outline else ''}.")
    click.echo(f"Lokasi laporan lama: {full} cocok sampai kelurahan/desa, {partial} sampai kecamatan, "
               f"{left} belum cocok (lihat menu Lokasi belum dipetakan).")


@lapor_cli.command("seed-demo")
@click.option("--cases", default=500, show_default=True, help="Jumlah laporan contoh.")
@click.option("--if-empty", is_flag=True, help="Hanya bila belum ada laporan sama sekali.")
@with_appcontext
def seed_demo_command(cases, if_empty):
    """Create the demo kabupaten (agencies, users, ~500 cases). Idempotent."""
    from sqlalchemy import select

    from app.demo import seed_demo
    from app.extensions import appbuilder, db
    from app.models import Complaint
    from app.security import sync_roles

    if if_empty and db.session.execute(select(Complaint.id).limit(1)).first():
        click.echo("Data sudah ada; data demo tidak ditambahkan.")
        return
    sync_roles(appbuilder)
    result = seed_demo(count=cases)
    click.echo(f"Data demo: {result['cases_created']} laporan dibuat, "
               f"{result['cases_existing']} sudah ada, {result['users']} pengguna demo.")


@lapor_cli.command("create-admin")
@click.option("--username", required=True)
@click.option("--email", required=True)
@click.option("--first-name", default="Admin")
@click.option("--last-name", default="LAPOR")
@click.password_option()
@with_appcontext
def create_admin_command(username, email, first_name, last_name, password):
    """Create a real administrator account (production; never uses the demo password)."""
    from flask_babel import force_locale, gettext as _

    from app.extensions import appbuilder
    from app.passwords import problems
    from app.security import sync_roles

    from app.accounts import USERNAME_MESSAGE, username_is_valid

    from app.workflow.reporters import is_email

    sm = appbuilder.sm
    with force_locale("id"):
        if not username_is_valid(username):
            raise click.ClickException(str(USERNAME_MESSAGE))
        if not is_email(email):  # where password resets and notices go
            raise click.ClickException(_("%(email)s is not a valid e-mail address.", email=email))
        found = problems(password, username)
        if found:
            raise click.ClickException(_("Password refused:") + " " + " ".join(found))
        sync_roles(appbuilder)
        if sm.find_user(username=username):
            raise click.ClickException(_("The user name is already taken."))
        if sm.find_user(email=email):
            raise click.ClickException(_("Another account already uses this e-mail address."))
        user = sm.add_user(username, first_name, last_name, email, [sm.find_role("Admin")], password=password)
        if not user:
            raise click.ClickException(_("The user could not be created."))
        click.echo(_("Administrator %(username)s created.", username=username))


# --- background jobs ------------------------------------------------------------------

JOB_NAMES = ["outbox", "reminders", "auto_close", "digest", "monthly_report", "hotspots", "prune",
             "privacy_retention", "inbound_email"]


@lapor_cli.command("scheduler")
@click.option("--tick", type=float, default=None, help="Detik antar putaran (bawaan: JOBS_SCHEDULER_TICK_SECONDS).")
@with_appcontext
def scheduler_command(tick):
    """Run the job scheduler (exactly one per installation; a second one is harmless but useless)."""
    import signal
    import threading

    from flask import current_app

    from app.jobs import embedded, queue, schedule

    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_args: stop.set())
    if queue.is_embedded(current_app):
        # no Redis: this process runs the embedded worker as well
        embedded.ensure_started(current_app._get_current_object())
    click.echo("Penjadwal berjalan (Ctrl+C untuk berhenti).")
    schedule.run_forever(stop, tick)
    embedded.stop()


@lapor_cli.command("run-job")
@click.argument("name", type=click.Choice(JOB_NAMES))
@click.option("--period", default=None, help="Untuk monthly_report: bulan YYYY-MM (bawaan: bulan lalu).")
@with_appcontext
def run_job_command(name, period):
    """Run one periodic job now, in this process (e.g. from cron or by hand)."""
    from app.jobs import tasks
    from app import reports

    if name == "outbox":
        from app.workflow import outbox

        result = 0
        for outbox_id in outbox.reserve_due(limit=100000):
            tasks.deliver(outbox_id)
            result += 1
    elif name == "reminders":
        result = tasks.sweep_reminders()
    elif name == "auto_close":
        result = tasks.auto_close()
    elif name == "digest":
        result = tasks.send_digest()
    elif name == "hotspots":
        result = tasks.detect_hotspots()
    elif name == "inbound_email":
        result = tasks.read_mailbox()
    elif name == "privacy_retention":
        result = tasks.privacy_retention()
    elif name == "monthly_report":
        result = tasks.build_monthly_report(period or reports.previous_period())
    else:
        result = tasks.prune()
    click.echo(f"{name}: {result}")


# --- Open311 API keys ------------------------------------------------------------------

api_key_cli = AppGroup("api-key", help="Kunci API Open311 (buat, daftar, cabut).")
lapor_cli.add_command(api_key_cli)


@api_key_cli.command("create")
@click.argument("name")
@click.option("--channel", default="mobile_app", show_default=True, help="Kode kanal yang dicatat pada laporan.")
@click.option("--rate-limit", default="60 per minute", show_default=True, help="Batas permintaan per kunci.")
@with_appcontext
def api_key_create_command(name, channel, rate_limit):
    """Create a key for client NAME and print it once (only its hash is stored)."""
    from app.extensions import db
    from app.workflow import apikeys
    from app.workflow.errors import DomainError

    try:
        row, plaintext = apikeys.create(name, channel, rate_limit)
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc.message))
    click.echo(f"Kunci API untuk {row.name} (simpan sekarang, tidak akan ditampilkan lagi):")
    click.echo(plaintext)


@api_key_cli.command("list")
@with_appcontext
def api_key_list_command():
    """List the keys (name, first characters, use, status)."""
    from sqlalchemy import select

    from app.extensions import db
    from app.models import ApiClientKey

    for row in db.session.execute(select(ApiClientKey).order_by(ApiClientKey.name)).scalars():
        state = "dicabut" if row.revoked_at else "aktif"
        click.echo(f"{row.name}\t{row.prefix}…\t{row.rate_limit}\t{row.request_count} permintaan\t{state}")


@api_key_cli.command("revoke")
@click.argument("name")
@with_appcontext
def api_key_revoke_command(name):
    """Revoke the key of client NAME."""
    from sqlalchemy import select

    from app.extensions import db
    from app.models import ApiClientKey
    from app.workflow import apikeys

    row = db.session.execute(select(ApiClientKey).where(ApiClientKey.name == name)).scalar_one_or_none()
    if row is None:
        raise click.ClickException("Kunci tidak ditemukan.")
    apikeys.revoke(row)
    db.session.commit()
    click.echo(f"Kunci {name} dicabut.")
