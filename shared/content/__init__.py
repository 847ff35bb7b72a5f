"""Content: draft uploads to storage, disclosure checks, reviews with timestamped feedback, go-live."""
