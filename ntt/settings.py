"""The one settings tree: every tunable of the pipeline, in frozen dataclasses, each field
documented where it is defined (after the Wyoming satellite's ``settings.py``).

``build_pipeline(settings, device=...)`` takes a ``Settings``; each stage gets its own branch.
Values that two stages share (the tick, the early-decision delay, the final wait, the answer
window) live here once. Numbers that are facts of an algorithm (a window length, a prior)
stay named constants next to the code that relies on them. Importable with numpy alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from ntt.device_context import ANSWER_WINDOW_S


@dataclass(frozen=True)
class VadSettings:
    """Silero VAD's hysteresis (``ntt.audio.vad``)."""

    threshold: float = 0.5
    """A window scoring at least this counts as speech."""
    neg_threshold: float = 0.35
    """Below this a window counts as silence (hysteresis keeps words from splitting)."""
    min_speech_ms: float = 96.0
    """Speech starts once this much has scored above ``threshold``."""
    hangover_ms: float = 160.0
    """Silence needed to end an utterance. Pauses inside a sentence run up to ~170 ms in read
    speech; 160 ms (5 windows) keeps them and the endpoint within 300 ms of the real end."""
    pause_ms: float = 64.0
    """Silence this long inside an utterance is a pause (``SpeechPause``, when the VAD is
    asked for them): under the hangover, so a whole-utterance recognizer has the words of
    the pause before the VAD's end, and the decode at the pause that ends the utterance is
    its final one (Whisper tiny.en: real-time factor 0.27 on a quiet 2-core machine)."""
    pad_ms: float = 0.0
    """Added before the start and after the end boundary (silero's own boundaries are already
    within a few tens of ms of word alignments)."""
    max_speech_s: float = 20.0
    """A single utterance never runs longer: it is cut and a new one starts (a television
    talking for minutes must not become one utterance)."""
    state_reset_s: float = 5.0
    """A second silero scorer starts afresh this often, at a window it scored as silence,
    and each window scores the higher of it and the running one (0: the running scorer
    alone): on a stream that never ends silero's state can drift until clear speech scores
    near 0, while a state just reset hears an onset late (``ntt.audio.vad``)."""


@dataclass(frozen=True)
class AttendingSettings:
    """How ``attending`` scores a gaze (``ntt.vision.attending``)."""

    tolerance_deg: float = 12.0
    """Gaze-to-device angle scored exp(-1/2): absorbs a few degrees of head-pose error and
    more of eye-in-head on small faces (12° off scores 0.61, 24° off 0.14)."""
    shut_eye_open: float = 0.2
    """Eyes less open than this (``Face.eye_open``) see nothing: in a still image the person
    is not attending; in video the frame is a blink until ``blink_hold_s`` has passed."""
    blink_ratio: float = 0.6
    """Over video, eyes also count as closing (a blink under way) when less open than this
    share of the track's own usual openness (the median over ``open_level_s``): a blink's
    half-shut frames must not read as a downward look."""
    open_level_s: float = 2.0
    """The stretch of session time a track's usual eye openness is the median of; a
    sustained downward look lowers it within about half of this, and from then on the lids
    are read as gaze again."""
    blink_hold_s: float = 0.4
    """Over video, shut eyes hold the last score this long — the longest ordinary blink —
    before they count as not attending. (A frame where the face was not found changes
    nothing: the track keeps its score until the face is seen again.)"""
    median_window_s: float = 0.15
    """Over video, the score is the median of the open-eyed frames of this last stretch of
    session time (and the current one): one frame of bad landmarks cannot flip it. Lag of a
    real change: about half of it."""
    smooth_s: float = 0.04
    """Time constant of the first-order filter after the median (landmark jitter). With the
    median it makes a step in attention cross 0.5 within 150 ms at 15 fps or faster
    (``tests/test_vision_attending_real.py`` measures it)."""


@dataclass(frozen=True)
class VisionSettings:
    """The face front-end (``ntt.vision.analyzer``)."""

    detect_every_frames: int = 1
    """One detection pass every N frames while any face is tracked (every frame while none
    is)."""
    max_gap_s: float = 1.0
    """How long a lost track keeps its id."""
    same_face_overlap: float = 0.5
    """Two tracks whose boxes overlap this much (of the smaller) are one face."""
    exhaustive: bool = False
    """Still images: every detection window every frame, and each face's landmarks averaged
    with its mirror image's (``ntt.vision.landmarks.mirror_averaged``)."""
    eye_radius_mm: float = 10.0
    """Radius at which the iris centre turns about the eyeball's centre of rotation (~13.5 mm
    behind the cornea; the iris plane is ~3.5 mm behind it)."""
    lid_weight: float = 0.75
    """Share of the upper lid in vertical eye-in-head gaze (the rest is the iris centre's):
    Face Mesh's iris barely moves when a person looks down, the lid drops with the eye
    (``ntt.vision.gaze``). 0 is the iris alone."""
    lid_radius_mm: float = 12.0
    """Radius at which the upper lid's edge turns with the eye (it rides on the cornea,
    ~12 mm from the eye's centre of rotation)."""
    mouth_window_s: float = 0.6
    """Mouth activity is the lip gap's variation over this window."""
    attending: AttendingSettings = field(default_factory=AttendingSettings)


