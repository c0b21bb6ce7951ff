"""The stream writer and the think/answer splitter, against the real Redis."""

from __future__ import annotations

import pytest

from inference import streams
from inference.verify import boxed_contents, extract_final_answer


@pytest.mark.parametrize(
    "chunks",
    [
        ["<think>abc</think>xyz"],
        ["<thi", "nk>abc</th", "ink>xyz"],
        list("<think>abc</think>xyz"),
    ],
)
def test_splitter_handles_tags_cut_anywhere(chunks):
    splitter = streams.ThinkSplitter()
    out = [piece for chunk in chunks for piece in splitter.feed(chunk)] + splitter.flush()
    joined = {"think": "", "answer": ""}
    for part, text in out:
        joined[part] += text
    assert joined == {"think": "abc", "answer": "xyz"}


def test_a_lone_angle_bracket_is_not_lost():
    splitter = streams.ThinkSplitter()
    out = splitter.feed("x < y and <b") + splitter.flush()
    assert "".join(t for _, t in out) == "x < y and <b"


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_writer_coalesces_by_time_and_line_end(redis_client):
    key_id = 987654
    redis_client.delete(streams.stream_key(key_id))
    clock = FakeClock()
    writer = streams.StreamWriter(redis_client, key_id, interval=0.04, clock=clock)
    writer.write("a")
    writer.write("b")
    assert redis_client.xlen(streams.stream_key(key_id)) == 0  # held: within the interval
    clock.now = 0.05
    writer.tick()  # no new text, but the interval passed: flushed
    writer.write("c\n")  # a line end flushes at once
    writer.write("d")
    writer.end("done", check="agrees")
    entries = redis_client.xrange(streams.stream_key(key_id))
    assert [f.get("text") for _, f in entries] == ["ab", "c\n", "d", None]
    assert entries[-1][1]["type"] == "end" and entries[-1][1]["status"] == "done"
    assert 0 < redis_client.ttl(streams.stream_key(key_id)) <= streams.STREAM_TTL_SECONDS
    redis_client.delete(streams.stream_key(key_id))


def test_final_answer_extraction():
    assert boxed_contents(r"so \boxed{\frac{1}{2}} and \boxed{x^{2}}") == [r"\frac{1}{2}", "x^{2}"]
    assert extract_final_answer("Step 1\nFinal answer: 5.") == "5"
    assert extract_final_answer(r"... \boxed{-3}\nDone") == "-3"
    assert extract_final_answer("   ") is None
