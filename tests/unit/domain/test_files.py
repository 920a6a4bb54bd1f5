"""What a file is, judged from its content: small real files made here, metadata stripping, and the limits.

Each cleaning test reads the clean copy back with the library that wrote the metadata, so it fails if anything
the test put in survives (and first checks that the file it made really carries it).
"""

from __future__ import annotations

import base64
import io
import re
import struct
import wave
import zlib

import pillow_heif
import pytest
from mutagen.apev2 import APEv2
from mutagen.id3 import ID3, TIT2, TPE1, ID3NoHeaderError
from mutagen.mp4 import MP4
from PIL import Image, ImageCms
from PIL.ExifTags import GPS, IFD
from pypdf import PdfReader, PdfWriter
from pypdf.actions import JavaScript
from pypdf.generic import StreamObject

from functions.forms.application.uploads import email_files, keep
from functions.forms.bootstrap import local_services
from functions.forms.config import from_env
from functions.forms.domain import files
from functions.forms.domain.schemas import get_form


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (12, 8), (255, 200, 0)).save(buffer, "PNG")
    return buffer.getvalue()


def gps_exif(orientation: int = 1) -> bytes:
    exif = Image.Exif()
    exif[IFD.GPSInfo] = {
        GPS.GPSLatitudeRef: "N",
        GPS.GPSLatitude: (51.0, 30.0, 26.0),
        GPS.GPSLongitudeRef: "W",
        GPS.GPSLongitude: (0.0, 7.0, 39.0),
    }
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0112] = orientation
    return exif.tobytes()


def jpeg_with_gps(orientation: int = 1) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (20, 10), (0, 90, 200)).save(buffer, "JPEG", exif=gps_exif(orientation))
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


# Cleaning, kind by kind ---------------------------------------------------------------------------------------

XMP = (
    b'<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/">'
    b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description '
    b'xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:creator>XmpCreatorSunny</dc:creator></rdf:Description>'
    b'</rdf:RDF></x:xmpmeta><?xpacket end="w"?>'
)


def heic_with_gps(orientation: int = 6) -> bytes:
    """A 64x32 HEIC like a phone's: EXIF with GPS, XMP, a colour profile and a red corner; stored sideways with a rotation box
    (pillow-heif writes the EXIF orientation as the HEIF 'irot' box and keeps the pixels as they are)."""
    picture = Image.new("RGB", (64, 32), (0, 90, 200))
    picture.paste((255, 0, 0), (0, 0, 16, 16))
    buffer = io.BytesIO()
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    pillow_heif.encode(
        picture.mode,
        picture.size,
        picture.tobytes(),
        buffer,
        exif=gps_exif(orientation),
        xmp=XMP,
        icc_profile=profile,
        quality=90,
    )
    return buffer.getvalue()


def test_every_kind_says_how_far_it_is_cleaned_and_only_webm_is_kept_as_it_is():
    levels = {t.extension: t.cleaning for t in files.BY_CONTENT_TYPE.values()}
    assert levels == {
        "jpg": "all",
        "png": "all",
        "heic": "all",
        "heif": "all",
        "pdf": "all",
        "mp3": "all",
        "aac": "all",
        "wav": "all",
        "m4a": "some",
        "mp4": "some",
        "mov": "some",
        "webm": "none",
    }
    assert [t.extension for t in files.BY_CONTENT_TYPE.values() if t.cleanable] == [
        "jpg", "png", "heic", "heif", "pdf", "mp3", "aac", "wav"
    ]  # fmt: skip
    assert not files.WEBM.processed and files.M4A.processed and not files.M4A.cleanable
    webm = b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81\x01\x42\x82\x84webm" + bytes(40)
    assert files.strip_metadata(webm, files.WEBM) == webm


def test_a_heic_with_gps_comes_out_as_an_upright_jpeg_without_any_metadata():
    original = heic_with_gps(orientation=6)
    assert files.judge(original) == files.HEIC
    made = pillow_heif.open_heif(io.BytesIO(original))
    exif = Image.Exif()
    exif.load(made.info["exif"])
    assert exif.get_ifd(IFD.GPSInfo) and made.info["xmp"] and made.info["icc_profile"]  # it really has them
    clean, now = files.clean_copy(original, files.HEIC)
    assert now == files.JPEG and files.email_name(now, 1) == "drawing-1.jpg"
    picture = Image.open(io.BytesIO(clean))
    assert picture.format == "JPEG"
    assert picture.size == (32, 64)  # turned upright: the rotation box said 90 degrees
    assert (
        picture.getpixel((31, 0))[0] > 200 and picture.getpixel((0, 0))[2] > 150
    )  # red corner now top right
    assert dict(picture.getexif()) == {} and not picture.getexif().get_ifd(IFD.GPSInfo)
    assert not {"exif", "xmp", "icc_profile", "comment", "photoshop"} & set(picture.info)
    assert {marker for marker, _ in picture.applist} == {"APP0"}  # JFIF only
    assert b"PhoneMaker" not in clean and b"XmpCreatorSunny" not in clean and b"Exif" not in clean


