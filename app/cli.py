"""``flask lapor ...`` commands."""
import click
from flask.cli import AppGroup, with_appcontext

lapor_cli = AppGroup("lapor", help="Perintah pengelolaan LAPOR! (init, seed-demo, create-admin).")


@lapor_cli.command("init")
@with_appcontext
def init_command():
    """Sync roles/permissions and load reference data (channels, SLA, holidays). Idempotent."""
    from app.extensions import appbuilder, db
    from app.security import sync_roles
    from app.workflow.defaults import ensure_reference_data

    sync_roles(appbuilder)
    ensure_reference_data()
    db.session.commit()
    click.echo("Peran, hak akses dan data referensi siap.")


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
    from app.extensions import appbuilder
    from app.security import sync_roles

    sync_roles(appbuilder)
    sm = appbuilder.sm
    if sm.find_user(username=username):
        raise click.ClickException("Nama pengguna sudah dipakai.")
    user = sm.add_user(username, first_name, last_name, email, [sm.find_role("Admin")], password=password)
    if not user:
        raise click.ClickException("Gagal membuat pengguna.")
    click.echo(f"Admin {username} dibuat.")
