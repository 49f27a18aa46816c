"""Admin screens of the intake channels: Open311 API keys (and spreadsheet imports).

Thin: keys are created, checked and revoked by ``app.workflow.apikeys``.
"""
from flask import abort, flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.security.decorators import permission_name
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from app.extensions import db
from app.models import ApiClientKey, Channel
from app.workflow import apikeys
from app.workflow.errors import DomainError


class ApiKeyView(BaseView):
    """List, create (the key is shown once) and revoke the Open311 clients' keys."""

    route_base = "/apikeys"
    default_view = "list"
    base_permissions = ["can_list", "can_add", "can_revoke"]

    def _page(self, created=None, created_key=None, form=None, status=200):
        keys = db.session.execute(select(ApiClientKey).order_by(ApiClientKey.revoked_at.is_not(None),
                                                                ApiClientKey.name)).scalars().all()
        channels = db.session.execute(select(Channel).where(Channel.active.is_(True)).order_by(Channel.name)).scalars().all()
        return self.render_template("channels/api_keys.html", title=_("API keys (Open311)"), keys=keys,
                                    channels=channels, created=created, created_key=created_key,
                                    form=form or {"channel": apikeys.DEFAULT_CHANNEL,
                                                  "rate_limit": apikeys.DEFAULT_RATE_LIMIT},
                                    default_channel=apikeys.DEFAULT_CHANNEL), status

    @expose("/")
    @has_access
    def list(self):
        return self._page()

    @expose("/create", methods=["POST"])
    @has_access
    @permission_name("add")
    def create(self):
        form = {"name": request.form.get("name", ""), "channel": request.form.get("channel", ""),
                "rate_limit": request.form.get("rate_limit", "")}
        try:
            row, plaintext = apikeys.create(form["name"], form["channel"] or apikeys.DEFAULT_CHANNEL,
                                            form["rate_limit"], created_by=current_user)
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            flash(str(exc.message), "danger")
            return self._page(form=form, status=400)
        # shown on this response only: never stored, never in a URL or a flash cookie
        return self._page(created=row, created_key=plaintext)

    @expose("/<int:key_id>/revoke", methods=["POST"])
    @has_access
    @permission_name("revoke")
    def revoke(self, key_id):
        row = db.session.get(ApiClientKey, key_id)
        if row is None:
            abort(404)
        apikeys.revoke(row)
        db.session.commit()
        flash(_("API key %(name)s revoked: requests with it are refused from now on.", name=row.name), "success")
        return redirect(url_for(".list"))


# --- spreadsheet import ------------------------------------------------------------------------

IMPORT_STATUS_LABELS = {
    "uploaded": _l("Columns not mapped yet"), "checked": _l("Checked (dry run)"), "queued": _l("Waiting in the queue"),
    "running": _l("Importing"), "done": _l("Done"), "failed": _l("Failed"),
}
IMPORT_CHANNELS = ("phone", "in_person", "letter", "sp4n_lapor", "social_media", "email", "sms", "whatsapp")


