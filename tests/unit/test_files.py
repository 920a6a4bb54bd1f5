"""What a file is, judged from its content: small real files made here, metadata stripping, and the limits."""

from __future__ import annotations

import io
import wave

import pytest
from PIL import Image
from PIL.ExifTags import GPS, IFD

from functions.forms import files
from functions.forms.schemas import get_form


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (12, 8), (255, 200, 0)).save(buffer, "PNG")
    return buffer.getvalue()


def jpeg_with_gps(orientation: int = 1) -> bytes:
    exif = Image.Exif()
    exif[IFD.GPSInfo] = {
        GPS.GPSLatitudeRef: "N",
        GPS.GPSLatitude: (51.0, 30.0, 26.0),
        GPS.GPSLongitudeRef: "W",
        GPS.GPSLongitude: (0.0, 7.0, 39.0),
    }
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0112] = orientation
    buffer = io.BytesIO()
    Image.new("RGB", (20, 10), (0, 90, 200)).save(buffer, "JPEG", exif=exif.tobytes())
    return buffer.getvalue()


def wav() -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(b"\x00\x00" * 800)
    return buffer.getvalue()


def iso(brand: bytes, compatible: bytes = b"") -> bytes:
    box = b"ftyp" + brand + b"\x00\x00\x00\x00" + compatible
    return (len(box) + 4).to_bytes(4, "big") + box + bytes(32)


def test_a_png_is_a_drawing():
    assert files.sniff(png()) == files.PNG
    assert files.judge(png()).kind == "drawing"


def test_a_jpeg_with_gps_comes_out_without_it():
    original = jpeg_with_gps()
    assert (
        Image.open(io.BytesIO(original)).getexif().get_ifd(IFD.GPSInfo)
    )  # the test file really has a location
    found = files.judge(original)
    assert found == files.JPEG
    clean = files.strip_metadata(original, found)
    picture = Image.open(io.BytesIO(clean))
    assert picture.format == "JPEG" and picture.size == (20, 10)
    assert dict(picture.getexif()) == {}
    assert not picture.getexif().get_ifd(IFD.GPSInfo)
    assert b"PhoneMaker" not in clean and b"Exif" not in clean


def test_a_sideways_photo_is_turned_upright_before_its_exif_goes():
    clean = files.strip_metadata(jpeg_with_gps(orientation=6), files.JPEG)
    assert Image.open(io.BytesIO(clean)).size == (10, 20)


def test_png_text_chunks_are_removed():
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("Location", "51.5, -0.1")
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4)).save(buffer, "PNG", pnginfo=info)
    clean = files.strip_metadata(buffer.getvalue(), files.PNG)
    assert b"Location" not in clean and files.sniff(clean) == files.PNG


def test_a_wav_is_a_recording():
    assert files.judge(wav()) == files.WAV and files.WAV.kind == "recording"


def test_a_text_file_named_png_is_refused():
    data = b"Hello, I am not a picture at all.\n"
    with pytest.raises(files.FileRefused, match="must be a JPG, PNG"):
        files.judge(data)


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b"%PDF-1.7\n%\xe2\xe3", files.PDF),
        (b"ID3\x04\x00\x00\x00\x00\x00\x00" + bytes(20), files.MP3),
        (b"\xff\xfb\x90\x64" + bytes(20), files.MP3),
        (b"\xff\xf1\x50\x80" + bytes(20), files.AAC),
        (iso(b"M4A ", b"M4A mp42isom"), files.M4A),
        (iso(b"isom", b"isomiso2avc1mp41"), files.MP4),
        (iso(b"qt  ", b"qt  "), files.MOV),
        (iso(b"heic", b"mif1heic"), files.HEIC),
        (iso(b"mif1", b"mif1heic"), files.HEIC),
        (b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81\x01\x42\x82\x84webm" + bytes(20), files.WEBM),
        (b"\x1a\x45\xdf\xa3\x9f\x42\x82\x88matroska" + bytes(20), None),
        (b"MZ\x90\x00" + bytes(60), None),
        (b"<svg xmlns='http://www.w3.org/2000/svg'></svg>", None),
        (b"GIF89a" + bytes(20), None),
        (b"PK\x03\x04" + bytes(20), None),
        (b"", None),
    ],
)
def test_types_are_told_from_their_first_bytes(head, expected):
    assert files.sniff(head) == expected


def test_heic_is_kept_as_it_is_because_pillow_cannot_open_it():
    data = iso(b"heic", b"mif1heic")
    assert not files.HEIC.cleanable
    assert files.strip_metadata(data, files.HEIC) == data


def test_a_broken_jpeg_is_refused_not_crashed_on():
    with pytest.raises(files.FileRefused, match="could not be opened"):
        files.strip_metadata(b"\xff\xd8\xff\xe0" + bytes(100), files.JPEG)


def test_size_limits():
    files.check_size(files.MAX_BYTES)
    with pytest.raises(files.FileRefused, match="smaller than 20 MB"):
        files.check_size(files.MAX_BYTES + 1)
    with pytest.raises(files.FileRefused, match="empty"):
        files.check_size(0)
    for wrong in (-1, "10", None, True, 1.5):
        with pytest.raises(files.FileRefused):
            files.check_size(wrong)  # type: ignore[arg-type]
    with pytest.raises(files.FileRefused, match="smaller than 4 MB"):
        files.judge(png() + bytes(files.MAX_FORM_FILE_BYTES), files.MAX_FORM_FILE_BYTES)


def test_declared_types():
    for ok in ("image/png", "image/heic", "audio/x-m4a", "video/quicktime", "", "IMAGE/JPEG; charset=binary"):
        files.check_declared(ok)
    for wrong in ("text/plain", "application/zip", "image/svg+xml", "text/html", None):
        with pytest.raises(files.FileRefused):
            files.check_declared(wrong)  # type: ignore[arg-type]


def test_upload_ids_are_random_uuids_and_email_names_never_use_the_upload_name():
    ids = {files.new_upload_id() for _ in range(100)}
    assert len(ids) == 100 and all(files.is_upload_id(i) for i in ids)
    assert not files.is_upload_id("../../etc/passwd") and not files.is_upload_id("my drawing.png")
    assert not files.is_upload_id("{" + files.new_upload_id() + "}")
    assert files.email_name(files.JPEG, 1) == "drawing-1.jpg"
    assert files.email_name(files.M4A, 3) == "recording-3.m4a"


def test_the_schema_and_the_limits_agree():
    form = get_form("child-views")
    assert form.by_path()["files"].schema["maxItems"] == files.MAX_FILES
