"""Conjunction assessment: screening, collision probability, CCSDS CDMs."""
