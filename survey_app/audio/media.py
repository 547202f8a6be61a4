"""What an uploaded recording is, read from its bytes (pure; no Flask): Opus in WebM (Chrome's
MediaRecorder, on Android too) or in Ogg (Firefox's), and how long it lasts.

The browser's word (the upload's content type) is not trusted: the container and the codec are
read from the file, and the duration from its own timestamps (the last block of a WebM file; the
last page's granule position of an Ogg file).  Anything else is ``None``, which the studio
refuses with a message."""
from __future__ import annotations

from dataclasses import dataclass

EBML_HEADER = 0x1A45DFA3
SEGMENT, CLUSTER, TIMECODE, SIMPLE_BLOCK, BLOCK_GROUP, BLOCK = 0x18538067, 0x1F43B675, 0xE7, 0xA3, 0xA0, 0xA1
INFO, TIMECODE_SCALE = 0x1549A966, 0x2AD7B1
#: an Opus frame as MediaRecorder writes it (the last block's own length)
OPUS_FRAME_MS = 20


@dataclass(frozen=True)
class Media:
    mime_type: str
    duration_ms: int


def sniff(data: bytes) -> Media | None:
    """The container type and duration of Opus audio in WebM or Ogg, or None."""
    if data.startswith(b"OggS"):
        return _ogg(data)
    if data[:4] == EBML_HEADER.to_bytes(4, "big"):
        return _webm(data)
    return None


def _ogg(data: bytes) -> Media | None:
    head = data.find(b"OpusHead")
    if head < 0 or head + 12 > len(data):
        return None
    pre_skip = int.from_bytes(data[head + 10:head + 12], "little")
    last = data.rfind(b"OggS")
    if last < 0 or last + 14 > len(data):
        return None
    granule = int.from_bytes(data[last + 6:last + 14], "little", signed=True)
    if granule <= pre_skip:
        return None
    return Media("audio/ogg", (granule - pre_skip) * 1000 // 48000)


def _vint(data: bytes, pos: int, keep_marker: bool) -> tuple[int, int] | None:
    """An EBML variable-length integer at ``pos``: (value, length); None past the end.  Unknown
    sizes (all value bits set) come back as -1."""
    if pos >= len(data) or data[pos] == 0:
        return None
    first = data[pos]
    length = 1
    while not first & (0x80 >> (length - 1)):
        length += 1
    if pos + length > len(data):
        return None
    value = first if keep_marker else first & ((0x80 >> (length - 1)) - 1)
    for b in data[pos + 1:pos + length]:
        value = (value << 8) | b
    if not keep_marker and value == (1 << (7 * length)) - 1:
        return -1, length
    return value, length


def _webm(data: bytes) -> Media | None:
    if b"webm" not in data[:64] or b"A_OPUS" not in data[:4096]:
        return None
    scale_ns = 1_000_000
    cluster_time = 0
    end_ms: int | None = None
    pos = 0
    while pos < len(data):
        element = _vint(data, pos, keep_marker=True)
        if element is None:
            break
        size = _vint(data, pos + element[1], keep_marker=False)
        if size is None:
            break
        ident, start = element[0], pos + element[1] + size[1]
        length = size[0]
        if ident in (SEGMENT, CLUSTER, INFO, BLOCK_GROUP):
            pos = start  # a container: read its children in turn (its size may be unknown)
            continue
        if length < 0 or start + length > len(data):
            break  # a cut file: what was read so far counts
        body = data[start:start + length]
        if ident == TIMECODE_SCALE:
            scale_ns = int.from_bytes(body, "big") or scale_ns
        elif ident == TIMECODE:
            cluster_time = int.from_bytes(body, "big")
        elif ident in (SIMPLE_BLOCK, BLOCK):
            track = _vint(body, 0, keep_marker=False)
            if track is not None and len(body) >= track[1] + 2:
                relative = int.from_bytes(body[track[1]:track[1] + 2], "big", signed=True)
                end_ms = (cluster_time + relative) * scale_ns // 1_000_000 + OPUS_FRAME_MS
        pos = start + length
    if end_ms is None or end_ms <= 0:
        return None
    return Media("audio/webm", end_ms)
