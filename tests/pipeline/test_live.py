"""The pipeline thread: one result in flight, newest frame wins, errors are messages."""

from __future__ import annotations

import threading

import numpy as np
import pytest

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


class RecordingSource(FrameSource):
    """A still picture that records what happens to it (and may refuse to open)."""

    live = False

    def __init__(self, name: str, device=None, fail_open: bool = False, log: list | None = None):
        self.name, self.device, self.fail_open = name, device, fail_open
        self.log = log if log is not None else []

    def open(self) -> None:
        self.log.append(("open", self.name))
        if self.fail_open:
            raise SourceError(f"{self.name} cannot be opened")

    def read(self) -> Frame:
        return Frame(np.zeros((32, 32, 3), np.uint8), 0)

    def close(self) -> None:
        self.log.append(("close", self.name))


def test_a_network_torch_cannot_build_is_refused_and_the_old_one_keeps_running(lut, monkeypatch):
    """The new network is built before anything is replaced: after the refusal every frame still pairs
    the old network's geometry with its own outputs (no IndexError, no mixed frame)."""
    refused = []
    done = threading.Event()
    pipeline, results, errors, _, arrived = make("slide51_ten_5x5", StillSource(np.zeros((32, 32, 3)), "x"), lut)
    pipeline.on_network_refused = lambda spec, message: (refused.append((spec, message)), done.set())
    pipeline.start()
    try:
        assert arrived.wait(10)
        arrived.clear()
        pipeline.ack()
        from convviz.core import compute

        original = compute.Runner.__init__

        def fail(self, spec, *args, **kwargs):
            if spec.name.startswith("[(CONV"):
                raise RuntimeError("not enough memory for this network")
            original(self, spec, *args, **kwargs)

        monkeypatch.setattr(compute.Runner, "__init__", fail)
        bad = load_preset("typical_convnet")
        pipeline.set_network(bad)
        assert done.wait(10)
        assert refused[0][0] is bad and "not enough memory" in refused[0][1] and "keeps running" in refused[0][1]
        pipeline.set_frozen(False)  # any later request recomputes with the old network
        assert arrived.wait(10)
        last = results[-1]
        assert last.spec.name == load_preset("slide51_ten_5x5").name
        assert [o.shape for o in last.outputs] == [g.output_shape for g in last.geometry.layers]
    finally:
        pipeline.stop()


def test_a_source_that_cannot_be_opened_leaves_the_old_one_running(lut):
    log: list = []
    first = RecordingSource("first", log=log)
    pipeline, results, errors, _, arrived = make("slide51_ten_5x5", first, lut)
    failed = threading.Event()
    pipeline.on_error = lambda message: (errors.append(message), failed.set())
    pipeline.start()
    try:
        assert arrived.wait(10)
        assert log == [("open", "first")]
        pipeline.set_source(RecordingSource("broken", fail_open=True, log=log))
        assert failed.wait(10)
        assert "broken cannot be opened" in errors[0]
        assert ("close", "first") not in log  # a different device: the old source was never closed
    finally:
        pipeline.stop()
    assert log[-1] == ("close", "first")  # closed by the thread that read it, at the end


def test_the_same_device_is_closed_before_it_is_opened_again(lut):
    """Another resolution of camera 0: the old capture is released first (a camera cannot be opened
    twice); if the new one fails the old one is opened again."""
    log: list = []
    changed = threading.Event()
    first = RecordingSource("camera 0 at 640x480", device=("camera", 0), log=log)
    pipeline, results, errors, _, arrived = make("slide51_ten_5x5", first, lut)
    failed = threading.Event()
    pipeline.on_source_changed = lambda source: changed.set()
    pipeline.on_error = lambda message: (errors.append(message), failed.set())
    pipeline.start()
    try:
        assert arrived.wait(10) and changed.wait(10)
        changed.clear()
        log.clear()
        second = RecordingSource("camera 0 at 1280x720", device=("camera", 0), log=log)
        pipeline.set_source(second)
        assert changed.wait(10)
        assert log[:2] == [("close", "camera 0 at 640x480"), ("open", "camera 0 at 1280x720")]
        log.clear()
        pipeline.set_source(RecordingSource("camera 0 at 4000x3000", device=("camera", 0), fail_open=True, log=log))
        assert failed.wait(10)
        assert log[:3] == [("close", "camera 0 at 1280x720"), ("open", "camera 0 at 4000x3000"),
                           ("open", "camera 0 at 1280x720")]
    finally:
        pipeline.stop()


def test_stop_does_not_wait_for_a_read_that_never_returns(lut):
    """A camera stuck in read(): stop() returns at once; the source is closed when the read returns,
    by the thread that was reading it."""
    release = threading.Event()
    reading = threading.Event()
    closed_by: list[str] = []

    class StuckSource(FrameSource):
        live = True
        name = "stuck camera"

        def read(self) -> Frame:
            reading.set()
            release.wait(30)
            return Frame(np.zeros((32, 32, 3), np.uint8), 1)

        def close(self) -> None:
            closed_by.append(threading.current_thread().name)

    pipeline, *_ = make("slide51_ten_5x5", StuckSource(), lut)
    pipeline.start()
    assert reading.wait(10)
    stopped = threading.Event()
    threading.Thread(target=lambda: (pipeline.stop(), stopped.set())).start()
    assert stopped.wait(2.0)  # returned while the read was still stuck
    assert closed_by == []  # nobody closed the source under its reader
    release.set()
    pipeline._threads[0].join(10)
    assert closed_by == ["convviz-compute"]


