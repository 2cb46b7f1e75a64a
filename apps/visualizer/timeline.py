"""Timelines (pyqtgraph), one lane per kind of evidence, all on one time axis that follows
the playhead: waveform with voice activity; p(the speaker has finished) from the
end-of-turn detector against the gate's threshold, with the turns the gate ended (▼) and
opened again (▲) before the VAD did; ASR text; per-modality scores and the fused
probability against the threshold with early/final decision markers; engine state bands;
ground truth with false accepts and false rejects marked.

Lanes are redrawn only when their data changed; the playhead tick moves lines and the view
range, nothing else, so the UI keeps its frame rate on long sessions.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtGui import QFont

from apps.visualizer.derive import FOLLOW_UP, LISTENING, SPEAKING, StateBand, Verdict
from apps.visualizer.overlay import track_colour
from apps.visualizer.store import CueStore
from ntt.cues import SAMPLE_RATE_HZ, Decision
from ntt.io.session import Utterance
from ntt.settings import TimingSettings

ENVELOPE_BIN_S = 0.01
PITCH_RANGE_HZ = (60.0, 400.0)
DEFAULT_WINDOW_S = 12.0
PLAYHEAD_FRACTION = 0.7  # the playhead sits this far across the visible window
AXIS_WIDTH_PX = 70
DIRECTED_COLOUR = (30, 170, 60)
NOT_DIRECTED_COLOUR = (200, 40, 40)
ERROR_COLOUR = (230, 0, 0)
STATE_COLOURS = {LISTENING: (120, 170, 230), SPEAKING: (255, 150, 40), FOLLOW_UP: (170, 110, 220),
                 "thinking": (240, 210, 80), "idle": (225, 225, 225)}
OTHER_STATE_COLOUR = (160, 160, 160)
MODALITY_COLOURS = {"vision": (0, 160, 220), "audio": (120, 120, 120), "prosody": (150, 100, 40),
                    "asr": (230, 130, 0), "language": (150, 60, 200), "context": (0, 140, 110)}
MODALITY_SYMBOLS = {"vision": "s", "audio": "d", "prosody": "d", "asr": "h", "language": "p",
                    "context": "star"}
FONT = "DejaVu Sans"


def envelope(samples: np.ndarray, t0_s: float = 0.0, rate_hz: int = SAMPLE_RATE_HZ,
             bin_s: float = ENVELOPE_BIN_S) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(bin centre times, minimum, maximum) of the waveform per ``bin_s``."""
    n = max(1, int(round(bin_s * rate_hz)))
    bins = len(samples) // n
    if bins == 0:
        return np.zeros(0), np.zeros(0), np.zeros(0)
    block = samples[:bins * n].reshape(bins, n)
    t = t0_s + (np.arange(bins) + 0.5) * n / rate_hz
    return t, block.min(axis=1), block.max(axis=1)


def _font(size_pt: int, bold: bool = False, italic: bool = False) -> QFont:
    font = QFont(FONT)
    font.setPointSize(size_pt)
    font.setBold(bold)
    font.setItalic(italic)
    return font


def _bars(item: pg.BarGraphItem, spans: list[tuple[float, float]], y0: float, height: float,
          brushes: list, pens: list | None = None) -> None:
    if not spans:  # (pyqtgraph 0.14 cannot set an empty pen list)
        item.setVisible(False)
        return
    item.setVisible(True)
    x0 = [s for s, _ in spans]
    x1 = [e for _, e in spans]
    item.setOpts(x0=x0, x1=x1, y0=[y0] * len(spans), height=[height] * len(spans),
                 brushes=brushes, pens=pens or [pg.mkPen(None)] * len(spans))


