"""Side panes: the decision inspector, the demo chat transcript and the annotation editor."""

from __future__ import annotations

import html
import math
from typing import Any

from PyQt6.QtCore import pyqtSignal
from PyQt6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from apps.visualizer.annotations import Annotations
from apps.visualizer.derive import ChatEntry, Verdict
from apps.visualizer.store import CueStore
from ntt.cues import Decision

BAR_CELLS = 20
MAX_HYPOTHESES_SHOWN = 5


def _bar(value: float, colour: str) -> str:
    """A bar of block characters (rich-text tables in Qt ignore widths of empty cells)."""
    n = int(round(BAR_CELLS * min(max(value, 0.0), 1.0)))
    return (f"<span style='color:{colour}'>{'█' * n}</span>"
            f"<span style='color:#dddddd'>{'█' * (BAR_CELLS - n)}</span>")


def _num(value: Any, fmt: str = ".2f") -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return format(value, fmt)


def decision_html(d: Decision, store: CueStore, verdict: Verdict | None) -> str:
    """Everything known about one decision, as HTML for the inspector."""
    e = html.escape
    verdict_txt = "DIRECTED" if d.directed else "not directed"
    colour = "#1eaa3c" if d.directed else "#c82828"
    out = [f"<h3>{d.kind} decision at {d.t_s:.2f} s</h3>",
           f"<p>utterance {d.start_s:.2f}–{d.end_s:.2f} s · speaker "
           f"{'track ' + str(d.speaker_track) if d.speaker_track is not None else 'no face'}"
           f"<br><b style='color:{colour}'>{verdict_txt}</b> · p = {d.p_directed:.2f} "
           f"(threshold {store.threshold:.2f}) · addressee {e(d.addressee)}</p>",
           "<h4>per-modality contributions</h4>"]
    if d.contributions:
        out.append("<table>")
        for name, value in sorted(d.contributions.items()):
            out.append(f"<tr><td>{e(name)}</td><td align='right'>{float(value):.2f}</td>"
                       f"<td>{_bar(float(value), '#3c8cdc')}</td></tr>")
        out.append(f"<tr><td><b>fused</b></td><td align='right'><b>{d.p_directed:.2f}</b></td>"
                   f"<td>{_bar(d.p_directed, colour)}</td></tr></table>")
    else:
        out.append("<p><i>none: the fusion had no evidence (no face, no cues)</i></p>")
    out.append("<h4>hypotheses</h4>")
    asr = store.asr_for(d.start_s, d.end_s)
    if asr is not None and getattr(asr, "hypotheses", None):
        out.append(f"<p>{e(str(getattr(asr, 'backend', '')))}</p><table>"
                   "<tr><th>#</th><th>text</th><th>conf</th><th>post</th></tr>")
        for i, h in enumerate(asr.hypotheses[:MAX_HYPOTHESES_SHOWN]):
            out.append(f"<tr><td>{i + 1}</td><td>{e(h.text)}</td>"
                       f"<td>{_num(h.confidence)}</td><td>{_num(h.posterior)}</td></tr>")
        out.append("</table>")
    else:
        partial = store.partial_at(d.t_s)
        out.append(f"<p>partial: <i>{e(partial.text)}</i></p>" if partial is not None else
                   "<p><i>no recognition for this utterance (no ASR in the pipeline, "
                   "or not decoded yet)</i></p>")
    decoder = store.decoder_for(d.start_s, d.end_s)
    if decoder is not None:
        out.append(f"<p>decoder: confidence {_num(decoder.confidence)}, n-best "
                   f"{decoder.nbest_size}, entropy {_num(decoder.nbest_entropy)}, margin "
                   f"{_num(decoder.nbest_margin)}</p>")
    out.append("<h4>intent</h4>")
    lexical = store.lexical_for(d.start_s, d.end_s)
    if lexical is not None:
        intent = getattr(lexical, "intent", None)
        if intent is not None:
            slots = ", ".join(f"{e(str(k))}={e(str(v))}" for k, v in
                              getattr(intent, "slots", {}).items())
            out.append(f"<p><b>{e(intent.name)}</b> {slots}</p>")
        else:
            out.append("<p><i>no intent recognised</i></p>")
        out.append(f"<p>lexical p(directed) = {_num(lexical.p_directed)} for "
                   f"“{e(lexical.text)}”</p>")
    else:
        out.append("<p><i>no language cues for this utterance</i></p>")
    prosody = store.prosody_for(d.start_s, d.end_s)
    if prosody is not None:
        out.append("<h4>prosody</h4>"
                   f"<p>level {_num(prosody.level_dbfs, '.1f')} dBFS, SNR "
                   f"{_num(prosody.snr_db, '.1f')} dB, F0 median "
                   f"{_num(prosody.f0_median_hz, '.0f')} Hz, rate "
                   f"{_num(prosody.speaking_rate_syl_per_s, '.1f')} syl/s</p>")
    if verdict is not None:
        u = verdict.utterance
        out.append("<h4>ground truth</h4>")
        if u is not None:
            out.append(f"<p>{e(u.id)} “{e(u.text)}” by {e(u.speaker)} → {e(u.addressee)} "
                       f"({'directed' if u.directed else 'not directed'})</p>")
        tone = "#c82828" if verdict.error else "#1eaa3c"
        out.append(f"<p><b style='color:{tone}'>{verdict.kind.replace('_', ' ')}</b></p>")
    return "\n".join(out)


