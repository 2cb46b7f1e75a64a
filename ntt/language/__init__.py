"""Language front-end: lexical directedness of what was said (does it read like a request to
the device?) and intent recognition for the conversation engine.

* ``LexicalModel`` / ``load_model`` — the compact directedness model (numpy at run time);
  ``predict(text)`` for a finished utterance, ``predict(text, final=False)`` for words so far.
* ``LexicalScorer`` — the stage: recognition results (final n-best, partials) in,
  ``LexicalCue`` out.
* ``IntentRecognizer`` / ``Home`` / ``Intent`` — Home Assistant's grammar over the home's
  names, with an optional fallback classifier (``fallback.IntentClassifier``) where it has
  no match.
* ``train.train_lexical`` — rebuilds ``ntt/models/lexical*`` from the repo and the shared
  real corpora (``ntt train --lexical``); ``protocol`` — how it is measured (sources held
  out).
"""

from ntt.cues import Intent, LexicalCue
from ntt.language.intents import Home, IntentRecognizer
from ntt.language.model import DEFAULT_MODEL_PATH, LexicalModel, load_model
from ntt.language.scorer import LexicalScorer

__all__ = ["DEFAULT_MODEL_PATH", "Home", "Intent", "IntentRecognizer", "LexicalCue",
           "LexicalModel", "LexicalScorer", "load_model"]
