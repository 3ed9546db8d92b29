"""Traffic management: lane resources, their allocation, and the gridlock admission bound."""
