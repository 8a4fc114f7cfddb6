"""Operations per resource family; `CloudClient` (client.py) exposes one instance of each."""
