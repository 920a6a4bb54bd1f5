"""Where the schemas and data files are: at the top of the repository, or of the Lambda artefact."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(os.environ.get("FORMS_ROOT") or Path(__file__).resolve().parents[3])
SCHEMAS_DIR = ROOT / "schemas"
DATA_DIR = ROOT / "data"
