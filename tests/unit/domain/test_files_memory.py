"""How much memory cleaning a picture takes, worked out from its header before anything is decoded.

The pictures are made by hand here, in milliseconds and a few KB: a JPEG whose every coefficient is zero costs a
bit or two per 8x8 block (Pillow takes 20 seconds to write a 13000 x 13000 progressive one), a flat PNG compresses
to almost nothing, and a HEIC grid repeats one small coded tile. tests/reliability/test_picture_memory.py cleans
the large ones in a fresh process each and measures the peak memory.
"""

from __future__ import annotations

import io
import random
import struct
import zlib

import pillow_heif
import pytest
from PIL import Image, ImageFile

from functions.forms.domain import files

# Pillow warns about any picture over 89 megapixels; these are meant to be that big.
pytestmark = pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")

RGB_444 = ((1, 1), (1, 1), (1, 1))  # each colour's sampling factors: full size
RGB_420 = ((2, 2), (1, 1), (1, 1))  # a phone's usual JPEG: colour at half size each way
CMYK = ((1, 1),) * 4


def _segment(marker: int, payload: bytes) -> bytes:
    return struct.pack(">BBH", 0xFF, marker, len(payload) + 2) + payload


def _zero_bits(count: int) -> bytes:
    """`count` zero bits, the last byte padded with ones (as a JPEG scan ends)."""
    whole, rest = divmod(count, 8)
    return bytes(whole) + (bytes([(1 << (8 - rest)) - 1]) if rest else b"")


