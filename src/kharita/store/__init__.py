"""The event store. Only ``store/duckdb.py`` and ``store/spark.py`` import an engine."""
