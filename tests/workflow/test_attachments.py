"""Attachments carry no identity: neutral names, no EXIF/GPS, no PDF author, no polyglot survives."""
import hashlib
import io

import pytest
from PIL import Image
from sqlalchemy import select

from app.extensions import db
from app.models import Complaint
from app.workflow import attachments
from app.workflow.errors import ValidationFailed
from tests.imaging import (
    ARTIST, GPS_IFD, HTML_PAYLOAD, claiming_size, exif_of, image_bytes, jpeg_bytes, jpeg_header_polyglot,
    jpeg_with_trailing_html, pdf_bytes, png_bytes,
)
from tests.views.test_public import submit


class FakeUpload(io.BytesIO):
    def __init__(self, data, filename):
        super().__init__(data)
        self.filename = filename


def clean(data, name="foto.jpg"):
    return attachments.validate_uploads([FakeUpload(data, name)])[0]


def test_photo_exif_and_gps_are_stripped(ctx):
    source = jpeg_bytes(exif=True)
    assert exif_of(source)[0].get_ifd(GPS_IFD), "the fixture must carry GPS"
    upload = clean(source)
    exif, size, info = exif_of(upload.data)
    assert upload.content_type == "image/jpeg" and size == (640, 480)
    assert not exif.get_ifd(GPS_IFD) and ARTIST not in exif and len(exif) == 0
    assert b"Hana Pelapor" not in upload.data and "exif" not in info


def test_orientation_is_applied_before_the_exif_goes(ctx):
    # a phone held upright: pixels stored landscape, EXIF orientation 6 = rotate 90 degrees clockwise
    upload = clean(jpeg_bytes(400, 200, orientation=6))
    with Image.open(io.BytesIO(upload.data)) as img:
        assert img.size == (200, 400)
        # the blue marker was top-left of the stored pixels; after rotating clockwise it is top-right
        assert img.getpixel((190, 10))[2] > 200 and img.getpixel((10, 10))[2] < 100


def test_large_photo_is_downscaled_to_2560_px(ctx):
    upload = clean(jpeg_bytes(5000, 2500, exif=True))
    with Image.open(io.BytesIO(upload.data)) as img:
        assert img.size == (2560, 1280)


def test_png_text_chunks_are_dropped(ctx):
    upload = clean(png_bytes(), "ktp.png")
    assert upload.content_type == "image/png" and b"Hana Pelapor" not in upload.data


def test_pdf_document_info_is_removed(ctx):
    from pypdf import PdfReader

    source = pdf_bytes()
    assert PdfReader(io.BytesIO(source)).metadata["/Author"]
    upload = clean(source, "KTP_Hana_081299990008.pdf")
    reader = PdfReader(io.BytesIO(upload.data))
    assert upload.content_type == "application/pdf" and len(reader.pages) == 1
    assert not reader.metadata and b"Hana" not in upload.data and b"Scanner HP" not in upload.data


@pytest.mark.parametrize("data", [jpeg_header_polyglot(), b"%PDF-1.7\n" + HTML_PAYLOAD,
                                  b"\x89PNG\r\n\x1a\n" + HTML_PAYLOAD, b"GIF89a" + HTML_PAYLOAD])
def test_a_header_in_front_of_html_is_refused(ctx, data):
    with pytest.raises(ValidationFailed) as refused:
        clean(data, "foto.jpg")
    assert "rusak" in str(refused.value.message)


def test_html_after_a_real_jpeg_does_not_survive(ctx):
    upload = clean(jpeg_with_trailing_html())
    assert b"<script" not in upload.data and upload.data.endswith(b"\xff\xd9")


def test_decompression_bomb_is_refused(ctx):
    out = io.BytesIO()
    Image.new("1", (12000, 12000)).save(out, "PNG")  # 144 megapixels, tiny file
    with pytest.raises(ValidationFailed) as refused:
        clean(out.getvalue(), "bom.png")
    assert "lebih dari 24 megapiksel" in str(refused.value.message)


def refusal(data, name):
    with pytest.raises(ValidationFailed) as refused:
        clean(data, name)
    return str(refused.value.message)


@pytest.mark.parametrize("fmt,name", [("PNG", "layar.png"), ("GIF", "animasi.gif"), ("WEBP", "gambar.webp")])
def test_a_png_gif_or_webp_over_24_megapixels_is_refused_with_the_limit_named(ctx, fmt, name):
    """PNG, GIF and WebP have no reduced decode: a 10000 x 10000 one was held at full size (about
    0.9-1.5 GB while shrinking, 4 s). Over 24 megapixels they are refused from their header, before
    decoding, with a message that names the limit and the way out (a JPG may have 120)."""
    message = refusal(image_bytes(4900, 4900, fmt), name)  # 24.01 megapixels
    assert message == (f"{name} lebih dari 24 megapiksel, batas terbesar untuk gambar PNG, GIF, atau WebP "
                       "(foto JPG boleh sampai 120 megapiksel). Perkecil gambarnya atau kirim sebagai JPG.")
    # a header claiming 10000 x 10000 is refused for its size, without decoding what follows
    assert "lebih dari 24 megapiksel" in refusal(claiming_size(png_bytes(), 10000, 10000), "bom.png")


def test_a_jpg_over_120_megapixels_is_refused_with_the_limit_named(ctx):
    bomb = claiming_size(jpeg_bytes(64, 64, exif=False), 11000, 11000)  # 121 megapixels, as its header reads
    assert refusal(bomb, "foto.jpg") == ("foto.jpg lebih dari 120 megapiksel, batas terbesar untuk foto JPG. "
                                          "Kirim foto yang lebih kecil.")


