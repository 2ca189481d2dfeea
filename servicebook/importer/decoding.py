"""Bytes of a dump file -> numbered text lines, whatever the old blog's encoding was."""

import codecs
import re
from dataclasses import dataclass, field

# C0 controls that never occur in copied prose (tab, form feed, vertical tab and
# DOS end-of-file are tolerated).
_BINARY_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x19\x1b-\x1f\x7f]")
_LINE_BREAK = re.compile(rb"\r\n|\r|\n")


class DumpError(Exception):
    """A file that cannot be imported at all (empty, binary, undecodable)."""

    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.line = line


@dataclass
class DecodedDump:
    lines: list[str]  # lines[0] is line 1
    encoding: str
    warnings: list[tuple[int | None, str]] = field(default_factory=list)


def decode_dump(data: bytes) -> DecodedDump:
    """Decode line by line: UTF-8 (BOM optional), else Windows-1252, which also covers the
    printable Latin-1 range. Per line, so a mostly-UTF-8 dump with one pasted cp1252 line keeps
    its UTF-8 text intact."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _checked(DecodedDump(_split_text(data.decode("utf-16")), "utf-16"))
    encoding = "utf-8"
    if data.startswith(codecs.BOM_UTF8):
        data, encoding = data[len(codecs.BOM_UTF8) :], "utf-8 (BOM)"
    if b"\x00" in data:
        first_nul_line = data[: data.index(b"\x00")].count(b"\n") + 1
        raise DumpError("binary file (contains NUL bytes)", first_nul_line)
    lines, cp1252_lines = [], []
    for number, raw in enumerate(_LINE_BREAK.split(data), start=1):
        try:
            lines.append(raw.decode("utf-8"))
        except UnicodeDecodeError:
            try:
                lines.append(raw.decode("cp1252"))
            except UnicodeDecodeError:
                raise DumpError("undecodable bytes: neither UTF-8 nor Windows-1252/Latin-1", number) from None
            cp1252_lines.append(number)
    decoded = DecodedDump(lines, encoding)
    if cp1252_lines:
        decoded.encoding = "windows-1252" if len(cp1252_lines) == _count_non_ascii(lines) else "utf-8 + windows-1252"
        shown = ", ".join(map(str, cp1252_lines[:10])) + (" …" if len(cp1252_lines) > 10 else "")
        decoded.warnings.append(
            (
                cp1252_lines[0],
                f"not valid UTF-8; decoded as Windows-1252/Latin-1 "
                f"(line{'s' if len(cp1252_lines) > 1 else ''} {shown}) "
                "- check accented letters and quotes",
            )
        )
    return _checked(decoded)


def _split_text(text: str) -> list[str]:
    return re.split(r"\r\n|\r|\n", text)


def _count_non_ascii(lines: list[str]) -> int:
    return sum(1 for line in lines if not line.isascii())


def _checked(decoded: DecodedDump) -> DecodedDump:
    for number, line in enumerate(decoded.lines, start=1):
        control = _BINARY_CONTROLS.search(line)
        if control:
            raise DumpError(f"binary file (control character U+{ord(control.group()):04X})", number)
    if not any(line.strip() for line in decoded.lines):
        raise DumpError("empty file (nothing but whitespace)")
    return decoded
