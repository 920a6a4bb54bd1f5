"""Children's drawings and recordings: what a file really is (from its first bytes), the limits, and clean copies.

The type is judged from the content (magic bytes), never from the file's name or what the browser claims.
Each kind of file says how far its hidden details (metadata) are removed, in `FileType.cleaning`; the team's
email warns about every file that may still hold some (see `uploads.email_files`). Every library below is
imported only when a file of its kind arrives, so a handler's cold start does not pay for it.

All removed ("all"):
- JPEG and PNG photos: decoded and saved again with Pillow, so EXIF and every other metadata block (GPS location
  above all, camera, dates, text chunks, ICC profile) is left behind; the picture is turned the right way up
  first, since its EXIF orientation goes too. Whether it can be decoded within MAX_PICTURE_BYTES is worked out
  from its header first (a large JPEG is decoded smaller; anything else too big is refused).
- HEIC/HEIF photos (an iPhone's usual format): decoded with pillow-heif (libheif turns them upright from the
  file's own rotation boxes) and saved as a plain JPEG with Pillow, with no EXIF, XMP, ICC profile, depth map or
  thumbnail. The clean copy is a JPEG from then on (the team can open a JPEG on any computer).
- PDFs: pypdf copies the pages alone into a new file. Left behind: the document information (author, title,
  dates, the program that made it), XMP metadata (of the document and of anything the pages use), annotations
  (links, notes, form fields, attached files, sounds and films), JavaScript and open actions, outlines, page
  thumbnails and programs' private data. Every JPEG the pages reach, at any depth (a page's pictures, pictures
  inside forms, tiling patterns, soft masks and Type 3 font glyphs, and inline images written into any content
  stream), keeps only the segments that draw it: EXIF (a location, say), XMP, Photoshop/IPTC blocks, comments
  and JFIF thumbnails go, losslessly, whatever its colours. Still kept: the text and drawings of each page, fonts
  (with their names) and colour profiles, as is metadata inside a font or colour profile. Answers typed into a
  PDF form's boxes are annotations, so they go too. A password-protected PDF is refused unless it opens without
  one. A JPEG 2000 picture (rare from phones and scanners) may keep metadata boxes we do not remove: that file
  alone is marked "some" (`clean_copy`), so the team's email warns about it.
- MP3 and AAC recordings: mutagen removes ID3 (v1 and v2) and APEv2 tags (titles, names, dates, comments,
  pictures); then only the sound frames are kept, found by following each MPEG audio or ADTS frame header to the
  next, so anything else in the file (an ID3v2 tag at the end, Lyrics3, a picture or any other bytes) goes too.
  A file with no run of sound frames is refused. The frames are kept as they are: they hold the sound (and an
  encoder's own Xing/LAME frame naming the encoder), not who or where.
- WAV recordings: the sound (PCM) is copied into a new WAV file with Python's own `wave` module, so every chunk
  but the format and the sound itself (LIST/INFO, bext, iXML, ID3...) is left behind.

Some removed ("some"), and said so in the team's email:
- M4A, MP4 and MOV: mutagen removes the iTunes-style tags (moov/udta/meta/ilst: title, artist, date, comment,
  and the place name a phone's voice recorder may use as a title), but not a location stored elsewhere in the
  file: the QuickTime/MP4 `©xyz` atom in moov/udta (where Android phones put GPS) and Apple's moov/meta keys
  (where iPhones put it) stay. No well-kept pure-Python library rewrites those.

None removed ("none"), and said so: WebM recordings (no well-kept pure-Python library edits their tags).

A file of an "all" kind that its library cannot open is refused (FileRefused), never kept half-cleaned; an M4A,
MP4 or MOV that mutagen cannot read is kept as it is, under the same warning as the others of its kind.
"""

from __future__ import annotations

import io
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

MAX_FILES = 3
MAX_BYTES = 20 * 1024 * 1024  # each file, uploaded straight to storage
MAX_FORM_FILE_BYTES = 4 * 1024 * 1024  # each file, inside a form posted without JavaScript
EMAIL_ATTACH_BYTES = 10 * 1024 * 1024  # in total, attached to the team's email; the rest are linked
SNIFF_BYTES = 4096  # enough of the start of a file to tell what it is
POST_EXPIRES_SECONDS = 10 * 60  # a presigned POST (or a local upload target) is good for 10 minutes
# The most memory one picture may take while it is decoded and turned upright, worked out from its header before
# anything is decoded (see `_picture_bytes`): its pixels as Pillow holds them (4 bytes a pixel in colour, 1 in
# grey), a second copy while it is turned, and the decoder's own buffers (a progressive JPEG's coefficients, kept at
# full size whatever the scale; a HEIC's decoded planes). A 48-megapixel phone photo needs 384 MB (JPEG, turned)
# or 408 MB (HEIC). A larger JPEG is decoded at a half, a quarter or an eighth of its size (a drawing still shows
# well); any other picture over it is refused. A cleaning then peaks at about 470 MB with the interpreter and a
# 20 MB file (tests/reliability/test_picture_memory.py holds every hostile kind to 600 MB), inside the forms
# function's 1024 MB.
MAX_PICTURE_BYTES = 450_000_000

# What a browser may declare when asking to upload. The declared type only filters out the obviously wrong:
# the content decides. Some browsers give no type for HEIC, so "" and octet-stream are let through to the sniff.
DECLARED_TYPES = frozenset(
    {
        "image/jpeg",
        "image/jpg",
        "image/pjpeg",
        "image/png",
        "image/heic",
        "image/heif",
        "image/heic-sequence",
        "image/heif-sequence",
        "application/pdf",
        "audio/mpeg",
        "audio/mp3",
        "audio/mp4",
        "audio/x-m4a",
        "audio/m4a",
        "audio/aac",
        "audio/x-aac",
        "audio/aacp",
        "audio/wav",
        "audio/x-wav",
        "audio/wave",
        "audio/vnd.wave",
        "video/mp4",
        "video/webm",
        "audio/webm",
        "video/quicktime",
        "application/octet-stream",
        "",
    }
)
TYPE_NAMES = "JPG, PNG, HEIC, PDF, MP3, M4A, WAV, MP4, WEBM or MOV"

_HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"}
_M4A_BRANDS = {b"M4A ", b"M4B ", b"M4P "}
_MP4_BRANDS = {
    b"isom",
    b"iso2",
    b"iso4",
    b"iso5",
    b"iso6",
    b"mp41",
    b"mp42",
    b"avc1",
    b"dash",
    b"M4V ",
    b"mmp4",
    b"3gp4",
    b"3gp5",
    b"3gp6",
    b"3g2a",
    b"MSNV",
}
_QT_ATOMS = {b"moov", b"mdat", b"wide"}


class FileRefused(ValueError):
    """A file we do not take; the text is the message for the person who sent it."""

    def __init__(self, text: str):
        super().__init__(text)
        self.text = text


@dataclass(frozen=True)
class FileType:
    content_type: str
    extension: str
    kind: str  # "drawing" or "recording"
    cleaning: str = "none"  # how far hidden details are removed: "all", "some" or "none" (see above)

    @property
    def cleanable(self) -> bool:
        """Whether every hidden detail we know of is removed from this kind of file (no warning in the email)."""
        return self.cleaning == "all"

    @property
    def processed(self) -> bool:
        """Whether a clean copy is made (read, cleaned, written), rather than the file kept as it is."""
        return self.cleaning != "none"


JPEG = FileType("image/jpeg", "jpg", "drawing", "all")
PNG = FileType("image/png", "png", "drawing", "all")
HEIC = FileType("image/heic", "heic", "drawing", "all")  # kept as a JPEG
HEIF = FileType("image/heif", "heif", "drawing", "all")  # kept as a JPEG
PDF = FileType("application/pdf", "pdf", "drawing", "all")
MP3 = FileType("audio/mpeg", "mp3", "recording", "all")
AAC = FileType("audio/aac", "aac", "recording", "all")
M4A = FileType("audio/mp4", "m4a", "recording", "some")
WAV = FileType("audio/wav", "wav", "recording", "all")
MP4 = FileType("video/mp4", "mp4", "recording", "some")
WEBM = FileType("video/webm", "webm", "recording", "none")
MOV = FileType("video/quicktime", "mov", "recording", "some")
BY_CONTENT_TYPE = {
    t.content_type: t for t in (JPEG, PNG, HEIC, HEIF, PDF, MP3, AAC, M4A, WAV, MP4, WEBM, MOV)
}


def _iso_bmff(head: bytes) -> FileType | None:
    """ISO base media files (HEIC, M4A, MP4, MOV): an 'ftyp' box with a major brand and compatible brands."""
    if head[4:8] != b"ftyp":
        return MOV if head[4:8] in _QT_ATOMS else None
    size = int.from_bytes(head[0:4], "big")
    major = head[8:12]
    compatible = {head[i : i + 4] for i in range(16, min(max(size, 16), len(head)) - 3, 4)}
    if major in _HEIF_BRANDS - {b"mif1", b"msf1"}:
        return HEIC
    if major in _M4A_BRANDS:
        return M4A
    if major == b"qt  ":
        return MOV
    if major in {b"mif1", b"msf1"}:
        return HEIC if compatible & (_HEIF_BRANDS - {b"mif1", b"msf1"}) else HEIF
    if major in _MP4_BRANDS:
        return M4A if compatible & _M4A_BRANDS else MP4
    if compatible & _HEIF_BRANDS:
        return HEIF
    return None


def _mpeg_audio(head: bytes) -> FileType | None:
    """An MP3 (ID3 tag, or an MPEG audio frame header) or a raw AAC stream (ADTS header)."""
    if head[:3] == b"ID3" and len(head) >= 10 and head[3] < 0xFF and head[5] & 0x0F == 0:
        return MP3
    if len(head) < 4 or head[0] != 0xFF or head[1] & 0xE0 != 0xE0:
        return None
    layer = (head[1] >> 1) & 0x03
    if layer == 0:  # ADTS (AAC): layer bits are 00
        return AAC if head[1] & 0xF6 == 0xF0 and (head[2] >> 2) & 0x0F < 13 else None
    version = (head[1] >> 3) & 0x03
    bitrate = head[2] >> 4
    rate = (head[2] >> 2) & 0x03
    if version == 1 or bitrate in (0, 15) or rate == 3:
        return None
    return MP3


def sniff(head: bytes) -> FileType | None:
    """What the file is, from its first bytes; None for anything we do not take."""
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"%PDF-"):
        return PDF
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return WAV
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return WEBM if re.search(rb"\x42\x82[\x80-\x8f]webm", head[:64]) else None
    return _iso_bmff(head) or _mpeg_audio(head)


def check_size(size: object, limit: int = MAX_BYTES) -> None:
    """A declared or real size; anything but a whole number from 1 to `limit` is refused."""
    if not isinstance(size, int) or isinstance(size, bool) or size < 1:
        raise FileRefused("The selected file is empty")
    if size > limit:
        raise FileRefused(f"The selected file must be smaller than {limit // (1024 * 1024)} MB")


def check_declared(content_type: object) -> None:
    """The browser's claimed type, only to turn away the plainly wrong early; the content decides later."""
    if not isinstance(content_type, str) or content_type.split(";")[0].strip().lower() not in DECLARED_TYPES:
        raise FileRefused(f"The selected file must be a {TYPE_NAMES}")


