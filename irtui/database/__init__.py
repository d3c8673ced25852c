"""The PostgreSQL monitor and its remediations (SQL in .sql files beside the code)."""
