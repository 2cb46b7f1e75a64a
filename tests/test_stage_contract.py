"""Every stage takes the cue types it documents and refuses anything else with one clear
error naming itself, what it takes and what it got (a wiring mistake is never silent)."""

from __future__ import annotations

import pytest

from ntt.audio.prosody import ProsodyAnalyzer
from ntt.audio.vad import SileroVad
from ntt.conversation.turns import TurnJoiner
from ntt.cues import Say, Tick
from ntt.device_context import DeviceContextStage
from ntt.fusion.features import FeatureTracker
from ntt.fusion.rule import RuleScorer
from ntt.pipeline import Clock

STRANGER = Say(1.0, "hello", 2.0)  # a real cue, but one none of these stages takes

STAGES = {
    "SileroVad": lambda: SileroVad(None),  # the hysteresis alone; no model needed to refuse
    "ProsodyAnalyzer": ProsodyAnalyzer,
    "TurnJoiner": TurnJoiner,
    "DeviceContextStage": DeviceContextStage,
    "FeatureTracker": FeatureTracker,
    "RuleScorer": RuleScorer,
    "Clock": Clock,
}


@pytest.mark.parametrize("name", sorted(STAGES))
def test_a_stage_refuses_what_it_does_not_take(name):
    stage = STAGES[name]()
    push = stage.observe if hasattr(stage, "observe") else stage.push
    with pytest.raises(TypeError, match=rf"^{name} takes .+, not Say$"):
        push(STRANGER)


def test_the_gate_steps_its_scorer_on_ticks_and_refuses_strangers():
    from ntt.fusion.rule import rule_fusion

    gate = rule_fusion()
    assert gate.push(Tick(0.05)) == []
    with pytest.raises(TypeError, match="RuleScorer takes"):
        gate.push(STRANGER)