def test_an_upright_heic_stays_the_same_way_up():
    clean, _ = files.clean_copy(heic_with_gps(orientation=1), files.HEIC)
    assert Image.open(io.BytesIO(clean)).size == (64, 32)


def test_a_see_through_heic_is_put_on_white():
    picture = Image.new("RGBA", (16, 16), (255, 0, 0, 0))
    buffer = io.BytesIO()
    pillow_heif.encode(picture.mode, picture.size, picture.tobytes(), buffer, quality=90)
    clean = Image.open(io.BytesIO(files.strip_metadata(buffer.getvalue(), files.HEIC)))
    assert clean.mode == "RGB" and min(clean.getpixel((8, 8))) > 240


@pytest.mark.parametrize(
    "data",
    [heic_with_gps()[:300], heic_with_gps()[:40] + bytes(500), iso(b"heic", b"mif1heic")],
    ids=["cut short", "boxes zeroed", "header only"],
)
def test_a_broken_heic_is_refused_not_crashed_on(data):
    assert files.sniff(data) == files.HEIC
    with pytest.raises(files.FileRefused, match="The picture could not be opened"):
        files.clean_copy(data, files.HEIC)


def test_a_heic_or_png_too_big_to_decode_is_refused_before_it_is_decoded(monkeypatch):
    monkeypatch.setattr(files, "MAX_PICTURE_BYTES", 64 * 32 * 3 - 1)  # the test HEIC is 64 x 32, RGB
    with pytest.raises(files.FileRefused, match="The picture is too big"):
        files.strip_metadata(heic_with_gps(), files.HEIC)
    monkeypatch.setattr(files, "MAX_PICTURE_BYTES", 12 * 8 * 3 - 1)  # png() is 12 x 8, RGB
    with pytest.raises(files.FileRefused, match="The picture is too big"):
        files.strip_metadata(png(), files.PNG)


