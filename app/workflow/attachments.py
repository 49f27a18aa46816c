"""Attachments of every channel (web form, staff intake, WhatsApp, e-mail): checked, cleaned, stored.

A file a citizen sends can betray them: its name (``KTP_Hana_0812….jpg``), the camera's EXIF
(GPS position, owner, serial number), a PDF's author and producer. So every upload goes through
:func:`validate_uploads` before anything is written:

* the type is read from the content (magic bytes), then the file is **parsed** by the library
  that knows the format (Pillow for images, pypdf for PDFs): a file that only starts like a JPEG
  (a JPEG header in front of HTML, a "polyglot") fails to decode and is refused;
* images are **re-encoded** from their pixels: the EXIF orientation is applied, they are
  downscaled to at most ``ATTACHMENT_MAX_PIXELS`` (2560 px) on the long side, and nothing but the
  pixels survives (no EXIF, no GPS, no comments, no trailing bytes);
* PDFs are rewritten by pypdf without their document information and XMP metadata;
* files are stored under random names outside the static folder; people see a neutral name
  (``lampiran-1.jpg``); the original name is kept for Admin and Koordinator only
  (:func:`display_name`).

Callers: ``accepted = validate_uploads(request.files.getlist(...))`` (raises
:class:`ValidationFailed` with an Indonesian message), then ``written = store(complaint, accepted)``
inside the transaction, and ``discard(written)`` if the transaction fails.
"""
import hashlib
import io
import os
import secrets
from collections import namedtuple

from flask import current_app
from flask_babel import lazy_gettext as _l

from app.models import Attachment
from app.workflow.access import IDENTITY_ROLES, role_names
from app.workflow.errors import ValidationFailed

MAX_FILES = 5
MAX_BYTES = 20 * 1024 * 1024          # per file (phones take large photos)
MAX_SIDE = 2560                       # long side of a stored image, pixels
# pixels of a source image, checked from its header before anything is decoded (decompression bombs):
MAX_SOURCE_PIXELS = 120_000_000       # JPEG: libjpeg decodes it at a reduced scale (``draft``), cheaply
# PNG, GIF and WebP have no reduced decode: every pixel is held at full size (PNG with alpha about
# 9 bytes a pixel while shrinking, WebP about 15), so a 100-megapixel one took 0.9-1.5 GB and 4 s.
# 24 megapixels (at most ~370 MB) still takes a 4K or 5K desktop screenshot, a long phone
# screenshot (1080 x 20000) or a 24-megapixel camera image saved as PNG.
MAX_FULL_DECODE_PIXELS = 24_000_000
JPEG_QUALITY = 85

# content signature -> (content type, extension)
SIGNATURES = [
    (b"\xff\xd8\xff", ("image/jpeg", "jpg")),
    (b"\x89PNG\r\n\x1a\n", ("image/png", "png")),
    (b"GIF87a", ("image/gif", "gif")),
    (b"GIF89a", ("image/gif", "gif")),
    (b"%PDF-", ("application/pdf", "pdf")),
]
IMAGE_TYPES = {"image/jpeg", "image/png", "image/gif", "image/webp"}

# what validate_uploads returns, one per file (a tuple: callers may unpack it)
Upload = namedtuple("Upload", "name data content_type ext")


def sniff(head):
    """The claimed type of a file from its first bytes, or None when not an accepted type."""
    for signature, kind in SIGNATURES:
        if head.startswith(signature):
            return kind
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return ("image/webp", "webp")
    return None


def _max_bytes():
    return int(current_app.config.get("ATTACHMENT_MAX_BYTES", MAX_BYTES))


def _max_side():
    return int(current_app.config.get("ATTACHMENT_MAX_PIXELS", MAX_SIDE))


class TooManyPixels(ValueError):
    """The image has more pixels than its format may have (``limit``): refused before decoding."""

    def __init__(self, limit):
        super().__init__("too many pixels")
        self.limit = limit


def pixel_limit(content_type):
    """The most pixels an image of ``content_type`` may have (see MAX_FULL_DECODE_PIXELS)."""
    return MAX_SOURCE_PIXELS if content_type == "image/jpeg" else MAX_FULL_DECODE_PIXELS


