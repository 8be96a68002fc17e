"""Intake: what both channels do with an arrival — store it, log it, queue it."""