@dataclass(frozen=True)
class DeviceAudioSettings:
    """The device-audio front-end (``ntt.device_audio``): echo cancellation, the beam, the
    direction of arrival, optional noise suppression and gain. The pipeline adds it only
    when the input has more than one microphone or a playback reference; a single
    microphone without playback reaches the VAD untouched."""

    enabled: bool = True
    """Run the front-end where the input calls for it (False: the first microphone goes
    to the VAD as it is, the playback reference is ignored)."""
    echo_cancel: bool = True
    """Cancel the playback reference from every microphone (speexdsp's adaptive filter)."""
    echo_tail_ms: float = 200.0
    """How long an echo the canceller models: the direct path and early reflections of a
    living room. Longer adapts more slowly; the late reverberant tail stays, ~20 dB down."""
    residual_echo: bool = True
    """After the adaptive filter, speexdsp's residual echo suppressor: the filter alone
    leaves most of the first reply while it converges (``benchmarks/bench_device_audio.py``
    has the figures)."""
    echo_memory_file: str = ""
    """Where this device keeps the last seconds of its replies (the reference and the
    canceller's echo estimate of it — no one's voice — .npz), written when a session ends and
    replayed through the canceller before the next one's first reply, so that it is
    cancelled like the later ones; empty: no memory (offline). Live commands set it with
    ``ntt.device_audio.remembering_echo``."""
    beam: Literal["delay_and_sum", "first_mic"] = "delay_and_sum"
    """The mono signal for the VAD and recognizer: a delay-and-sum beam towards the talker,
    or the first (echo-cancelled) microphone. (An MVDR beam learning the noise between
    utterances was measured and dropped: no better in the simulator's rooms, see
    ``benchmarks/bench_sim_asr.py``.)"""
    steer: bool = True
    """Steer the beam at the last located talker (else straight out of the lens)."""
    min_steer_confidence: float = 0.1
    """A direction steers the beam only with at least this confidence."""
    doa: bool = True
    """Locate every utterance (SRP-PHAT) and emit a ``DirectionCue``."""
    doa_band_hz: tuple[float, float] = (800.0, 4500.0)
    """Frequencies the direction is estimated from: where speech is strong and the small
    arrays resolve directions (below 800 Hz a 30–90 mm aperture hardly sees a phase
    difference), under the spatial aliasing of the 30 mm spacings (5.7 kHz). Measured on
    12 talker pairs per array (``benchmarks/bench_device_audio.py``): median error
    7.0° / 8.3° / 2.2° (laptop pair / 4-line / 6-ring) against 7.9° / 9.8° / 2.3° for
    300–3500 Hz."""
    doa_grid_deg: float = 2.0
    """Azimuth step of the SRP-PHAT search (the peak is refined between grid points by a
    parabola through its neighbours)."""
    doa_update_s: float = 0.3
    """While an utterance goes on, a provisional direction (``final=False``) this often,
    so early decisions and the beam have one."""
    doa_max_span_s: float = 4.0
    """A long utterance is located from its last this-many seconds (the talker now)."""
    noise_suppression: int = 0
    """WebRTC noise suppression level 1–4 on the mono output; 0 off (the recognizers and
    the VAD were tuned on unsuppressed audio)."""
    auto_gain_dbfs: int = 0
    """WebRTC automatic gain target, dB below full scale (1–31); 0 off."""