# ---- the first picture before torch, two frames at most, the thread count tried on live frames ----
def test_the_first_picture_comes_before_the_network_and_torch_waits_for_the_window(lut):
    previews, preview_arrived, results, arrived = [], threading.Event(), [], threading.Event()
    pipeline = LivePipeline(Engine(load_preset("slide51_ten_5x5"), lut, "cpu"),
                            StillSource(np.full((32, 32, 3), 200, np.uint8), "grey"),
                            on_result=lambda result: (results.append(result), arrived.set()),
                            on_preview=lambda preview: (previews.append(preview), preview_arrived.set()),
                            wait_for_window=True)
    pipeline.start()
    try:
        assert preview_arrived.wait(10)
        preview = previews[0]
        assert preview.source_name == "grey" and preview.geometry.layers[-1].output_shape == (10, 16, 16)
        assert preview.prepared.tensor.shape == (3, 32, 32)
        np.testing.assert_allclose(preview.prepared.tensor, 200 / 255, rtol=1e-6)
        assert not arrived.wait(0.3)  # the window has not said it is up: no network yet
        pipeline.allow_loading()
        assert arrived.wait(30)
        assert results[0].frame is preview.frame  # the picture previewed is the one computed
    finally:
        pipeline.stop()


def test_a_slow_window_holds_at_most_two_frames_besides_its_own(lut):
    """Never acknowledged: the first result is with the window, one more is painted and waits, one
    more is computed, and nothing else is read (memory: three frames, however slow the drawing)."""
    source = CountingLiveSource()
    pipeline, results, _, _, arrived = make("slide51_ten_5x5", source, lut)
    pipeline.allow_loading()
    pipeline.start()
    try:
        assert arrived.wait(30)
        arrived.clear()
        assert not arrived.wait(0.5)
        shown = results[0].frame.index
        assert len(results) == 1 and source.count == shown + 2  # two more frames read, no other
        pipeline.ack()
        assert arrived.wait(30)
        assert results[1].frame.index == shown + 1  # the one that waited
    finally:
        pipeline.stop()


def test_the_thread_tuner_keeps_the_count_that_gives_more_frames():
    from convviz.pipeline.live import ThreadTuner

    tuner = ThreadTuner((1, 2), trial_frames=4, recheck_s=10.0)
    interval = {1: 0.050, 2: 0.030}  # two threads: shorter frames
    now, switches = 0.0, []
    for _ in range(40):
        change = tuner.frame_started(now)
        if change is not None:
            switches.append(change)
        now += interval[tuner.current]
    assert tuner.chosen == 2 and tuner.current == 2 and switches == [2]
    assert tuner.medians == pytest.approx({1: 0.050, 2: 0.030})
    # later the machine is busy: the recheck finds one thread faster again and goes back
    interval = {1: 0.050, 2: 0.150}
    for _ in range(200):  # past the recheck, 10 s on
        change = tuner.frame_started(now)
        now += interval[tuner.current]
    assert tuner.chosen == 1 and tuner.current == 1


def test_the_thread_tuner_restarted_on_its_second_count_tries_both_again():
    """Another network while two threads run (the count chosen before): the trials start again with
    one thread (a restart once measured two threads as one's trial and failed with a KeyError)."""
    from convviz.pipeline.live import ThreadTuner

    tuner = ThreadTuner((1, 2), trial_frames=4, recheck_s=10.0)
    interval = {1: 0.050, 2: 0.030}
    now, threads_run = 0.0, set()
    for step in range(120):
        if step == 30:
            assert tuner.current == 2
            tuner.restart()
        tuner.frame_started(now)
        if step > 30:
            threads_run.add(tuner.current)
        now += interval[tuner.current]
    assert threads_run == {1, 2} and tuner.chosen == 2 and tuner.current == 2
    assert tuner.medians == pytest.approx({1: 0.050, 2: 0.030})


def test_more_threads_must_win_clearly():
    from convviz.pipeline.live import ThreadTuner

    tuner = ThreadTuner((1, 2), trial_frames=4)
    now = 0.0
    for _ in range(30):
        tuner.frame_started(now)
        now += 0.040 if tuner.current == 1 else 0.036  # 10% better: not worth a second core
    assert tuner.chosen == 1 and tuner.current == 1


def test_big_frames_start_only_when_the_window_has_drawn_the_last_one(lut, monkeypatch):
    from convviz.pipeline import live

    monkeypatch.setattr(live, "STRICT_FRAME_BYTES", 0)  # every frame counts as big
    source = CountingLiveSource()
    pipeline, results, _, _, arrived = make("slide51_ten_5x5", source, lut)
    pipeline.start()
    try:
        assert arrived.wait(30)
        arrived.clear()
        assert not arrived.wait(0.5)
        shown = results[0].frame.index
        assert source.count == shown  # nothing more read while the window holds it undrawn
        pipeline.ack()
        assert arrived.wait(30)
        assert results[1].frame.index == shown + 1
    finally:
        pipeline.stop()


def test_a_much_slower_thread_count_is_given_up_after_a_few_frames_and_tried_less_often():
    from convviz.pipeline.live import ThreadTuner

    tuner = ThreadTuner((1, 2), trial_frames=24, recheck_s=10.0)
    interval = {1: 0.030, 2: 0.180}  # a busy machine: two threads six times slower
    now, slow_frames, rechecks = 0.0, 0, []
    for _ in range(3000):
        previous = tuner.current
        change = tuner.frame_started(now)
        if change == 2:
            rechecks.append(now)
        slow_frames += previous == 2
        now += interval[tuner.current]
    assert tuner.chosen == 1 and tuner.current == 1
    assert slow_frames <= (ThreadTuner.WARM_UP + ThreadTuner.EARLY_OUT + 1) * len(rechecks)
    gaps = [b - a for a, b in zip(rechecks, rechecks[1:])]
    assert gaps == sorted(gaps) and gaps[-1] > 2 * gaps[0]  # the same answer: asked less and less often
