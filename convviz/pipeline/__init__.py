"""The live pipeline, Qt-free: source -> network input -> forward -> display images -> one result."""