class Timeline(pg.GraphicsLayoutWidget):
    """Signals: ``decisionClicked(Decision)``, ``seekRequested(float)`` (click on a lane or
    drag of the playhead), ``truthClicked(float)`` (time clicked in the ground-truth lane)."""

    decisionClicked = pyqtSignal(object)
    seekRequested = pyqtSignal(float)
    truthClicked = pyqtSignal(float)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setBackground("w")
        self.window_s = DEFAULT_WINDOW_S
        self.follow = True
        self._setting_range = False
        self.lanes: dict[str, pg.PlotItem] = {}
        names = [("wave", "audio · VAD · F0", 2.0), ("turn", "turn end", 0.7), ("asr", "ASR", 1.0),
                 ("scores", "scores", 2.4),
                 ("engine", "engine", 0.8), ("truth", "truth", 1.2)]
        for row, (name, label, stretch) in enumerate(names):
            plot: pg.PlotItem = self.addPlot(row=row, col=0)
            plot.setMenuEnabled(False)
            plot.setMouseEnabled(x=True, y=False)
            plot.hideButtons()
            plot.getAxis("left").setWidth(AXIS_WIDTH_PX)
            plot.getAxis("left").setLabel(label)
            plot.getAxis("left").setStyle(showValues=name in ("wave", "scores", "turn"))
            plot.setClipToView(True)
            if name != "truth":
                plot.getAxis("bottom").setStyle(showValues=False)
            else:
                plot.setLabel("bottom", "session time", units="s")
            if self.lanes:
                plot.setXLink(self.lanes["wave"])
            self.ci.layout.setRowStretchFactor(row, int(stretch * 10))
            self.lanes[name] = plot
        self.lanes["wave"].setYRange(-1, 1, padding=0.02)
        self.lanes["scores"].setYRange(0, 1.05, padding=0.02)
        for name in ("turn", "asr", "engine", "truth"):
            self.lanes[name].setYRange(0, 1, padding=0)
        self.ci.layout.setVerticalSpacing(2)

        self.playheads = {}
        for name, plot in self.lanes.items():
            line = pg.InfiniteLine(0.0, angle=90, movable=name == "wave",
                                   pen=pg.mkPen((220, 0, 0), width=2))
            plot.addItem(line, ignoreBounds=True)
            self.playheads[name] = line
        self.playheads["wave"].sigDragged.connect(
            lambda line: self.seekRequested.emit(float(line.value())))

        # waveform + voice activity
        self.vad_bars = pg.BarGraphItem(x0=[], x1=[], y0=[], height=[])
        self.lanes["wave"].addItem(self.vad_bars)
        # The envelope as two filled curves: they clip to the view and downsample, so an
        # hour of audio scrolls as smoothly as a minute.
        self.wave_hi = pg.PlotDataItem(pen=pg.mkPen((40, 40, 40), width=1), fillLevel=0,
                                       brush=pg.mkBrush(60, 60, 60))
        self.wave_lo = pg.PlotDataItem(pen=pg.mkPen((40, 40, 40), width=1), fillLevel=0,
                                       brush=pg.mkBrush(60, 60, 60))
        for curve in (self.wave_hi, self.wave_lo):
            curve.setDownsampling(auto=True, method="peak")
            self.lanes["wave"].addItem(curve)
        self.vad_prob = pg.PlotDataItem(pen=pg.mkPen((0, 130, 0), width=1))
        self.lanes["wave"].addItem(self.vad_prob)
        # Voiced F0 (prosody) on a log scale across the lane: PITCH_RANGE_HZ spans -1..1.
        self.pitch = pg.ScatterPlotItem(size=3, pen=None, brush=pg.mkBrush(230, 120, 0))
        self.lanes["wave"].addItem(self.pitch)
        self._wave = (np.zeros(0), np.zeros(0), np.zeros(0))

        # end of turn: the detector's p(finished) and the gate's threshold for acting on it
        self.end_of_turn = pg.PlotDataItem(pen=pg.mkPen((0, 90, 200), width=1.5))
        self.lanes["turn"].addItem(self.end_of_turn)
        self.lanes["turn"].addItem(pg.InfiniteLine(
            TimingSettings().eot_final_p, angle=0,
            pen=pg.mkPen((90, 90, 90), width=1, style=Qt.PenStyle.DashLine)), ignoreBounds=True)
        self.turn_marks = pg.ScatterPlotItem(size=9, pen=None, brush=pg.mkBrush(0, 90, 200))
        self.lanes["turn"].addItem(self.turn_marks)

        # ASR text
        self._asr_items: list[pg.TextItem] = []
        self.asr_note = pg.TextItem("", color=(130, 130, 130), anchor=(0, 0.5))
        self.asr_note.setFont(_font(8, italic=True))
        self.lanes["asr"].addItem(self.asr_note, ignoreBounds=True)

        # scores and decisions
        scores = self.lanes["scores"]
        self.threshold_line = pg.InfiniteLine(
            0.5, angle=0, pen=pg.mkPen((90, 90, 90), width=1, style=Qt.PenStyle.DashLine),
            label="threshold {value:.2f}",
            labelOpts={"position": 0.02, "color": (90, 90, 90), "anchors": [(0, 1), (0, 1)]})
        scores.addItem(self.threshold_line, ignoreBounds=True)
        self._track_curves: dict[int, pg.PlotDataItem] = {}
        self.lexical = pg.ScatterPlotItem(symbol=MODALITY_SYMBOLS["language"], size=8,
                                          brush=pg.mkBrush(*MODALITY_COLOURS["language"]),
                                          pen=None)
        scores.addItem(self.lexical)
        self.contributions = pg.ScatterPlotItem(size=7, pen=None)
        scores.addItem(self.contributions)
        # The fused probability of each final decision, drawn over its utterance.
        # (A PlotCurveItem: PlotDataItem's clip-to-view would break the pairs apart.)
        self.fused = pg.PlotCurveItem(pen=pg.mkPen((20, 20, 20), width=3), connect="pairs")
        scores.addItem(self.fused)
        self.early_markers = pg.ScatterPlotItem(symbol="t1", size=14, hoverable=True)
        self.final_markers = pg.ScatterPlotItem(symbol="o", size=13, hoverable=True)
        for markers in (self.early_markers, self.final_markers):
            markers.sigClicked.connect(self._markers_clicked)
            scores.addItem(markers)
        self.selected_marker = pg.ScatterPlotItem(symbol="o", size=22, brush=None,
                                                  pen=pg.mkPen((0, 90, 255), width=3))
        scores.addItem(self.selected_marker)

        # engine states
        self.state_bars = pg.BarGraphItem(x0=[], x1=[], y0=[], height=[])
        self.lanes["engine"].addItem(self.state_bars)
        self._state_texts: list[pg.TextItem] = []
        self.engine_note = pg.TextItem("", color=(110, 110, 110), anchor=(0, 0))
        self.engine_note.setFont(_font(7, italic=True))
        self.lanes["engine"].addItem(self.engine_note, ignoreBounds=True)

        # ground truth
        self.truth_bars = pg.BarGraphItem(x0=[], x1=[], y0=[], height=[])
        self.lanes["truth"].addItem(self.truth_bars)
        self._truth_texts: list[pg.TextItem] = []
        self.selection = pg.LinearRegionItem(values=(0, 0), brush=pg.mkBrush(0, 90, 255, 40),
                                             pen=pg.mkPen(0, 90, 255))
        self.selection.setVisible(False)
        self.lanes["truth"].addItem(self.selection, ignoreBounds=True)

        self.scene().sigMouseClicked.connect(self._scene_clicked)
        self.lanes["wave"].getViewBox().sigRangeChangedManually.connect(self._user_zoomed)
        self.counts = {"early": 0, "final": 0, "asr": 0, "truth": 0, "errors": 0, "states": 0}

    # --- view ----------------------------------------------------------------------------

    def set_playhead(self, t_s: float) -> None:
        for line in self.playheads.values():
            line.setValue(t_s)
        if self.follow:
            # Early on, the window starts at 0 rather than showing negative time.
            start = max(t_s - PLAYHEAD_FRACTION * self.window_s, -0.01 * self.window_s)
            self._setting_range = True
            self.lanes["wave"].setXRange(start, start + self.window_s, padding=0)
            self._setting_range = False
        lo = self.lanes["wave"].getViewBox().viewRange()[0][0]
        self.engine_note.setPos(lo, 1.0)
        self.asr_note.setPos(lo, 0.5)

    def _user_zoomed(self, *_args) -> None:
        lo, hi = self.lanes["wave"].getViewBox().viewRange()[0]
        if hi > lo:
            self.window_s = hi - lo

    def _scene_clicked(self, ev) -> None:
        if ev.isAccepted() or ev.button() != Qt.MouseButton.LeftButton:
            return
        for name, plot in self.lanes.items():
            vb = plot.getViewBox()
            if vb.sceneBoundingRect().contains(ev.scenePos()):
                t = float(vb.mapSceneToView(ev.scenePos()).x())
                if name == "truth":
                    self.truthClicked.emit(t)
                else:
                    self.seekRequested.emit(t)
                return

    # --- data ----------------------------------------------------------------------------

    def _show_wave(self) -> None:
        t, lo, hi = self._wave
        self.wave_hi.setData(t, hi)
        self.wave_lo.setData(t, lo)

    def set_audio(self, samples: np.ndarray, t0_s: float = 0.0) -> None:
        self._wave = envelope(samples, t0_s)
        self._show_wave()

    def append_audio(self, samples: np.ndarray, t0_s: float, keep_s: float) -> None:
        """Live: add a chunk's envelope and keep only the last ``keep_s`` seconds."""
        parts = envelope(samples, t0_s)
        t, lo, hi = (np.concatenate([a, b]) for a, b in zip(self._wave, parts, strict=True))
        if len(t) and t[-1] - t[0] > keep_s:
            cut = int(np.searchsorted(t, t[-1] - keep_s))
            t, lo, hi = t[cut:], lo[cut:], hi[cut:]
        self._wave = (t, lo, hi)
        self._show_wave()

    def update_speech(self, store: CueStore) -> None:
        spans = store.segments()
        _bars(self.vad_bars, spans, -1.0, 2.0, [pg.mkBrush(0, 170, 0, 55)] * len(spans))
        if store.speech_prob:
            t, p = zip(*store.speech_prob, strict=True)
            self.vad_prob.setData(np.asarray(t), 2 * np.asarray(p) - 1)
        if store.end_of_turn:
            t, p = (np.asarray(a, float) for a in zip(*store.end_of_turn, strict=True))
            gaps = np.flatnonzero(np.diff(t) > 0.1) + 1  # between turns: no line
            self.end_of_turn.setData(np.insert(t, gaps, t[gaps - 1]), np.insert(p, gaps, np.nan),
                                     connect="finite")
        if store.turn_events:  # at the boundary the gate gave, on the lane's top
            self.turn_marks.setData(
                [e.boundary_s for e in store.turn_events], [1.0] * len(store.turn_events),
                symbol=["t" if e.kind == "turn_end" else "t1" for e in store.turn_events])
        if store.pitch:
            t, f0 = (np.asarray(a) for a in zip(*store.pitch, strict=True))
            lo, hi = np.log(PITCH_RANGE_HZ[0]), np.log(PITCH_RANGE_HZ[1])
            y = np.clip(2 * (np.log(f0) - lo) / (hi - lo) - 1, -1, 1)
            self.pitch.setData(t, y)

    def update_asr(self, store: CueStore) -> None:
        plot = self.lanes["asr"]
        for item in self._asr_items:
            plot.removeItem(item)
        self._asr_items = []
        finals = store.asr_finals
        for r in finals:
            item = pg.TextItem(r.text or "∅", color=(0, 0, 0), anchor=(0, 0.5))
            item.setFont(_font(9, bold=True))
            item.setPos(r.start_s, 0.7)
            plot.addItem(item, ignoreBounds=True)
            self._asr_items.append(item)
        decided = [(r.start_s, r.end_s) for r in finals]
        latest: dict[float, object] = {}
        for p in store.partials:  # the newest partial of each utterance without a final
            if not any(s - 0.5 <= p.start_s <= e for s, e in decided):
                latest[round(p.start_s, 2)] = p
        for p in latest.values():
            item = pg.TextItem(p.text, color=(120, 120, 120), anchor=(0, 0.5))
            item.setFont(_font(9, italic=True))
            item.setPos(p.start_s, 0.28)
            plot.addItem(item, ignoreBounds=True)
            self._asr_items.append(item)
        self.counts["asr"] = len(finals)
        has_asr = bool(finals or store.partials)
        self.asr_note.setText("" if has_asr else "no ASR cues from this pipeline")

    def update_scores(self, store: CueStore) -> None:
        plot = self.lanes["scores"]
        for track in store.tracks():
            t, a = store.attending_series(track)
            curve = self._track_curves.get(track)
            if curve is None:
                curve = pg.PlotDataItem(pen=pg.mkPen(track_colour(track), width=1.5))
                plot.addItem(curve)
                self._track_curves[track] = curve
            curve.setData(np.asarray(t), np.asarray(a))
        if store.lexical:
            self.lexical.setData([c.t_s for c in store.lexical],
                                 [c.p_directed for c in store.lexical])

    def update_decisions(self, store: CueStore) -> None:
        self.threshold_line.setValue(store.threshold)
        for kind, markers in (("early", self.early_markers), ("final", self.final_markers)):
            ds = [d for d in store.decisions if d.kind == kind]
            markers.setData(
                [d.t_s for d in ds], [d.p_directed for d in ds], data=ds,
                brush=[pg.mkBrush(*(DIRECTED_COLOUR if d.directed else NOT_DIRECTED_COLOUR))
                       for d in ds],
                pen=[pg.mkPen("k", width=1)] * len(ds))
            self.counts[kind] = len(ds)
        finals = store.finals()
        self.fused.setData(np.array([x for d in finals for x in (d.start_s, d.end_s)]),
                           np.array([d.p_directed for d in finals for _ in range(2)]))
        xs, ys, brushes, symbols = [], [], [], []
        for d in store.decisions:
            for modality, value in d.contributions.items():
                xs.append(d.t_s)
                ys.append(float(value))
                brushes.append(pg.mkBrush(*MODALITY_COLOURS.get(modality, (100, 100, 100))))
                symbols.append(MODALITY_SYMBOLS.get(modality, "x"))
        self.contributions.setData(xs, ys, brush=brushes, symbol=symbols)

    def select_decision(self, decision: Decision | None) -> None:
        if decision is None:
            self.selected_marker.setData([], [])
        else:
            self.selected_marker.setData([decision.t_s], [decision.p_directed])

    def _markers_clicked(self, _item, points, *_args) -> None:
        if len(points):
            self.decisionClicked.emit(points[0].data())

    def update_engine(self, bands: list[StateBand], source: str) -> None:
        plot = self.lanes["engine"]
        for item in self._state_texts:
            plot.removeItem(item)
        self._state_texts = []
        brushes = [pg.mkBrush(*STATE_COLOURS.get(b.state, OTHER_STATE_COLOUR), 170) for b in bands]
        _bars(self.state_bars, [(b.start_s, b.end_s) for b in bands], 0.1, 0.8, brushes)
        for b in bands:
            if b.state in (LISTENING, "idle"):
                continue
            item = pg.TextItem(b.state.replace("_", "-"), color=(0, 0, 0), anchor=(0, 0.5))
            item.setFont(_font(8))
            item.setPos(b.start_s, 0.5)
            plot.addItem(item, ignoreBounds=True)
            self._state_texts.append(item)
        note = {"engine": "", "labels": "derived from the labels' device turns",
                "context": "from the device context", "none": "no engine states"}.get(source, "")
        self.engine_note.setText(note)
        self.engine_note.setPos(self.lanes["engine"].getViewBox().viewRange()[0][0], 1.0)
        self.counts["states"] = len(bands)

    def update_truth(self, utterances: list[Utterance], verdicts: list[Verdict],
                     selected: int | None) -> None:
        plot = self.lanes["truth"]
        for item in self._truth_texts:
            plot.removeItem(item)
        self._truth_texts = []
        errors = {(round(v.start_s, 3), round(v.end_s, 3)): v for v in verdicts if v.error}
        spans, brushes, pens = [], [], []
        for i, u in enumerate(utterances):
            spans.append((u.start_s, u.end_s))
            brushes.append(pg.mkBrush(*(DIRECTED_COLOUR if u.directed else (150, 150, 150)), 150))
            error = errors.pop((round(u.start_s, 3), round(u.end_s, 3)), None)
            if i == selected:
                pens.append(pg.mkPen((0, 90, 255), width=3))
            elif error is not None:
                pens.append(pg.mkPen(ERROR_COLOUR, width=3))
            else:
                pens.append(pg.mkPen((80, 80, 80), width=1))
            text = f"→{u.addressee}" + (f" {u.text}" if u.text else "")
            item = pg.TextItem(text, color=(0, 0, 0), anchor=(0, 0.5))
            item.setFont(_font(8))
            item.setPos(u.start_s, 0.45)
            plot.addItem(item, ignoreBounds=True)
            self._truth_texts.append(item)
            if error is not None:
                self._error_mark(plot, error)
        for v in errors.values():  # accepted decisions with no labelled utterance under them
            spans.append((v.start_s, v.end_s))
            brushes.append(pg.mkBrush(255, 255, 255, 0))
            pens.append(pg.mkPen(ERROR_COLOUR, width=2, style=Qt.PenStyle.DashLine))
            self._error_mark(plot, v)
        _bars(self.truth_bars, spans, 0.1, 0.7, brushes, pens)
        self.counts["truth"] = len(utterances)
        self.counts["errors"] = sum(1 for v in verdicts if v.error)

    def _error_mark(self, plot: pg.PlotItem, verdict: Verdict) -> None:
        item = pg.TextItem(verdict.short, color=ERROR_COLOUR, anchor=(1, 0.5),
                           fill=pg.mkBrush(255, 255, 255, 200))
        item.setFont(_font(9, bold=True))
        item.setPos(verdict.end_s, 0.88)
        plot.addItem(item, ignoreBounds=True)
        self._truth_texts.append(item)

    def show_selection(self, span: tuple[float, float] | None) -> None:
        if span is None:
            self.selection.setVisible(False)
            return
        self.selection.setRegion(span)
        self.selection.setVisible(True)
