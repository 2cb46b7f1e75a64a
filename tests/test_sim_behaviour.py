"""The simulated household behaves like the studies in ntt.sim.behaviour say, in
conversation: deterministic per seed, adjacency pairs, vocatives and back-channels at the
table's rates, the table's rates recovered by --stats from generated scripts."""

from __future__ import annotations

import json

import numpy as np
import pytest

from ntt.cli import main
from ntt.sim.behaviour import Behaviour
from ntt.sim.conversation import BACKCHANNELS, MISHEARD
from ntt.sim.scenarios import SCENARIOS, make_script
from ntt.sim.stats import behaviour_table, script_stats

BEH = Behaviour()


@pytest.fixture(scope="module")
def living_room():
    """Living-room households (no cooks at the stove), 60 s each."""
    return [make_script("family-tv", seed, 60.0) for seed in range(150)]


@pytest.fixture(scope="module")
def mixed():
    return [make_script("mixed", seed, 60.0) for seed in range(120)]


def test_same_seed_same_script_other_seed_other():
    for scenario in SCENARIOS:
        assert make_script(scenario, 7, 40.0) == make_script(scenario, 7, 40.0)
        assert make_script(scenario, 7, 40.0).lines != make_script(scenario, 8, 40.0).lines


def test_a_question_to_a_person_is_answered_by_that_person_to_the_asker(mixed):
    pairs = 0
    for script in mixed:
        spoken = sorted((ln for ln in script.lines if ln.speaker != "device"),
                        key=lambda ln: ln.start_s)
        for q, nxt in zip(spoken, spoken[1:], strict=False):
            if q.category == "talk:questions_to_person":
                pairs += 1
                assert (nxt.speaker, nxt.addressee) == (q.addressee, q.speaker), (q, nxt)
    assert pairs > 50


def test_every_request_to_the_device_gets_a_device_line(mixed):
    for script in mixed:
        lines = sorted(script.lines, key=lambda ln: ln.start_s)
        for i, ln in enumerate(lines):
            if ln.addressee == "device":
                assert any(d.speaker == "device" for d in lines[i + 1:]), ln


def test_a_misheard_request_is_repeated_louder_and_slower(mixed):
    before, after = [], []
    for script in mixed:
        lines = sorted(script.lines, key=lambda ln: ln.start_s)
        for i, ln in enumerate(lines):
            if ln.speaker == "device" and ln.text == MISHEARD:
                first = next(p for p in reversed(lines[:i]) if p.addressee == "device")
                again = next(p for p in lines[i + 1:] if p.addressee == "device")
                assert (again.speaker, again.text) == (first.speaker, first.text)
                before.append((first.gain_db, first.rate_scale))
                after.append((again.gain_db, again.rate_scale))
    assert len(before) >= 5
    b, a = np.array(before), np.array(after)
    assert a[:, 0].mean() > b[:, 0].mean() and a[:, 1].mean() < b[:, 1].mean()


def test_vocatives_name_the_addressee_at_the_table_rate(mixed):
    rates = script_stats(mixed)["all"]
    lo, hi = BEH.vocative_other, BEH.vocative_opening
    assert lo - 0.03 <= rates["vocative_share"] <= hi
    names = {p.id for s in mixed for p in s.persons}
    for script in mixed:
        for ln in script.lines:
            words = ln.text.split()
            if ln.addressee in names and ln.addressee in (words[0], words[-1]):
                assert ln.speaker != ln.addressee


def test_backchannels_at_the_switchboard_share(mixed):
    rates = script_stats(mixed)["all"]
    assert abs(rates["backchannel_share"] - BEH.backchannel_share) < 0.04
    for script in mixed:  # a back-channel answers the turn just spoken, to its speaker
        spoken = sorted((ln for ln in script.lines if ln.speaker != "device"),
                        key=lambda ln: ln.start_s)
        for prev, ln in zip(spoken, spoken[1:], strict=False):
            if ln.text in BACKCHANNELS and ln.addressee != "device":
                assert prev.speaker == ln.addressee, (prev, ln)


def test_stats_recover_the_behaviour_table(living_room):
    """Gaze, prosody and turn-taking rates from scripts within tolerance of the table. The
    living room has few busy cooks (5%), who look at the stove instead of the device."""
    rates = script_stats(living_room)["family-tv"]
    table = behaviour_table()
    assert rates["utterances"] > 1500
    assert abs(rates["look_directed"] - table["look_directed"]) < 0.07
    assert abs(rates["look_partner"] - table["look_partner"]) < 0.05
    assert abs(rates["device_glance_human_talk"] - table["device_glance_human_talk"]) < 0.05
    assert rates["device_glance_after_reply"] > rates["device_glance_human_talk"] + 0.1
    for key, tol in (("gain_db", 0.6), ("rate_scale", 0.02), ("pitch_st", 0.25),
                     ("f0_range", 0.03)):
        shift = rates[f"{key}:directed"] - rates[f"{key}:not_directed"]
        neutral = 0.0 if key in ("gain_db", "pitch_st") else 1.0
        assert abs(shift - (table[f"{key}:directed"] - neutral)) < tol, key
    assert abs(rates["gap_s_median"] - table["gap_s"]) < 0.1
    assert 0.1 < rates["overlap_share"] < 0.4  # Heldner & Edlund: overlaps are common
    assert rates["questions_answered_by_addressee"] == 1.0
    assert rates["requests_answered_by_device"] == 1.0
    assert rates["follow_up_within_window"] > 0.9
    assert 0.05 < rates["tv_request_like"] < 0.3


def test_a_busy_cook_asks_without_looking():
    """In the kitchen, requests made while busy go out with no look at the device."""
    rates = script_stats([make_script("single-user", s, 60.0) for s in range(80)])
    assert rates["all"]["look_directed"] < BEH.look_directed - 0.1


def test_simulate_stats_scripts_reports_rates_and_floor(tmp_path, capsys):
    assert main(["simulate", str(tmp_path / "unused"), "--sessions", "12", "--scenario",
                 "two-people", "--duration", "30", "--stats", "scripts", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert not (tmp_path / "unused").exists()  # nothing rendered
    assert report["rates"]["two-people"]["scripts"] == 12
    assert report["table"]["look_directed"] == BEH.look_directed
    floor = report["floor"]
    assert floor["scenario"] == "two-people" and floor["test_utterances"] > 50
    for cues in ("all", "gaze", "words", "prosody", "context"):
        assert 0.0 <= floor[cues]["eer"] <= 0.5
    assert floor["all"]["auc"] > 0.7  # a small set: the floor's size is measured, not here
