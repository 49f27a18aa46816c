"""Real files for upload tests: photos with camera EXIF and GPS, PDFs with an author, polyglots."""
import io
import os

GPS_IFD = 0x8825
EXIF_IFD = 0x8769
ORIENTATION = 0x0112
ARTIST = 0x013B


def camera_exif(orientation=None):
    """EXIF as a phone writes it: owner, camera and the GPS position of the reporter's house."""
    from PIL import Image

    exif = Image.Exif()
    exif[ARTIST] = "Hana Pelapor"
    exif[0x010F] = "PhoneMaker"  # Make
    if orientation:
        exif[ORIENTATION] = orientation
    exif[GPS_IFD] = {1: "S", 2: (6.0, 54.0, 12.5), 3: "E", 4: (107.0, 36.0, 3.25)}
    return exif


def jpeg_bytes(width=640, height=480, exif=True, orientation=None, noise=False, quality=90, color=(200, 60, 40)):
    from PIL import Image

    if noise:
        img = Image.frombytes("RGB", (width, height), os.urandom(width * height * 3))
    else:
        img = Image.new("RGB", (width, height), color)
        # a marker in the top-left corner, to check the orientation
        img.paste((0, 0, 255), (0, 0, max(1, width // 4), max(1, height // 4)))
    out = io.BytesIO()
    kwargs = {"quality": quality}
    if exif:
        kwargs["exif"] = camera_exif(orientation).tobytes()
    img.save(out, "JPEG", **kwargs)
    return out.getvalue()


def png_bytes(width=64, height=48, color=(10, 120, 10)):
    from PIL import Image, PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "Hana Pelapor")
    out = io.BytesIO()
    Image.new("RGB", (width, height), color).save(out, "PNG", pnginfo=info)
    return out.getvalue()


def pdf_bytes(author="Hana Pelapor 081299990008"):
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.add_metadata({"/Author": author, "/Title": "KTP Hana", "/Producer": "Scanner HP"})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


HTML_PAYLOAD = b"<html><body><script>alert(document.cookie)</script></body></html>"


def jpeg_header_polyglot():
    """A JPEG header followed by HTML: sniffs as a JPEG, is not an image."""
    return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + HTML_PAYLOAD


def jpeg_with_trailing_html():
    """A valid JPEG with HTML appended after its end marker: decodes fine, carries a payload."""
    return jpeg_bytes(64, 64, exif=False) + HTML_PAYLOAD


def exif_of(data):
    from PIL import Image

    with Image.open(io.BytesIO(data)) as img:
        return img.getexif(), img.size, dict(img.info)


def image_bytes(width, height, fmt, mode="L"):
    """A plain image of any size in PNG, GIF or WebP (one colour: a small file, cheap to make)."""
    from PIL import Image

    out = io.BytesIO()
    Image.new(mode, (width, height), 128).save(out, fmt)
    return out.getvalue()


def claiming_size(data, width, height):
    """A small PNG or JPEG whose header claims ``width`` x ``height`` pixels (a decompression bomb
    as its header reads; the pixels that follow are those of the small image)."""
    import struct
    import zlib

    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        ihdr = data[12:16] + struct.pack(">II", width, height) + data[24:29]
        return data[:8] + data[8:12] + ihdr + struct.pack(">I", zlib.crc32(ihdr)) + data[33:]
    at = 2
    while True:  # JPEG: walk the segments to the frame header (SOF0/SOF2)
        marker, length = data[at + 1], struct.unpack(">H", data[at + 2:at + 4])[0]
        if marker in (0xC0, 0xC2):
            return data[:at + 5] + struct.pack(">HH", height, width) + data[at + 9:]
        at += 2 + length
