"""File-backed adapters for `make serve` and the tests, all under var/: submissions/, outbox/ (emails as .eml
files), uploads/ (children's files) and file-links.key; the built site is read from site/."""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import json
import logging
import os
import re
import secrets
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from functions.forms.domain import files as f
from functions.forms.domain.files import POST_EXPIRES_SECONDS, incoming_key
from functions.forms.ports import MARKERS, MailError, StorageError, Tally

# A claim older than this is from a process that died while sending; the email may be sent again.
STALE_CLAIM_SECONDS = 300


def _safe_id(submission_id: str) -> str:
    """Only a real UUID becomes a file name."""
    return str(uuid.UUID(submission_id))


def _fsync_directory(folder: str | Path) -> None:
    """Make the folder's entries (a file linked or renamed into it, a folder made in it) durable."""
    directory = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def _make_folder(folder: Path) -> None:
    """Make folder and any missing parent, each made durable in its own parent, so that a stored submission's
    folder cannot vanish in a crash."""
    missing = []
    while not folder.is_dir():
        missing.append(folder)
        folder = folder.parent
    for path in reversed(missing):
        try:
            os.mkdir(path)
        except FileExistsError:
            pass
        _fsync_directory(path.parent)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _write_durably(path: Path, data: bytes) -> str:
    """Write data to a new temporary file beside path and fsync it; return the temporary file's name.

    fsync returns only when the data and the file's size are on disk. The caller gives the file its name (link or
    rename) and then fsyncs the folder, so that the name is durable too. Written with os.open/os.write: no
    buffered file object (its fstat, buffer and flush).
    """
    tmp = os.path.join(os.path.dirname(path), f".{os.path.basename(path)}.{uuid.uuid4().hex}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)  # the mode open() uses, less the umask
    try:
        _write_all(fd, data)
        os.fsync(fd)
    except BaseException:
        os.close(fd)
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    os.close(fd)
    return tmp


# Linux can make a file with no name in a folder (O_TMPFILE) and name it later (linkat): the temporary name's
# creation and removal are two folder changes fewer for the disk to write, and a crash leaves no temporary file.
# Set to 0 for the rest of the process when the system or the file system cannot (then a temporary name is used).
_ANONYMOUS = getattr(os, "O_TMPFILE", 0)


class _Unsupported(Exception):
    pass


def _create_new(path: Path, data: bytes) -> bool:
    """Store data at path unless a file is there already: True when this call stored it.

    Either way, when it returns, the file at path is complete and on disk, and so is its name: the data is
    fsync'd before the file has a name, the name is given by link (atomic, and it fails when the name exists), and
    the folder is fsync'd after (also for a name another writer gave, which may not have synced it yet).
    Raises FileNotFoundError when the folder is missing.
    """
    global _ANONYMOUS
    if _ANONYMOUS:
        try:
            return _create_anonymous(path, data, _ANONYMOUS)
        except _Unsupported:
            _ANONYMOUS = 0
    tmp = _write_durably(path, data)
    try:
        os.link(tmp, path)
        created = True
    except FileExistsError:
        created = False
    finally:
        os.unlink(tmp)
    _fsync_directory(path.parent)
    return created


def _create_anonymous(path: Path, data: bytes, flag: int) -> bool:
    """_create_new with O_TMPFILE: the file has no name until linkat gives it one, so no one sees it half-written."""
    try:
        fd = os.open(path.parent, os.O_WRONLY | flag, 0o666)
    except OSError as exc:
        if exc.errno in {errno.EOPNOTSUPP, errno.EISDIR, errno.EINVAL}:  # not on this system or file system
            raise _Unsupported from exc
        raise
    try:
        _write_all(fd, data)
        os.fsync(fd)
        directory = os.open(path.parent, os.O_RDONLY)
        try:
            try:
                # linkat(AT_SYMLINK_FOLLOW) of /proc's link to the open file (dst_dir_fd makes os.link use linkat)
                os.link(f"/proc/self/fd/{fd}", path.name, dst_dir_fd=directory, follow_symlinks=True)
                created = True
            except FileExistsError:
                created = False
            except OSError as exc:
                if exc.errno == errno.ENOENT and not path.parent.is_dir():
                    raise  # the folder went away meanwhile: the caller makes it again
                if exc.errno in {errno.ENOENT, errno.EXDEV, errno.EPERM, errno.EACCES}:
                    raise _Unsupported from exc  # no /proc, or a link that does not follow it: nothing was named
                raise
            os.fsync(directory)
        finally:
            os.close(directory)
    finally:
        os.close(fd)  # an anonymous file that was not named is gone with its last descriptor
    return created


class LocalStorage:
    """Each submission is one JSON file; a '.sent' file beside it records its email."""

    def __init__(self, root: Path):
        self.root = Path(root)
        # The claims this instance holds: claim file -> the token written in it. Only a claim still holding our
        # token is ours to delete: after a takeover the file holds the new holder's token.
        self._held: dict[Path, str] = {}

    def _path(self, form: str, submission_id: str, suffix: str = ".json") -> Path:
        return self.root / form / f"{_safe_id(submission_id)}{suffix}"

    @staticmethod
    def _marker(what: str, kind: str) -> str:
        """'.sent' for the team's email; '.copy.sent' for the family's confirmation."""
        if kind == "team":
            return f".{what}"
        if kind != "copy":
            raise ValueError(f"unknown email kind {kind!r}")
        return f".{kind}.{what}"

    def put_new(self, form: str, submission_id: str, record: dict[str, Any]) -> tuple[dict[str, Any], bool]:
        path = self._path(form, submission_id)
        data = json.dumps(record, ensure_ascii=False, indent=1).encode("utf-8")
        try:
            try:
                created = _create_new(path, data)
            except FileNotFoundError:  # the form's first submission: make its folder (not checked every time)
                _make_folder(path.parent)
                created = _create_new(path, data)
            if created:
                return record, True
            return json.loads(path.read_text(encoding="utf-8")), False
        except OSError as exc:
            raise StorageError(f"local storage failed: {exc.__class__.__name__}") from exc

    def get(self, form: str, submission_id: str) -> dict[str, Any] | None:
        path = self._path(form, submission_id)
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None

    def claim(self, form: str, submission_id: str, kind: str = "team") -> bool:
        """A new claim file, or the takeover of a stale one (its sender died while sending).

        Decided under the form folder's lock, so that of the workers that find a claim stale only one takes it
        over: with a touch (or a rename) alone, two could both see it stale and both take it.
        """
        if self.is_sent(form, submission_id, kind):
            return False
        claim = self._path(form, submission_id, self._marker("claim", kind))
        with self._claims_locked(claim.parent):
            try:
                if time.time() - claim.stat().st_mtime < STALE_CLAIM_SECONDS:
                    return False  # held, and its sender may still be at work
            except FileNotFoundError:
                pass
            token = uuid.uuid4().hex
            fd = os.open(claim, os.O_CREAT | os.O_WRONLY | os.O_TRUNC)
            try:
                os.write(fd, token.encode("ascii"))
                os.utime(fd)  # new or stale, the claim is this worker's as of now
            finally:
                os.close(fd)
            self._held[claim] = token
        return True

    @staticmethod
    @contextlib.contextmanager
    def _claims_locked(folder: Path) -> Iterator[None]:
        """Hold the exclusive lock of the form's folder (flock on the folder itself, so no lock file is left
        behind). Every claim() takes it; the system lets it go when the process ends, even in a crash."""
        import fcntl  # Unix only, like the links and /proc the rest of this module uses

        fd = os.open(folder, os.O_RDONLY)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # closing the folder lets the lock go

    def release(self, form: str, submission_id: str, kind: str = "team") -> None:
        """Let go of this instance's claim; a claim another worker has taken over meanwhile stays theirs."""
        claim = self._path(form, submission_id, self._marker("claim", kind))
        token = self._held.pop(claim, None)
        if token is None:
            return
        with self._claims_locked(
            claim.parent
        ):  # as claim() decides: no takeover between the read and the delete
            try:
                if claim.read_text(encoding="ascii", errors="replace") == token:
                    claim.unlink()
            except FileNotFoundError:
                pass

    def mark_sent(self, form: str, submission_id: str, kind: str = "team") -> None:
        self._path(form, submission_id, self._marker("sent", kind)).write_text(
            time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        )
        self.release(form, submission_id, kind)

    def is_sent(self, form: str, submission_id: str, kind: str = "team") -> bool:
        return self._path(form, submission_id, self._marker("sent", kind)).exists()

    def pending(self) -> Iterator[tuple[str, str]]:
        """Stored submissions whose team email has not gone, by form then id.

        One listing of each form's folder, its '.sent' markers looked up in it: no stat per record (the sweep and
        `make send-pending` go through every kept submission). Temporary names (a leading dot) are skipped.
        """
        try:
            forms = sorted(e.name for e in os.scandir(self.root) if e.is_dir() and not e.name.startswith("."))
        except (FileNotFoundError, NotADirectoryError):
            return
        for form in forms:
            try:
                names = set(os.listdir(self.root / form))
            except (FileNotFoundError, NotADirectoryError):  # removed meanwhile (by the purge)
                continue
            for name in sorted(names):
                submission_id = name.removesuffix(".json")
                if name.startswith(".") or submission_id == name:
                    continue
                if f"{submission_id}{self._marker('sent', 'team')}" not in names:
                    yield form, submission_id


class LocalMailer:
    """Writes each email as an RFC 5322 .eml file in the outbox folder."""

    def __init__(self, outbox: Path):
        self.outbox = Path(outbox)

    def send(self, message: EmailMessage) -> None:
        try:
            self.outbox.mkdir(parents=True, exist_ok=True)
            stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
            name = f"{stamp}-{uuid.uuid4().hex[:8]}.eml"
            path = self.outbox / name
            tmp = _write_durably(path, message.as_bytes())
            os.replace(tmp, path)
        except OSError as exc:
            raise MailError(f"outbox write failed: {exc.__class__.__name__}") from exc


class InlineQueue:
    """Locally the 'queue' delivers at once; a failed delivery stays pending for `make send-pending`."""

    def __init__(self, deliver: Callable[[str, str], object] | None = None):
        self.deliver = deliver  # set by bootstrap.py, once the services it delivers with exist

    def enqueue(self, form: str, submission_id: str) -> None:
        if self.deliver is not None:
            self.deliver(form, submission_id)

    def retry_later(self, receipt: str, seconds: int) -> None:
        """Nothing to hide: a failed local delivery stays pending for `make send-pending`."""


class LocalUploads:
    """Files under var/uploads/, named by server-made ids; the upload target is our own server."""

    receives_posts = True

    def __init__(self, root: Path, site_url: str):
        self.root = Path(root)
        self.site_url = site_url if site_url.endswith("/") else site_url + "/"

    def _path(self, key: str) -> Path:
        folder, _, name = key.partition("/")
        if folder not in {"incoming", "files", "pending"} or "/" in name or name.startswith("."):
            raise ValueError("not an upload key")
        return self.root / folder / name

    def target(self, upload_id: str) -> dict[str, Any]:
        pending = {"expires": time.time() + POST_EXPIRES_SECONDS, "max_bytes": f.MAX_BYTES}
        self.write(f"pending/{uuid.UUID(upload_id)}.json", json.dumps(pending).encode(), "application/json")
        return {"url": f"{self.site_url}api/uploads/{upload_id}", "fields": {"upload_id": upload_id}}

    def receive(self, upload_id: str, data: bytes) -> str | None:
        """Take the bytes posted to our upload target; the problem in words when it is refused."""
        pending = self._path(f"pending/{uuid.UUID(upload_id)}.json")
        try:
            terms = json.loads(pending.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return "There is no upload waiting at this address. Add the file again"
        if time.time() > terms["expires"]:
            # Left for the purge, which takes unfinished uploads after a day, if it cannot go now.
            with contextlib.suppress(OSError):
                pending.unlink(missing_ok=True)
            return "The upload took too long. Add the file again"
        if not 1 <= len(data) <= terms["max_bytes"]:
            return f"The selected file must be smaller than {terms['max_bytes'] // 2**20} MB"
        # StorageError when it cannot be kept: the terms stay, so the same file can be sent again.
        self.write(incoming_key(upload_id), data, "application/octet-stream")
        # The file is kept: terms that cannot go now only expire (and the purge takes them).
        with contextlib.suppress(OSError):
            pending.unlink(missing_ok=True)
        return None

    def size(self, key: str) -> int | None:
        try:
            return self._path(key).stat().st_size
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise StorageError(f"upload size failed: {type(exc).__name__}") from exc

    def read(self, key: str, first: int | None = None) -> bytes:
        try:
            with self._path(key).open("rb") as handle:
                return handle.read(first) if first else handle.read()
        except OSError as exc:
            raise StorageError(f"upload read failed: {type(exc).__name__}") from exc

    def write(self, key: str, data: bytes, content_type: str) -> None:
        """The whole file under its name, or StorageError and nothing new on disk (a full disk leaves no
        half-written temporary file behind: it would hold a child's file until the purge)."""
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            # _write_durably removes its temporary file itself when the write or the fsync fails.
            tmp = _write_durably(path, data)
            try:
                os.replace(tmp, path)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
                raise
        except OSError as exc:
            raise StorageError(f"upload write failed: {type(exc).__name__}") from exc

    def copy(self, source: str, key: str) -> None:
        self.write(key, self.read(source), "application/octet-stream")

    def delete(self, key: str) -> None:
        try:
            self._path(key).unlink(missing_ok=True)
        except OSError as exc:
            raise StorageError(f"upload delete failed: {type(exc).__name__}") from exc

    def download_url(self, key: str, filename: str, content_type: str, seconds: int) -> str | None:
        return None  # the local server sends the file itself


class LocalSitePages:
    def __init__(self, site_dir: Path | None):
        self.site_dir = site_dir

    def read(self, page: str) -> str | None:
        if self.site_dir is None:
            return None
        try:
            return (self.site_dir / page / "index.html").read_text(encoding="utf-8")
        except OSError:
            return None


# Signing file links (web/file_links.py) ---------------------------------------------------------------------


def _read_local_key(path: Path) -> bytes | None:
    try:
        key = bytes.fromhex(path.read_text(encoding="ascii").strip())
    except (OSError, ValueError):
        return None
    return key if len(key) >= 32 else None  # never an empty or short key, which anyone could guess


def local_link_key(var_dir: Path) -> bytes:
    """The key that signs file links on this computer (var/file-links.key), made on first use."""
    path = var_dir / "file-links.key"
    key = _read_local_key(path)
    if key is not None:
        return key
    var_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_bytes(32)
    # Written whole under another name first, then linked into place: no process ever reads a half-written key,
    # and when two make one at once the first one's is kept and both use it.
    temp = var_dir / f".file-links.key.{secrets.token_hex(8)}"
    with os.fdopen(os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w", encoding="ascii") as out:
        out.write(key.hex())
    try:
        os.link(temp, path)
    except FileExistsError:
        kept = _read_local_key(path)
        if kept is not None:
            return kept
        os.replace(temp, path)  # a broken key left by an older version: links made with it stop working
    finally:
        temp.unlink(missing_ok=True)
    return key


# Retention (`make purge-local`, and each start of the local server) -------------------------------------------

# What the purge looks at, by kind: (the files, under var/; True for those kept only `unfinished_days`).
FOLDERS: dict[str, list[tuple[str, bool]]] = {
    "submissions": [("submissions/*/*", False)],
    "emails": [("outbox/*", False)],
    # Uploads not (yet) part of a sent form: as posted, before their hidden details (a photo's GPS position) are
    # removed, or a target never used. A refused, removed or abandoned file would otherwise keep those details for
    # the whole retention time; on AWS a lifecycle rule expires incoming/ after a day too (template.yaml).
    "uploads": [("uploads/incoming/*", True), ("uploads/pending/*", True), ("uploads/files/*", False)],
}
UNFINISHED_UPLOAD_DAYS = 1


def purge(
    var_dir: Path, days: float, now: float | None = None, unfinished_days: float = UNFINISHED_UPLOAD_DAYS
) -> Counter[str]:
    """Delete files under var_dir older than `days` (unfinished uploads: older than `unfinished_days`); a count of
    what went, by kind. Nothing is logged but counts."""
    now = time.time() if now is None else now
    removed: Counter[str] = Counter()
    for kind, patterns in FOLDERS.items():
        for pattern, unfinished in patterns:
            cutoff = now - (min(days, unfinished_days) if unfinished else days) * 86400
            for path in Path(var_dir).glob(pattern):
                try:
                    if path.is_file() and path.stat().st_mtime < cutoff:
                        path.unlink()
                        if kind != "submissions" or path.suffix == ".json":
                            removed[kind] += 1
                except FileNotFoundError:
                    continue
    return removed


class LocalMetrics:
    """Counts kept in memory for this process (`make serve`, the tests)."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()

    def count(self, name: str, value: int = 1) -> None:
        self.counts[name] += value

    def count_for(self, name: str, dimensions: Mapping[str, str], value: int = 1) -> None:
        self.counts[metric_key(name, dimensions)] += value


# The team's side (`python -m functions.team`, application/team.py) --------------------------------------------


def metric_key(name: str, dimensions: Mapping[str, str]) -> str:
    """'FieldErrors|Field=you.email|Form=referral': a count's name and dimensions in one key (our names hold
    neither '|' nor '=')."""
    return "|".join([name, *(f"{k}={v}" for k, v in sorted(dimensions.items()))])


def _tally(day: dt.date, key: str, value: int) -> Tally:
    name, *pairs = key.split("|")
    return Tally(day, name, dict(pair.partition("=")[::2] for pair in pairs), int(value))


class LocalDailyMetrics(LocalMetrics):
    """The counts of `make serve` kept per day in var/metrics/<YYYY-MM-DD>.counts (UTC days), for `python -m
    functions.team stats` and the weekly summary: names, forms and question names only, never an answer.

    Each count is one line ("FormsShown|Form=referral<TAB>1") appended with O_APPEND: one write of a few bytes, so
    the threads of the local server and a command run beside it never lose or mix a count, with no lock and no
    rewrite of the file (under 0.01 ms, where merging into a JSON file under a lock took 0.3 ms of every form
    sent). LocalFigures adds the lines up. A count that cannot be kept is dropped: figures never stop a form."""

    def __init__(self, folder: Path) -> None:
        super().__init__()
        self.folder = Path(folder)

    def count(self, name: str, value: int = 1) -> None:
        super().count(name, value)
        self._keep(name, value)

    def count_for(self, name: str, dimensions: Mapping[str, str], value: int = 1) -> None:
        super().count_for(name, dimensions, value)
        self._keep(metric_key(name, dimensions), value)

    def _keep(self, key: str, value: int) -> None:
        path = self.folder / f"{dt.datetime.now(dt.UTC).date().isoformat()}.counts"
        line = f"{key}\t{int(value)}\n".encode()
        try:
            try:
                fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            except FileNotFoundError:  # the first count on this computer
                self.folder.mkdir(parents=True, exist_ok=True)
                fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                os.write(fd, line)
            finally:
                os.close(fd)
        except OSError as exc:
            logging.getLogger("forms").warning("count not kept kind=%s", type(exc).__name__)


class LocalFigures:
    """Adds up what LocalDailyMetrics kept."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)

    def read(
        self, first: dt.date, last: dt.date, wanted: Sequence[tuple[str, Mapping[str, str]]]
    ) -> list[Tally]:
        keys = {metric_key(name, dimensions) for name, dimensions in wanted}
        found: list[Tally] = []
        day = first
        while day <= last:
            counts: Counter[str] = Counter()
            try:
                text = (self.folder / f"{day.isoformat()}.counts").read_text(
                    encoding="utf-8", errors="replace"
                )
            except FileNotFoundError:
                text = ""
            for line in text.splitlines():
                key, _, value = line.partition("\t")
                if key in keys and value.isdigit():  # a line cut short by a crash is skipped
                    counts[key] += int(value)
            found += [_tally(day, key, value) for key, value in sorted(counts.items())]
            day += dt.timedelta(days=1)
        return found


class LocalRecords:
    """Every stored submission under var/submissions/ with the times of what is kept beside it, named as
    LocalStorage names them (<id>.json, <id>.sent, <id>.copy.sent, <id>.claim ...); the team's 'released' marker;
    erasure."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def index(self) -> dict[tuple[str, str], dict[str, dt.datetime]]:
        found: dict[tuple[str, str], dict[str, dt.datetime]] = {}
        try:
            forms = sorted(e.name for e in os.scandir(self.root) if e.is_dir() and not e.name.startswith("."))
        except (FileNotFoundError, NotADirectoryError):
            return found
        for form in forms:
            kept: dict[str, dict[str, dt.datetime]] = {}
            try:
                entries = list(os.scandir(self.root / form))
            except (FileNotFoundError, NotADirectoryError):
                continue
            for entry in entries:
                submission_id, _, what = entry.name.partition(".")
                if entry.name.startswith(".") or what not in {"json", *MARKERS}:
                    continue  # a temporary name, or not ours
                try:
                    _safe_id(submission_id)
                    modified = entry.stat().st_mtime
                except (ValueError, FileNotFoundError):
                    continue
                kept.setdefault(submission_id, {})[what] = dt.datetime.fromtimestamp(modified, dt.UTC)
            found.update({(form, sid): times for sid, times in kept.items() if "json" in times})
        return found

    def _path(self, form: str, submission_id: str, what: str) -> Path:
        if what not in {"json", *MARKERS} or "/" in form or form.startswith("."):
            raise ValueError("not a record or marker")
        return self.root / form / f"{_safe_id(submission_id)}.{what}"

    def put_marker(self, form: str, submission_id: str, marker: str) -> None:
        path = self._path(form, submission_id, marker)
        try:
            tmp = _write_durably(path, time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()).encode("ascii"))
            os.replace(tmp, path)
            _fsync_directory(path.parent)
        except OSError as exc:
            raise StorageError(f"marker write failed: {type(exc).__name__}") from exc

    def erase(self, form: str, submission_id: str) -> list[str]:
        """The record first (then nothing lists it as waiting to be sent), then each marker beside it."""
        deleted: list[str] = []
        try:
            for what in ("json", *MARKERS):
                path = self._path(form, submission_id, what)
                if path.exists():
                    path.unlink(missing_ok=True)
                    deleted.append("record" if what == "json" else what)
            _fsync_directory(self.root / form)
        except OSError as exc:
            raise StorageError(f"erase failed: {type(exc).__name__}") from exc
        return deleted


class LocalDeadLetters:
    """There is no dead-letter queue locally: a failed email stays pending for `make send-pending`."""

    def depth(self) -> int | None:
        return None


class LocalOutbox:
    """The emails in var/outbox/ (the local stand-in for the team's mailbox and the family's inbox)."""

    def __init__(self, outbox: Path) -> None:
        self.outbox = Path(outbox)

    def about(self, reference: str) -> list[tuple[str, bytes]]:
        # make_msgid(idstring=REF) gives "<...REF@domain>", and the family's copy "<...REF-copy@domain>".
        pattern = re.compile(
            rb"^message-id:\s*<[^>]*\." + re.escape(reference.encode("ascii")) + rb"(-copy)?@", re.I | re.M
        )
        found = []
        for path in sorted(self.outbox.glob("*.eml")):
            try:
                data = path.read_bytes()
            except FileNotFoundError:
                continue
            if pattern.search(data.split(b"\r\n\r\n", 1)[0]):
                found.append((path.name, data))
        return found