class InspectorPane(QTextBrowser):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.decision: Decision | None = None
        self.setHtml("<p><i>Click a decision marker (▲ early, ● final) on the scores "
                     "timeline to inspect it.</i></p>")

    def show_decision(self, d: Decision, store: CueStore, verdict: Verdict | None) -> None:
        self.decision = d
        self.setHtml(decision_html(d, store, verdict))


class ChatPane(QWidget):
    """The demo's transcript: what the user said (with the system's and the engine's verdict)
    and what the device answered, up to the playhead. The toggles act on the live engine:
    conversation mode, and replies spoken aloud (chosen before going live)."""

    conversationToggled = pyqtSignal(bool)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        self.conversation = QCheckBox("Conversation mode")
        self.conversation.setToolTip("Live: the device keeps listening to its partner without "
                                     "being addressed each time")
        self.speak = QCheckBox("Speak replies")
        self.speak.setChecked(True)
        self.speak.setToolTip("Live: the engine speaks its replies (espeak-ng) when an audio "
                              "output exists; set before starting live")
        row.addWidget(self.conversation)
        row.addWidget(self.speak)
        row.addStretch(1)
        layout.addLayout(row)
        self.view = QTextBrowser()
        layout.addWidget(self.view)
        self.source_note = QLabel("")
        self.source_note.setWordWrap(True)
        layout.addWidget(self.source_note)
        self.conversation.toggled.connect(self.conversationToggled.emit)
        self._entries: list[ChatEntry] = []
        self._shown_key: tuple = ()

    def set_entries(self, entries: list[ChatEntry], t_s: float) -> None:
        """Show the entries up to ``t_s``."""
        self._entries = [e for e in entries if e.t_s <= t_s + 1e-6]
        self._render()

    def _render(self) -> None:
        key = tuple((e.t_s, e.who, e.text, e.directed, e.outcome) for e in self._entries)
        if key == self._shown_key:
            return
        self._shown_key = key
        rows = []
        for e in self._entries:
            text = html.escape(e.text)
            if e.who == "device":
                rows.append(f"<tr><td width='25%'></td><td width='75%' bgcolor='#dbe9ff'>"
                            f"<b>device</b> <small>{e.t_s:.1f} s</small><br>{text}</td></tr>")
            else:
                colour = "#dff3e3" if e.directed else "#eeeeee"
                tag = "→ device" if e.directed else "not for the device"
                p = f" p={e.p_directed:.2f}" if e.p_directed is not None else ""
                if e.outcome:
                    p += f" · {html.escape(e.outcome.replace('_', ' '))}"
                rows.append(f"<tr><td width='75%' bgcolor='{colour}'><b>user</b> <small>"
                            f"{e.t_s:.1f} s · {tag}{p}</small><br>{text}</td>"
                            "<td width='25%'></td></tr>")
        self.view.setHtml("<table width='100%' cellspacing='6' cellpadding='6'>"
                          + "".join(rows) + "</table>")
        self.view.verticalScrollBar().setValue(self.view.verticalScrollBar().maximum())

    @property
    def entries(self) -> list[ChatEntry]:
        return self._entries


