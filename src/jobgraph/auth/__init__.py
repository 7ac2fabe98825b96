"""Who is calling: API tokens, optional JWTs, the principal they name and the scope it reads."""
