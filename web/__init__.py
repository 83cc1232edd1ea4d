"""The HTTP side: blueprints that call into ikm/ and only handle requests and replies."""
