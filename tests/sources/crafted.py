"""Hostile files written byte by byte: tiny headers that declare enormous pictures or frames.

Everything here is a few dozen bytes to a few kilobytes; nothing is ever decoded at the declared size
by the code under test (that is what the tests check).
"""

from __future__ import annotations

import struct
import zlib


def png(width: int, height: int, colour_type: int = 2, depth: int = 8) -> bytes:
    """A PNG whose IHDR declares ``width`` x ``height`` (with a token IDAT): 68 bytes."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, depth, colour_type, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00" * 16))
            + chunk(b"IEND", b""))


def bmp(width: int, height: int) -> bytes:
    """A 24-bit BMP header with no pixels: 54 bytes."""
    return (b"BM" + struct.pack("<IHHI", 54, 0, 0, 54)
            + struct.pack("<IiiHHIIiiII", 40, width, height, 1, 24, 0, 0, 0, 0, 0, 0))


def ppm(width: int, height: int) -> bytes:
    return f"P6\n# made by hand\n{width} {height}\n255\n".encode() + b"\x00" * 16


def gif(width: int, height: int) -> bytes:
    """A GIF whose screen and only image are ``width`` x ``height``: 29 bytes."""
    return (b"GIF89a" + struct.pack("<HHBBB", width, height, 0, 0, 0) + b","
            + struct.pack("<HHHHB", 0, 0, width, height, 0) + b"\x02\x02\x44\x01\x00;")


def flat_jpeg(width: int, height: int, complete: bool = False) -> bytes:
    """A baseline greyscale JPEG of one flat grey (every 8x8 block is 'DC 0, end of block', 4 bits).

    ``complete``: all blocks present, a valid picture (16000x16000 is 2 MB); otherwise the scan is
    cut short after a few blocks (enough for a header reader; a decoder would see a broken file)."""
    quantisation = b"\xff\xdb" + struct.pack(">H", 67) + b"\x00" + b"\x01" * 64
    frame = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, height, width, 1) + b"\x01\x11\x00"

    def huffman(table: int) -> bytes:  # one code, '00', for the symbol 0
        return b"\xff\xc4" + struct.pack(">H", 20) + bytes([table, 0, 1] + [0] * 14) + b"\x00"

    scan = b"\xff\xda" + struct.pack(">HB", 8, 1) + b"\x01\x00" + b"\x00\x3f\x00"
    blocks = ((width + 7) // 8) * ((height + 7) // 8)
    data = b"\x00" * ((blocks + 1) // 2 if complete else 64)
    return b"\xff\xd8" + quantisation + frame + huffman(0x00) + huffman(0x10) + scan + data + b"\xff\xd9"


def _chunk(fourcc: bytes, data: bytes) -> bytes:
    return fourcc + struct.pack("<I", len(data)) + data + (b"\x00" if len(data) % 2 else b"")


def _list(kind: bytes, data: bytes) -> bytes:
    return _chunk(b"LIST", kind + data)


def mjpeg_avi(width: int, height: int, frames: list[bytes], fps: int = 25) -> bytes:
    """A minimal AVI (RIFF: hdrl with avih, strh, strf; movi; idx1) holding MJPEG ``frames``."""
    main_header = struct.pack("<14I", 1_000_000 // fps, 0, 0, 0x10, len(frames), 0, 1, 0, width, height,
                              0, 0, 0, 0)
    stream_header = b"vidsMJPG" + struct.pack("<IHHIIIIIIII4h", 0, 0, 0, 0, 1, fps, 0, len(frames), 0,
                                              0xFFFFFFFF, 0, 0, 0, min(width, 32767), min(height, 32767))
    stream_format = struct.pack("<IiiHH4sIiiII", 40, width, height, 1, 24, b"MJPG", 0, 0, 0, 0, 0)
    headers = _list(b"hdrl", _chunk(b"avih", main_header)
                    + _list(b"strl", _chunk(b"strh", stream_header) + _chunk(b"strf", stream_format)))
    movi, index, offset = b"", b"", 4
    for frame in frames:
        index += b"00dc" + struct.pack("<III", 0x10, offset, len(frame))
        movi += _chunk(b"00dc", frame)
        offset += len(_chunk(b"00dc", frame))
    return _chunk(b"RIFF", b"AVI " + headers + _list(b"movi", movi) + _chunk(b"idx1", index))


def with_png_orientation(data: bytes, orientation: int) -> bytes:
    """A PNG file's bytes with an eXIf chunk (EXIF orientation) right after IHDR; pixels untouched,
    so a 16-bit or RGBA PNG written by OpenCV keeps its depth and alpha."""
    exif = (b"MM\x00*" + struct.pack(">I", 8) + struct.pack(">H", 1)
            + struct.pack(">HHIHH", 0x0112, 3, 1, orientation, 0) + struct.pack(">I", 0))
    chunk = struct.pack(">I", len(exif)) + b"eXIf" + exif + struct.pack(">I", zlib.crc32(b"eXIf" + exif))
    end_of_header = 8 + 8 + 13 + 4
    return data[:end_of_header] + chunk + data[end_of_header:]