@pytest.mark.parametrize(("over", "shrunk"), [(2, (10, 5)), (5, (5, 3)), (20, (3, 2))])
def test_a_jpeg_too_big_to_decode_whole_is_decoded_smaller_upright_and_clean(monkeypatch, over, shrunk):
    """20 x 10 turned a quarter (EXIF orientation 6), with 2, 5 or 20 times the memory allowed: decoded at a half,
    a quarter or an eighth of its size by libjpeg (so the full size is never held), then turned upright. Turning
    holds the pixels twice, at 4 bytes each (Pillow keeps RGB as RGBX)."""
    monkeypatch.setattr(files, "MAX_PICTURE_BYTES", 20 * 10 * 4 * 2 // over)
    clean = Image.open(io.BytesIO(files.strip_metadata(jpeg_with_gps(orientation=6), files.JPEG)))
    assert clean.size == (shrunk[1], shrunk[0])  # upright: taller than wide
    assert dict(clean.getexif()) == {}
    monkeypatch.setattr(files, "MAX_PICTURE_BYTES", 20 * 10 * 4 * 2 // 100)  # more than an eighth would need
    with pytest.raises(files.FileRefused, match="The picture is too big"):
        files.strip_metadata(jpeg_with_gps(), files.JPEG)


def photo_pdf() -> bytes:
    """One page holding a JPEG photo that carries EXIF with a GPS location (Pillow passes the EXIF through)."""
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (0, 90, 200)).save(buffer, "PDF", exif=gps_exif())
    return buffer.getvalue()


def pdf_with_metadata(pages: int = 2) -> bytes:
    """A PDF with an author, a title, XMP, JavaScript, an attached file, a link and a photo with GPS."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(photo_pdf())))
    for _ in range(pages - 1):
        writer.add_blank_page(200, 200)
    writer.add_metadata({"/Author": "Sunny Child", "/Title": "My private drawing"})
    writer.xmp_metadata = XMP
    writer.add_open_action(JavaScript("app.alert('hello');"))
    writer.add_attachment("notes.txt", b"AttachedSecret")
    writer.add_uri(0, "https://tracker.example/sunny", [0, 0, 20, 20])
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def page_photo(page) -> Image.Image:
    """The first picture a page draws, as its stored bytes (pypdf's own `images` would give a new JPEG)."""
    (reference,) = page["/Resources"]["/XObject"].values()
    return Image.open(io.BytesIO(reference.get_object().get_data()))


def test_a_pdf_keeps_its_pages_and_loses_its_author_title_xmp_and_everything_but_the_pages():
    original = pdf_with_metadata()
    before = PdfReader(io.BytesIO(original))
    assert before.metadata["/Author"] == "Sunny Child" and before.metadata["/Title"] == "My private drawing"
    assert before.xmp_metadata is not None and before.attachments and before.pages[0]["/Annots"]
    assert page_photo(before.pages[0]).getexif().get_ifd(IFD.GPSInfo)  # the photo has a location
    clean, now = files.clean_copy(original, files.PDF)
    assert now == files.PDF
    after = PdfReader(io.BytesIO(clean))
    assert len(after.pages) == 2
    assert after.metadata is None and after.xmp_metadata is None and "/Info" not in after.trailer
    assert not after.attachments
    assert not {"/Names", "/OpenAction", "/Metadata", "/AcroForm", "/Outlines"} & set(after.trailer["/Root"])
    assert all("/Annots" not in page for page in after.pages)
    kept = page_photo(after.pages[0])
    assert kept.size == (40, 30) and dict(kept.getexif()) == {} and "exif" not in kept.info
    for secret in (
        b"Sunny",
        b"XmpCreatorSunny",
        b"AttachedSecret",
        b"tracker.example",
        b"PhoneMaker",
        b"Exif",
    ):
        assert secret not in clean


def test_a_pdf_with_an_owner_password_only_is_cleaned_and_one_that_needs_a_password_is_refused():
    for user_password, refused in (("", False), ("secret", True)):
        writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf_with_metadata())))
        writer.encrypt(user_password, "owner", algorithm="RC4-128")
        buffer = io.BytesIO()
        writer.write(buffer)
        if refused:
            with pytest.raises(files.FileRefused, match="The PDF has a password"):
                files.clean_copy(buffer.getvalue(), files.PDF)
        else:
            after = PdfReader(io.BytesIO(files.clean_copy(buffer.getvalue(), files.PDF)[0]))
            assert not after.is_encrypted and after.metadata is None and len(after.pages) == 2


def test_a_pdf_with_too_many_pages_is_refused():
    writer = PdfWriter()
    for _ in range(files.MAX_PDF_PAGES + 1):
        writer.add_blank_page(100, 100)
    buffer = io.BytesIO()
    writer.write(buffer)
    with pytest.raises(files.FileRefused, match="50 pages or fewer"):
        files.clean_copy(buffer.getvalue(), files.PDF)


@pytest.mark.parametrize(
    "data",
    [
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + b"this is not a PDF at all " * 40,
        pdf_with_metadata()[:200],
        b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 1 0 R >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF",
    ],
    ids=["garbage", "cut short", "pages loop"],
)
def test_a_broken_pdf_is_refused_with_a_clear_message(data, caplog):
    assert files.sniff(data) == files.PDF
    with pytest.raises(files.FileRefused, match=r"^The PDF could not be opened\. Choose another file$"):
        files.clean_copy(data, files.PDF)
    assert not [r for r in caplog.records if r.name.startswith("pypdf")]  # pypdf's warnings quote the file


def mp3_frames(count: int = 10) -> bytes:
    """MPEG-1 Layer III frames (128 kbit/s, 44.1 kHz, 417 bytes each) of silence-like zeros."""
    return (b"\xff\xfb\x90\x64" + bytes(413)) * count


def test_an_mp3_loses_its_id3_and_ape_tags_and_keeps_its_sound():
    sound = mp3_frames()
    buffer = io.BytesIO(sound)
    tags = ID3()
    tags.add(TIT2(encoding=3, text="Recorded at 12 Acacia Avenue"))
    tags.add(TPE1(encoding=3, text="Sunny Child"))
    tags.save(buffer, v1=2)  # ID3v2 at the start and ID3v1 at the end
    ape = APEv2()
    ape["Comment"] = "Sunny's APE comment"
    ape.save(buffer)
    original = buffer.getvalue()
    assert ID3(io.BytesIO(original))["TPE1"].text == ["Sunny Child"] and original[-128:-125] != b"TAG"
    assert files.judge(original) == files.MP3
    clean, now = files.clean_copy(original, files.MP3)
    assert now == files.MP3 and clean == sound
    with pytest.raises(ID3NoHeaderError):
        ID3(io.BytesIO(clean))
    assert b"Sunny" not in clean and b"APETAGEX" not in clean and b"TAG" not in clean[-128:]