def judge(data: bytes, limit: int = MAX_BYTES) -> FileType:
    """Size and real type of a whole file, or FileRefused."""
    check_size(len(data), limit)
    found = sniff(data[:SNIFF_BYTES])
    if found is None:
        raise FileRefused(f"The selected file must be a {TYPE_NAMES}")
    return found


_PICTURE_BROKEN = "The picture could not be opened. Choose another file"
_PICTURE_TOO_BIG = "The picture is too big. Take a smaller photo and try again"
_PDF_BROKEN = "The PDF could not be opened. Choose another file"
_RECORDING_BROKEN = "The recording could not be opened. Choose another file"


_CLEAN_TOO_BIG = f"The file is too big once checked. Choose a file smaller than {MAX_BYTES // 2**20} MB"


def strip_metadata(data: bytes, found: FileType) -> bytes:
    """A copy without the hidden details `found.cleaning` promises to remove ("none": the same bytes back).

    A HEIC/HEIF comes back as a JPEG. A file the library cannot open is refused (FileRefused), except an M4A, MP4
    or MOV that mutagen cannot read, which comes back as it is (its email warning says so either way).
    """
    return _strip(data, found)[0]


def _strip(data: bytes, found: FileType) -> tuple[bytes, str]:
    """The copy, and how far this very file was cleaned: its kind's level, or "some" for a PDF holding a picture
    whose hidden details cannot be removed (a JPEG 2000)."""
    if found in (JPEG, PNG):
        return _clean_picture(data, found), found.cleaning
    if found in (HEIC, HEIF):
        return _clean_heif(data), found.cleaning
    if found is PDF:
        return _clean_pdf(data)
    if found in (MP3, AAC):
        return _clean_mpeg_audio(data), found.cleaning
    if found is WAV:
        return _clean_wav(data), found.cleaning
    if found in (M4A, MP4, MOV):
        return _clean_iso_media(data), found.cleaning
    return data, found.cleaning


def clean_copy(data: bytes, found: FileType) -> tuple[bytes, FileType]:
    """The clean copy and what it is now, judged again from its content (a HEIC is now a JPEG; an AAC stream that
    came behind an ID3 tag is now an AAC). The copy must still be a file we take, within the size limit. Its
    `cleaning` is this file's own: a PDF that keeps a JPEG 2000 picture is "some", so the team's email warns."""
    clean, level = _strip(data, found)
    now = sniff(clean[:SNIFF_BYTES])
    if now is None:  # an ID3 tag in front of something that is not sound, say
        raise FileRefused(_RECORDING_BROKEN if found.kind == "recording" else _PICTURE_BROKEN)
    if len(clean) > MAX_BYTES:
        raise FileRefused(_CLEAN_TOO_BIG)
    if level != now.cleaning and now.processed:
        now = replace(now, cleaning=level)
    return clean, now


class _TooBig(Exception):
    """A clean copy that grew past MAX_BYTES while it was written."""


class _CappedOutput(io.BytesIO):
    """Where Pillow writes a clean copy: one growing past MAX_BYTES is given up at once (it would be refused anyway),
    so a picture that compresses badly cannot hold its whole re-encoded size (up to its raw pixels) in memory."""

    def write(self, chunk: Any, /) -> int:
        if self.tell() + memoryview(chunk).nbytes > MAX_BYTES:
            raise _TooBig
        return super().write(chunk)


def _clean_picture(data: bytes, found: FileType) -> bytes:
    """A JPEG or PNG decoded and saved again with Pillow, upright, with no metadata."""
    from PIL import Image, ImageOps

    out = _CappedOutput()
    try:
        with Image.open(io.BytesIO(data)) as image:
            _fit_in_memory(image, found, data)
            image.load()
            keep = {k: v for k, v in image.info.items() if k == "transparency"}
            ImageOps.exif_transpose(image, in_place=True)  # in place: no third copy of a large picture
            image.info = dict(keep.items())  # Pillow types its keys as str | tuple
            if found is JPEG:
                clean = image if image.mode in {"RGB", "L", "CMYK"} else image.convert("RGB")
                clean.save(out, "JPEG", quality=90)  # not `optimize`: it holds the whole picture's data again
            else:
                image.save(out, "PNG", **keep)
    except FileRefused:
        raise
    except _TooBig as exc:
        raise FileRefused(_CLEAN_TOO_BIG) from exc
    # Pillow's own limit (179 megapixels), met when a huge picture is opened.
    except Image.DecompressionBombError as exc:
        raise FileRefused(_PICTURE_TOO_BIG) from exc
    except Exception as exc:  # Pillow raises many kinds for a broken or hostile file
        raise FileRefused(_PICTURE_BROKEN) from exc
    return out.getvalue()


def _pixel_bytes(mode: str) -> int:
    """Bytes Pillow holds for each pixel in this mode: RGB, RGBA, CMYK, LA and the 32-bit modes take 4."""
    if mode in {"1", "L", "P"}:
        return 1
    return 2 if mode.startswith("I;16") else 4


