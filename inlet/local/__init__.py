"""The local stack: AWS stood in for on one machine, running the very Lambda handlers."""