def test_aac_behind_an_id3_tag_comes_out_as_aac():
    adts = (b"\xff\xf1\x50\x80\x02\x1f\xfc" + bytes(9)) * 4
    buffer = io.BytesIO(adts)
    tags = ID3()
    tags.add(TPE1(encoding=3, text="Sunny Child"))
    tags.save(buffer)
    assert files.judge(buffer.getvalue()) == files.MP3  # an ID3 tag is all the sniff sees
    clean, now = files.clean_copy(buffer.getvalue(), files.MP3)
    assert now == files.AAC and clean == adts and files.email_name(now, 2) == "recording-2.aac"


def test_an_id3_tag_in_front_of_something_that_is_not_sound_is_refused():
    buffer = io.BytesIO(b"MZ\x90\x00" + bytes(200))
    ID3().save(buffer)
    assert files.judge(buffer.getvalue()) == files.MP3
    with pytest.raises(files.FileRefused, match="The recording could not be opened"):
        files.clean_copy(buffer.getvalue(), files.MP3)


def chunk(name: bytes, payload: bytes) -> bytes:
    return name + struct.pack("<I", len(payload)) + payload + b"\x00" * (len(payload) % 2)


def test_a_wav_keeps_its_sound_and_loses_every_other_chunk():
    sound = wav()
    info = b"INFO" + chunk(b"INAM", b"Sunny at home\x00") + chunk(b"ICMT", b"51.5N 0.1W\x00")
    body = sound[12:] + chunk(b"LIST", info) + chunk(b"bext", b"Originator: Sunny's phone".ljust(64, b"\x00"))
    original = b"RIFF" + struct.pack("<I", 4 + len(body)) + b"WAVE" + body
    with wave.open(io.BytesIO(original)) as check:
        assert check.getnframes() == 800  # the test file is a real WAV
    clean, now = files.clean_copy(original, files.WAV)
    assert now == files.WAV and b"Sunny" not in clean and b"LIST" not in clean and b"bext" not in clean
    with wave.open(io.BytesIO(clean)) as after, wave.open(io.BytesIO(sound)) as before:
        assert after.getparams() == before.getparams()
        assert after.readframes(800) == before.readframes(800)


def test_a_wav_that_is_not_plain_pcm_is_refused():
    fmt = struct.pack("<HHIIHH", 3, 1, 8000, 32000, 4, 32)  # format 3: floating point
    body = chunk(b"fmt ", fmt) + chunk(b"data", bytes(64))
    data = b"RIFF" + struct.pack("<I", 4 + len(body)) + b"WAVE" + body
    assert files.judge(data) == files.WAV
    with pytest.raises(files.FileRefused, match="The recording could not be opened"):
        files.clean_copy(data, files.WAV)