def _picture_bytes(image: Any, found: FileType, data: bytes, scale: int) -> int:
    """The memory decoding a JPEG or PNG takes at 1/scale of its size and turning it upright, from its header alone.

    The pixels, twice while `exif_transpose` turns them (a PNG may say how to turn only after its pixels, so it is
    always counted twice); and for a JPEG sent in more than one scan, libjpeg's coefficients while it decodes. They
    are freed when decoding ends, before the picture is turned, so the peak is whichever is larger.
    """
    width, height = -(-image.width // scale), -(-image.height // scale)
    pixels = width * height * _pixel_bytes(image.mode)
    if found is not JPEG:
        return 2 * pixels
    turned = image.getexif().get(0x0112, 1) in range(2, 9)  # the EXIF orientation, read before the pixels
    return max(pixels + _jpeg_coefficient_bytes(image, data), pixels * (2 if turned else 1))


def _jpeg_coefficient_bytes(image: Any, data: bytes) -> int:
    """libjpeg's whole-picture coefficient buffer, which a JPEG sent in more than one scan needs (progressive, or one
    colour at a time): 64 two-byte coefficients for each 8x8 block of each colour, at full size whatever the scale.
    A 13000 x 13000 progressive photo needs 1014 MB of them (three full-size colours), though its file is 2 MB."""
    if not image.info.get("progressive") and _jpeg_first_scan_colours(data) == len(image.layer):
        return 0  # one scan with every colour: libjpeg decodes it a row of blocks at a time
    layers = [(h, v) for _, h, v, _ in image.layer]  # each colour's sampling factors, from the frame header
    most_h, most_v = max(h for h, _ in layers), max(v for _, v in layers)
    total = 0
    for h, v in layers:
        across = -(-image.width * h // (most_h * 8))
        down = -(-image.height * v // (most_v * 8))
        total += -(-across // h) * h * -(-down // v) * v * 128
    return total


def _jpeg_first_scan_colours(data: bytes) -> int | None:
    """How many colours the first scan of a JPEG carries (its SOS header); None when its markers cannot be followed
    (then it counts as sent in several scans: the larger estimate)."""
    pos = 2
    while pos + 4 < len(data):
        if data[pos] != 0xFF:
            return None
        marker = data[pos + 1]
        if (
            marker == 0xFF or marker == 0x01 or 0xD0 <= marker <= 0xD8
        ):  # a fill byte, or a marker with no length
            pos += 1 if marker == 0xFF else 2
            continue
        if marker == 0xDA:
            return data[pos + 4]
        pos += 2 + int.from_bytes(data[pos + 2 : pos + 4], "big")
    return None


def _fit_in_memory(image: Any, found: FileType, data: bytes) -> None:
    """Refuse a picture too big to decode within MAX_PICTURE_BYTES, or have a JPEG decoded at a half, a quarter or
    an eighth of its size."""
    scales = (1, 2, 4, 8) if found is JPEG else (1,)
    scale = next((k for k in scales if _picture_bytes(image, found, data, k) <= MAX_PICTURE_BYTES), None)
    if scale is None:
        raise FileRefused(_PICTURE_TOO_BIG)
    if scale > 1:
        # libjpeg decodes straight to the smaller size, so the full-size picture is never held. (Pillow picks the
        # largest reduction that still gives at least the size asked for.)
        image.draft(image.mode, (max(1, image.width // scale), max(1, image.height // scale)))


def _clean_heif(data: bytes) -> bytes:
    """A HEIC/HEIF photo's main picture, decoded with pillow-heif and saved as a JPEG with nothing else in it.

    libheif turns the picture upright from the file's own rotation and mirror boxes (irot, imir) while decoding, and
    pillow-heif then sets the EXIF orientation to 1, so it is not turned twice. Only the main picture is decoded:
    thumbnails, depth maps, other pictures of a burst, EXIF, XMP and colour profiles are all left behind (a
    wide-colour photo's colours may look a little flatter without its profile).
    """
    import pillow_heif
    from PIL import Image

    try:
        heif = pillow_heif.open_heif(io.BytesIO(data), convert_hdr_to_8bit=True)
        if _heif_bytes(heif) > MAX_PICTURE_BYTES:  # libheif cannot decode smaller
            raise FileRefused(_PICTURE_TOO_BIG)
        image = heif.to_pillow()
        del heif
        if "A" in image.mode or "a" in image.mode:  # see-through: put on white paper (JPEG has no alpha)
            rgba = image if image.mode == "RGBA" else image.convert("RGBA")
            del image
            picture = Image.new("RGB", rgba.size, "white")
            picture.paste(rgba, mask=rgba.getchannel("A"))
            del rgba
        else:
            picture = image if image.mode in {"RGB", "L"} else image.convert("RGB")
    except FileRefused:
        raise
    except Exception as exc:  # ValueError, EOFError, SyntaxError, RuntimeError or OSError for a broken file
        raise FileRefused(_PICTURE_BROKEN) from exc
    picture.info = {}  # Pillow would write the EXIF, XMP, comment or colour profile found here into the JPEG
    out = _CappedOutput()
    try:
        picture.save(out, "JPEG", quality=90)
    except _TooBig:  # a very large, grainy photo: a smaller copy still shows the drawing well
        picture.thumbnail((4096, 4096))
        picture.info = {}
        out = _CappedOutput()
        try:
            picture.save(out, "JPEG", quality=85)
        except _TooBig as exc:
            raise FileRefused(_CLEAN_TOO_BIG) from exc
    return out.getvalue()


def _heif_bytes(heif: Any) -> int:
    """The memory decoding a HEIC/HEIF's main picture takes, from its boxes: libheif's planes (luma, chroma at the
    file's subsampling, alpha; two bytes a sample above 8 bits), its RGB(A) copy of them, and Pillow's picture at 4
    bytes a pixel. Measured: 8.5 bytes a pixel for a phone's 8-bit 4:2:0 photo, 10.4 with alpha or 4:4:4, 9.4 for
    a 10-bit photo (pillow-heif has libheif give 8-bit RGB)."""
    width, height = heif.size  # from the file's boxes: nothing is decoded yet
    chroma = {400: 0.0, 420: 0.5, 422: 1.0}.get(heif.info.get("chroma"), 2.0)  # 4:4:4, or not said: the most
    sample = 2 if (heif.info.get("bit_depth") or 8) > 8 else 1
    planes = sample * (1 + chroma + (1 if heif.has_alpha else 0))
    return int(width * height * (planes + (4 if heif.has_alpha else 3) + 4))


# A PDF: limits, and what a page keeps. Every other page entry (annotations, actions, metadata, thumbnails,
# programs' private data, last-modified dates, article beads, structure links) is left behind.
MAX_PDF_PAGES = 50  # a child's views fit in far fewer; each page costs time to check
_PDF_PAGE_KEEPS = frozenset(
    "/Type /Contents /Resources /MediaBox /CropBox /BleedBox /TrimBox /ArtBox /Rotate /UserUnit /Group".split()
)
# Taken off every dictionary the pages reach: XMP, programs' private data and dates, and OPI (the path and name of
# a print shop's original picture file).
_PDF_DROPS = ("/Metadata", "/PieceInfo", "/LastModified", "/OPI")
# The short names inline images may use (pypdf 7 decodes only the full ones).
_PDF_FILTER_NAMES = {
    "/AHx": "/ASCIIHexDecode",
    "/A85": "/ASCII85Decode",
    "/LZW": "/LZWDecode",
    "/Fl": "/FlateDecode",
    "/RL": "/RunLengthDecode",
    "/CCF": "/CCITTFaxDecode",
    "/DCT": "/DCTDecode",
}
# Where an inline image may begin in a content stream: "BI" as a token of its own.
_PDF_INLINE_IMAGE = re.compile(rb"(?:^|[\x00\t\n\x0c\r ()<>\[\]{}/%])BI(?:$|[\x00\t\n\x0c\r ()<>\[\]{}/%])")


def _clean_pdf(data: bytes) -> tuple[bytes, str]:
    """The pages alone, copied by pypdf into a new PDF with no document information and no XMP (see above); and
    "all", or "some" when a JPEG 2000 picture (whose metadata we cannot remove) is kept."""
    import logging

    # pypdf's warnings can quote a piece of the file: never let them reach our logs.
    logging.getLogger("pypdf").setLevel(logging.CRITICAL + 1)
    from pypdf import PdfReader, PdfWriter

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise FileRefused("The PDF has a password. Save a copy without a password and try again")
        pages = reader.pages
        if not 1 <= len(pages) <= MAX_PDF_PAGES:
            raise FileRefused(
                f"The PDF must have {MAX_PDF_PAGES} pages or fewer"
                if len(pages) > MAX_PDF_PAGES
                else _PDF_BROKEN
            )
        writer = PdfWriter()
        copied = [
            writer.add_page(page, excluded_keys=[k for k in page if k not in _PDF_PAGE_KEEPS])
            for page in pages
        ]
        level = _clean_pdf_objects(copied)
        writer.metadata = None  # no document information dictionary at all (pypdf would add its name)
        out = io.BytesIO()
        writer.write(out)
    except FileRefused:
        raise
    except Exception as exc:  # pypdf raises many kinds (RecursionError too) for a broken or hostile PDF
        raise FileRefused(_PDF_BROKEN) from exc
    return out.getvalue(), level


def _clean_pdf_objects(pages: list[Any]) -> str:
    """Clean everything the copied pages reach, at any depth: pictures inside forms, patterns, soft masks and Type 3
    fonts as well as the pages' own, and inline images in every content stream. "some" if a JPEG 2000 is kept."""
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, StreamObject

    level = "all"
    contents: list[Any] = []  # the streams drawn as content: pages', forms', tiling patterns', Type 3 glyphs'
    seen: set[int] = set()
    todo: list[Any] = list(pages)
    for page in pages:
        drawn = page.get("/Contents")
        drawn = drawn.get_object() if drawn is not None else None
        parts = drawn if isinstance(drawn, ArrayObject) else [drawn] if drawn is not None else []
        contents.extend(part.get_object() for part in parts)
    while todo:  # a loop, not recursion: a hostile PDF may nest as deep as it likes
        item = todo.pop()
        if isinstance(item, IndirectObject):
            item = item.get_object()
        if id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, ArrayObject):
            todo.extend(item)
        if not isinstance(item, DictionaryObject):
            continue
        for key in _PDF_DROPS:
            item.pop(key, None)
        if isinstance(item, StreamObject):
            if item.get("/Subtype") == "/Form" or item.get("/PatternType") == 1:
                contents.append(item)
            if _clean_pdf_picture(item) == "some":
                level = "some"
        glyphs = item.get("/CharProcs") if item.get("/Subtype") == "/Type3" else None
        glyphs = glyphs.get_object() if glyphs is not None else None
        if isinstance(glyphs, DictionaryObject):
            contents.extend(glyph.get_object() for glyph in glyphs.values())
        todo.extend(item.values())
    done: set[int] = set()
    for stream in contents:
        if isinstance(stream, StreamObject) and id(stream) not in done:
            done.add(id(stream))
            if _clean_inline_images(stream) == "some":
                level = "some"
    return level


def _pdf_filters(holder: Any, name: str, parms_name: str) -> tuple[list[str], list[Any]]:
    """A stream's or inline image's filters, in decoding order and by their full names, with their parameters (None
    where there are none)."""
    filters: Any = holder.get(name)
    filters = filters.get_object() if filters is not None else None
    listed_names = filters if isinstance(filters, list) else [filters] if filters else []
    names = [_PDF_FILTER_NAMES.get(str(name), str(name)) for name in listed_names]
    parms: Any = holder.get(parms_name)
    parms = parms.get_object() if parms is not None else None
    listed = list(parms) if isinstance(parms, list) else [parms]
    return names, [*listed, *[None] * len(names)][: len(names)]


def _clean_pdf_picture(stream: Any) -> str:
    """A JPEG anywhere in the PDF keeps only what draws it (`_jpeg_without_metadata`); "some" for a JPEG 2000."""
    from pypdf.generic import EncodedStreamObject, NameObject, StreamObject

    names, parms = _pdf_filters(stream, "/Filter", "/DecodeParms")
    if "/JPXDecode" in names:
        return "some"
    if "/DCTDecode" not in names:
        return "all"
    if names[-1] != "/DCTDecode":  # a JPEG that is then filtered again: nothing could draw it
        raise ValueError("DCTDecode is not the last filter")
    photo = stream.get_data()  # the filters before DCTDecode undone (pypdf leaves the JPEG itself as it is)
    clean = _jpeg_without_metadata(photo)
    if clean == photo:
        return "all"
    if isinstance(stream, EncodedStreamObject):
        StreamObject.set_data(stream, clean)  # pypdf's own setter here takes Flate data only
        stream.decoded_self = None
    else:
        stream.set_data(clean)
    stream[NameObject("/Filter")] = NameObject("/DCTDecode")
    stream.pop("/DecodeParms", None)
    if parms[-1] is not None:
        stream[NameObject("/DecodeParms")] = parms[-1]
    return "all"


def _clean_inline_images(stream: Any) -> str:
    """A content stream's inline JPEGs (BI ... ID ... EI) keep only what draws them (`_jpeg_without_metadata`);
    "some" if it has an inline JPEG 2000 (which PDF does not allow, but a reader might draw).

    pypdf finds each inline image and its data; the clean data is put back in the very place of the old, wrapped
    again in the same text filters (ASCII85, hex) or Flate, and every other byte of the stream stays as it was
    (pypdf's own rewriting of a content stream drops the space before "EI", which some readers need). The stream is
    written again only if a picture changed. One that cannot be read or put back is refused, as a broken PDF.
    """
    import base64
    import zlib

    from pypdf.filters import decode_stream_data
    from pypdf.generic import (
        ArrayObject,
        ContentStream,
        EncodedStreamObject,
        NameObject,
        NullObject,
        StreamObject,
    )

    data = stream.get_data()
    if not _PDF_INLINE_IMAGE.search(data):
        return "all"
    content = ContentStream(None, None)
    content.set_data(data)
    pieces: list[bytes] = []
    pos, level = 0, "all"
    for operands, operator in content.operations:
        if operator != b"INLINE IMAGE":
            continue
        settings, raw = operands["settings"], operands["data"]
        key, parms_key = ("/F", "/DP") if "/F" in settings else ("/Filter", "/DecodeParms")
        names, parms = _pdf_filters(settings, key, parms_key)
        at = data.find(raw, pos)  # pypdf's data is the very bytes of the stream, found in order
        if "/JPXDecode" in names:
            level = "some"
        if "/DCTDecode" not in names:
            pos = at + len(raw) if at >= 0 else pos
            continue
        if at < 0:
            raise ValueError("an inline JPEG not found where pypdf read it")
        if names[-1] != "/DCTDecode":
            raise ValueError("DCT is not the last filter")
        wrapping = names[:-1]
        photo = raw
        if wrapping:  # ASCII85 around the JPEG, say: undone, so the JPEG can be read
            holder = StreamObject()
            holder.set_data(raw)
            holder[NameObject("/Filter")] = ArrayObject(NameObject(name) for name in wrapping)
            holder[NameObject("/DecodeParms")] = ArrayObject(
                NullObject() if p is None else p for p in parms[:-1]
            )
            photo = decode_stream_data(holder)
        clean = _jpeg_without_metadata(photo)
        if clean != photo:
            for name, parm in reversed(list(zip(wrapping, parms[:-1], strict=True))):
                if name == "/ASCII85Decode":
                    clean = base64.a85encode(clean) + b"~>"
                elif name == "/ASCIIHexDecode":
                    clean = clean.hex().encode() + b">"
                elif name == "/FlateDecode" and parm is None:
                    clean = zlib.compress(clean)
                else:  # LZW, run length or a predictor around a JPEG: never seen, so not written
                    raise ValueError("an inline JPEG wrapped in a filter we do not write")
            start = data.rfind(b"BI", pos, at)  # PDF 2.0 may give the data's length in the image's dictionary
            header = re.sub(rb"(/L(?:ength)?\s+)\d+", b"\\g<1>%d" % len(clean), data[start:at])
            pieces += [data[pos:start], header, clean]
            pos = at + len(raw)
    if not pieces:
        return level
    packed = zlib.compress(b"".join([*pieces, data[pos:]]))
    if isinstance(stream, EncodedStreamObject):
        StreamObject.set_data(stream, packed)  # pypdf's own setter here takes Flate data only
        stream.decoded_self = None
    else:
        stream.set_data(packed)
    stream[NameObject("/Filter")] = NameObject("/FlateDecode")
    stream.pop("/DecodeParms", None)
    return level


# A marker after a scan's entropy-coded data: 0xFF followed by anything but a stuffed zero, a restart or a fill byte.
_JPEG_NEXT_MARKER = re.compile(rb"\xff[^\x00\xd0-\xd7\xff]")
# Frame headers, Huffman, arithmetic and quantisation tables, line count, restart interval, hierarchical headers.
_JPEG_DRAWING = frozenset({*range(0xC0, 0xC8), *range(0xC9, 0xD0), 0xDB, 0xDC, 0xDD, 0xDE, 0xDF})


def _jpeg_without_metadata(data: bytes) -> bytes:
    """A JPEG's bytes with only what draws the picture: its frame, tables and scans, with the JFIF header (without
    its thumbnail), the colour profile and Adobe's colour transform. EXIF (GPS above all), XMP, Photoshop and IPTC
    blocks, comments, every other application's segment and anything after the picture's end (a second picture
    a phone appends, say) are left behind. Nothing is decoded: the pixels stay exactly as they were, in any colour
    space. ValueError when it is not a JPEG whose segments can be followed."""
    if not data.startswith(b"\xff\xd8"):
        raise ValueError("not a JPEG")
    out = [b"\xff\xd8"]
    pos, end, scans = 2, len(data), 0
    while pos + 1 < end:
        if data[pos] != 0xFF:  # stray bytes between segments, which libjpeg skips as well
            pos = data.find(b"\xff", pos)
            if pos < 0:
                break
            continue
        marker = data[pos + 1]
        if marker == 0xD9:
            break
        if marker == 0xFF or marker == 0x01 or 0xD0 <= marker <= 0xD8 or marker == 0x00:
            pos += (
                1 if marker == 0xFF else 2
            )  # a fill byte, or a marker with no length that means nothing here
            continue
        size = int.from_bytes(data[pos + 2 : pos + 4], "big")
        after = pos + 2 + size
        if size < 2 or after > end:
            raise ValueError("a JPEG segment runs past the end")
        payload = data[pos + 4 : after]
        if marker == 0xDA:  # a scan: its header, then its coded data up to the next marker
            found = _JPEG_NEXT_MARKER.search(data, after)
            after = found.start() if found else end
            out.append(data[pos:after])
            scans += 1
        elif marker in _JPEG_DRAWING:
            out.append(data[pos:after])
        elif marker == 0xE0 and payload.startswith(b"JFIF\x00") and len(payload) >= 14:
            out.append(b"\xff\xe0\x00\x10" + payload[:12] + b"\x00\x00")  # no thumbnail
        elif (marker == 0xE2 and payload.startswith(b"ICC_PROFILE\x00")) or (
            marker == 0xEE and payload.startswith(b"Adobe")
        ):
            out.append(data[pos:after])
        pos = after
    if not scans:
        raise ValueError("a JPEG with no picture")
    out.append(b"\xff\xd9")
    return b"".join(out)


def _clean_mpeg_audio(data: bytes) -> bytes:
    """An MP3 or AAC stream without its ID3 (v1 and v2) and APEv2 tags (removed by mutagen), then its sound frames
    alone (`_sound_frames`): whatever else is left, before, between or after them, is left behind too."""
    from mutagen.apev2 import delete as delete_ape
    from mutagen.id3 import delete as delete_id3

    out = io.BytesIO(data)
    try:
        for _ in range(8):  # some taggers leave two or more ID3 tags one after another
            out.seek(0, io.SEEK_END)
            before = out.tell()
            delete_id3(out)
            delete_ape(out)
            out.seek(0, io.SEEK_END)
            if out.tell() == before:
                break
    except Exception as exc:  # MutagenError mostly; anything else for a hostile file
        raise FileRefused(_RECORDING_BROKEN) from exc
    return _sound_frames(out.getvalue())


# MPEG audio bit rates in kbit/s for bit-rate indexes 1 to 14, by (MPEG-1?, layer); MPEG-2 and 2.5 share a row.
_MPEG_BITRATES = {
    (True, 1): (32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448),
    (True, 2): (32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384),
    (True, 3): (32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    (False, 1): (32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256),
    (False, 2): (8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
    (False, 3): (8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}
_MPEG_SAMPLE_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}
# Limits on a hostile stream's cost (a 20 MB file holds about 50,000 frames at 128 kbit/s, 300,000 at 8 kbit/s).
_MAX_SOUND_FRAMES = 1_000_000
_MAX_FRAME_SEARCHES = 200_000
_FRAMES_TO_TRUST = 4  # frames one after another that make a run of sound, not a chance 0xFFF in other data
_FrameReader = Callable[[bytes, int], tuple[int, int] | None]


def _mpeg_frame(data: bytes, pos: int) -> tuple[int, int] | None:
    """An MPEG audio frame (MP3) at pos: its length from bit rate, sample rate and padding, and what stays the same
    from frame to frame in one stream (version, layer, sample rate)."""
    if pos + 4 > len(data) or data[pos] != 0xFF or data[pos + 1] & 0xE0 != 0xE0:
        return None
    version, layer_bits = (data[pos + 1] >> 3) & 3, (data[pos + 1] >> 1) & 3
    index, rate_index = data[pos + 2] >> 4, (data[pos + 2] >> 2) & 3
    if version == 1 or layer_bits == 0 or index in (0, 15) or rate_index == 3:
        return None
    layer, mpeg1 = 4 - layer_bits, version == 3
    bitrate = _MPEG_BITRATES[(mpeg1, layer)][index - 1] * 1000
    rate = _MPEG_SAMPLE_RATES[version][rate_index]
    padding = (data[pos + 2] >> 1) & 1
    if layer == 1:
        length = (12 * bitrate // rate + padding) * 4
    else:
        length = (144 if mpeg1 or layer == 2 else 72) * bitrate // rate + padding
    return length, (data[pos + 1] & 0xFE) << 8 | rate_index


def _adts_frame(data: bytes, pos: int) -> tuple[int, int] | None:
    """An ADTS frame (AAC) at pos: the length its header gives, and what stays the same in one stream (MPEG
    version, profile, sample rate, channels)."""
    if pos + 7 > len(data) or data[pos] != 0xFF or data[pos + 1] & 0xF6 != 0xF0:
        return None
    if (data[pos + 2] >> 2) & 0x0F >= 13:
        return None
    length = (data[pos + 3] & 3) << 11 | data[pos + 4] << 3 | data[pos + 5] >> 5
    if length < (7 if data[pos + 1] & 1 else 9):  # shorter than its own header
        return None
    return length, (data[pos + 1] & 0x08) << 16 | (data[pos + 2] & 0xFD) << 8 | data[pos + 3] & 0xC0


def _sound_frames(data: bytes) -> bytes:
    """Only the sound frames of an MPEG audio (MP3) or ADTS (AAC) stream, found by following their headers: each
    gives its frame's length, so the next header must come straight after. Anything else (a tag mutagen does not
    know, such as Lyrics3 or an ID3v2 tag at the end; a picture; any other bytes, before, between or after the
    frames) is left behind, as is a last frame cut short. After other bytes, sound starts again only where
    `_FRAMES_TO_TRUST` frames of the same stream follow one another (or frames run to the very end).
    FileRefused when no run of frames is found, or the search costs too much."""
    end = len(data)
    whole = memoryview(data)
    kept: list[memoryview] = []
    reader: _FrameReader | None = None
    stream: int | None = None
    pos, searches, frames = 0, 0, 0
    while pos < end:
        start = data.find(b"\xff", pos)  # where the next run of frames starts: at pos, when the sound goes on
        while start >= 0:
            searches += 1
            if searches > _MAX_FRAME_SEARCHES:
                raise FileRefused(_RECORDING_BROKEN)
            found = _frame_run(data, start, (reader,) if reader else (_mpeg_frame, _adts_frame), stream)
            if found:
                reader, stream = found
                break
            start = data.find(b"\xff", start + 1)
        if start < 0 or reader is None:
            break
        pos = start
        while (frame := reader(data, pos)) and frame[1] == stream and pos + frame[0] <= end:
            pos += frame[0]
            frames += 1
            if frames > _MAX_SOUND_FRAMES:
                raise FileRefused(_RECORDING_BROKEN)
        kept.append(whole[start:pos])
    if not kept:
        raise FileRefused(_RECORDING_BROKEN)
    return b"".join(kept)


def _frame_run(
    data: bytes, start: int, readers: tuple[_FrameReader, ...], stream: int | None
) -> tuple[_FrameReader, int] | None:
    """The frame reader and stream of a run of frames starting at `start`, or None (see `_sound_frames`)."""
    for reader in readers:
        pos, count, same = start, 0, stream
        while count < _FRAMES_TO_TRUST and (frame := reader(data, pos)):
            if (same is not None and frame[1] != same) or pos + frame[0] > len(data):
                break
            same, count, pos = frame[1], count + 1, pos + frame[0]
            if pos == len(data):
                break
        if same is not None and (count >= _FRAMES_TO_TRUST or (count and pos == len(data))):
            return reader, same
    return None


def _clean_wav(data: bytes) -> bytes:
    """A WAV's sound copied into a new WAV with the standard library: only the format and the sound go across."""
    import wave

    try:
        with wave.open(io.BytesIO(data), "rb") as source:
            params = source.getparams()
            frames = source.readframes(params.nframes)
        out = io.BytesIO()
        with wave.open(out, "wb") as target:
            target.setparams(params)
            target.writeframes(frames)
    except Exception as exc:  # wave.Error or EOFError for a WAV that is not PCM sound, or broken
        raise FileRefused(_RECORDING_BROKEN) from exc
    return out.getvalue()


def _clean_iso_media(data: bytes) -> bytes:
    """An M4A, MP4 or MOV without its iTunes-style tags (mutagen); the same bytes when mutagen cannot read it."""
    from mutagen.mp4 import delete

    out = io.BytesIO(data)
    try:
        delete(out)
    except Exception:  # MutagenError mostly; kept as it is, under the same warning
        return data
    return out.getvalue()


def new_upload_id() -> str:
    """A random, server-made id: the only name a file is stored under."""
    return str(uuid.uuid4())


def is_upload_id(text: object) -> bool:
    if not isinstance(text, str):
        return False
    try:
        return str(uuid.UUID(text)) == text
    except ValueError:
        return False


def email_name(found: FileType, number: int) -> str:
    """The name a file has in the team's email: never the name it was uploaded with (that name, cleaned by
    sent_name, is only said beside it in the email's text)."""
    return f"{found.kind}-{number}.{found.extension}"


# The longest file name kept, in characters; a longer one keeps its start and its extension.
MAX_NAME_CHARS = 80
_UNSAFE_IN_NAMES = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]')


def sent_name(name: object) -> str:
    """A file's name as the family's device gave it, safe to show and to use as an attachment's name: no folders,
    no invisible or control characters (which can hide or reorder text), none of the characters a file system or
    mail program reads as special, no leading dots, single spaces, at most MAX_NAME_CHARS. "" when nothing is left."""
    import unicodedata

    if not isinstance(name, str):
        return ""
    name = re.split(r"[\\/]", name)[-1]
    name = "".join(c for c in name if unicodedata.category(c) not in ("Cc", "Cf", "Cs", "Zl", "Zp"))
    name = _UNSAFE_IN_NAMES.sub("_", unicodedata.normalize("NFC", name))
    name = " ".join(name.split()).lstrip(".").strip()
    if len(name) > MAX_NAME_CHARS:
        _, dot, extension = name.rpartition(".")
        keep = extension if dot and len(extension) <= 5 else ""
        name = name[: MAX_NAME_CHARS - len(keep) - 2].rstrip() + "…" + ("." + keep if keep else "")
    return name


def size_words(size: int) -> str:
    """A file's real size as a person says it: "820 bytes", "34 KB", "2.5 MB" (never "0.0 MB")."""
    if size < 1024:
        return f"{size} bytes"
    if size < 2**20:
        return f"{round(size / 1024)} KB"
    return f"{size / 2**20:.1f} MB"


def type_words(found: FileType) -> str:
    """What a file really is, for the team: "PNG drawing", "MP3 recording"."""
    return f"{found.extension.upper()} {found.kind}"


def incoming_key(upload_id: str) -> str:
    """Where an upload lands, as the browser sent it."""
    return f"incoming/{uuid.UUID(upload_id)}"


def clean_key(upload_id: str) -> str:
    """Where the checked, cleaned copy of an upload is kept (its description beside it, with .json)."""
    return f"files/{uuid.UUID(upload_id)}"
