"""Spoken prompts: what a villager hears in kiosk mode, and the recordings staff make of it."""
