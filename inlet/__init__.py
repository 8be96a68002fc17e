"""Inlet's developer side: the `inlet` CLI and the local stack. Not deployed to Lambda."""
