"""Read a multipart/form-data body (a form sent with files, without JavaScript) with the standard `email` parser.

Not the deprecated `cgi` module. File names from the browser are kept only in memory, to tell an empty file box
from a chosen file: they are never stored, logged or mailed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from email import policy
from email.message import Message
from email.parser import BytesParser

from functions.forms.domain.answers import FilePart
from functions.forms.web.errors import ParseError

MAX_PARTS = 200


@dataclass
class Multipart:
    fields: list[tuple[str, str]] = field(default_factory=list)
    files: list[FilePart] = field(default_factory=list)


def parse_multipart(body: bytes, content_type_header: str, max_file_bytes: int) -> Multipart:
    """The text fields (in order) and the files. A file over max_file_bytes comes back empty and marked too large."""
    if "boundary=" not in content_type_header.lower():
        raise ParseError("The form could not be read. Reload the page and try again")
    head = f"MIME-Version: 1.0\r\nContent-Type: {content_type_header}\r\n\r\n".encode("latin-1", "replace")
    try:
        message = BytesParser(policy=policy.HTTP).parsebytes(head + body)
    except Exception as exc:  # the email parser is lenient; anything it raises means an unreadable body
        raise ParseError("The form could not be read. Reload the page and try again") from exc
    if not message.is_multipart() or message.defects:
        raise ParseError("The form could not be read. Reload the page and try again")
    result = Multipart()
    parts = message.get_payload()
    if not isinstance(parts, list) or len(parts) > MAX_PARTS:
        raise ParseError("The form could not be read. Reload the page and try again")
    for part in parts:
        if not isinstance(part, Message) or part.get_content_disposition() != "form-data":
            continue
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        payload = part.get_payload(decode=True)  # bytes, or None for a part that is itself multipart
        data = payload if isinstance(payload, bytes) else b""
        filename = part.get_param("filename", header="content-disposition")
        if filename is not None:
            chosen = bool(filename) or bool(data)
            if len(data) > max_file_bytes:
                result.files.append(FilePart(name=name, data=b"", too_large=True))
            else:
                result.files.append(FilePart(name=name, data=data, chosen=chosen))
            continue
        charset = part.get_content_charset() or "utf-8"
        try:
            result.fields.append((name, data.decode(charset)))
        except (LookupError, UnicodeDecodeError) as exc:
            raise ParseError("The form could not be read. Reload the page and try again") from exc
    return result
