"""The HTTP side: blueprints that parse requests and render replies; they read and write
only through store/, and show what results/ and ikm/ compute."""
