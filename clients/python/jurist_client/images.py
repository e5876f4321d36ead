"""Images as trainers hold them, turned into Jurist's `{"url": ...}` references.

A dataset's image column reaches a reward function as whatever its loader made of it: a PIL
image (Hugging Face `datasets`' Image feature, decoded), a `{"bytes", "path"}` dict (the same
feature undecoded), raw bytes, a local path, an http(s) URL or a data URI. Everything local is
sent as a data URI, so the gateway never needs the trainer's file system.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import io
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple, Union

from .answers import ImageRef

ImageValue = Union[str, bytes, Mapping[str, Any], Any]

_REMOTE_PREFIXES = ("http://", "https://", "data:")


def image_url(value: ImageValue) -> str:
    """The URL Jurist is sent for one image value (see the module docstring for what passes)."""
    if isinstance(value, str):
        return value if value.startswith(_REMOTE_PREFIXES) else file_data_uri(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return data_uri(bytes(value))
    if isinstance(value, Mapping):
        if value.get("url"):
            return str(value["url"])
        if value.get("bytes"):
            return data_uri(bytes(value["bytes"]))
        if value.get("path"):
            return image_url(str(value["path"]))
        raise ValueError(f"an image dict needs 'url', 'bytes' or 'path', got keys {sorted(value)}")
    save = getattr(value, "save", None)
    if callable(save):  # a PIL image: PNG keeps it lossless whatever its mode
        buffer = io.BytesIO()
        save(buffer, format="PNG")
        return data_uri(buffer.getvalue())
    raise TypeError(f"cannot send an image of type {type(value).__name__} to Jurist")


@functools.lru_cache(maxsize=256)
def file_data_uri(path: str) -> str:
    """A local image file as a data URI, read once: RLHF judges each prompt's images once per
    sample (8–64 times a step), and a training run does not rewrite its images."""
    with open(path, "rb") as file:
        return data_uri(file.read())


def image_refs(values: Optional[Sequence[ImageValue]]) -> List[ImageRef]:
    """`{"url"}` references for a list of image values (None and an empty list are no images)."""
    return [{"url": image_url(value)} for value in values or [] if value is not None]


def data_uri(data: bytes) -> str:
    """A data URI whose media type is read from the bytes; Jurist checks them again itself."""
    return f"data:{sniff_media_type(data)};base64,{base64.b64encode(data).decode('ascii')}"


def sniff_media_type(data: bytes) -> str:
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    # Not one of the four Jurist takes: sent as PNG so the gateway's byte check names the problem
    # (415 unsupported_image_type) instead of the client guessing.
    return "image/png"


def images_key(refs: Sequence[ImageRef]) -> Tuple[str, ...]:
    """Identity of a list of images by content (SHA-256 of each URL, which for a data URI is its
    bytes), for grouping: two prompts with the same text and different images are different."""
    return tuple(hashlib.sha256(ref["url"].encode("utf-8")).hexdigest() for ref in refs)


class ImageCache:
    """Converts each distinct image object once per call: a GRPO batch repeats every prompt's
    images `num_generations` times, and PNG-encoding a PIL image is the costly part."""

    def __init__(self) -> None:
        self._by_id: Dict[int, Tuple[Any, str]] = {}

    def refs(self, values: Optional[Sequence[ImageValue]]) -> List[ImageRef]:
        out: List[ImageRef] = []
        for value in values or []:
            if value is None:
                continue
            if isinstance(value, str):
                out.append({"url": image_url(value)})
                continue
            # Keyed by identity and holding the object, so its id cannot be reused meanwhile.
            hit = self._by_id.get(id(value))
            if hit is None or hit[0] is not value:
                hit = (value, image_url(value))
                self._by_id[id(value)] = hit
            out.append({"url": hit[1]})
        return out
