"""NTT — natural turn-taking: is this person talking to the device?"""

__version__ = "0.1.0"
