"""Real, human-written text for the lexical model: the shared corpora in
``../shared/data/text`` (see its README for sources, licences and extraction).

Directed: crowd-written requests to assistants and home robots (HWU64 with SLURP, Snips,
CLINC150, TOPv2). Not directed: talk between people (AMI meetings, CABNC home
conversations, Topical-Chat). Each line gets a *family* (sources of one text family, held
out together: HWU64 and SLURP are one) and a *group* (an intent, a meeting series, a
conversation), the unit the within-source split holds out whole.

Shortcuts the README warns about are removed here, not learned: text is normalized (lower
case, no punctuation, numbers spelled out) and filler words dropped by the model's own
text form; wake words ("alexa", "olly") are cut from every line; generic replies that
assistant datasets label directed ("yes", "thank you", "never mind") are dropped from the
directed side, as is any directed line that also occurs as talk.
"""

from __future__ import annotations

import csv
import os
import re
from dataclasses import dataclass
from pathlib import Path

from ntt import paths
from ntt.errors import InputError
from ntt.language.corpus import Example, split_of
from ntt.language.text import model_text

TEXT_DIR_ENV = "NTT_TEXT_DIR"


@dataclass(frozen=True)
class Source:
    """One shared TSV file: its family and what the model card must say about it."""

    file: str
    family: str
    directed: bool
    licence: str
    attribution: str


SOURCES = (
    Source("hwu64.tsv", "hwu", True, "CC BY 4.0",
           "Liu, Eshghi, Swietojanski & Rieser, IWSDS 2019 (NLU-Evaluation-Data); modified"),
    Source("slurp_devel.tsv", "hwu", True, "CC BY 4.0 (text)",
           "Bastianelli, Vanzo, Swietojanski & Rieser, SLURP, EMNLP 2020; modified"),
    Source("snips2017.tsv", "snips", True, "CC0 1.0",
           "Coucke et al., Snips Voice Platform, 2018 (sonos/nlu-benchmark)"),
    Source("clinc150.tsv", "clinc", True, "CC BY 3.0",
           "Larson et al., EMNLP-IJCNLP 2019 (clinc/oos-eval); modified"),
    Source("clinc150_oos.tsv", "clinc", True, "CC BY 3.0",
           "Larson et al., EMNLP-IJCNLP 2019 (clinc/oos-eval), out-of-scope queries"),
    Source("topv2_en.tsv", "topv2", True, "CC BY-SA (share-alike)",
           "Chen et al., TOPv2, EMNLP 2020; via Agarwal et al., Hinglish-TOP (Apache-2.0)"),
    Source("ami.tsv", "ami", False, "CC BY 4.0",
           "AMI Meeting Corpus, manual annotations 1.7 (Carletta et al., 2005); modified"),
    Source("ami_extra.tsv", "ami", False, "CC BY 4.0",
           "AMI Meeting Corpus word transcripts (Carletta et al., 2005); modified"),
    Source("cabnc.tsv", "cabnc", False, "CC BY 3.0 (transcripts; see the README caveat)",
           "Albert, de Ruiter & de Ruiter (2015), CABNC; Coleman et al. (2012), Audio BNC"),
    Source("topicalchat.tsv", "topicalchat", False, "CDLA-Sharing-1.0 (models: Results)",
           "Gopalakrishnan et al., Topical-Chat, Interspeech 2019"),
)
DIRECTED_FAMILIES = ("hwu", "snips", "clinc", "topv2")
TALK_FAMILIES = ("ami", "cabnc", "topicalchat", "chitchat")
# Assistant-dataset intents whose lines are replies any person says too ("yes", "thanks").
GENERIC_INTENTS = frozenset({
    "hwu64:general_affirm", "hwu64:general_negate", "hwu64:general_praise",
    "hwu64:general_quirky", "hwu64:general_dontcare", "hwu64:general_repeat",
    "hwu64:general_explain", "hwu64:general_confirm", "hwu64:general_commandstop",
    "hwu64:general_greet", "clinc150:yes", "clinc150:no", "clinc150:maybe",
    "clinc150:greeting", "clinc150:goodbye", "clinc150:thank_you", "clinc150:repeat",
    "clinc150:cancel"})
_WAKE = re.compile(r"\b(?:(?:hey|hi|ok|okay) )?(?:alexa|siri|olly|cortana)\b|"
                   r"\b(?:hey|ok|okay) google\b")


def default_text_dir() -> Path:
    """``$NTT_TEXT_DIR``, else ``../shared/data/text`` beside the source checkout."""
    env = os.environ.get(TEXT_DIR_ENV)
    if env:
        return Path(env)
    root = paths.checkout() or Path.cwd()
    return root.parent / "shared" / "data" / "text"


def family_of(source: str) -> str:
    """The family a line's source belongs to (``templates`` for the project's own lines)."""
    head = source.split(":", 1)[0]
    if head in ("hwu64", "slurp"):
        return "hwu"
    if head in ("snips", "topv2", "ami", "cabnc", "topicalchat"):
        return head
    if head == "clinc150":
        return "clinc"
    if source == "talk:chitchat_corpus":
        return "chitchat"
    return "templates"


def group_of(label: str) -> str:
    """The unit the within-source split keeps whole: an intent (HWU64 and SLURP share
    intent names, so one group spans both), a meeting series, a home recording, a
    conversation."""
    head, _, rest = label.partition(":")
    if head in ("hwu64", "slurp"):
        return "hwu:" + rest
    if head == "ami":
        return "ami:" + rest.rstrip("abcdefgh")          # ES2002a..d: one design team
    if head == "cabnc":
        return "cabnc:" + rest.split("@")[0].split("_")[0]  # KBV_6@home: speaker KBV
    return label


def strip_wake_words(text: str) -> str:
    return " ".join(_WAKE.sub(" ", text).split())


def read_real_text(directory: str | Path | None = None) -> list[Example]:
    """Every usable line of the shared corpora as an Example in model text form, split
    train/test by group (one group in five to test). Raises InputError when the folder or a
    file is missing."""
    directory = Path(directory) if directory is not None else default_text_dir()
    if not directory.is_dir():
        raise InputError(directory, f"real text corpora not found (set ${TEXT_DIR_ENV})")
    rows: list[tuple[str, bool, str]] = []
    for source in SOURCES:
        path = directory / source.file
        if not path.is_file():
            raise InputError(path, "missing corpus file (see ../shared/data/text/README.md)")
        with open(path, encoding="utf-8", newline="") as f:
            for fields in csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE):
                if len(fields) != 3 or fields[1] not in ("0", "1"):
                    raise InputError(path, f"bad line {fields!r:.80}")
                text, directed, label = fields[0], fields[1] == "1", fields[2]
                if directed != source.directed or label in GENERIC_INTENTS:
                    continue
                text = model_text(strip_wake_words(text.lower()))
                if text:
                    rows.append((text, directed, label))
    talk = {t for t, d, _ in rows if not d}
    seen: set[tuple[str, bool, str]] = set()
    out = []
    for text, directed, label in rows:
        key = (text, directed, family_of(label))
        if key in seen or (directed and text in talk):
            continue
        seen.add(key)
        out.append(Example(text, directed, label, split_of(group_of(label))))
    return out
