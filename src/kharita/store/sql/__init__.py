"""Every query kharita runs, written once in DuckDB's dialect.

Each module builds the SQL of one concept (the analysis frame, activity, geography,
the read model's pages, ingest, attribution) as plain strings; the store adapter runs
them, translating to Spark SQL where needed (:mod:`kharita.store.dialect`). Builders
take table names and already-validated values; values the user typed are passed as
``?`` parameters, never spliced.
"""
