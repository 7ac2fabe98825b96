"""The GraphQL graph: Job, Batch and Project with filters and cursor connections."""
