"""Attachments: type checked from the content, stored outside the static folder under random names."""
import hashlib
import os
import secrets

from flask import current_app
from flask_babel import lazy_gettext as _l

from app.models import Attachment
from app.workflow.errors import ValidationFailed

MAX_FILES = 5
MAX_BYTES = 5 * 1024 * 1024

# content signature -> (content type, extension)
SIGNATURES = [
    (b"\xff\xd8\xff", ("image/jpeg", "jpg")),
    (b"\x89PNG\r\n\x1a\n", ("image/png", "png")),
    (b"GIF87a", ("image/gif", "gif")),
    (b"GIF89a", ("image/gif", "gif")),
    (b"%PDF-", ("application/pdf", "pdf")),
]


def sniff(head):
    """The real type of a file from its first bytes, or None when not an accepted type."""
    for signature, kind in SIGNATURES:
        if head.startswith(signature):
            return kind
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return ("image/webp", "webp")
    return None


def validate_uploads(files):
    """Read and check every upload first; returns [(name, data, content type, ext)] or raises."""
    files = [f for f in files if f and getattr(f, "filename", "")]
    if len(files) > MAX_FILES:
        raise ValidationFailed(_l("At most %(count)d attachments are allowed.", count=MAX_FILES))
    accepted = []
    for upload in files:
        data = upload.read(MAX_BYTES + 1)
        name = os.path.basename(upload.filename or "lampiran")[:255]
        if len(data) > MAX_BYTES:
            raise ValidationFailed(_l("%(name)s is larger than 5 MB.", name=name))
        if not data:
            raise ValidationFailed(_l("%(name)s is empty.", name=name))
        kind = sniff(data[:16])
        if kind is None:
            raise ValidationFailed(_l("%(name)s is not an image (JPG, PNG, GIF, WebP) or a PDF document.", name=name))
        accepted.append((name, data, kind[0], kind[1]))
    return accepted


def store(complaint, accepted, event=None):
    """Write validated files and add their rows; returns the paths written (for cleanup on failure)."""
    folder = current_app.config["UPLOAD_FOLDER"]
    os.makedirs(folder, exist_ok=True)
    written = []
    for name, data, content_type, ext in accepted:
        stored = f"{secrets.token_hex(16)}.{ext}"
        path = os.path.join(folder, stored)
        with open(path, "xb") as fh:
            fh.write(data)
        written.append(path)
        complaint.attachments.append(Attachment(
            original_name=name, stored_name=stored, content_type=content_type, size=len(data),
            sha256=hashlib.sha256(data).hexdigest(), event_id=getattr(event, "id", None),
        ))
    return written


def discard(paths):
    for path in paths:
        try:
            os.remove(path)
        except OSError:
            pass


def path_of(attachment):
    return os.path.join(current_app.config["UPLOAD_FOLDER"], attachment.stored_name)