def clean_image(data, content_type, max_side=None):
    """Decode, orient, downscale and re-encode an image: only its pixels survive.

    Returns (bytes, content type, extension); raises :class:`TooManyPixels` when the image has
    more pixels than its format may have, ValueError when the data is not a decodable image of
    the claimed type."""
    from PIL import Image, ImageOps

    max_side = max_side or MAX_SIDE
    fmt = {"image/jpeg": "JPEG", "image/png": "PNG", "image/gif": "GIF", "image/webp": "WEBP"}[content_type]
    limit = pixel_limit(content_type)
    try:
        with Image.open(io.BytesIO(data), formats=[fmt]) as img:
            if img.width * img.height > limit:
                raise TooManyPixels(limit)
            if fmt == "JPEG":
                # let libjpeg decode at a reduced scale when the photo is much larger than kept
                img.draft("RGB", (max_side, max_side))
            img.load()
            ImageOps.exif_transpose(img, in_place=True)  # no second copy of the decoded pixels
            if img.mode not in ("RGB", "L", "RGBA", "LA", "P"):
                img = img.convert("RGB")
            img.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
            out = io.BytesIO()
            if fmt == "JPEG":
                if img.mode not in ("RGB", "L"):
                    img = img.convert("RGB")
                img.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
                return out.getvalue(), "image/jpeg", "jpg"
            if fmt == "WEBP":
                img.save(out, "WEBP", quality=JPEG_QUALITY)
                return out.getvalue(), "image/webp", "webp"
            # PNG and GIF (first frame) become PNG: lossless, no metadata chunks
            if img.mode == "P":
                img = img.convert("RGBA")
            img.save(out, "PNG", optimize=True)
            return out.getvalue(), "image/png", "png"
    except ValueError:
        raise
    except Image.DecompressionBombError:  # Pillow's own header check, at twice its warning size
        raise TooManyPixels(limit)
    except Exception as exc:  # Pillow raises many kinds (UnidentifiedImageError, OSError, SyntaxError...)
        raise ValueError(str(exc)) from exc


def clean_pdf(data):
    """Rewrite a PDF without its document information and XMP metadata."""
    from pypdf import PdfReader, PdfWriter

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise ValueError("encrypted")
        writer = PdfWriter(clone_from=reader)
        writer.metadata = None
        root = writer.root_object
        for key in ("/Metadata", "/PieceInfo"):
            if key in root:
                del root[key]
        for page in writer.pages:
            for key in ("/Metadata", "/PieceInfo"):
                if key in page:
                    del page[key]
        out = io.BytesIO()
        writer.write(out)
        return out.getvalue()
    except ValueError:
        raise
    except Exception as exc:  # pypdf raises PdfReadError, KeyError, ... on broken files
        raise ValueError(str(exc)) from exc


def validate_uploads(files):
    """Read, check and clean every upload first; returns [Upload] or raises ValidationFailed."""
    files = [f for f in files if f and getattr(f, "filename", "")]
    if len(files) > MAX_FILES:
        raise ValidationFailed(_l("At most %(count)d attachments are allowed.", count=MAX_FILES))
    limit = _max_bytes()
    accepted = []
    for upload in files:
        data = upload.read(limit + 1)
        name = os.path.basename((upload.filename or "lampiran").replace("\\", "/"))[:255] or "lampiran"
        if len(data) > limit:
            raise ValidationFailed(_l("%(name)s is larger than %(size)d MB.", name=name, size=limit // (1024 * 1024)))
        if not data:
            raise ValidationFailed(_l("%(name)s is empty.", name=name))
        kind = sniff(data[:16])
        if kind is None:
            raise ValidationFailed(_l("%(name)s is not an image (JPG, PNG, GIF, WebP) or a PDF document.", name=name))
        content_type, ext = kind
        try:
            if content_type in IMAGE_TYPES:
                data, content_type, ext = clean_image(data, content_type, _max_side())
            else:
                data = clean_pdf(data)
        except TooManyPixels as exc:
            raise ValidationFailed(_too_many_pixels(name, content_type, exc.limit))
        except ValueError:
            raise ValidationFailed(_l("%(name)s is damaged or not a real image or PDF document.", name=name))
        accepted.append(Upload(name, data, content_type, ext))
    return accepted


def _too_many_pixels(name, content_type, limit):
    megapixels = limit // 1_000_000
    if content_type == "image/jpeg":
        return _l("%(name)s has more than %(max)d megapixels, the most a JPG photo may have. Send a smaller photo.",
                  name=name, max=megapixels)
    return _l("%(name)s has more than %(max)d megapixels, the most a PNG, GIF or WebP image may have (a JPG photo "
              "may have up to %(jpeg)d). Make the image smaller or send it as a JPG.",
              name=name, max=megapixels, jpeg=MAX_SOURCE_PIXELS // 1_000_000)


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


def is_image(attachment):
    return attachment.content_type in IMAGE_TYPES


def neutral_name(attachment):
    """``lampiran-<n>.<ext>``: n is the file's place among its case's attachments."""
    ext = attachment.stored_name.rsplit(".", 1)[-1] if "." in attachment.stored_name else "bin"
    siblings = sorted(a.id for a in attachment.complaint.attachments) if attachment.complaint else []
    number = siblings.index(attachment.id) + 1 if attachment.id in siblings else 1
    return f"lampiran-{number}.{ext}"


def display_name(attachment, user):
    """What ``user`` sees as the file's name: the original one for Admin/Koordinator only."""
    if role_names(user) & IDENTITY_ROLES:
        return attachment.original_name
    return neutral_name(attachment)
