"""Webhook channel: the HTTP request model, body parsing, guards and handshakes."""