class AnnotatePane(QWidget):
    """Marks utterances directed / not directed / addressee and saves ``labels.json``.
    The selected utterance is also shown as a draggable region on the truth timeline."""

    changed = pyqtSignal()
    selectionChanged = pyqtSignal(object)  # index or None
    saveRequested = pyqtSignal()
    addFromSelection = pyqtSignal()
    addFromVad = pyqtSignal()

    COLUMNS = ("start", "end", "speaker", "addressee", "text")

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.model: Annotations | None = None
        self.selected: int | None = None
        self._updating = False
        layout = QVBoxLayout(self)
        self.table = QTableWidget(0, len(self.COLUMNS))
        self.table.setHorizontalHeaderLabels(self.COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setStretchLastSection(True)
        layout.addWidget(self.table, 1)

        form = QFormLayout()
        marks = QHBoxLayout()
        self.directed = QRadioButton("directed (to the device)")
        self.not_directed = QRadioButton("not directed")
        group = QButtonGroup(self)
        group.addButton(self.directed)
        group.addButton(self.not_directed)
        marks.addWidget(self.directed)
        marks.addWidget(self.not_directed)
        form.addRow("mark", marks)
        self.addressee = QComboBox()
        form.addRow("addressee", self.addressee)
        self.speaker = QComboBox()
        form.addRow("speaker", self.speaker)
        self.start = QDoubleSpinBox()
        self.end = QDoubleSpinBox()
        for spin in (self.start, self.end):
            spin.setDecimals(2)
            spin.setSingleStep(0.05)
            spin.setSuffix(" s")
        span = QHBoxLayout()
        span.addWidget(self.start)
        span.addWidget(self.end)
        form.addRow("span", span)
        self.text = QLineEdit()
        form.addRow("text", self.text)
        layout.addLayout(form)

        buttons = QHBoxLayout()
        self.add_selection = QPushButton("Add at playhead")
        self.add_vad = QPushButton("Add VAD segments")
        self.delete = QPushButton("Delete")
        self.save = QPushButton("Save labels.json")
        for b in (self.add_selection, self.add_vad, self.delete, self.save):
            buttons.addWidget(b)
        layout.addLayout(buttons)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        layout.addWidget(self.status)

        self.table.itemSelectionChanged.connect(self._table_selected)
        self.directed.toggled.connect(self._mark_changed)
        self.addressee.activated.connect(self._addressee_changed)
        self.speaker.activated.connect(lambda _i: self.apply(speaker=self.speaker.currentText()))
        self.start.editingFinished.connect(lambda: self.apply(start_s=self.start.value()))
        self.end.editingFinished.connect(lambda: self.apply(end_s=self.end.value()))
        self.text.editingFinished.connect(lambda: self.apply(text=self.text.text()))
        self.add_selection.clicked.connect(self.addFromSelection.emit)
        self.add_vad.clicked.connect(self.addFromVad.emit)
        self.delete.clicked.connect(self._delete)
        self.save.clicked.connect(self.saveRequested.emit)
        self.set_model(None)

    def set_model(self, model: Annotations | None) -> None:
        self.model = model
        self.selected = None
        enabled = model is not None
        for w in (self.add_selection, self.add_vad, self.delete, self.save, self.directed,
                  self.not_directed, self.addressee, self.speaker, self.start, self.end,
                  self.text):
            w.setEnabled(enabled)
        if model is not None:
            self._updating = True
            self.addressee.clear()
            self.addressee.addItems(model.addressees())
            self.speaker.clear()
            self.speaker.addItems(model.speakers())
            for spin in (self.start, self.end):
                spin.setRange(0.0, max(model.duration_s, 0.01))
            self._updating = False
        self.status.setText("" if enabled else "Open a recorded session to annotate it.")
        self.refresh()

    def refresh(self) -> None:
        self._updating = True
        rows = self.model.utterances if self.model else []
        self.table.setRowCount(len(rows))
        for r, u in enumerate(rows):
            values = (f"{u.start_s:.2f}", f"{u.end_s:.2f}", u.speaker, u.addressee, u.text)
            for c, v in enumerate(values):
                self.table.setItem(r, c, QTableWidgetItem(v))
        if self.selected is not None and self.selected < len(rows):
            self.table.selectRow(self.selected)
            self._load(rows[self.selected])
        else:
            self.selected = None
            self.table.clearSelection()
        self._updating = False

    def select(self, index: int | None) -> None:
        self.selected = index
        self.refresh()
        self.selectionChanged.emit(index)

    def _load(self, u) -> None:
        self.directed.setChecked(u.directed)
        self.not_directed.setChecked(not u.directed)
        self.addressee.setCurrentText(u.addressee)
        self.speaker.setCurrentText(u.speaker)
        self.start.setValue(u.start_s)
        self.end.setValue(u.end_s)
        self.text.setText(u.text)

    def _table_selected(self) -> None:
        if self._updating:
            return
        rows = self.table.selectionModel().selectedRows()
        self.select(rows[0].row() if rows else None)

    def _mark_changed(self, directed: bool) -> None:
        if self._updating or self.model is None or self.selected is None:
            return
        self.edit(lambda: self.model.mark(self.selected, directed))

    def _addressee_changed(self, _index: int) -> None:
        if self._updating or self.selected is None:
            return
        self.apply(addressee=self.addressee.currentText())

    def apply(self, **changes) -> None:
        """Change fields of the selected utterance (errors are shown, not raised)."""
        if self._updating or self.model is None or self.selected is None:
            return
        self.edit(lambda: self.model.update(self.selected, **changes))

    def edit(self, action) -> None:
        """Run an edit of the model that returns the index to select."""
        from ntt.errors import InputError

        try:
            self.selected = action()
        except InputError as exc:
            self.status.setText(f"<span style='color:#c00'>{html.escape(str(exc))}</span>")
            self.refresh()
            return
        self.status.setText("unsaved changes" if self.model and self.model.dirty else "")
        self.refresh()
        self.changed.emit()
        self.selectionChanged.emit(self.selected)

    def _delete(self) -> None:
        if self.model is None or self.selected is None:
            return
        self.model.remove(self.selected)
        self.selected = None
        self.status.setText("unsaved changes")
        self.refresh()
        self.changed.emit()
        self.selectionChanged.emit(None)

