"""Cleaning a hostile picture, measured: each is cleaned in a fresh Python process, which reports its peak memory.

The budget: PEAK_BUDGET_MB for the whole process (the interpreter, Pillow, the file itself and the cleaning). The
forms function has 1024 MB (template.yaml). The rest of a request stays small: Python with boto3's four clients,
the app and the cleaning libraries loaded measured 75 MB (this process: 25 MB), and a posted body is at most 6 MB
plus its decoded copy, so a cleaning within 600 MB leaves over 300 MB to spare. The estimate that decides
beforehand (`files.MAX_PICTURE_BYTES`, 450 MB) covers the decoding; a real 20 MB upload adds itself (measured at
the limit: 471 MB) and its clean copy (at most 20 MB, held twice) to the figures here, whose files are small.

Before the fix the 2 MB progressive JPEG of 13000 x 13000 pixels peaked at 1152 MB (libjpeg keeps a progressive
picture's coefficients at full size, 6 bytes a pixel here, even when it decodes it at a half), and one sent a colour
per scan at 1153 MB. The heaviest cases (at the very limit) run with RELIABILITY_HEAVY=1.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.reliability.helpers import HEAVY, record
from tests.unit.domain.test_files_memory import CMYK, RGB_420, flat_jpeg, flat_png, grid_heic

PEAK_BUDGET_MB = 600
ROOT = Path(__file__).resolve().parents[2]
REFUSED = "refused: The picture is too big. Take a smaller photo and try again"

# Run in the child: everything imported first, so the figure after is what the cleaning itself adds.
CHILD = """
import io, json, resource, sys, warnings
warnings.simplefilter("ignore")
from PIL import Image, ImageOps, JpegImagePlugin, PngImagePlugin
import pillow_heif
from functions.forms.domain import files

def peak_mb():
    # VmHWM: this process's own peak. (ru_maxrss would also count pytest's memory when it forked this process:
    # Linux keeps it across exec.) Elsewhere ru_maxrss, in bytes on macOS.
    try:
        with open("/proc/self/status") as status:
            return round(next(int(l.split()[1]) for l in status if l.startswith("VmHWM:")) / 1024)
    except OSError:
        return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20)

data = open(sys.argv[1], "rb").read()
before = peak_mb()
try:
    clean, now = files.clean_copy(data, files.sniff(data[:files.SNIFF_BYTES]))
    width, height = Image.open(io.BytesIO(clean)).size
    outcome = f"{now.extension} {width} x {height}"
except files.FileRefused as refused:
    outcome = "refused: " + refused.text
print(json.dumps({"outcome": outcome, "before": before, "peak": peak_mb()}))
"""


@dataclass(frozen=True)
class Case:
    name: str
    make: Callable[[], bytes]
    outcome: str
    heavy: bool = False


CASES = [
    Case(
        "progressive JPEG 13000 x 13000, 4:4:4 (the issue's)",
        lambda: flat_jpeg(13000, 13000, progressive=True),
        REFUSED,
    ),
    Case(
        "progressive JPEG 13000 x 13000, 4:2:0",
        lambda: flat_jpeg(13000, 13000, progressive=True, sampling=RGB_420),
        REFUSED,
    ),
    Case(
        "baseline JPEG 13000 x 13000, one colour per scan",
        lambda: flat_jpeg(13000, 13000, scan_per_colour=True),
        REFUSED,
    ),
    Case(
        "progressive CMYK JPEG 8000 x 8000",
        lambda: flat_jpeg(8000, 8000, progressive=True, sampling=CMYK),
        REFUSED,
    ),
    Case(
        "baseline JPEG 13000 x 13000, to be turned upright",
        lambda: flat_jpeg(13000, 13000, orientation=6),
        "jpg 6500 x 6500",
    ),
    Case(
        "baseline CMYK JPEG 13000 x 13000",
        lambda: flat_jpeg(13000, 13000, sampling=CMYK),
        "jpg 6500 x 6500",
    ),
    Case(
        "progressive JPEG 8000 x 6000 (48 MP), 4:2:0",
        lambda: flat_jpeg(8000, 6000, progressive=True, sampling=RGB_420),
        "jpg 8000 x 6000",
    ),
    Case(
        "progressive JPEG 8000 x 6000 (48 MP), 4:4:4",
        lambda: flat_jpeg(8000, 6000, progressive=True),
        "jpg 4000 x 3000",
    ),
    Case(
        "interlaced PNG 7501 x 7500 RGB",
        lambda: flat_png(7501, 7500),
        REFUSED,
    ),
    Case(
        "interlaced 16-bit grey PNG 10000 x 10000",
        lambda: flat_png(10000, 10000, colour_type=0, depth=16),
        "png 10000 x 10000",
    ),
    Case(
        "HEIC grid 8000 x 6000 (48 MP)",
        lambda: grid_heic(8000, 6000),
        "jpg 8000 x 6000",
    ),
    Case(
        "HEIC grid 8500 x 6500",
        lambda: grid_heic(8500, 6500),
        REFUSED,
    ),
    # At the very limit of the estimate: the most a cleaning may take.
    Case(
        "baseline JPEG 8660 x 6490 (56 MP), turned",
        lambda: flat_jpeg(8660, 6490, orientation=6, sampling=RGB_420),
        "jpg 6490 x 8660",
        heavy=True,
    ),
    Case(
        "progressive JPEG 9200 x 6980 (64 MP), 4:2:0",
        lambda: flat_jpeg(9200, 6980, progressive=True, sampling=RGB_420),
        "jpg 9200 x 6980",
        heavy=True,
    ),
    Case(
        "interlaced PNG 7500 x 7500 RGB, turned",
        lambda: flat_png(7500, 7500, orientation=6),
        "png 7500 x 7500",
        heavy=True,
    ),
    Case(
        "HEIC grid 8400 x 6300 (53 MP)",
        lambda: grid_heic(8400, 6300),
        "jpg 8400 x 6300",
        heavy=True,
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_cleaning_a_large_or_hostile_picture_peaks_within_the_memory_budget(case: Case, tmp_path: Path):
    if case.heavy and not HEAVY:
        pytest.skip("at the limit: RELIABILITY_HEAVY=1")
    data = case.make()
    assert len(data) < 3 * 2**20  # each is a small file that asks for a lot of memory
    picture = tmp_path / "picture"
    picture.write_bytes(data)
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(picture)], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]  # a crash (killed for memory, say) fails here
    result = json.loads(done.stdout.strip().splitlines()[-1])
    record(
        "Picture memory (peak of a fresh process cleaning one file)",
        f"{case.name} ({len(data) // 1024} KB)",
        f"{result['peak']} MB peak ({result['before']} MB before), {result['outcome'].split(':')[0]}",
    )
    assert result["outcome"] == case.outcome
    assert result["peak"] <= PEAK_BUDGET_MB