def atom(name: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", 8 + len(payload)) + name + payload


def m4a_with_tags() -> bytes:
    """A minimal M4A (ftyp, moov with mvhd, mdat), a location atom in moov/udta as Android phones write it, and
    iTunes-style tags written by mutagen (a phone's voice recorder may use the place as the title)."""
    mvhd = atom(b"mvhd", bytes(4) + struct.pack(">IIII", 0, 0, 1000, 1000) + bytes(80))
    location = atom(b"\xa9xyz", struct.pack(">HH", 18, 0x15C7) + b"+51.5074-000.1278/")
    buffer = io.BytesIO(
        atom(b"ftyp", b"M4A \x00\x00\x02\x00M4A mp42isom")
        + atom(b"moov", mvhd + atom(b"udta", location))
        + atom(b"mdat", bytes(64))
    )
    tagged = MP4(buffer)
    tagged.add_tags()
    tagged.tags["\xa9nam"] = ["12 Acacia Avenue"]
    tagged.tags["\xa9ART"] = ["Sunny Child"]
    tagged.save(buffer)
    return buffer.getvalue()


def test_an_m4a_loses_its_itunes_tags_but_not_a_location_atom_so_it_is_only_partly_cleaned():
    original = m4a_with_tags()
    assert files.judge(original) == files.M4A and MP4(io.BytesIO(original)).tags["\xa9ART"] == ["Sunny Child"]
    clean, now = files.clean_copy(original, files.M4A)
    assert now == files.M4A and not MP4(io.BytesIO(clean)).tags
    assert b"Sunny" not in clean and b"Acacia" not in clean
    # What mutagen leaves: the ©xyz atom in moov/udta. This is why M4A, MP4 and MOV are "some", with a warning.
    assert b"+51.5074-000.1278/" in clean and not files.M4A.cleanable


def test_an_m4a_mutagen_cannot_read_is_kept_as_it_is():
    data = iso(b"M4A ", b"M4A mp42isom") + b"\x00\x00\xff\xffmoov"
    assert files.strip_metadata(data, files.M4A) == data


def test_a_cmyk_jpeg_inside_a_pdf_loses_its_exif_and_keeps_its_pixels_exactly():
    """Photos inside a PDF keep only the segments that draw them, without being decoded: CMYK too (it used to be
    kept as it was), and the coded picture is the very same bytes."""
    photo = named_exif_jpeg("CmykCamera", mode="CMYK")
    assert Image.open(io.BytesIO(photo)).getexif().get_ifd(IFD.GPSInfo)
    image = b"/Type /XObject /Subtype /Image /Width 40 /Height 30 /ColorSpace /DeviceCMYK /BitsPerComponent 8"
    original = one_page_pdf(
        b"/XObject << /Im1 5 0 R >>",
        b"q 40 0 0 30 0 0 cm /Im1 Do Q",
        pdf_stream(image + b" /Filter /DCTDecode", photo),
    )
    clean, now = files.clean_copy(original, files.PDF)
    (kept,) = jpegs_in(clean)
    assert (
        now == files.PDF and b"CmykCamera" not in kept and dict(Image.open(io.BytesIO(kept)).getexif()) == {}
    )
    start = photo.index(b"\xff\xda")  # the first scan header and everything after it
    assert kept.endswith(photo[start:])
    assert Image.open(io.BytesIO(kept)).tobytes() == Image.open(io.BytesIO(photo)).tobytes()


# Hidden details at any depth of a PDF ----------------------------------------------------------------------------


def named_exif_jpeg(make: str, mode: str = "RGB") -> bytes:
    """A 40 x 30 JPEG whose EXIF holds a GPS location and a camera maker named `make`, to find it by."""
    exif = Image.Exif()
    exif[IFD.GPSInfo] = {GPS.GPSLatitudeRef: "N", GPS.GPSLatitude: (51.0, 30.0, 26.0)}
    exif[0x010F] = make
    colour = {"RGB": (0, 90, 200), "L": 128, "CMYK": (0, 90, 200, 10)}[mode]
    buffer = io.BytesIO()
    Image.new(mode, (40, 30), colour).save(buffer, "JPEG", exif=exif.tobytes())
    return buffer.getvalue()


def pdf_stream(entries: bytes, data: bytes) -> bytes:
    return b"<< %s /Length %d >>\nstream\n%s\nendstream" % (entries, len(data), data)


def raw_pdf(*objects: bytes) -> bytes:
    """A PDF made of these objects, numbered from 1 (the catalogue), with a correct cross-reference table."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    table = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, table)
    return bytes(out)


def one_page_pdf(resources: bytes, content: bytes, *more: bytes, contents: bytes = b"4 0 R") -> bytes:
    """Catalogue, pages, one page (object 3) with these resources and content (object 4), then `more` from 5 on."""
    return raw_pdf(
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents %s /Resources << %s >> >>"
        % (contents, resources),
        pdf_stream(b"/Filter /FlateDecode", zlib.compress(content)),
        *more,
    )


def inline_image(photo: bytes, colours: bytes = b"/RGB", ascii85: bool = False) -> bytes:
    if ascii85:
        return b"BI /W 40 /H 30 /CS %s /BPC 8 /F [/A85 /DCT] ID %s~> EI" % (colours, base64.a85encode(photo))
    return b"BI /W 40 /H 30 /CS %s /BPC 8 /F /DCT ID %s EI" % (colours, photo)


def pdf_with_hidden_photos() -> bytes:
    """A page drawing seven JPEGs with GPS, each hidden somewhere the page-level clean-up never looked: an inline
    image in the second of the page's content streams, a picture inside a tiling pattern, a Form XObject inside a Form XObject holding a
    picture filtered twice (Flate, then DCT) with a JPEG soft mask and an ASCII85 inline image, a Type 3 font glyph
    drawing an inline image, and a CMYK picture."""
    image = b"/Type /XObject /Subtype /Image /Width 40 /Height 30 /BitsPerComponent 8"
    page = b"/Pattern cs /P1 scn 0 100 100 100 re f\n/Fm1 Do\nq 40 0 0 30 150 10 cm /Im3 Do Q\n"
    page += b"BT /F1 12 Tf 150 150 Td (a) Tj ET\n"
    nested = b"q 40 0 0 30 60 10 cm /Im2 Do Q\nq 40 0 0 30 110 10 cm "
    nested += inline_image(named_exif_jpeg("InAForm"), ascii85=True) + b" Q"
    glyph = (
        b"1000 0 d0 q 1000 0 0 1000 0 0 cm " + inline_image(named_exif_jpeg("InAGlyph", "L"), b"/G") + b" Q"
    )
    return one_page_pdf(
        b"/Pattern << /P1 5 0 R >> /XObject << /Fm1 7 0 R /Im3 13 0 R >> /Font << /F1 9 0 R >>",
        page,
        pdf_stream(  # 5: a tiling pattern drawing a picture
            b"/Type /Pattern /PatternType 1 /PaintType 1 /TilingType 1 /BBox [0 0 40 30] /XStep 40 /YStep 30"
            b" /Resources << /XObject << /Im1 6 0 R >> >>",
            b"q 40 0 0 30 0 0 cm /Im1 Do Q",
        ),
        pdf_stream(image + b" /ColorSpace /DeviceRGB /Filter /DCTDecode", named_exif_jpeg("InAPattern")),
        pdf_stream(  # 7: a form drawing a form
            b"/Type /XObject /Subtype /Form /BBox [0 0 200 200] /Resources << /XObject << /Fm2 8 0 R >> >>",
            b"/Fm2 Do",
        ),
        pdf_stream(
            b"/Type /XObject /Subtype /Form /BBox [0 0 200 200] /Resources << /XObject << /Im2 10 0 R >> >>",
            nested,
        ),
        b"<< /Type /Font /Subtype /Type3 /FontBBox [0 0 1000 1000] /FontMatrix [0.001 0 0 0.001 0 0]"
        b" /CharProcs << /a 12 0 R >> /Encoding << /Type /Encoding /Differences [97 /a] >>"
        b" /FirstChar 97 /LastChar 97 /Widths [1000] /Resources << >> >>",
        pdf_stream(  # 10: Flate around the JPEG, and a JPEG soft mask
            image + b" /ColorSpace /DeviceRGB /Filter [/FlateDecode /DCTDecode] /SMask 11 0 R",
            zlib.compress(named_exif_jpeg("FlatedPhoto")),
        ),
        pdf_stream(
            image + b" /ColorSpace /DeviceGray /Filter /DCTDecode", named_exif_jpeg("InASoftMask", "L")
        ),
        pdf_stream(b"", glyph),
        pdf_stream(image + b" /ColorSpace /DeviceCMYK /Filter /DCTDecode", named_exif_jpeg("InCmyk", "CMYK")),
        pdf_stream(b"", b"q 40 0 0 30 10 10 cm " + inline_image(named_exif_jpeg("OnThePage")) + b" Q\n"),
        contents=b"[4 0 R 14 0 R]",
    )


HIDDEN_MAKERS = (
    b"OnThePage",
    b"InAPattern",
    b"InAForm",
    b"FlatedPhoto",
    b"InASoftMask",
    b"InAGlyph",
    b"InCmyk",
)


def jpegs_in(pdf: bytes) -> list[bytes]:
    """Every JPEG a PDF holds, read independently of the cleaning: each stream's data with its other filters undone,
    and the inline images in any stream (ASCII85 undone)."""
    reader = PdfReader(io.BytesIO(pdf))
    found = []
    for number in range(1, reader.trailer["/Size"]):
        stream = reader.get_object(number)
        if not isinstance(stream, StreamObject):
            continue
        data = stream.get_data()
        if data.startswith(b"\xff\xd8"):
            found.append(data)
        for settings, inline in re.findall(rb"BI(.*?)ID (.*?) EI", data, re.DOTALL):
            found.append(base64.a85decode(inline, adobe=True) if b"/A85" in settings else inline)
    return found


def test_every_jpeg_a_pdf_reaches_loses_its_gps_at_any_depth_and_still_draws():
    original = pdf_with_hidden_photos()
    before = jpegs_in(original)
    assert len(before) == len(HIDDEN_MAKERS)  # the test file really hides them all, each with a location
    assert all(Image.open(io.BytesIO(photo)).getexif().get_ifd(IFD.GPSInfo) for photo in before)
    assert all(any(maker in photo for photo in before) for maker in HIDDEN_MAKERS)
    clean, now = files.clean_copy(original, files.PDF)
    assert now == files.PDF and now.cleaning == "all"
    after = jpegs_in(clean)
    assert len(after) == len(HIDDEN_MAKERS)
    for photo in after:
        picture = Image.open(io.BytesIO(photo))
        picture.load()  # still a whole JPEG
        assert picture.size == (40, 30) and dict(picture.getexif()) == {} and "exif" not in picture.info
        assert not {marker for marker, _ in picture.applist} - {"APP0", "APP14"}
    everything = b"".join(
        obj.get_data() if isinstance(obj := PdfReader(io.BytesIO(clean)).get_object(n), StreamObject) else b""
        for n in range(1, PdfReader(io.BytesIO(clean)).trailer["/Size"])
    )
    for maker in (*HIDDEN_MAKERS, b"Exif"):
        assert maker not in everything and maker not in clean
    # The page still draws what it drew: the pattern, the forms, the font and the CMYK picture are all there.
    page = PdfReader(io.BytesIO(clean)).pages[0]
    operators = [operator for _, operator in page.get_contents().operations]
    assert operators.count(b"INLINE IMAGE") == 1 and operators.count(b"Do") == 2 and b"scn" in operators
    assert set(page["/Resources"]["/XObject"]) == {"/Fm1", "/Im3"} and "/P1" in page["/Resources"]["/Pattern"]


def test_a_pdf_keeping_a_jpeg_2000_picture_is_marked_partly_cleaned_and_the_email_warns(tmp_path):
    """A JPEG 2000 may hold metadata boxes we do not remove: that file alone is "some", and the team is told."""
    jpx = b"\x00\x00\x00\x0cjP  \r\n\x87\n" + b"\x00\x00\x00\x14ftypjp2 \x00\x00\x00\x00jp2 " + bytes(64)
    image = b"/Type /XObject /Subtype /Image /Width 4 /Height 4 /ColorSpace /DeviceRGB /BitsPerComponent 8"
    original = one_page_pdf(
        b"/XObject << /Im1 5 0 R >>", b"/Im1 Do", pdf_stream(image + b" /Filter /JPXDecode", jpx)
    )
    _, now = files.clean_copy(original, files.PDF)
    assert now.content_type == "application/pdf" and now.cleaning == "some" and not now.cleanable
    assert files.clean_copy(pdf_with_metadata(), files.PDF)[1].cleaning == "all"  # the others stay "all"
    services = local_services(
        from_env({"VAR_DIR": str(tmp_path), "SITE_URL": "http://127.0.0.1:8000/", "SITE_DIR": ""})
    )
    upload_id = keep(services.uploads, original)
    _, lines = email_files({"answers": {"files": [upload_id]}}, get_form("child-views"), services)
    assert any(line.startswith("drawing-1.pdf: hidden details") and "may not all" in line for line in lines)


def test_a_jpeg_keeps_only_the_segments_that_draw_it():
    """EXIF, XMP, Photoshop/IPTC, comments, a JFIF thumbnail, a phone's second picture (MPF) and anything after the
    end go; JFIF itself, the colour profile and Adobe's marker stay; the picture decodes to the same pixels."""
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (0, 90, 200)).save(buffer, "JPEG", exif=gps_exif(), icc_profile=profile)
    photo = buffer.getvalue()

    def segment(marker: int, payload: bytes) -> bytes:
        return struct.pack(">BBH", 0xFF, marker, len(payload) + 2) + payload

    extra = segment(0xE1, b"http://ns.adobe.com/xap/1.0/\x00" + XMP)
    extra += segment(0xED, b"Photoshop 3.0\x008BIM Sunny's caption")
    extra += segment(0xFE, b"Sunny's comment")
    extra += segment(0xE2, b"MPF\x00Sunny's second picture follows")
    extra += segment(0xE0, b"JFXX\x00\x10Sunny's thumbnail")
    thumbnail = segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x01\x01" + b"SunnyThumb"[:3])
    hostile = photo[:2] + thumbnail + extra + photo[2:] + b"\xff\xd8Sunny's appended picture\xff\xd9"
    clean = files._jpeg_without_metadata(hostile)
    assert b"Sunny" not in clean and b"Exif" not in clean and b"PhoneMaker" not in clean
    picture = Image.open(io.BytesIO(clean))
    assert picture.info.get("icc_profile") == profile and "jfif" in picture.info
    assert picture.tobytes() == Image.open(io.BytesIO(photo)).tobytes()
    assert files._jpeg_without_metadata(clean) == clean
    for broken in (b"not a JPEG", b"\xff\xd8\xff\xe1\xff\xff" + bytes(10), photo[: photo.index(b"\xff\xda")]):
        with pytest.raises(ValueError):
            files._jpeg_without_metadata(broken)


