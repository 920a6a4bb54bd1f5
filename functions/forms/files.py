"""Children's drawings and recordings: what a file really is (from its first bytes), the limits, and clean copies.

The type is judged from the content (magic bytes), never from the file's name or what the browser claims.
Photos of drawings (JPEG, PNG) are decoded and re-encoded with Pillow, so EXIF and every other metadata block
(GPS location above all, camera, dates, text chunks, ICC profile) is left behind; the picture is turned the right
way up first, since its EXIF orientation goes too.

Not cleaned, and said so wherever the file is shown to the team:
- HEIC/HEIF photos: Pillow cannot open them without a plugin we do not ship. They are accepted as they are and
  may still carry the phone's EXIF data, including a GPS location.
- PDFs, recordings and videos: kept as they are (a PDF may name its author; a phone video may hold a location).
"""

from __future__ import annotations

import io
import re
import uuid
from dataclasses import dataclass

MAX_FILES = 3
MAX_BYTES = 20 * 1024 * 1024  # each file, uploaded straight to storage
MAX_FORM_FILE_BYTES = 4 * 1024 * 1024  # each file, inside a form posted without JavaScript
EMAIL_ATTACH_BYTES = 10 * 1024 * 1024  # in total, attached to the team's email; the rest are linked
SNIFF_BYTES = 4096  # enough of the start of a file to tell what it is
MAX_PIXELS = 60_000_000  # larger images are refused rather than decoded

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

    @property
    def cleanable(self) -> bool:
        """Whether metadata is removed from this kind of file (JPEG and PNG only)."""
        return self.content_type in {"image/jpeg", "image/png"}


JPEG = FileType("image/jpeg", "jpg", "drawing")
PNG = FileType("image/png", "png", "drawing")
HEIC = FileType("image/heic", "heic", "drawing")
HEIF = FileType("image/heif", "heif", "drawing")
PDF = FileType("application/pdf", "pdf", "drawing")
MP3 = FileType("audio/mpeg", "mp3", "recording")
AAC = FileType("audio/aac", "aac", "recording")
M4A = FileType("audio/mp4", "m4a", "recording")
WAV = FileType("audio/wav", "wav", "recording")
MP4 = FileType("video/mp4", "mp4", "recording")
WEBM = FileType("video/webm", "webm", "recording")
MOV = FileType("video/quicktime", "mov", "recording")
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


def check_size(size: int, limit: int = MAX_BYTES) -> None:
    if not isinstance(size, int) or isinstance(size, bool) or size < 1:
        raise FileRefused("The selected file is empty")
    if size > limit:
        raise FileRefused(f"The selected file must be smaller than {limit // (1024 * 1024)} MB")


def check_declared(content_type: str) -> None:
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


def strip_metadata(data: bytes, found: FileType) -> bytes:
    """A JPEG or PNG decoded and saved again with no metadata; other types come back unchanged (see above)."""
    if not found.cleanable:
        return data
    from PIL import Image, ImageOps

    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.width * image.height > MAX_PIXELS:
                raise FileRefused("The picture is too big. Take a smaller photo and try again")
            image.load()
            upright = ImageOps.exif_transpose(image) or image
            keep = {k: v for k, v in image.info.items() if k == "transparency"}
            clean = upright.copy()
    except FileRefused:
        raise
    except Exception as exc:  # Pillow raises many kinds for a broken or hostile file
        raise FileRefused("The picture could not be opened. Choose another file") from exc
    clean.info = keep
    out = io.BytesIO()
    if found is JPEG:
        if clean.mode not in {"RGB", "L", "CMYK"}:
            clean = clean.convert("RGB")
        clean.save(out, "JPEG", quality=90, optimize=True)
    else:
        clean.save(out, "PNG", optimize=True, **keep)
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
    """The name a file has in the team's email: never the name it was uploaded with."""
    return f"{found.kind}-{number}.{found.extension}"
