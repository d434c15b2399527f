"""Patches applied to moto by vigil_moto.py, one module per service."""
