"""Domain vocabulary of the crossing: containers, seals, vehicles, orders and their states."""
