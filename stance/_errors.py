"""Exceptions that mean "the user's input is wrong", not "stance is broken"."""

__all__ = ["StanceError", "DataError", "ModelError", "UsageError", "MissingDependencyError", "ClusterError"]


class StanceError(Exception):
    """Base class of the errors stance raises about its inputs."""


class DataError(StanceError, ValueError):
    """A data file cannot be read, or its content cannot be used."""


class ModelError(StanceError):
    """A model file is missing, damaged, untrusted or not a stance model."""


class UsageError(StanceError, ValueError):
    """The request does not fit the data: an unknown column, an invalid label map."""


class MissingDependencyError(StanceError, ImportError):
    """An optional dependency is not installed; the message says which extra to install."""


class ClusterError(StanceError):
    """A Dask cluster cannot be reached or started."""
