"""Children's files in the pipeline: check each upload's real size and type, keep a clean copy, and list the
files for the team's email (attached up to 10 MB in all, linked beyond that).

Nothing here logs a file name or anything else a child sent.
"""

from __future__ import annotations

import json
from typing import Any

from functions.forms.application.services import Services
from functions.forms.domain import file_tokens
from functions.forms.domain import files as f
from functions.forms.domain.answers import Parsed
from functions.forms.domain.files import clean_key, incoming_key
from functions.forms.domain.schemas import Form
from functions.forms.domain.validate import FieldError, href_for
from functions.forms.ports import StorageError, UploadStore


def accept(store: UploadStore, upload_id: str) -> dict[str, Any]:
    """Check an uploaded object's real size and type, keep a clean copy, and say what it is. Repeats are free."""
    if not f.is_upload_id(upload_id):
        raise f.FileRefused("Add your drawing or recording again")
    info_key = clean_key(upload_id) + ".json"
    if store.size(info_key) is not None:
        return json.loads(store.read(info_key))
    size = store.size(incoming_key(upload_id))
    if size is None:
        raise f.FileRefused("Add your drawing or recording again: we did not get it")
    f.check_size(size)
    found = f.sniff(store.read(incoming_key(upload_id), first=f.SNIFF_BYTES))
    if found is None:
        raise f.FileRefused(f"The selected file must be a {f.TYPE_NAMES}")
    if found.processed:
        data = store.read(incoming_key(upload_id))
        f.check_size(len(data))
        clean, found = f.clean_copy(data, found)  # a HEIC is kept as a JPEG: `found` says what is kept
        store.write(clean_key(upload_id), clean, found.content_type)
        size = len(clean)
    else:
        store.copy(incoming_key(upload_id), clean_key(upload_id))
    info = {
        "content_type": found.content_type,
        "kind": found.kind,
        "size": size,
        "cleaned": found.cleanable,
        "cleaning": found.cleaning,
    }
    store.write(info_key, json.dumps(info).encode(), "application/json")
    store.delete(incoming_key(upload_id))
    return info


def check_added(store: UploadStore, upload_id: str, filename: object) -> dict[str, Any]:
    """A file just added on the page (sent straight to S3 on AWS, which checks nothing): check it now, so that a
    file that is not what it says is refused while the family is still at that question, not at Send. Its name as
    sent (cleaned: files.sent_name) is kept beside it for the team's email. Raises FileRefused."""
    info = accept(store, upload_id)
    name = f.sent_name(filename)
    if name and info.get("name") != name:
        info = {**info, "name": name}
        store.write(clean_key(upload_id) + ".json", json.dumps(info).encode(), "application/json")
    return info


def keep(store: UploadStore, data: bytes) -> str:
    """A file that came inside a form post (no JavaScript): stored under a new id, then checked like any other."""
    upload_id = f.new_upload_id()
    store.write(incoming_key(upload_id), data, "application/octet-stream")
    accept(store, upload_id)
    return upload_id


def check_files(form: Form, parsed: Parsed, services: Services, errors: list[FieldError]) -> list[FieldError]:
    """The form's errors with any file problems added; when all is well, files from the post are stored and listed."""
    name = form.settings.files_field
    assert name  # called only for a form with files
    answers = parsed.answers
    posted = answers.get(name)
    ids: list[Any] = posted if isinstance(posted, list) else []
    problem_text: str | None = None
    to_keep: list[bytes] = []
    for part in parsed.files:
        if part.too_large:
            problem_text = f"Each file must be smaller than {f.MAX_FORM_FILE_BYTES // 2**20} MB"
            break
        try:
            f.judge(part.data, f.MAX_FORM_FILE_BYTES)
        except f.FileRefused as refused:
            problem_text = refused.text
            break
        to_keep.append(part.data)
    if problem_text is None and len(ids) + len(to_keep) > f.MAX_FILES:
        problem_text = f"Choose up to {f.MAX_FILES} files"
    already = any(e.field == name for e in errors)
    if problem_text is None and not errors:
        store = services.uploads
        try:
            for upload_id in ids:
                accept(store, upload_id)
            if to_keep:
                answers[name] = [*ids, *(keep(store, data) for data in to_keep)]
        except f.FileRefused as refused:
            problem_text = refused.text
    if problem_text is None or already:
        return errors
    order = form.order()
    found = [*errors, FieldError(name, href_for(form, name), problem_text)]
    return sorted(found, key=lambda e: order.get(e.field, len(order)))


def email_files(
    record: dict[str, Any], form: Form, services: Services
) -> tuple[list[tuple[str, str, bytes]], list[str]]:
    """Attachments (up to 10 MB in all) and lines about every file, with a link for each one not attached."""
    ids = record["answers"].get(form.settings.files_field) or []
    if not ids:
        return [], []
    store = services.uploads
    attachments: list[tuple[str, str, bytes]] = []
    lines: list[str] = []
    total = 0
    for number, upload_id in enumerate(ids, start=1):
        data = store.read(clean_key(upload_id))
        try:
            found = f.judge(data)
        except f.FileRefused:
            lines.append(
                f"File {number} could not be checked, so it was not sent. Ask the family for it again."
            )
            continue
        # What was kept beside this very file when it was checked: its name as sent, and what was done to it.
        try:
            kept = json.loads(store.read(clean_key(upload_id) + ".json"))
        except (StorageError, ValueError):
            kept = {}
        kept = kept if isinstance(kept, dict) else {}
        filename = f.email_name(found, number)
        # The name it was sent with, what it really is and its real size:
        # 'drawing-1.png, sent as "sun.png" (PNG drawing, 34 KB)'. A form sent without JavaScript gives no name.
        sent_as = f.sent_name(kept.get("name"))
        named = f'{filename}, sent as "{sent_as}"' if sent_as else filename
        about = f"{named} ({f.type_words(found)}, {f.size_words(len(data))})"
        if total + len(data) <= f.EMAIL_ATTACH_BYTES:
            attachments.append((filename, found.content_type, data))
            total += len(data)
            lines.append(f"{about}: attached.")
        else:
            link = file_tokens.link(services.settings.site_url, services.link_key(), upload_id, number)
            lines.append(
                f"{about}: too large to attach. Download it by {file_tokens.expiry_text()} "
                f"(the link works for {file_tokens.LINK_DAYS} days): {link}"
            )
        # A file kept before its kind was cleaned has no "cleaning" and counts as not cleaned unless it was.
        cleaning = kept.get("cleaning") or ("all" if kept.get("cleaned") else "none")
        if cleaning == "some":
            lines.append(
                f"{filename}: hidden details in this kind of file (which can include where it was made) may not "
                "all have been removed. Do not pass it on as it is."
            )
        elif cleaning != "all":
            lines.append(
                f"{filename}: hidden details in this kind of file (which can include where it was made) have not "
                "been removed. Do not pass it on as it is."
            )
    return attachments, lines
