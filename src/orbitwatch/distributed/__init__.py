"""Executors that spread independent chunks of work: in-process and Dask."""
