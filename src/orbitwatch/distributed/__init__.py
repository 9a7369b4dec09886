"""Executors that spread independent chunks of work: in-process and Dask."""

from .executors import DaskExecutor, Executor, InProcessExecutor, as_executor, default_workers

__all__ = ["Executor", "InProcessExecutor", "DaskExecutor", "as_executor", "default_workers"]
