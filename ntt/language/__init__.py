"""Language front-end: lexical directedness of what was said (does it read like a request to
the device?) and intent recognition for the conversation engine.

* ``LexicalModel`` / ``load_model`` — the compact directedness model (numpy at run time).
* ``LexicalScorer`` — the stage: recognition results in, ``LexicalCue`` out.
* ``IntentRecognizer`` / ``Home`` / ``Intent`` — Home Assistant's grammar over the home's names.
* ``train.train_lexical`` — rebuilds ``ntt/models/lexical.*`` (``ntt train --lexical``).
"""

from ntt.cues import Intent, LexicalCue
from ntt.language.intents import Home, IntentRecognizer
from ntt.language.model import DEFAULT_MODEL_PATH, LexicalModel, load_model
from ntt.language.scorer import LexicalScorer

__all__ = ["DEFAULT_MODEL_PATH", "Home", "Intent", "IntentRecognizer", "LexicalCue",
           "LexicalModel", "LexicalScorer", "load_model"]
