"""Picture and video frame sizes read from file headers, before anything is decoded.

A 68-byte PNG can declare 60000x60000 pixels and a 4 MB MJPEG video 16000x16000 frames; decoders
believe the header and allocate gigabytes (a frozen window, then a crash). So the size is read here
first, from the few bytes that declare it, and the caller refuses or reduces. Pure: no OpenCV,
no Pillow, no Qt; a format this module does not know gives None and the caller asks another reader.

Sizes are (width, height) in pixels *as stored*; ``PictureHeader.upright`` applies the EXIF
orientation (a portrait photo stored sideways with orientation 6 is upright at (height, width)).
"""

from __future__ import annotations

import os
import struct
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

_HEAD = 4096  # bytes read at once; every header below starts within them


@dataclass(frozen=True)
class PictureHeader:
    """What a picture file declares. ``channels`` and ``bytes_per_sample`` are what decoding gives
    (a palette PNG decodes to 3 channels), used to say how much memory a decode would take."""

    format: str
    width: int
    height: int
    channels: int = 3
    bytes_per_sample: int = 1
    orientation: int = 1  # EXIF orientation 1..8 (1: as stored)

    @property
    def pixels(self) -> int:
        return self.width * self.height

    @property
    def decoded_bytes(self) -> int:
        return self.pixels * self.channels * self.bytes_per_sample

    @property
    def upright(self) -> tuple[int, int]:
        """(width, height) once the EXIF orientation is applied (5-8 turn the picture a quarter)."""
        return (self.height, self.width) if self.orientation >= 5 else (self.width, self.height)


def memory_text(size: int) -> str:
    """A number of bytes as a lecturer reads it: "768 MB", "10.8 GB"."""
    if size >= 1e9:
        return f"{size / 1e9:.1f} GB"
    return f"{max(1, round(size / 1e6))} MB"


# ---- pictures -------------------------------------------------------------------------------------
def read_picture_header(path: str | os.PathLike[str]) -> PictureHeader | None:
    """The header of a PNG, JPEG, GIF, BMP, PNM/PAM, WebP or TIFF file; None for anything else (or a
    header too broken to read). Reads a few kilobytes; OSError if the file cannot be read."""
    with open(path, "rb") as handle:
        head = handle.read(_HEAD)
        try:
            if head.startswith(b"\x89PNG\r\n\x1a\n"):
                return _png(head, handle)
            if head.startswith(b"\xff\xd8"):
                return _jpeg(handle)
            if head[:6] in (b"GIF87a", b"GIF89a"):
                return _gif(head)
            if head.startswith(b"BM"):
                return _bmp(head)
            if head[:1] == b"P" and head[1:2] in b"1234567" and len(head) > 2:
                return _pnm(head)
            if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
                return _webp(head)
            if head[:4] in (b"II*\x00", b"MM\x00*"):
                return _tiff(head, handle)
        except (struct.error, ValueError, IndexError):
            return None
    return None


def _png(head: bytes, handle: BinaryIO) -> PictureHeader | None:
    if head[12:16] != b"IHDR":
        return None
    width, height, depth, colour = struct.unpack(">IIBB", head[16:26])
    channels = {0: 1, 2: 3, 3: 3, 4: 4, 6: 4}.get(colour, 3)  # grey+alpha decodes to 4 (OpenCV)
    orientation = 1
    handle.seek(8)
    for _ in range(64):  # eXIf, if there is one, comes before the image data in practice
        chunk = handle.read(8)
        if len(chunk) < 8:
            break
        length, kind = struct.unpack(">I4s", chunk)
        if kind in (b"IDAT", b"IEND"):
            break
        if kind == b"eXIf" and length <= 1 << 20:
            orientation = _exif_orientation(handle.read(length))
            break
        handle.seek(length + 4, os.SEEK_CUR)
    return PictureHeader("PNG", width, height, channels, 2 if depth == 16 else 1, orientation)


_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


def _jpeg(handle: BinaryIO) -> PictureHeader | None:
    """Walk the markers to the frame header (SOFn), noting the EXIF orientation on the way."""
    handle.seek(2)
    orientation = 1
    for _ in range(1000):
        marker = handle.read(2)
        while marker[:1] == b"\xff" and marker[1:2] == b"\xff":  # fill bytes
            marker = marker[1:] + handle.read(1)
        if len(marker) < 2 or marker[0] != 0xFF:
            return None
        code = marker[1]
        if code == 0x01 or 0xD0 <= code <= 0xD7:  # markers without a length
            continue
        if code in (0xD9, 0xDA):  # end of image, start of scan: no frame header before
            return None
        (length,) = struct.unpack(">H", handle.read(2))
        if length < 2:
            return None
        if code in _SOF:
            precision, height, width, components = struct.unpack(">BHHB", handle.read(6))
            return PictureHeader("JPEG", width, height, 1 if components == 1 else 3,
                                 2 if precision > 8 else 1, orientation)
        if code == 0xE1 and orientation == 1:
            segment = handle.read(length - 2)
            if segment.startswith(b"Exif\x00\x00"):
                orientation = _exif_orientation(segment[6:])
            continue
        handle.seek(length - 2, os.SEEK_CUR)
    return None


