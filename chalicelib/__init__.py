"""Inlet: webhooks and mailhooks deployed into your own AWS account."""
