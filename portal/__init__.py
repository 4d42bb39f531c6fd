"""Self-service portal for Latvia's assistant service for persons with disabilities."""
