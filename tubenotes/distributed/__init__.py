"""Stages on Celery workers: Redis as broker, a shared store (PostgreSQL) as the truth.

A message names a job by its key and a stage by its queue (`fetch`,
`generate`, `write`, `export`); the job itself lives in the store. A task
loads the job, runs its stage, saves it and sends it to the queue of the
stage it needs next. Needs the extra: ``pip install 'tubenotes[distributed]'``.
"""
