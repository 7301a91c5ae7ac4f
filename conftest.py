# Makes the repo root importable in tests (``from tests.rendering import ...``).
