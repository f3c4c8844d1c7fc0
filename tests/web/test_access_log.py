"""The access log's buffered writer: every line arrives, soon, in the format the rest of the log has."""

from __future__ import annotations

import io
import logging
import re
import time

import pytest

from spacecoop.web.http import access_log
from spacecoop.web.http.access_log import SERVER_FORMAT, BufferedStreamHandler


@pytest.fixture
def buffered(monkeypatch):
    """The access log sent, as `spacecoop serve` sends it, to a string buffer (restored afterwards)."""
    logger = logging.getLogger("spacecoop.access")
    monkeypatch.setattr(logger, "handlers", [])
    monkeypatch.setattr(logger, "propagate", True)
    monkeypatch.setattr(access_log, "_direct", None)
    level = logger.level
    logger.setLevel(logging.INFO)  # (setLevel, not the attribute: the logger caches its verdicts)
    stream = io.StringIO()
    access_log.buffer_access_log(stream)
    yield stream
    access_log._direct.close()
    logger.setLevel(level)


def test_a_line_waits_at_most_the_interval(buffered):
    access_log.access("GET", "/id/agency/cnsa", 200, 1.25)
    assert buffered.getvalue() == ""  # not one write per request
    deadline = time.monotonic() + 5
    while not buffered.getvalue() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} "
                        r"INFO spacecoop\.access: GET /id/agency/cnsa 200 1\.2ms\n",
                        buffered.getvalue()), buffered.getvalue()


def test_lines_are_written_once_the_buffer_is_full_and_none_is_lost():
    stream = io.StringIO()
    handler = BufferedStreamHandler(stream, interval=60, size=1000)
    try:
        for number in range(99):
            handler.add(f"line {number:03d} " + "x" * 40 + "\n")
        written = stream.getvalue()
        assert len(written) == 80 * 50  # written every 20 lines (1000 bytes); 19 wait
    finally:
        handler.close()
    assert stream.getvalue().splitlines() == [f"line {n:03d} " + "x" * 40 for n in range(99)]


def test_the_direct_line_is_what_the_logging_formatter_writes(buffered):
    now = time.time()
    record = logging.LogRecord("spacecoop.access", logging.INFO, __file__, 1, "%s %s %d %.1fms%s",
                               ("POST", "/sparql", 503, 10.04, " query=abc"), None)
    record.created, record.msecs = now, int((now - int(now)) * 1000)
    expected = logging.Formatter(SERVER_FORMAT).format(record)
    assert access_log._timestamp(now) + " INFO spacecoop.access: POST /sparql 503 10.0ms query=abc" == expected


def test_a_logger_configured_otherwise_gets_log_records(monkeypatch, caplog):
    monkeypatch.setattr(access_log, "_direct", None)
    with caplog.at_level(logging.INFO, logger="spacecoop.access"):
        access_log.access("GET", "/void", 200, 0.5)
    assert [r.getMessage() for r in caplog.records] == ["GET /void 200 0.5ms"]


def test_nothing_is_written_below_info(buffered, monkeypatch):
    logging.getLogger("spacecoop.access").setLevel(logging.WARNING)
    access_log.access("GET", "/void", 200, 0.5)
    access_log._direct.flush()
    assert buffered.getvalue() == ""
