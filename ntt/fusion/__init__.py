"""Fusion of the modality cues into early and final decisions (torch model, runtime,
training). Importable with torch and numpy alone."""
