"""Children's drawings and recordings: what a file really is (from its first bytes), the limits, and clean copies.

The type is judged from the content (magic bytes), never from the file's name or what the browser claims.
Each kind of file says how far its hidden details (metadata) are removed, in `FileType.cleaning`; the team's
email warns about every file that may still hold some (see `uploads.email_files`). Every library below is
imported only when a file of its kind arrives, so a handler's cold start does not pay for it.

All removed ("all"):
- JPEG and PNG photos: decoded and saved again with Pillow, so EXIF and every other metadata block (GPS location
  above all, camera, dates, text chunks, ICC profile) is left behind; the picture is turned the right way up
  first, since its EXIF orientation goes too.
- HEIC/HEIF photos (an iPhone's usual format): decoded with pillow-heif (libheif turns them upright from the
  file's own rotation boxes) and saved as a plain JPEG with Pillow, with no EXIF, XMP, ICC profile, depth map or
  thumbnail. The clean copy is a JPEG from then on (the team can open a JPEG on any computer).
- PDFs: pypdf copies the pages alone into a new file. Left behind: the document information (author, title,
  dates, the program that made it), XMP metadata (of the document, of pages and of images), annotations (links,
  notes, form fields, attached files, sounds and films), JavaScript and open actions, outlines, page thumbnails
  and programs' private data. A JPEG photo inside a page that carries EXIF or XMP (a location, say) is decoded
  and saved again without it. Still kept: the text and drawings of each page, fonts (with their names) and colour
  profiles; a CMYK or JPEG 2000 picture inside a page (rare from phones and scanners) keeps whatever metadata it
  has, as does metadata inside a font or colour profile. Answers typed into a PDF form's boxes are annotations, so
  they go too. A password-protected PDF is refused unless it opens without one.
- MP3 and AAC recordings: mutagen removes ID3 (v1 and v2) and APEv2 tags: titles, names, dates, comments, pictures
  (the sound frames themselves hold no such details). Not removed: an ID3v2 tag put at the end of the file
  instead of the start (ID3v2.4 allows it; taggers rarely do it).
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
from dataclasses import dataclass
from typing import Any

MAX_FILES = 3
MAX_BYTES = 20 * 1024 * 1024  # each file, uploaded straight to storage
MAX_FORM_FILE_BYTES = 4 * 1024 * 1024  # each file, inside a form posted without JavaScript
EMAIL_ATTACH_BYTES = 10 * 1024 * 1024  # in total, attached to the team's email; the rest are linked
SNIFF_BYTES = 4096  # enough of the start of a file to tell what it is
POST_EXPIRES_SECONDS = 10 * 60  # a presigned POST (or a local upload target) is good for 10 minutes
# A picture's pixels once decoded (width x height x channels), the most one is ever held as: a 48-megapixel phone
# photo is 144 MB. A larger JPEG is decoded at a half, a quarter or an eighth of its size (a drawing still shows
# well); any other larger picture is refused before it is decoded. This keeps a cleaning's memory (the picture
# about twice over, while it is turned upright and saved) well inside the forms function's 1024 MB.
MAX_PICTURE_BYTES = 150_000_000

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


def strip_metadata(data: bytes, found: FileType) -> bytes:
    """A copy without the hidden details `found.cleaning` promises to remove ("none": the same bytes back).

    A HEIC/HEIF comes back as a JPEG. A file the library cannot open is refused (FileRefused), except an M4A, MP4
    or MOV that mutagen cannot read, which comes back as it is (its email warning says so either way).
    """
    if found in (JPEG, PNG):
        return _clean_picture(data, found)
    if found in (HEIC, HEIF):
        return _clean_heif(data)
    if found is PDF:
        return _clean_pdf(data)
    if found in (MP3, AAC):
        return _clean_mpeg_audio(data)
    if found is WAV:
        return _clean_wav(data)
    if found in (M4A, MP4, MOV):
        return _clean_iso_media(data)
    return data


def clean_copy(data: bytes, found: FileType) -> tuple[bytes, FileType]:
    """The clean copy and what it is now, judged again from its content (a HEIC is now a JPEG; an AAC stream that
    came behind an ID3 tag is now an AAC). The copy must still be a file we take, within the size limit."""
    clean = strip_metadata(data, found)
    now = sniff(clean[:SNIFF_BYTES])
    if now is None:  # an ID3 tag in front of something that is not sound, say
        raise FileRefused(_RECORDING_BROKEN if found.kind == "recording" else _PICTURE_BROKEN)
    if len(clean) > MAX_BYTES:
        raise FileRefused(
            f"The file is too big once checked. Choose a file smaller than {MAX_BYTES // 2**20} MB"
        )
    return clean, now


def _clean_picture(data: bytes, found: FileType) -> bytes:
    """A JPEG or PNG decoded and saved again with Pillow, upright, with no metadata."""
    from PIL import Image, ImageOps

    out = io.BytesIO()
    try:
        with Image.open(io.BytesIO(data)) as image:
            _fit_in_memory(image, found)
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
    # Pillow's own limit, far above ours (179 megapixels), met when a huge PNG is opened.
    except Image.DecompressionBombError as exc:
        raise FileRefused(_PICTURE_TOO_BIG) from exc
    except Exception as exc:  # Pillow raises many kinds for a broken or hostile file
        raise FileRefused(_PICTURE_BROKEN) from exc
    return out.getvalue()


def _fit_in_memory(image: Any, found: FileType) -> None:
    """Refuse a picture too big to decode, or have a JPEG decoded at a half, a quarter or an eighth of its size."""
    decoded = image.width * image.height * len(image.getbands())
    if decoded <= MAX_PICTURE_BYTES:
        return
    scale = next((k for k in (2, 4, 8) if decoded // (k * k) <= MAX_PICTURE_BYTES), None)
    if found is not JPEG or scale is None:
        raise FileRefused(_PICTURE_TOO_BIG)
    # libjpeg decodes straight to the smaller size, so the full-size picture is never held. (Pillow picks the
    # largest reduction that still gives at least the size asked for.)
    image.draft(image.mode, (image.width // scale, image.height // scale))


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
        width, height = heif.size  # from the file's boxes: nothing is decoded yet
        if width * height * (4 if heif.has_alpha else 3) > MAX_PICTURE_BYTES:  # libheif cannot decode smaller
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
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=90)
    if out.tell() > MAX_BYTES:  # a very large, grainy photo: a smaller copy still shows the drawing well
        picture.thumbnail((4096, 4096))
        picture.info = {}
        out = io.BytesIO()
        picture.save(out, "JPEG", quality=85)
    return out.getvalue()


# A PDF: limits, and what a page keeps. Every other page entry (annotations, actions, metadata, thumbnails,
# programs' private data, last-modified dates, article beads, structure links) is left behind.
MAX_PDF_PAGES = 50  # a child's views fit in far fewer; each page costs time to check
# Photos with EXIF or XMP inside one PDF, decoded and saved again: their pixels all together (two 12-megapixel
# phone photos). Each costs about half a second on one core, and a form post may carry three PDFs.
MAX_PDF_PHOTO_PIXELS = 25_000_000
_PDF_PAGE_KEEPS = frozenset(
    "/Type /Contents /Resources /MediaBox /CropBox /BleedBox /TrimBox /ArtBox /Rotate /UserUnit /Group".split()
)
_PDF_XOBJECT_DROPS = ("/Metadata", "/PieceInfo", "/LastModified")
_PDF_PHOTO_KEEPS_FROM_OLD = ("/ColorSpace", "/Decode", "/SMask", "/Mask", "/Interpolate", "/Intent", "/OC")
# JPEG segments with no personal details: JFIF, the colour profile, Adobe's colour transform.
_JPEG_SEGMENTS_KEPT = {"APP0", "APP2", "APP14"}


def _clean_pdf(data: bytes) -> bytes:
    """The pages alone, copied by pypdf into a new PDF with no document information and no XMP (see above)."""
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
        budget = [MAX_PDF_PHOTO_PIXELS]
        for page in pages:
            copied = writer.add_page(page, excluded_keys=[k for k in page if k not in _PDF_PAGE_KEEPS])
            for path, xobject in _pdf_xobjects(copied):
                for key in _PDF_XOBJECT_DROPS:
                    xobject.pop(key, None)
                if xobject.get("/Subtype") == "/Image":
                    _clean_pdf_photo(copied, path, xobject, budget)
        writer.metadata = None  # no document information dictionary at all (pypdf would add its name)
        out = io.BytesIO()
        writer.write(out)
    except FileRefused:
        raise
    except Exception as exc:  # pypdf raises many kinds (RecursionError too) for a broken or hostile PDF
        raise FileRefused(_PDF_BROKEN) from exc
    return out.getvalue()


def _pdf_xobjects(page: Any) -> list[tuple[list[str], Any]]:
    """Every image and form XObject a page draws, with its path of names (through forms), each once."""
    found: list[tuple[list[str], Any]] = []
    seen: set[int] = set()

    def walk(holder: Any, path: list[str]) -> None:
        # pypdf's objects are whatever the file says they are: Any, checked with hasattr as we go.
        resources: Any = holder.get("/Resources")
        resources = resources.get_object() if resources is not None else None
        xobjects: Any = resources.get("/XObject") if hasattr(resources, "get") else None
        xobjects = xobjects.get_object() if xobjects is not None else None
        if not hasattr(xobjects, "items") or len(path) > 8:
            return
        for name, reference in xobjects.items():
            xobject = reference.get_object()
            if not hasattr(xobject, "get") or id(xobject) in seen:
                continue
            seen.add(id(xobject))
            found.append(([*path, name], xobject))
            if xobject.get("/Subtype") == "/Form":
                walk(xobject, [*path, name])

    walk(page, [])
    return found


def _clean_pdf_photo(page: Any, path: list[str], xobject: Any, budget: list[int]) -> None:
    """A JPEG inside a page that carries EXIF, XMP or other personal segments: decoded and saved again without them.

    Only greyscale and RGB JPEGs stored as they are (what phones and scanners make); a CMYK JPEG, a JPEG with a
    second compression on top, or a JPEG 2000 picture is kept as it is.
    """
    filters = xobject.get("/Filter")
    if filters != "/DCTDecode" and list(filters or []) != ["/DCTDecode"]:
        return
    from PIL import Image
    from pypdf.generic import NameObject

    with Image.open(io.BytesIO(xobject.get_data())) as photo:
        segments = {marker for marker, _ in getattr(photo, "applist", [])}
        if not (segments - _JPEG_SEGMENTS_KEPT or "comment" in photo.info) or photo.mode not in {"RGB", "L"}:
            return
        budget[0] -= photo.width * photo.height
        if budget[0] < 0:
            raise FileRefused("The PDF has too many photos in it. Send the photos on their own")
        photo.load()
        clean = photo.copy()
    clean.info = {}
    old = dict(xobject)
    image_file = page.images[path[0] if len(path) == 1 else tuple(path)]
    image_file.replace(clean, quality=90)  # pypdf's own way: a new image object in place of the old one
    new = image_file.indirect_reference.get_object()
    for key in _PDF_PHOTO_KEEPS_FROM_OLD:
        if key in old:
            new[NameObject(key)] = old[key]


def _clean_mpeg_audio(data: bytes) -> bytes:
    """An MP3 or AAC stream without its ID3 (v1 and v2) and APEv2 tags, removed by mutagen."""
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
    return out.getvalue()


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
    """The name a file has in the team's email: never the name it was uploaded with."""
    return f"{found.kind}-{number}.{found.extension}"


def incoming_key(upload_id: str) -> str:
    """Where an upload lands, as the browser sent it."""
    return f"incoming/{uuid.UUID(upload_id)}"


def clean_key(upload_id: str) -> str:
    """Where the checked, cleaned copy of an upload is kept (its description beside it, with .json)."""
    return f"files/{uuid.UUID(upload_id)}"
