"""Participatory budget service: cycles and their envelopes, projects, study, selection, vote, results."""
SERVICE_NAME = "budget"
