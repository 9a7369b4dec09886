"""Disaster response: Charter activations, fleet, access windows, acquisition plans."""
