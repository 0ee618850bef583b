"""The web service: ``create_app(settings)`` builds a FastAPI app over the domain services."""
