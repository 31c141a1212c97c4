"""Errors of the sync package that are not a single provider's."""


class SyncError(Exception):
    pass


class UnknownProvider(SyncError):
    pass