def _gif(head: bytes) -> PictureHeader:
    width, height = struct.unpack("<HH", head[6:10])
    return PictureHeader("GIF", width, height, 4)


def _bmp(head: bytes) -> PictureHeader | None:
    (info_size,) = struct.unpack("<I", head[14:18])
    if info_size == 12:  # OS/2 1.x
        width, height, _, bits = struct.unpack("<HHHH", head[18:26])
    elif info_size >= 40:
        width, height, _, bits = struct.unpack("<iiHH", head[18:30])
    else:
        return None
    return PictureHeader("BMP", abs(width), abs(height), 4 if bits == 32 else 3)


def _pnm(head: bytes) -> PictureHeader | None:
    kind = head[1:2]
    if kind == b"7":  # PAM: WIDTH 640 / HEIGHT 480 / DEPTH 3 / MAXVAL 255 / ENDHDR
        fields: dict[str, int] = {}
        for line in head.split(b"\n")[1:]:
            words = line.split()
            if words[:1] == [b"ENDHDR"]:
                break
            if len(words) == 2 and words[0] in (b"WIDTH", b"HEIGHT", b"DEPTH", b"MAXVAL"):
                fields[words[0].decode()] = _number(words[1])
        if "WIDTH" not in fields or "HEIGHT" not in fields:
            return None
        return PictureHeader("PAM", fields["WIDTH"], fields["HEIGHT"], max(1, min(4, fields.get("DEPTH", 3))),
                             2 if fields.get("MAXVAL", 255) > 255 else 1)
    tokens: list[bytes] = []
    for line in head[2:].split(b"\n"):
        tokens += line.split(b"#", 1)[0].split()
        if len(tokens) >= 3:
            break
    width, height = _number(tokens[0]), _number(tokens[1])
    maxval = 1 if kind in b"14" else _number(tokens[2])
    channels = 3 if kind in b"36" else 1
    return PictureHeader("PNM", width, height, channels, 2 if maxval > 255 else 1)


def _number(token: bytes) -> int:
    """A header number; absurdly long digit strings count as 'enormous', not as a parse error."""
    if not token.isdigit():
        raise ValueError(token)
    return int(token[:12])  # 12 digits: far beyond any limit, and no giant integers


def _webp(head: bytes) -> PictureHeader | None:
    chunk = head[12:16]
    if chunk == b"VP8X":
        flags = head[20]
        width = 1 + int.from_bytes(head[24:27], "little")
        height = 1 + int.from_bytes(head[27:30], "little")
        return PictureHeader("WebP", width, height, 4 if flags & 0x10 else 3)
    if chunk == b"VP8L" and head[20] == 0x2F:
        bits = int.from_bytes(head[21:25], "little")
        return PictureHeader("WebP", 1 + (bits & 0x3FFF), 1 + ((bits >> 14) & 0x3FFF), 4 if bits >> 28 & 1 else 3)
    if chunk == b"VP8 " and head[23:26] == b"\x9d\x01\x2a":
        width, height = struct.unpack("<HH", head[26:30])
        return PictureHeader("WebP", width & 0x3FFF, height & 0x3FFF, 3)
    return None


_TIFF_TYPES = {3: ("H", 2), 4: ("I", 4)}  # SHORT, LONG: the types width, height and friends use


def _tiff_tags(data: bytes, order: str, offset: int) -> dict[int, int]:
    """The value of every SHORT/LONG entry of the IFD at ``offset`` in ``data`` that holds it inline
    (a list of values, like RGB's three BitsPerSample, lives elsewhere and is left out)."""
    (count,) = struct.unpack(order + "H", data[offset:offset + 2])
    tags = {}
    for i in range(min(count, 512)):
        entry = data[offset + 2 + 12 * i: offset + 14 + 12 * i]
        if len(entry) < 12:
            break
        tag, kind, values = struct.unpack(order + "HHI", entry[:8])
        if kind in _TIFF_TYPES and values * _TIFF_TYPES[kind][1] <= 4:  # stored in the entry itself
            code, size = _TIFF_TYPES[kind]
            (tags[tag],) = struct.unpack(order + code, entry[8:8 + size])
    return tags


def _tiff_header(data: bytes) -> tuple[str, int]:
    order = "<" if data[:2] == b"II" else ">"
    (offset,) = struct.unpack(order + "I", data[4:8])
    return order, offset


def _exif_orientation(exif: bytes) -> int:
    """Tag 274 of an EXIF block (a little TIFF file); 1 if absent or out of range."""
    try:
        order, offset = _tiff_header(exif)
        orientation = _tiff_tags(exif, order, offset).get(0x0112, 1)
    except (struct.error, ValueError):
        return 1
    return orientation if 1 <= orientation <= 8 else 1


