"""NTT on the Wyoming protocol, Home Assistant's voice link, both ways.

* ``wake`` — a wake service: a satellite streams its microphone, NTT answers with a
  ``detection`` for each utterance it judges directed (no wake word is spoken).
* ``satellite`` — NTT as the satellite: Home Assistant connects, NTT listens (and watches),
  runs Home Assistant's pipeline on each directed utterance from its start and plays the reply.
* ``audio`` (PCM in and out), ``directed`` (one trigger per utterance), ``streaming`` (what
  the satellite sends, as a pure state machine) and ``replies`` (the reply played, and kept
  as the device's turn for fusion's context) are the glue both share.

Needs the ``wyoming`` extra (``pip install 'ntt[wyoming]'``).
"""
