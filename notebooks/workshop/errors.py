"""The workshop's errors: each message says what is wrong and what to do."""


class WorkshopError(Exception):
    """An error whose message tells a learner what is wrong and what to do."""

    def _render_traceback_(self):  # IPython shows just the message, no deep traceback
        return [f"\033[1;31m{type(self).__name__}\033[0m: {self}"]


class ImageLoadError(WorkshopError, ValueError):
    """An image file that cannot be used, with the reason and the path."""


class MissingFilesError(WorkshopError, FileNotFoundError):
    """Weights or data that are neither cached, mirrored nor downloadable."""
