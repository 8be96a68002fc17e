"""Benchmark for parse_mail: time against the stdlib parser, and peak memory, in one run.

Run: `.venv/bin/python bench/bench_mail_parse.py`. Prints, for a generated ~25 MB mail with
several base64 attachments and a ~20 KB plain mail, the time of `parse_mail` as a ratio to
`email.message_from_bytes(raw, policy=policy.default)` on the same bytes (target <= 1.5x)
and the tracemalloc peak of each as a multiple of the mail size (target <= 3x).
"""
from __future__ import annotations

import base64
import email
import gc
import random
import sys
import time
import tracemalloc
from collections.abc import Callable
from email import policy
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from chalicelib.mail import parse_mail  # noqa: E402

TARGET_TIME_RATIO = 1.5
TARGET_MEMORY_RATIO = 3.0


def _base64_lines(data: bytes) -> bytes:
    encoded = base64.b64encode(data)
    return b"\r\n".join(encoded[i:i + 76] for i in range(0, len(encoded), 76))


def big_mail(attachments: int = 6, attachment_size: int = 3_000_000) -> bytes:
    """A ~25 MB multipart/mixed mail: text and html bodies plus base64 attachments."""
    rng = random.Random(20240101)
    text = ("Quarterly figures attached. " * 40 + "\r\n") * 20
    parts = [
        b"From: Reports <reports@example.com>\r\nTo: inbox@example.org\r\n"
        b"Subject: Big mail\r\nDate: Mon, 01 Jan 2024 10:00:00 +0000\r\n"
        b"Message-ID: <big@example.com>\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="b-big"\r\n\r\n',
        b"--b-big\r\nContent-Type: multipart/alternative; boundary=\"b-alt\"\r\n\r\n"
        b"--b-alt\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        + text.encode()
        + b"\r\n--b-alt\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>"
        + text.encode()
        + b"</p>\r\n--b-alt--\r\n",
    ]
    for number in range(1, attachments + 1):
        parts.append(
            b"--b-big\r\nContent-Type: application/octet-stream\r\n"
            + f'Content-Disposition: attachment; filename="data-{number}.bin"\r\n'.encode()
            + b"Content-Transfer-Encoding: base64\r\n\r\n"
            + _base64_lines(rng.randbytes(attachment_size))
            + b"\r\n"
        )
    parts.append(b"--b-big--\r\n")
    return b"".join(parts)


def plain_mail(size: int = 20_000) -> bytes:
    """A ~20 KB single-part text/plain mail."""
    line = b"Hello, this is an ordinary plain text line of a normal sized mail.\r\n"
    body = line * (size // len(line))
    return (
        b"From: Someone <someone@example.com>\r\nTo: inbox@example.org\r\n"
        b"Subject: Plain mail\r\nDate: Mon, 01 Jan 2024 10:00:00 +0000\r\n"
        b"Message-ID: <plain@example.com>\r\nMIME-Version: 1.0\r\n"
        b"Content-Type: text/plain; charset=us-ascii\r\n\r\n" + body
    )


def best_time(run: Callable[[], object], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return best


def peak_memory(run: Callable[[], object]) -> int:
    gc.collect()
    tracemalloc.start()
    try:
        result = run()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    del result
    return peak


def measure(name: str, raw: bytes, repeat: int) -> bool:
    def ours() -> object:
        return parse_mail(raw)

    def stdlib() -> object:
        return email.message_from_bytes(raw, policy=policy.default)

    ours_time = best_time(ours, repeat)
    stdlib_time = best_time(stdlib, repeat)
    ours_peak = peak_memory(ours)
    stdlib_peak = peak_memory(stdlib)
    time_ratio = ours_time / stdlib_time
    memory_ratio = ours_peak / len(raw)
    print(f"{name}: {len(raw) / 1e6:.2f} MB")
    print(f"  time    parse_mail {ours_time * 1000:9.2f} ms | message_from_bytes "
          f"{stdlib_time * 1000:9.2f} ms | ratio {time_ratio:.2f}x (target <= {TARGET_TIME_RATIO}x)")
    print(f"  memory  parse_mail peak {ours_peak / 1e6:8.2f} MB = {memory_ratio:.2f}x mail size "
          f"(target <= {TARGET_MEMORY_RATIO}x) | message_from_bytes peak "
          f"{stdlib_peak / 1e6:8.2f} MB = {stdlib_peak / len(raw):.2f}x")
    return time_ratio <= TARGET_TIME_RATIO and memory_ratio <= TARGET_MEMORY_RATIO


def main() -> int:
    results = [measure("big mail (6 base64 attachments)", big_mail(), repeat=3),
               measure("plain mail", plain_mail(), repeat=200)]
    print("all targets met" if all(results) else "some targets missed")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
