"""Uploaded files without a form library: the request body itself, or the part named "file" of a
multipart/form-data body (parsed by the standard library's email parser)."""

from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP

from starlette.requests import Request


@dataclass
class FilePart:
    content: bytes
    filename: str | None
    content_type: str
    fields: dict[str, str] = field(default_factory=dict)


async def read_body(request: Request, limit: int) -> bytes | None:
    """The request body, or None as soon as it is known to exceed `limit` bytes."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return None
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            return None
    return bytes(body)


def file_part(content_type: str, body: bytes) -> FilePart:
    """The file of a request: its "file" part when the body is multipart/form-data, else the body."""
    if not content_type.lower().startswith("multipart/form-data"):
        return FilePart(body, None, content_type.split(";")[0].strip())
    try:
        message = BytesParser(policy=HTTP).parsebytes(f"Content-Type: {content_type}\r\n\r\n".encode("latin-1") + body)
        parts = list(message.iter_parts()) if message.is_multipart() else []
    except Exception:  # noqa: BLE001 - any malformed envelope is the client's error
        parts = []
    found = FilePart(b"", None, "")
    for part in parts:
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True) or b""
        if name == "file":
            found.content, found.filename, found.content_type = payload, part.get_filename(), part.get_content_type()
        elif isinstance(name, str):
            found.fields[name] = payload.decode("utf-8", "replace").strip()
    return found
