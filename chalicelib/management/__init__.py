"""Management: the use cases behind `/api/...` and the `inlet` CLI."""
