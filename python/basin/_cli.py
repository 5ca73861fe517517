"""Finding and running the ``basin`` command; its errors as BasinError."""

import os
import shutil
import subprocess

__all__ = ["BasinError", "find_basin", "call"]


class BasinError(Exception):
    """A ``basin`` command that failed.

    ``message`` is basin's one-line error message (its last line on stderr, without
    the ``basin: `` prefix), ``returncode`` its exit status (2: bad input or usage;
    1: a run or check that failed), ``command`` the argument list and ``stderr``
    everything it wrote there.
    """

    def __init__(self, message, returncode, command=None, stderr=""):
        super().__init__(message)
        self.message = message
        self.returncode = returncode
        self.command = command
        self.stderr = stderr

    def __str__(self):
        return "%s (exit status %d)" % (self.message, self.returncode)


def _built_in():
    """The basin executable the build wrote next to this package (_where.py), or
    the build/ folder of a source tree this package sits in (python/basin)."""
    try:
        from . import _where  # written by meson: build tree or install
        if os.access(_where.BASIN, os.X_OK):
            return _where.BASIN
    except ImportError:
        pass
    here = os.path.dirname(os.path.abspath(__file__))
    candidate = os.path.join(os.path.dirname(os.path.dirname(here)), "build", "basin")
    if os.access(candidate, os.X_OK):
        return candidate
    return None


def find_basin(basin=None):
    """The path of the ``basin`` executable: ``basin`` when given, else the
    ``BASIN`` environment variable, else the build tree or install this package
    came from, else ``basin`` on ``PATH``. Raises BasinError when none is found."""
    for candidate in (basin, os.environ.get("BASIN")):
        if candidate:
            found = shutil.which(candidate) or (
                candidate if os.access(candidate, os.X_OK) else None)
            if not found:
                raise BasinError("basin executable '%s' not found or not executable"
                                 % candidate, 127)
            return found
    found = _built_in() or shutil.which("basin")
    if not found:
        raise BasinError("no basin executable: pass basin=PATH, set BASIN, or put "
                         "basin on PATH", 127)
    return found


def _message(stderr):
    lines = [l for l in stderr.splitlines() if l.strip()]
    if not lines:
        return "basin failed with no message"
    last = lines[-1]
    return last[len("basin: "):] if last.startswith("basin: ") else last


def call(args, basin=None, stdin=None):
    """Run ``basin ARGS...``; its stdout as text. Raises BasinError (with basin's
    message and exit status) when it exits non-zero."""
    command = [find_basin(basin)] + [str(a) for a in args]
    proc = subprocess.run(command, input=stdin, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE)
    out = proc.stdout.decode("utf-8", "replace")
    err = proc.stderr.decode("utf-8", "replace")
    if proc.returncode != 0:
        raise BasinError(_message(err), proc.returncode, command, err)
    return out
