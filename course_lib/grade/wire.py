"""The data format between the grader and a child: JSON, with arrays as raw bytes.

It carries numbers, strings, lists, string-keyed dicts and NumPy arrays of
numbers, and nothing that can run: no pickle, no object types. The decoder
checks every array's dtype, shape and byte count and limits the nesting, so
a hostile child can send wrong answers but never code or a malformed object.
This file runs on both sides: the child gets a copy.
"""

from __future__ import annotations

import base64
import json

import numpy as np

ARRAY_KINDS = "biuf"            # bool, signed and unsigned integers, floats
MAX_DEPTH = 16
MAX_ARRAY_ELEMENTS = 10_000_000


class WireError(ValueError):
    """A message that is not valid wire data."""


def encode(value):
    """Python/NumPy value -> JSON-ready structure; raises WireError for anything else."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, np.generic) and value.dtype.kind in ARRAY_KINDS:   # keeps NumPy scalars' dtype
        return {"scalar": encode(np.array(value))["array"]}
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return value
    if isinstance(value, np.ndarray):
        array = np.array(value, subok=False)
        if array.dtype.kind not in ARRAY_KINDS:
            raise WireError(f"an array of {array.dtype} is not numbers")
        array = array.astype(array.dtype.newbyteorder("<"), order="C")  # (ascontiguousarray would make 0-d 1-d)
        return {"array": [array.dtype.str, list(array.shape), base64.b64encode(array.tobytes()).decode("ascii")]}
    if isinstance(value, (list, tuple)):
        return {"list": [encode(v) for v in value]}
    if isinstance(value, dict):
        if not all(type(k) is str for k in value):
            raise WireError("a dict's keys must be strings")
        return {"dict": {k: encode(v) for k, v in value.items()}}
    raise WireError(f"a {type(value).__name__} cannot be sent")


def decode(data, depth: int = 0):
    """The inverse of ``encode``, checking everything; raises WireError."""
    if depth > MAX_DEPTH:
        raise WireError("nested too deeply")
    if data is None or isinstance(data, (bool, int, float, str)):
        return data
    if not (isinstance(data, dict) and len(data) == 1):
        raise WireError(f"unexpected {type(data).__name__}")
    (tag, body), = data.items()
    if tag == "list" and isinstance(body, list):
        return [decode(v, depth + 1) for v in body]
    if tag == "dict" and isinstance(body, dict):
        return {k: decode(v, depth + 1) for k, v in body.items()}
    if tag == "array" and isinstance(body, list) and len(body) == 3:
        return _decode_array(*body)
    if tag == "scalar" and isinstance(body, list) and len(body) == 3 and body[1] == []:
        return _decode_array(*body)[()]
    raise WireError(f"unknown tag {tag!r}")


def _decode_array(dtype_str, shape, payload):
    if not (isinstance(dtype_str, str) and len(dtype_str) == 3 and dtype_str[0] in "<|"
            and dtype_str[1] in ARRAY_KINDS and dtype_str[2] in "1248"):
        raise WireError(f"array dtype {dtype_str!r} is not allowed")
    if not (isinstance(shape, list) and len(shape) <= 8 and all(type(n) is int and 0 <= n for n in shape)):
        raise WireError("bad array shape")
    size = 1
    for n in shape:
        size *= n
    if size > MAX_ARRAY_ELEMENTS or not isinstance(payload, str):
        raise WireError("array too large")
    try:
        dtype = np.dtype(dtype_str)
        raw = base64.b64decode(payload.encode("ascii"), validate=True)
    except (TypeError, ValueError, UnicodeError) as error:
        raise WireError(f"bad array ({type(error).__name__})") from None
    if len(raw) != size * dtype.itemsize:
        raise WireError("array byte count does not match its shape")
    return np.frombuffer(raw, dtype=dtype).reshape(shape).astype(dtype.newbyteorder("="))


def dumps(message: dict) -> bytes:
    return json.dumps({k: encode(v) for k, v in message.items()}, separators=(",", ":")).encode() + b"\n"


def loads(line: bytes) -> dict:
    try:
        data = json.loads(line)
    except (ValueError, RecursionError) as error:
        raise WireError(f"not JSON: {error}") from None
    if not isinstance(data, dict):
        raise WireError("a message must be a JSON object")
    try:
        return {k: decode(v) for k, v in data.items()}
    except WireError:
        raise
    except RecursionError:
        raise WireError("nested too deeply") from None
    except Exception as error:   # whatever NumPy or base64 make of hostile bytes: not wire data
        raise WireError(f"undecodable ({type(error).__name__})") from None
