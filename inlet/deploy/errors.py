"""The one error the deploy steps raise: what went wrong, said so a person can act on it."""


class DeployError(Exception):
    pass
