"""The HTTP driver: the FastAPI app, its dependencies, schemas and routes."""
