"""Errors the user can act on.

A `FlowError` is caught by the CLI, printed as one paragraph without a traceback, and turned into
exit code 1. Anything else is a bug in the flow and keeps its traceback.
"""

from __future__ import annotations


class FlowError(Exception):
    """A problem with the user's input (config, data, model, environment) with a fix to suggest.

    `where` names the file and/or config path of the bad value (e.g. ``configs/x.yaml: model.layers[1].kernel.bits``),
    `fix` says what to do next.
    """

    def __init__(self, message: str, *, where: str | None = None, fix: str | None = None) -> None:
        self.message = message
        self.where = where
        self.fix = fix
        super().__init__(self.render())

    def render(self) -> str:
        parts = []
        if self.where:
            parts.append(f"{self.where}: ")
        parts.append(self.message.rstrip("."))
        parts.append(".")
        if self.fix:
            parts.append(f" Fix: {self.fix.rstrip('.')}.")
        return "".join(parts)


class ConfigError(FlowError):
    """The YAML config is malformed or a value is out of range."""


class DataError(FlowError):
    """A data file is missing, corrupt, or has the wrong shape."""


class ModelError(FlowError):
    """A user model uses a layer or quantizer the flow cannot convert exactly."""


class ToolError(FlowError):
    """A required external tool (g++, yosys, an optional package) is missing."""


class NotBitExactError(FlowError):
    """C-simulation differs from QKeras; the message carries the diagnosis."""