def _tiff(head: bytes, handle: BinaryIO) -> PictureHeader | None:
    order, offset = _tiff_header(head)
    handle.seek(offset)
    tags = _tiff_tags(handle.read(2 + 12 * 512), order, 0)
    if 256 not in tags or 257 not in tags:
        return None
    channels = max(1, min(4, tags.get(277, 1)))
    depth = (tags.get(258, 8) + 7) // 8
    orientation = tags.get(0x0112, 1)
    return PictureHeader("TIFF", tags[256], tags[257], channels, max(1, min(8, depth)),
                         orientation if 1 <= orientation <= 8 else 1)


# ---- videos ---------------------------------------------------------------------------------------
def read_video_frame_size(path: str | os.PathLike[str]) -> tuple[int, int] | None:
    """The largest frame size an AVI or MP4/MOV file declares for its video, as (width, height);
    None for other containers or headers this reader cannot follow. OSError if unreadable."""
    with open(path, "rb") as handle:
        head = handle.read(12)
        try:
            if head[:4] == b"RIFF" and head[8:12] in (b"AVI ", b"AVIX"):
                return _avi(handle)
            if head[4:8] in (b"ftyp", b"moov", b"mdat", b"wide", b"free", b"skip"):
                return _mp4(handle)
        except (struct.error, ValueError):
            return None
    return None


def _avi(handle: BinaryIO) -> tuple[int, int] | None:
    """avih's dwWidth/dwHeight and every video stream's BITMAPINFOHEADER, from the hdrl list."""
    handle.seek(12)
    data = handle.read(1 << 16)
    sizes: list[tuple[int, int]] = []
    position = 0
    while position + 8 <= len(data):
        kind, length = data[position:position + 4], struct.unpack("<I", data[position + 4:position + 8])[0]
        body = position + 8
        if kind == b"LIST":
            if data[body:body + 4] == b"movi":
                break
            position = body + 4  # walk into hdrl / strl
            continue
        if kind == b"avih" and length >= 40:
            sizes.append(struct.unpack("<II", data[body + 32:body + 40]))
        elif kind == b"strf" and length >= 12 and struct.unpack("<I", data[body:body + 4])[0] >= 40:
            width, height = struct.unpack("<ii", data[body + 4:body + 12])
            sizes.append((abs(width), abs(height)))
        position = body + length + (length & 1)
    if not sizes:
        return None
    return max(w for w, _ in sizes), max(h for _, h in sizes)


_MP4_CONTAINERS = {b"moov", b"trak", b"mdia", b"minf", b"stbl"}


def _boxes(handle: BinaryIO, start: int, end: int) -> Iterator[tuple[bytes, int, int]]:
    """(type, payload start, payload end) of each ISO-BMFF box in [start, end), by seeking."""
    position = start
    while position + 8 <= end:
        handle.seek(position)
        header = handle.read(8)
        if len(header) < 8:
            return
        size, kind = struct.unpack(">I4s", header)
        payload = position + 8
        if size == 1:
            (size,) = struct.unpack(">Q", handle.read(8))
            payload += 8
        elif size == 0:
            size = end - position
        if size < payload - position:
            return
        yield kind, payload, min(position + size, end)
        position += size


@dataclass
class _Track:
    handler: bytes = b""  # b"vide" for video
    sizes: list[tuple[int, int]] = field(default_factory=list)


def _mp4(handle: BinaryIO) -> tuple[int, int] | None:
    """tkhd's presentation size and stsd's coded size of every video track (``hdlr`` says "vide").
    moov may sit after the media data: boxes are skipped by seeking, never read whole."""
    end = handle.seek(0, os.SEEK_END)
    sizes: list[tuple[int, int]] = []

    def walk(start: int, stop: int, depth: int, track: _Track) -> None:
        for kind, payload, box_end in _boxes(handle, start, stop):
            if kind == b"trak":
                inner = _Track()
                walk(payload, box_end, depth + 1, inner)
                if inner.handler == b"vide":
                    sizes.extend(inner.sizes)
            elif kind in _MP4_CONTAINERS and depth < 6:
                walk(payload, box_end, depth + 1, track)
            elif kind == b"hdlr":
                handle.seek(payload + 8)  # version, flags, pre_defined
                track.handler = handle.read(4)
            elif kind == b"tkhd":
                handle.seek(payload)
                offset = 88 if handle.read(1) == b"\x01" else 76
                handle.seek(payload + offset)
                width, height = struct.unpack(">II", handle.read(8))  # 16.16 fixed point
                track.sizes.append((width >> 16, height >> 16))
            elif kind == b"stsd":
                handle.seek(payload + 8)  # version, flags, entry count; then the first sample entry
                entry = handle.read(36)
                if len(entry) == 36:
                    track.sizes.append(struct.unpack(">HH", entry[32:36]))

    walk(0, end, 0, _Track())
    sizes = [size for size in sizes if size[0] and size[1]]
    if not sizes:
        return None
    return max(w for w, _ in sizes), max(h for _, h in sizes)