@dataclass(frozen=True)
class TimingSettings:
    """When fusion decides (``ntt.fusion.gate``): the same for the model and the rule."""

    tick_s: float = 0.05
    """The fusion clock: one step every this much audio time."""
    early_after_s: float = 0.1
    """Early decisions come this long after the VAD's onset boundary: enough for a first look
    at the speaker, and within 400 ms of the true onset once the VAD's onset lag is added."""
    final_wait_s: float = 0.3
    """After the endpoint, the final decision waits at most this long for the final
    recognition before deciding without it."""
    end_of_turn: bool = True
    """Let the end-of-turn detector (``EndOfTurn`` cues, ``ntt.endpoint``) move the final
    decision: earlier when it is sure the speaker has finished, later when it is sure they
    have not. Without its cues, or when it is unsure, the VAD's end decides as before."""
    eot_final_p: float = 0.9
    """While the VAD still hears speech, an ``EndOfTurn`` at least this sure the speaker
    has finished ends the turn: the front-ends sum it up there (``TurnEvent``) and the
    final decision follows once its words are in. Measured through the whole pipeline
    (``bench_endpoint.py --pipeline``, Whisper, ``ntt/models/endpoint.md``): on real
    requests in array rooms 0.9 gives p50 183 → 133 ms and p95 277 → 232 ms after the true
    end with the same 1 of 27 cut and 22/27 accepted (21/27 at 0.97); on the held-out
    simulated set all utterances p95 956 → 515 ms, talk accepted 6 → 2 of 143, cut
    12.9 → 14.0%. 0.85 cuts more simulated requests (17.1 → 22.9%)."""
    eot_hold_p: float = 0.0
    """After the VAD's end, while the latest ``EndOfTurn`` says finished with less than
    this, the final decision waits; speech that comes back meanwhile continues the same
    utterance (a pause inside "set a timer for … ten minutes"). Off (0) by default. With
    the head retrained on 2026-12-04 and Whisper's words, 0.6 keeps some real pauses whole
    (close-talk requests cut 63 → 50%) at no cost on real requests in array rooms (p95
    532 → 534 ms); but behind pocketsphinx a held line of talk chains into the next one
    (p95 1.4 → 3.1 s), and simulated requests wait (p95 332 → 966 ms): short whole lines
    ("what did they eat") read unfinished to the words model (``ntt/models/endpoint.md``)."""
    eot_max_hold_s: float = 1.2
    """The longest the final decision waits past the VAD's end boundary on an unfinished
    turn: a pause of up to about a second inside a request."""


@dataclass(frozen=True)
class EndpointSettings:
    """The end-of-turn detector (``ntt.endpoint``): how it hears the speaker stop, and how
    long a turn lasts across pauses. Its thresholds for acting are the gate's
    (``TimingSettings.eot_*``)."""

    enabled: bool = True
    """Run the detector (False: no ``EndOfTurn`` cues; the VAD's end alone times the final
    decision)."""
    active_drop_db: float = 12.0
    """A frame more than this below the turn's voiced level, and not speech to silero, is
    the speaker's silence (a television or a reverberant tail further down does not keep
    the turn going)."""
    min_snr_db: float = 6.0
    """A frame less than this above the noise floor is silence."""
    speech_p: float = 0.5
    """A window silero scores at least this is speech while it is within
    ``silero_drop_db`` of the turn's voiced level (the VAD's speech threshold)."""
    silero_drop_db: float = 20.0
    """Further down than this is silence whatever silero says (a television, a tail)."""
    words_weight: float = 1.0
    """How much the words model's logit counts in p(finished) (0: acoustics alone); chosen
    on the endpoint benchmark's trade-off (``ntt/models/endpoint.md``)."""
    smart_turn: bool = False
    """Ask Smart Turn (``ntt.endpoint.smart_turn``) once per silence whether the turn so far
    sounds finished. Off by default: on the held-out sets it moved the latency/split
    trade-off no further than a lower ``eot_final_p`` does (``ntt/models/endpoint.md``);
    on close-talk speech it separates pauses from ends better than the head."""
    smart_turn_after_s: float = 0.1
    """... after the speaker has been quiet this long, on the speech up to where it
    stopped (Smart Turn hears a long trailing silence as "finished" whatever came before:
    at 0.2-0.3 s of silence it called 92-97% of the real requests' pauses finished)."""
    smart_turn_weight: float = 1.0
    """How much Smart Turn's logit counts in p(finished)."""
    max_silence_s: float = 2.0
    """After the VAD's end the detector reports this long, then the turn is over."""
    carry_below_p: float = 0.5
    """Speech that comes back while the turn's last p(finished) was below this continues
    the turn: its words carry over."""
    carry_within_s: float = 1.0
    """... and only when it comes back within this long of the VAD's end boundary."""
    head_path: str | None = None
    """The head's weights; None: the shipped ``ntt/models/endpoint_head.json``."""
    words_path: str | None = None
    """The words model; None: the shipped ``ntt/models/endpoint_words.npz``."""