# Recordings: sound frames only -----------------------------------------------------------------------------------


def adts_frames(count: int = 4) -> bytes:
    return (b"\xff\xf1\x50\x80\x02\x1f\xfc" + bytes(9)) * count


@pytest.mark.parametrize(
    ("after", "found"),
    [
        (jpeg_with_gps(), files.MP3),  # a photo with a location, after the sound
        (b"Sunny's secret notes, 12 Acacia Avenue\n" * 20, files.MP3),
        (b"\xff\xfb\x90\x64" + b"Sunny cut short", files.MP3),  # a last frame cut short
    ],
    ids=["photo with GPS", "text", "cut-short frame"],
)
def test_an_mp3_keeps_only_its_sound_frames(after, found):
    sound = mp3_frames()
    clean, now = files.clean_copy(sound + after, files.MP3)
    assert now == found and clean == sound


def test_bytes_between_and_around_sound_frames_and_a_tag_at_the_end_are_left_behind():
    tag = io.BytesIO(b"")
    tags = ID3()
    tags.add(TPE1(encoding=3, text="Sunny Child"))
    tags.save(tag)  # an ID3v2 tag, which we put at the end (mutagen removes only one at the start)
    hidden = jpeg_with_gps()
    original = mp3_frames(5) + hidden + mp3_frames(6) + b"LYRICSBEGINSunny sings" + tag.getvalue()
    clean, now = files.clean_copy(original, files.MP3)
    assert now == files.MP3 and clean == mp3_frames(11)
    aac, now = files.clean_copy(adts_frames() + b"Sunny" + adts_frames() + hidden, files.AAC)
    assert now == files.AAC and aac == adts_frames(8)


