"""The runtime tests use ``env`` and ``echo_backend`` from tests/integration/conftest.py."""