@dataclass(frozen=True)
class RuleSettings:
    """The hand-set late-fusion rule (``ntt.fusion.rule``), the baseline."""

    threshold: float = 0.5
    """Operating point on the rule's mean score."""
    prior: float = 0.3
    """p(directed) when neither a face nor words are known."""
    history_s: float = 30.0
    """Frames older than this are forgotten."""


@dataclass(frozen=True)
class FusionSettings:
    """Which fusion decides, and at what operating point."""

    kind: Literal["model", "rule"] = "model"
    """The trained model, or the hand-set rule."""
    model_path: str | None = None
    """The trained model's weights; None: the shipped model (``ntt.paths.FUSION_MODEL``)."""
    threshold: float | None = None
    """Operating point; None: the device profile's calibrated one, else the model's own."""
    rule: RuleSettings = field(default_factory=RuleSettings)


@dataclass(frozen=True)
class EngineSettings:
    """The conversation engine's turn-taking policy (``ntt.conversation.engine``). Times in
    seconds on the session clock."""

    follow_up_window_s: float = 6.0
    """After the device spoke, its partner may go on without addressing it again."""
    answer_window_s: float = ANSWER_WINDOW_S
    """A question the device asked awaits an answer this long after it ends: the engine's
    policy and, through the one context rule (``ntt.device_context``), fusion's context."""
    conversation_silence_s: float = 30.0
    """Conversation mode ends after this much silence."""
    follow_up_p_min: float | None = 0.35
    """A partner's turn that fusion did not call directed is still taken, inside an open
    window, at this p_directed (the engine's own "follow-up mode"; fusion already saw the
    context). None: only directed turns are ever answered."""
    conversation_p_min: float | None = 0.25
    """The same in conversation mode."""
    early_barge_in: bool = True
    """An early directed decision with a visible speaker stops the device's speech."""
    echo_similarity: float = 0.8
    """A turn is the device's own echo when this share of its words is in what it said."""
    echo_tail_s: float = 0.5
    """Reverberation and ASR endpoint slack after the device stops, for the echo check."""
    repeat_window_s: float = 10.0
    """Implicit feedback: a repeat this soon after being ignored is a likely false reject."""
    repeat_similarity: float = 0.6
    """How alike a repeat must be."""
    listen_timeout_s: float = 15.0
    """Listening with no final decision falls back to waiting."""
    asr_wait_s: float = 3.0
    """A final decision waits this long (session time) for its text, and a text as long
    for its decision (``ntt.conversation.turns``)."""
    keep_turns_without_text: bool = False
    """Pass on a decision whose text never came (directed: "Sorry, I didn't catch that.");
    else it is dropped."""


@dataclass(frozen=True)
class WyomingSettings:
    """NTT on the Wyoming protocol (``ntt.wyoming``): the wake service and the satellite."""

    wake_word: str = "ntt"
    """The name NTT gives its "wake word" in ``describe`` and in every ``detection``. No word
    is spoken: a detection means an utterance judged directed at the device."""
    preroll_s: float = 0.3
    """The satellite streams an utterance to Home Assistant from this long before the VAD's
    onset boundary, so the recognizer hears the first phoneme whole."""
    buffer_s: float = 25.0
    """Microphone audio the satellite keeps, so a decision made late in an utterance can still
    stream it from its start (longer than ``VadSettings.max_speech_s`` plus the pre-roll)."""
    reply_within_s: float = 4.0
    """The wake service: after a satellite re-arms it (``detect`` after a detection, which
    wyoming-satellite sends when Home Assistant has the transcript), the first utterance that
    starts within this long is Home Assistant's reply heard through the satellite's own
    microphone (``ntt.wyoming.rearm``); Home Assistant starts speaking once its intent and TTS
    stages are done, well within it on a local pipeline. 0 turns the rule off."""


@dataclass(frozen=True)
class Settings:
    """The whole pipeline's settings."""

    use_video: bool = True
    """Run the vision front-end on the video or camera (False: audio only)."""
    asr: Literal["pocketsphinx", "whisper", "none"] = "pocketsphinx"
    """The recognizer; ``none`` runs without words."""
    vision: VisionSettings = field(default_factory=VisionSettings)
    device_audio: DeviceAudioSettings = field(default_factory=DeviceAudioSettings)
    vad: VadSettings = field(default_factory=VadSettings)
    timing: TimingSettings = field(default_factory=TimingSettings)
    endpoint: EndpointSettings = field(default_factory=EndpointSettings)
    fusion: FusionSettings = field(default_factory=FusionSettings)
    engine: EngineSettings = field(default_factory=EngineSettings)
    wyoming: WyomingSettings = field(default_factory=WyomingSettings)