@pytest.mark.parametrize(
    "data",
    [
        b"\xff\xfb\x90\x64" + bytes(100),  # one header, nothing like a frame after it
        b"\xff\xfb\x90\x64" + b"\xff\xfb" * 300_000,  # too many places to look for sound
        b"\xff\xf1\x50\x80\x00\x00\x00" + b"Sunny" * 10,  # an ADTS header saying its frame is 0 bytes long
    ],
    ids=["no frames", "search too long", "ADTS frame shorter than its header"],
)
def test_a_recording_with_no_run_of_sound_frames_is_refused(data):
    assert files.sniff(data) in (files.MP3, files.AAC)
    with pytest.raises(files.FileRefused, match="The recording could not be opened"):
        files.clean_copy(data, files.sniff(data) or files.MP3)


def test_mpeg_frame_lengths_follow_the_standard():
    """Frame lengths for each version and layer: the walk depends on them to find the next frame."""
    assert files._mpeg_frame(b"\xff\xfb\x90\x64", 0)[0] == 417  # MPEG-1 layer III, 128 kbit/s, 44.1 kHz
    assert files._mpeg_frame(b"\xff\xfb\x92\x64", 0)[0] == 418  # the same, padded
    assert files._mpeg_frame(b"\xff\xf3\x88\x64", 0)[0] == 288  # MPEG-2 layer III, 64 kbit/s, 16 kHz
    assert files._mpeg_frame(b"\xff\xe3\x18\x64", 0)[0] == 72  # MPEG-2.5 layer III, 8 kbit/s, 8 kHz
    assert files._mpeg_frame(b"\xff\xfd\x80\x64", 0)[0] == 417  # MPEG-1 layer II, 128 kbit/s, 44.1 kHz
    assert files._mpeg_frame(b"\xff\xff\x40\x64", 0)[0] == 136  # MPEG-1 layer I, 128 kbit/s: 4-byte slots
    for wrong in (b"\xff\xfb\xf0\x64", b"\xff\xfb\x0c\x64", b"\xff\xf9\x90\x64", b"\xff\xeb\x90\x64"):
        assert files._mpeg_frame(wrong, 0) is None
