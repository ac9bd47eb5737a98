"""Data of the fuzz seed corpora and dictionaries, by wire format; fuzz/seeds.py writes them."""
