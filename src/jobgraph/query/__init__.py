"""The query core: filter, order and page specs, and the one module that turns them into SQL."""