class ImportView(BaseView):
    """Upload an XLSX/CSV, map its columns, see the dry run, import in the background."""

    route_base = "/impor"
    default_view = "list"
    base_permissions = ["can_list", "can_add", "can_run"]

    def _batch(self, batch_id):
        from app.models import ImportBatch

        batch = db.session.get(ImportBatch, batch_id)
        if batch is None:
            abort(404)
        return batch

    def _channels(self):
        return db.session.execute(select(Channel).where(Channel.code.in_(IMPORT_CHANNELS), Channel.active.is_(True))
                                  .order_by(Channel.name)).scalars().all()

    @expose("/")
    @has_access
    def list(self):
        from app.models import ImportBatch

        batches = db.session.execute(select(ImportBatch).order_by(ImportBatch.id.desc()).limit(30)).scalars().all()
        return self.render_template("channels/import_list.html", title=_("Import from a spreadsheet"),
                                    batches=batches, channels=self._channels(), status_labels=IMPORT_STATUS_LABELS)

    @expose("/unggah", methods=["POST"])
    @has_access
    @permission_name("add")
    def upload(self):
        from app.channels import spreadsheet

        try:
            batch, _headers = spreadsheet.start(request.files.get("file"), request.form.get("channel") or "phone",
                                                current_user)
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            flash(str(exc.message), "danger")
            return redirect(url_for(".list"))
        return redirect(url_for(".columns", batch_id=batch.id))

    @expose("/<int:batch_id>/kolom", methods=["GET", "POST"])
    @has_access
    @permission_name("add")
    def columns(self, batch_id):
        import json

        from app.channels import spreadsheet

        batch = self._batch(batch_id)
        if batch.status not in ("uploaded", "checked"):
            return redirect(url_for(".show", batch_id=batch.id))
        try:
            headers, _rows = spreadsheet.read_rows(spreadsheet.path_of(batch))
        except (DomainError, OSError):
            flash(_("The uploaded file is no longer available; upload it again."), "danger")
            return redirect(url_for(".list"))
        saved = spreadsheet.saved_mappings()
        status = 200
        if request.method == "POST":
            mapping = {field: request.form.get(f"map_{field}", "") for field in spreadsheet.FIELDS}
            try:
                spreadsheet.set_mapping(batch, mapping, headers, save_as=request.form.get("save_as"))
                spreadsheet.dry_run(batch)
                db.session.commit()
                return redirect(url_for(".show", batch_id=batch.id))
            except DomainError as exc:
                db.session.rollback()
                flash(str(exc.message), "danger")
                status = 400
        else:
            chosen = request.args.get("mapping")
            mapping = json.loads(batch.mapping or "{}") or spreadsheet.guess_mapping(headers)
            for row in saved:
                if str(row.id) == chosen:
                    mapping = {f: c for f, c in json.loads(row.mapping).items() if c in headers}
        return self.render_template("channels/import_columns.html", title=_("Map the columns"), batch=batch,
                                    headers=headers, fields=spreadsheet.FIELDS, mapping=mapping,
                                    saved=saved), status

    @expose("/<int:batch_id>")
    @has_access
    @permission_name("list")
    def show(self, batch_id):
        import json

        batch = self._batch(batch_id)
        report = json.loads(batch.report) if batch.report else None
        return self.render_template("channels/import_show.html", title=_("Import %(name)s", name=batch.filename),
                                    batch=batch, report=report, status_labels=IMPORT_STATUS_LABELS,
                                    can_run=self.appbuilder.sm.has_access("can_run", self.class_permission_name))

    @expose("/<int:batch_id>/jalankan", methods=["POST"])
    @has_access
    @permission_name("run")
    def run(self, batch_id):
        from app.channels import spreadsheet
        from app.jobs import queue

        batch = self._batch(batch_id)
        try:
            spreadsheet.claim_for_run(batch)  # a second click (or coordinator) is told what already happened
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            flash(str(exc.message), "warning")
            return redirect(url_for(".show", batch_id=batch.id))
        job_id = queue.enqueue("app.jobs.tasks.import_spreadsheet", batch.id, timeout=3600, from_request=True)
        if job_id is None:
            spreadsheet.release_claim(batch)
            db.session.commit()
            flash(_("The job queue is not available right now. Please try again later."), "danger")
            return redirect(url_for(".show", batch_id=batch.id))
        spreadsheet.mark_queued(batch, job_id)
        db.session.commit()
        return redirect(url_for(".show", batch_id=batch.id))

    @expose("/<int:batch_id>/status")
    @has_access
    @permission_name("list")
    def status(self, batch_id):
        from flask import jsonify

        batch = self._batch(batch_id)
        total = batch.total_rows or 0
        percent = 100 if batch.status == "done" else (int(batch.processed_rows * 100 / total) if total else 0)
        return jsonify({"status": batch.status, "label": str(IMPORT_STATUS_LABELS.get(batch.status, "")),
                        "processed": batch.processed_rows, "total": total, "progress": percent,
                        "created": batch.created_count, "existing": batch.existing_count, "errors": batch.error_count})
