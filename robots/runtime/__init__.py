"""The robot runtime: process definitions, the worker loop, sessions, evidence, run records.

Public API for process authors::

    from robots.runtime import Process, ProcessConfig, StepContext, BusinessError, ApplicationError
"""

from .context import StepContext
from .errors import ApplicationError, BusinessError, TransientError
from .hooks import Hook
from .process import SHARED_REASONS, Process, ProcessConfig, Step, load_process
from .worker import WorkerOptions, run_step

__all__ = [
    "SHARED_REASONS", "ApplicationError", "BusinessError", "Hook", "Process", "ProcessConfig", "Step",
    "StepContext",
    "TransientError", "WorkerOptions", "load_process", "run_step",
]
