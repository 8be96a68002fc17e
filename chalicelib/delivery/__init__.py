"""Delivery: claim an item exactly once, run its scenario, record the attempt, retry or fail."""