def _eob_runs(blocks: int) -> bytes:
    """A progressive AC scan saying "nothing here" for `blocks` blocks: end-of-band runs of up to 32767 blocks, each
    a 4-bit code (its size r) and r more bits, with 0xFF bytes stuffed as JPEG requires."""
    value, length = 0, 0
    while blocks:
        r = min(14, blocks.bit_length() - 1)
        run = min(blocks, (1 << (r + 1)) - 1)
        value, length = (value << (4 + r)) | (r << r) | (run - (1 << r)), length + 4 + r
        blocks -= run
    pad = -length % 8
    raw = ((value << pad) | ((1 << pad) - 1)).to_bytes((length + pad) // 8, "big")
    return raw.replace(b"\xff", b"\xff\x00")


def exif_bytes(orientation: int = 1) -> bytes:
    exif = Image.Exif()
    exif[0x0112] = orientation
    return exif.tobytes()


def flat_jpeg(
    width: int,
    height: int,
    *,
    sampling: tuple[tuple[int, int], ...] = RGB_444,
    progressive: bool = False,
    scan_per_colour: bool = False,
    orientation: int = 1,
) -> bytes:
    """A mid-grey JPEG of any size: baseline (one scan, or one scan per colour) or progressive (a DC scan, then one
    AC scan per colour), greyscale, YCbCr at any sampling, or CMYK (with Adobe's marker)."""
    colours = len(sampling)
    most_h, most_v = max(h for h, _ in sampling), max(v for _, v in sampling)

    def blocks(h: int, v: int) -> int:
        return -(-width * h // (most_h * 8)) * -(-height * v // (most_v * 8))

    mcus = -(-width // (most_h * 8)) * -(-height // (most_v * 8))
    per_mcu = sum(h * v for h, v in sampling)
    head = b"\xff\xd8" + (
        _segment(0xEE, b"Adobe\x00\x64\x00\x00\x00\x00\x00")
        if colours == 4
        else _segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")
    )
    if orientation != 1:
        head += _segment(0xE1, exif_bytes(orientation))
    head += _segment(0xDB, b"\x00" + b"\x01" * 64)
    frame = struct.pack(">BHHB", 8, height, width, colours)
    frame += b"".join(bytes([i + 1, h << 4 | v, 0]) for i, (h, v) in enumerate(sampling))
    head += _segment(0xC2 if progressive else 0xC0, frame)
    head += _segment(0xC4, b"\x00" + bytes([1, *[0] * 15]) + b"\x00")  # DC: the code "0" for no change
    if progressive:  # AC: 4-bit codes for end-of-band runs EOB0 to EOB14
        head += _segment(0xC4, b"\x10" + bytes([0, 0, 0, 15, *[0] * 12]) + bytes(r << 4 for r in range(15)))
    else:  # AC: the code "0" for end of block
        head += _segment(0xC4, b"\x10" + bytes([1, *[0] * 15]) + b"\x00")

    def scan(ids: range | list[int], first: int, last: int) -> bytes:
        listed = b"".join(bytes([i, 0]) for i in ids)
        return _segment(0xDA, bytes([len(ids)]) + listed + bytes([first, last, 0]))

    body = b""
    if progressive:
        body += scan(range(1, colours + 1), 0, 0)
        body += _zero_bits(blocks(*sampling[0]) if colours == 1 else per_mcu * mcus)
        for i, (h, v) in enumerate(sampling):
            body += scan([i + 1], 1, 63) + _eob_runs(blocks(h, v))
    elif scan_per_colour or colours == 1:
        for i, (h, v) in enumerate(sampling):
            body += scan([i + 1], 0, 63) + _zero_bits(2 * blocks(h, v))
    else:
        body += scan(range(1, colours + 1), 0, 63) + _zero_bits(2 * per_mcu * mcus)
    return head + body + b"\xff\xd9"


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def flat_png(
    width: int,
    height: int,
    *,
    colour_type: int = 2,
    depth: int = 8,
    interlaced: bool = True,
    orientation: int = 1,
) -> bytes:
    """A mid-grey PNG of any size, Adam7-interlaced by default, with an eXIf orientation before its pixels if asked."""
    channels = {0: 1, 2: 3, 4: 2, 6: 4}[colour_type]
    pixel = b"\x80" * (channels * depth // 8)
    squeeze = zlib.compressobj(1)
    packed = []
    adam7 = ((0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2))
    for x0, y0, dx, dy in adam7 if interlaced else ((0, 0, 1, 1),):
        across, down = max(0, -(-(width - x0) // dx)), max(0, -(-(height - y0) // dy))
        if across and down:
            row = b"\x00" + pixel * across
            for start in range(0, down, 64):
                packed.append(squeeze.compress(row * min(64, down - start)))
    packed.append(squeeze.flush())
    header = struct.pack(">IIBBBBB", width, height, depth, colour_type, 0, 0, int(interlaced))
    exif = png_chunk(b"eXIf", exif_bytes(orientation)[6:]) if orientation != 1 else b""  # without "Exif\0\0"
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + exif
        + png_chunk(b"IDAT", b"".join(packed))
        + png_chunk(b"IEND", b"")
    )


def _box(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", 8 + len(body)) + kind + body


def _full_box(kind: bytes, version: int, flags: int, body: bytes) -> bytes:
    return _box(kind, bytes([version]) + flags.to_bytes(3, "big") + body)


def _boxes(data: bytes, start: int, end: int) -> dict[bytes, tuple[int, int]]:
    found, pos = {}, start
    while pos + 8 <= end:
        size, kind = struct.unpack(">I4s", data[pos : pos + 8])
        found.setdefault(kind, (pos, pos + size))
        pos += size
    return found


def grid_heic(width: int, height: int, tile_size: int = 512) -> bytes:
    """A width x height HEIC like an iPhone's (a grid of tiles), every tile the same small coded picture: a few KB
    that libheif decodes to the full size."""
    picture = Image.new("RGB", (tile_size, tile_size), (200, 100, 50))
    buffer = io.BytesIO()
    pillow_heif.encode(
        "RGB", picture.size, picture.tobytes(), buffer, quality=50, enc_params={"preset": "ultrafast"}
    )
    tile = buffer.getvalue()
    top = _boxes(tile, 0, len(tile))
    meta = _boxes(tile, top[b"meta"][0] + 12, top[b"meta"][1])
    ipco_at = _boxes(tile, meta[b"iprp"][0] + 8, meta[b"iprp"][1])[b"ipco"]
    hvcc = tile[slice(*_boxes(tile, ipco_at[0] + 8, ipco_at[1])[b"hvcC"])]
    coded = tile[top[b"mdat"][0] + 8 : top[b"mdat"][1]]  # pillow-heif's one coded picture is its whole mdat
    columns, rows = -(-width // tile_size), -(-height // tile_size)
    tiles = range(2, 2 + columns * rows)
    grid = bytes([0, 0, rows - 1, columns - 1]) + struct.pack(">HH", width, height)
    entries = _full_box(b"infe", 2, 0, struct.pack(">HH", 1, 0) + b"grid\x00")
    entries += b"".join(_full_box(b"infe", 2, 1, struct.pack(">HH", i, 0) + b"hvc1\x00") for i in tiles)
    sizes = struct.pack(">II", tile_size, tile_size), struct.pack(">II", width, height)
    properties = _box(b"ipco", hvcc + b"".join(_full_box(b"ispe", 0, 0, size) for size in sizes))
    links = struct.pack(
        ">IHBB", 1 + len(tiles), 1, 1, 3
    )  # the grid: its size; each tile: its coding and size
    links += b"".join(struct.pack(">HBBB", i, 2, 0x81, 2) for i in tiles)
    references = _box(
        b"dimg", struct.pack(">HH", 1, len(tiles)) + b"".join(struct.pack(">H", i) for i in tiles)
    )

    def head(data_at: int) -> bytes:
        places = struct.pack(">HHHHII", 1, 1, 0, 1, 0, len(grid))  # the grid's description, in idat
        places += b"".join(struct.pack(">HHHHII", i, 0, 0, 1, data_at, len(coded)) for i in tiles)
        body = (
            tile[slice(*meta[b"hdlr"])]
            + _full_box(b"pitm", 0, 0, struct.pack(">H", 1))
            + _full_box(b"iloc", 1, 0, b"\x44\x00" + struct.pack(">H", 1 + len(tiles)) + places)
            + _full_box(b"iinf", 0, 0, struct.pack(">H", 1 + len(tiles)) + entries)
            + _full_box(b"iref", 0, 0, references)
            + _box(b"iprp", properties + _full_box(b"ipma", 0, 0, links))
            + _box(b"idat", grid)
        )
        return tile[slice(*top[b"ftyp"])] + _full_box(b"meta", 0, 0, body)

    start = head(0)
    return head(len(start) + 8) + _box(b"mdat", coded)


class Decoded(BaseException):
    """Raised by a picture's decoding in the tests that prove a picture is refused before it (not an Exception,
    so the cleaning's own `except Exception` cannot swallow it)."""


@pytest.fixture
def no_decoding(monkeypatch):
    def load(self):
        raise Decoded

    monkeypatch.setattr(ImageFile.ImageFile, "load", load)


def open_picture(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data))


def test_the_hand_made_pictures_are_real_pictures():
    cases = [
        ({}, "RGB"),
        ({"progressive": True}, "RGB"),
        ({"sampling": RGB_420, "progressive": True}, "RGB"),
        ({"scan_per_colour": True}, "RGB"),
        ({"sampling": CMYK, "progressive": True}, "CMYK"),
        ({"sampling": ((1, 1),), "progressive": True}, "L"),
    ]
    for options, mode in cases:
        picture = open_picture(flat_jpeg(37, 21, **options))
        picture.load()
        assert picture.size == (37, 21) and picture.mode == mode
        assert len(picture.getcolors() or []) == 1  # one flat colour
    assert open_picture(flat_jpeg(30, 20, orientation=6)).getexif()[0x0112] == 6
    for options in ({}, {"colour_type": 0, "depth": 16}, {"interlaced": False}, {"orientation": 6}):
        picture = open_picture(flat_png(37, 21, **options))
        picture.load()
        assert picture.size == (37, 21)
    heic = pillow_heif.open_heif(io.BytesIO(grid_heic(300, 200, tile_size=128)))
    assert heic.size == (300, 200) and heic.to_pillow().getpixel((299, 199)) == heic.to_pillow().getpixel(
        (0, 0)
    )


@pytest.mark.parametrize(
    ("options", "coefficients"),
    [
        ({"progressive": True}, 1625 * 1625 * 3 * 128),  # 1014 MB: three colours at full size
        ({"progressive": True, "sampling": RGB_420}, (1626 * 1626 + 2 * 813 * 813) * 128),  # 507 MB
        ({"scan_per_colour": True}, 1625 * 1625 * 3 * 128),  # baseline, but one colour at a time
        ({"progressive": True, "sampling": CMYK}, 1625 * 1625 * 4 * 128),
        ({}, 0),  # baseline with every colour in one scan: decoded a row of blocks at a time
    ],
    ids=["progressive", "progressive 4:2:0", "one scan per colour", "progressive CMYK", "baseline"],
)
def test_a_jpeg_sent_in_several_scans_counts_its_coefficients_at_full_size(options, coefficients):
    data = flat_jpeg(13000, 13000, **options)
    assert len(data) < 3 * 2**20  # a small file...
    assert (
        files._jpeg_coefficient_bytes(open_picture(data), data) == coefficients
    )  # ...and what libjpeg holds


@pytest.mark.parametrize(
    "options",
    [
        {"progressive": True},
        {"progressive": True, "sampling": RGB_420},
        {"scan_per_colour": True},
    ],
    ids=["progressive", "progressive 4:2:0", "one scan per colour"],
)
def test_the_13000_pixel_progressive_jpeg_is_refused_before_it_is_decoded(options, no_decoding):
    """The issue's picture: a 2 MB progressive JPEG that took 1.1 GB to clean, although it was decoded at a half of
    its size: libjpeg keeps its coefficients at full size. Now refused from its header (decoding would raise)."""
    with pytest.raises(files.FileRefused, match="The picture is too big"):
        files.clean_copy(flat_jpeg(13000, 13000, **options), files.JPEG)


def test_a_cmyk_progressive_jpeg_over_the_limit_is_refused_before_it_is_decoded(no_decoding):
    with pytest.raises(files.FileRefused, match="The picture is too big"):
        files.clean_copy(flat_jpeg(8000, 8000, sampling=CMYK, progressive=True), files.JPEG)


@pytest.mark.parametrize(
    ("options", "limit", "size"),
    [
        # 800 x 600 at 4 bytes a pixel is 1.92 MB: it fits whole in 1.92 MB, a half in 1 MB
        ({}, 1_920_000, (800, 600)),
        ({}, 1_000_000, (400, 300)),
        # turned upright: twice the pixels while it turns (and the result stands up)
        ({"orientation": 6}, 1_920_000, (300, 400)),
        # progressive 4:4:4: 2.88 MB of coefficients at any scale, plus the pixels
        ({"progressive": True}, 4_800_000, (800, 600)),
        ({"progressive": True}, 3_400_000, (400, 300)),
        ({"progressive": True}, 2_950_000, (100, 75)),
        ({"scan_per_colour": True}, 3_400_000, (400, 300)),
        # grey: one byte a pixel
        ({"sampling": ((1, 1),)}, 480_000, (800, 600)),
    ],
)
def test_a_jpeg_is_decoded_at_the_largest_size_that_fits(monkeypatch, options, limit, size):
    monkeypatch.setattr(files, "MAX_PICTURE_BYTES", limit)
    clean, now = files.clean_copy(flat_jpeg(800, 600, **options), files.JPEG)
    assert now == files.JPEG and open_picture(clean).size == size


def test_a_jpeg_whose_coefficients_alone_are_over_the_limit_is_refused(monkeypatch):
    monkeypatch.setattr(files, "MAX_PICTURE_BYTES", 2_880_000)  # the coefficients: no room for any pixels
    with pytest.raises(files.FileRefused, match="The picture is too big"):
        files.clean_copy(flat_jpeg(800, 600, progressive=True), files.JPEG)


@pytest.mark.parametrize(
    ("options", "need"),
    [
        ({}, 100 * 50 * 4 * 2),  # RGB is held as 4 bytes a pixel (the old count said 3), twice while turning
        ({"colour_type": 0, "depth": 16}, 100 * 50 * 2 * 2),  # 16-bit grey: 2 bytes (the old count said 1)
        ({"colour_type": 6}, 100 * 50 * 4 * 2),
        ({"colour_type": 0}, 100 * 50 * 1 * 2),
    ],
    ids=["RGB", "16-bit grey", "RGBA", "grey"],
)
def test_a_png_is_refused_from_its_header_when_its_decoding_needs_more_than_the_limit(
    monkeypatch, options, need
):
    data = flat_png(100, 50, **options)
    monkeypatch.setattr(files, "MAX_PICTURE_BYTES", need)
    assert files.clean_copy(data, files.PNG)[1] == files.PNG
    monkeypatch.setattr(files, "MAX_PICTURE_BYTES", need - 1)
    with pytest.raises(files.FileRefused, match="The picture is too big"):
        files.clean_copy(data, files.PNG)


def test_a_heic_counts_libheifs_planes_and_copies(monkeypatch):
    data = grid_heic(300, 200, tile_size=128)
    need = (
        300 * 200 * 8.5
    )  # 4:2:0 planes 1.5, libheif's RGB 3, Pillow's 4 bytes a pixel (the old count said 3)
    assert files._heif_bytes(pillow_heif.open_heif(io.BytesIO(data))) == need
    monkeypatch.setattr(files, "MAX_PICTURE_BYTES", need)
    assert files.clean_copy(data, files.HEIC)[1] == files.JPEG
    monkeypatch.setattr(files, "MAX_PICTURE_BYTES", need - 1)
    with pytest.raises(files.FileRefused, match="The picture is too big"):
        files.clean_copy(data, files.HEIC)


def test_a_clean_copy_growing_past_the_file_limit_is_given_up_while_it_is_written(monkeypatch):
    monkeypatch.setattr(files, "MAX_BYTES", 1000)
    out = files._CappedOutput()
    out.write(b"x" * 1000)
    with pytest.raises(files._TooBig):
        out.write(b"x")
    assert out.tell() == 1000  # never held more than the limit
    noisy = Image.frombytes("RGB", (64, 64), random.Random(17).randbytes(64 * 64 * 3))  # will not compress
    buffer = io.BytesIO()
    noisy.save(buffer, "PNG")
    with pytest.raises(files.FileRefused, match="too big once checked"):
        files.clean_copy(buffer.getvalue(), files.PNG)