@pytest.mark.parametrize("width,height,fmt", [
    (1080, 20000, "PNG"),   # a long scrolling screenshot of a phone
    (3840, 2160, "WEBP"),   # a 4K desktop screenshot
    (5120, 2880, "PNG"),    # a 5K desktop screenshot
    (6000, 4000, "GIF"),    # 24 megapixels exactly
])
def test_ordinary_screenshots_and_images_up_to_24_megapixels_are_kept(ctx, width, height, fmt):
    upload = clean(image_bytes(width, height, fmt), f"layar.{fmt.lower()}")
    with Image.open(io.BytesIO(upload.data)) as img:
        assert max(img.size) == 2560 and abs(img.width / img.height - width / height) < 0.05


def test_twelve_mb_phone_photo_with_gps_through_the_public_form(app, client):
    """Issue 12 item 6: a 12 MB JPEG with GPS EXIF is accepted, stored <= 2560 px, without GPS."""
    photo = jpeg_bytes(4000, 3000, exif=True, noise=True, quality=95)
    assert len(photo) > 12 * 1024 * 1024, len(photo)
    assert exif_of(photo)[0].get_ifd(GPS_IFD)
    response = submit(client, files=[("IMG_20261102_Hana.jpg", photo)])
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    case = db.session.execute(select(Complaint).order_by(Complaint.id.desc()).limit(1)).scalar_one()
    (row,) = case.attachments
    with open(attachments.path_of(row), "rb") as fh:
        stored = fh.read()
    exif, size, _info = exif_of(stored)
    assert max(size) <= 2560 and size == (2560, 1920)
    assert not exif.get_ifd(GPS_IFD) and len(exif) == 0
    assert row.sha256 == hashlib.sha256(stored).hexdigest() and row.size == len(stored)
    assert row.original_name == "IMG_20261102_Hana.jpg" and "Hana" not in row.stored_name
    attachments.discard([attachments.path_of(row)])


def test_anonymous_reporters_attachment_reaches_opd_without_identity(app, client, login_as, make_case, world):
    from app.workflow import lifecycle

    case = make_case(anonymous=True)
    accepted = attachments.validate_uploads([FakeUpload(jpeg_bytes(exif=True), "KTP_Hana_081299990008.jpg"),
                                             FakeUpload(pdf_bytes(), "surat_Hana.pdf")])
    written = attachments.store(case, accepted)
    db.session.commit()
    lifecycle.perform("dispose", case.id, world.user("koordinator"), agency=world.agency("DINKES"))
    db.session.commit()
    photo, pdf = sorted(case.attachments, key=lambda a: a.id)
    try:
        opd = login_as("opd_dinkes")
        page = opd.get(f"/complaintview/show/{case.id}").get_data(as_text=True)
        assert "lampiran-1.jpg" in page and "lampiran-2.pdf" in page and "Hana" not in page
        response = opd.get(f"/complaintview/attachment/{photo.id}")
        assert response.status_code == 200
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "sandbox" in response.headers["Content-Security-Policy"]
        assert "lampiran-1.jpg" in response.headers["Content-Disposition"]
        assert "Hana" not in response.headers["Content-Disposition"]
        exif, _size, _info = exif_of(response.get_data())
        assert len(exif) == 0
        response = opd.get(f"/complaintview/attachment/{pdf.id}")
        assert response.headers["Content-Disposition"].startswith("attachment;")
        assert "lampiran-2.pdf" in response.headers["Content-Disposition"]
        assert response.headers["X-Content-Type-Options"] == "nosniff" and b"Hana" not in response.get_data()
        # the coordinator (and Admin) still see what the reporter called the file
        page = login_as("koordinator").get(f"/complaintview/show/{case.id}").get_data(as_text=True)
        assert "KTP_Hana_081299990008.jpg" in page
    finally:
        attachments.discard(written)


def test_the_original_file_name_reaches_admin_and_coordinator_only(app, client, login_as, make_case):
    """A named reporter's file called after them: Pimpinan and the OPD see ``lampiran-1.jpg`` on the
    case page, the download and the API; the public pages show no file name at all."""
    original = "KTP_Hana_081299990008.jpg"
    case = make_case(agency="DINKES", status="dispatched")  # public, reporter not anonymous
    written = attachments.store(case, attachments.validate_uploads([FakeUpload(jpeg_bytes(), original)]))
    db.session.commit()
    photo = case.attachments[0]
    try:
        for username in ("admin", "koordinator"):
            page = login_as(username).get(f"/complaintview/show/{case.id}").get_data(as_text=True)
            assert original in page, username
        for username in ("pimpinan", "opd_dinkes"):
            staff = login_as(username)
            page = staff.get(f"/complaintview/show/{case.id}").get_data(as_text=True)
            assert "lampiran-1.jpg" in page and "Hana" not in page, username
            response = staff.get(f"/complaintview/attachment/{photo.id}")
            assert response.status_code == 200, username
            assert "lampiran-1.jpg" in response.headers["Content-Disposition"]
            assert "Hana" not in response.headers["Content-Disposition"], username
            assert "Hana" not in staff.get(f"/api/v1/complaint/{case.id}").get_data(as_text=True), username
        for url in (f"/laporan/{case.tracking_number}", f"/lacak/{case.tracking_number}", "/laporan"):
            response = client.get(url)
            assert response.status_code == 200 and "Hana" not in response.get_data(as_text=True), url
    finally:
        attachments.discard(written)
