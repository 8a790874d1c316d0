"""The pipeline thread: one result in flight, newest frame wins, errors are messages."""

from __future__ import annotations

import threading

import numpy as np

from convviz.core.errors import SourceError
from convviz.core.presets import load_preset
from convviz.pipeline.engine import Engine
from convviz.pipeline.live import LivePipeline
from convviz.sources.base import Frame, FrameSource, StillSource


class CountingLiveSource(FrameSource):
    """A live source that makes frames as fast as asked; fails after ``fail_after`` frames."""

    live = True
    name = "counting"

    def __init__(self, fail_after: int | None = None):
        self.count = 0
        self.fail_after = fail_after

    def read(self) -> Frame:
        if self.fail_after is not None and self.count >= self.fail_after:
            raise SourceError("the camera was unplugged")
        self.count += 1
        return Frame(np.full((8, 8, 3), self.count % 255, np.uint8), self.count)


def make(spec_name: str, source: FrameSource, lut):
    results, errors, lost = [], [], []
    arrived = threading.Event()
    lost_event = threading.Event()

    def on_result(result):
        results.append(result)
        arrived.set()

    def on_lost(message):
        lost.append(message)
        lost_event.set()

    pipeline = LivePipeline(Engine(load_preset(spec_name), lut, "cpu"), source, on_result,
                            on_error=errors.append, on_source_lost=on_lost)
    pipeline.lost_event = lost_event
    return pipeline, results, errors, lost, arrived


def test_a_still_source_is_computed_once(lut):
    pipeline, results, errors, _, arrived = make("slide51_ten_5x5", StillSource(np.zeros((32, 32, 3)), "x"), lut)
    pipeline.start()
    try:
        assert arrived.wait(10)
        pipeline.ack()
        arrived.clear()
        assert not arrived.wait(0.3)  # nothing new to compute
        assert len(results) == 1 and not errors
        assert [o.shape for o in results[0].outputs] == [(10, 32, 32), (10, 32, 32), (10, 16, 16)]
    finally:
        pipeline.stop()


def test_results_wait_for_the_drawing_and_never_queue(lut):
    source = CountingLiveSource()
    pipeline, results, _, _, arrived = make("slide51_ten_5x5", source, lut)
    pipeline.start()
    try:
        assert arrived.wait(10)
        arrived.clear()
        # not acknowledged: no second result however long the source keeps producing
        assert not arrived.wait(0.5)
        assert len(results) == 1
        pipeline.ack()
        assert arrived.wait(10)
        assert len(results) == 2
        # the one computed while waiting is handed over, then the next is the newest frame
        assert results[1].frame.index > results[0].frame.index
    finally:
        pipeline.stop()


def test_a_source_that_fails_mid_stream_keeps_the_last_frame(lut):
    source = CountingLiveSource(fail_after=3)
    pipeline, results, errors, lost, arrived = make("slide51_ten_5x5", source, lut)
    pipeline.start()
    try:
        for _ in range(3):
            assert arrived.wait(10)
            arrived.clear()
            pipeline.ack()
        assert pipeline.lost_event.wait(10)
        assert "unplugged" in lost[0]
        assert results[-1].frame.index == 3
    finally:
        pipeline.stop()


def test_a_network_change_recomputes_the_current_frame(lut):
    pipeline, results, _, _, arrived = make("slide51_ten_5x5", StillSource(np.zeros((32, 32, 3)), "x"), lut)
    pipeline.start()
    try:
        assert arrived.wait(10)
        arrived.clear()
        pipeline.ack()
        pipeline.set_network(load_preset("typical_convnet"))
        assert arrived.wait(10)
        assert results[-1].spec.name == load_preset("typical_convnet").name
        assert results[-1].outputs[-1].shape == (10,)
    finally:
        pipeline.stop()
