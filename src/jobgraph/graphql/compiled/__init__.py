"""The compiled GraphQL path: operations planned once, answered with few reads and no resolvers."""
