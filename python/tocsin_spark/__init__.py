"""Run tocsin pipelines on Apache Spark (see spark_job)."""
