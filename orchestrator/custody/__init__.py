"""Chain of custody: seal events, their hash chain and Merkle commitments (pure, no I/O)."""
