"""Built-in components: each makes one layer of a document (see ``propwatch.pipeline``)."""
